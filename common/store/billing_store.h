/* billing_store.h: subscriptions and the webhook events applied to them
 * (sql/015_billing.sql). A user's tier follows their subscription: pro
 * while it is active or trialing, and while past due or unpaid until the
 * grace period after a failed payment ends; free otherwise.
 *
 * The webhook's work is one transaction: billing_event_claim, then
 * billing_event_user and billing_event_apply, then billing_event_finish. */
#ifndef EDGESCOUT_BILLING_STORE_H
#define EDGESCOUT_BILLING_STORE_H

#include <libpq-fe.h>
#include <stdint.h>

#include "stripe_event.h"

struct pool;

/* What applying an event did. */
struct billing_change {
	const char *outcome;      /* "applied" or "stale" (older than the state) */
	const char *status;       /* the subscription status after it */
	const char *tier_before;  /* the user's tier before and after */
	const char *tier_after;
};

/* Record event e as received. 1 when new, 0 when its id was seen before (a
 * replay: change nothing), -1 when the database failed. */
int billing_event_claim(struct pool *p, const struct stripe_event *e);

/* The user e is about: the owner of its subscription, else of its customer
 * (the ids Stripe keeps), else its user reference when that user exists; 0
 * when none. 0, or -1 when the database failed. */
int billing_event_user(struct pool *p, const struct stripe_event *e, int64_t *user_id);

/* Apply e to user_id's subscription (row locked; made when missing) and set
 * the user's tier from it; grace_days after a failed payment. An event older
 * than the last one applied changes nothing ("stale"). 0 with out filled
 * (pool memory), or -1 when the database failed. */
int billing_event_apply(struct pool *p, const struct stripe_event *e, int64_t user_id,
                        int grace_days, struct billing_change *out);

/* Store what event id did (outcome as in sql/015_billing.sql) and its user
 * (0: none). 0, or -1 when the database failed. */
int billing_event_finish(struct pool *p, const char *id, int64_t user_id, const char *outcome);

/* The subscription of user_id as one row: tier, status ("none" when there
 * is none), current_period_end, cancel_at_period_end ("t"/"f"),
 * grace_until (times RFC 3339, "" when NULL), customer_id (""). NULL when
 * the database failed. */
PGresult *billing_account(struct pool *p, int64_t user_id);

/* Users on pro whose grace period has ended while still past due or unpaid
 * go back to free, each with a billing.tier_changed audit row (no actor);
 * with dry_run they are only counted. How many, or -1 on failure. */
int64_t billing_grace_expire(struct pool *p, int dry_run);

#endif
