/* billing_store.c: subscriptions, webhook events and the tier they set. */
#include "billing_store.h"

#include <string.h>

#include "db.h"
#include "pool.h"

/* The tier a billing_accounts row gives (columns of the row in scope). */
#define TIER_OF \
	"CASE WHEN status IN ('active', 'trialing') OR (status IN ('past_due', 'unpaid') " \
	"AND grace_until > now()) THEN 'pro' ELSE 'free' END"

static const char SQL_CLAIM[] =
	"INSERT INTO billing_events (id, type, created, outcome) "
	"VALUES ($1, $2, $3::bigint, 'ignored') ON CONFLICT (id) DO NOTHING RETURNING id";

static const char SQL_USER[] =
	"SELECT coalesce((SELECT user_id FROM billing_accounts WHERE subscription_id = $2), "
	"(SELECT user_id FROM billing_accounts WHERE customer_id = $3), "
	"(SELECT id FROM users WHERE id = $1::bigint))";

static const char SQL_ENSURE[] =
	"INSERT INTO billing_accounts (user_id) VALUES ($1::bigint) ON CONFLICT DO NOTHING";

static const char SQL_LOCK[] =
	"SELECT u.tier FROM users u JOIN billing_accounts b ON b.user_id = u.id "
	"WHERE u.id = $1::bigint FOR UPDATE";

/* $1 user, $2 customer, $3 subscription, $4 status, $5 period end, $6
 * cancel at period end, $7 created, $8 grace days */
static const char SQL_SUBSCRIPTION[] =
	"UPDATE billing_accounts SET customer_id = coalesce($2, customer_id), "
	"subscription_id = $3, status = $4, "
	"current_period_end = CASE WHEN $5::bigint > 0 THEN to_timestamp($5::bigint) "
	"  ELSE current_period_end END, cancel_at_period_end = $6::boolean, "
	"grace_until = CASE WHEN $4 IN ('past_due', 'unpaid') THEN coalesce(grace_until, "
	"  to_timestamp($7::bigint) + make_interval(days => $8::int)) END, "
	"state_at = $7::bigint, updated_at = now() "
	"WHERE user_id = $1::bigint AND state_at <= $7::bigint RETURNING status, " TIER_OF;

/* $1 user, $2 customer, $3 subscription, $4 paid: ids, and active until a
 * subscription event says more (state_at stays, so that one still applies) */
static const char SQL_CHECKOUT[] =
	"UPDATE billing_accounts SET customer_id = coalesce($2, customer_id), "
	"subscription_id = coalesce($3, subscription_id), "
	"status = CASE WHEN status = 'none' AND $4::boolean THEN 'active' ELSE status END, "
	"updated_at = now() WHERE user_id = $1::bigint RETURNING status, " TIER_OF;

/* $1 user, $2 created */
static const char SQL_INVOICE_PAID[] =
	"UPDATE billing_accounts SET status = CASE WHEN status IN ('none', 'incomplete', "
	"'past_due', 'unpaid') THEN 'active' ELSE status END, grace_until = NULL, "
	"state_at = $2::bigint, updated_at = now() "
	"WHERE user_id = $1::bigint AND state_at <= $2::bigint RETURNING status, " TIER_OF;

/* $1 user, $2 created, $3 grace days */
static const char SQL_INVOICE_FAILED[] =
	"UPDATE billing_accounts SET status = CASE WHEN status IN ('active', 'trialing') "
	"THEN 'past_due' ELSE status END, grace_until = CASE WHEN status IN ('active', "
	"'trialing', 'past_due', 'unpaid') THEN coalesce(grace_until, to_timestamp($2::bigint) "
	"+ make_interval(days => $3::int)) END, state_at = $2::bigint, updated_at = now() "
	"WHERE user_id = $1::bigint AND state_at <= $2::bigint RETURNING status, " TIER_OF;

static const char SQL_STATUS[] =
	"SELECT status, " TIER_OF " FROM billing_accounts WHERE user_id = $1::bigint";

static const char SQL_SET_TIER[] =
	"UPDATE users SET tier = $2, updated_at = now() WHERE id = $1::bigint AND tier <> $2";

static const char SQL_FINISH[] =
	"UPDATE billing_events SET outcome = $2, user_id = nullif($3::bigint, 0) WHERE id = $1";

static const char SQL_ACCOUNT[] =
	"SELECT u.tier, coalesce(b.status, 'none'), " DB_TIME("b.current_period_end") ", "
	"coalesce(b.cancel_at_period_end, false), " DB_TIME("b.grace_until") ", "
	"coalesce(b.customer_id, '') "
	"FROM users u LEFT JOIN billing_accounts b ON b.user_id = u.id WHERE u.id = $1::bigint";

#define GRACE_OVER \
	"FROM billing_accounts b WHERE b.user_id = u.id AND u.tier = 'pro' " \
	"AND b.status IN ('past_due', 'unpaid') AND b.grace_until <= now()"

static const char SQL_GRACE_COUNT[] = "SELECT count(*) FROM users u, billing_accounts b "
	"WHERE b.user_id = u.id AND u.tier = 'pro' AND b.status IN ('past_due', 'unpaid') "
	"AND b.grace_until <= now()";

static const char SQL_GRACE_EXPIRE[] =
	"WITH ended AS (UPDATE users u SET tier = 'free', updated_at = now() " GRACE_OVER " "
	"RETURNING u.id, b.status, b.grace_until) "
	"INSERT INTO audit_log (action, target, details) "
	"SELECT 'billing.tier_changed', 'user:' || id, jsonb_build_object('reason', "
	"'grace period ended', 'status', status, 'grace_until', " DB_TIME("grace_until") ", "
	"'tier_before', 'pro', 'tier_after', 'free') FROM ended RETURNING id";

int
billing_event_claim(struct pool *p, const struct stripe_event *e)
{
	PGresult *res = db_query(p, SQL_CLAIM,
	                         DB_ARGS(e->id, e->type, db_i64(p, e->created)));

	return res == NULL ? -1 : PQntuples(res) == 1;
}

int
billing_event_user(struct pool *p, const struct stripe_event *e, int64_t *user_id)
{
	PGresult *res = db_query(p, SQL_USER, DB_ARGS(db_i64(p, e->user_id), e->subscription,
	                                              e->customer));

	if (res == NULL)
		return -1;
	*user_id = db_int(res, 0, 0);
	return 0;
}

int
billing_event_apply(struct pool *p, const struct stripe_event *e, int64_t user_id,
                    int grace_days, struct billing_change *out)
{
	const char *uid = db_i64(p, user_id), *created = db_i64(p, e->created);
	const char *grace = db_i64(p, grace_days);
	PGresult *res;

	if (db_query(p, SQL_ENSURE, DB_ARGS(uid)) == NULL ||
	    (res = db_query(p, SQL_LOCK, DB_ARGS(uid))) == NULL || PQntuples(res) != 1)
		return -1;
	out->tier_before = db_text(res, 0, 0);
	switch (e->kind) {
	case STRIPE_EV_CHECKOUT_COMPLETED:
		res = db_query(p, SQL_CHECKOUT, DB_ARGS(uid, e->customer, e->subscription,
		                                        e->paid ? "true" : "false"));
		break;
	case STRIPE_EV_SUBSCRIPTION_CREATED:
	case STRIPE_EV_SUBSCRIPTION_UPDATED:
	case STRIPE_EV_SUBSCRIPTION_DELETED:
		res = db_query(p, SQL_SUBSCRIPTION, DB_ARGS(uid, e->customer, e->subscription,
		               e->status, db_i64(p, e->period_end),
		               e->cancel_at_period_end ? "true" : "false", created, grace));
		break;
	case STRIPE_EV_INVOICE_PAID:
		res = db_query(p, SQL_INVOICE_PAID, DB_ARGS(uid, created));
		break;
	case STRIPE_EV_INVOICE_FAILED:
		res = db_query(p, SQL_INVOICE_FAILED, DB_ARGS(uid, created, grace));
		break;
	default:
		res = db_query(p, SQL_STATUS, DB_ARGS(uid));
		break;
	}
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {   /* older than the state: nothing changes */
		if ((res = db_query(p, SQL_STATUS, DB_ARGS(uid))) == NULL)
			return -1;
		out->outcome = "stale";
		out->status = db_text(res, 0, 0);
		out->tier_after = out->tier_before;
		return 0;
	}
	out->outcome = "applied";
	out->status = db_text(res, 0, 0);
	out->tier_after = db_text(res, 0, 1);
	if (strcmp(out->tier_after, out->tier_before) != 0 &&
	    db_query(p, SQL_SET_TIER, DB_ARGS(uid, out->tier_after)) == NULL)
		return -1;
	return 0;
}

int
billing_event_finish(struct pool *p, const char *id, int64_t user_id, const char *outcome)
{
	return db_query(p, SQL_FINISH, DB_ARGS(id, outcome, db_i64(p, user_id))) ? 0 : -1;
}

PGresult *
billing_account(struct pool *p, int64_t user_id)
{
	return db_query(p, SQL_ACCOUNT, DB_ARGS(db_i64(p, user_id)));
}

int64_t
billing_grace_expire(struct pool *p, int dry_run)
{
	PGresult *res = db_query(p, dry_run ? SQL_GRACE_COUNT : SQL_GRACE_EXPIRE, DB_NOARGS);

	if (res == NULL)
		return -1;
	return dry_run ? db_int(res, 0, 0) : PQntuples(res);
}
