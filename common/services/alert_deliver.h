/* alert_deliver.h: sending the alert outbox to its channels.
 *
 * A batch claims due rows with FOR UPDATE SKIP LOCKED (several senders may
 * run), marks them 'sending' with a lease and commits before sending, so a
 * sender killed mid-send leaves a row another takes again once the lease
 * ends; every send of a row carries its id (X-Edgescout-Delivery, and
 * delivery_id in a webhook body) for the receiver to keep it once.
 *
 * A transient failure (no reply, 429, 5xx) is tried again after 1, 2 and 4
 * seconds (each plus up to a quarter more at random, or the reply's
 * Retry-After when longer), then the row is a dead letter; a permanent one
 * (any other non-2xx) is a dead letter at once. */
#ifndef EDGESCOUT_ALERT_DELIVER_H
#define EDGESCOUT_ALERT_DELIVER_H

#include <stdint.h>

struct pool;

/* The database channel alerts are NOTIFYed on (by the hits trigger). */
#define ALERTS_CHANNEL "edgescout_alerts"

/* Sends tried in all, the first included. */
#define ALERT_ATTEMPTS_MAX 4

/* What a batch did. */
struct alert_batch {
	int claimed, sent, retried, dead;
};

/* Claim up to max due rows for lease_s seconds and send each. 0, or -1
 * when the database failed (logged). */
int alert_deliver_batch(struct pool *p, int max, int lease_s, struct alert_batch *out);

/* Send the verification codes SMS and email channels asked for (each
 * once; a code that fails is logged and asked for again by its user);
 * *sent says how many went out. 0, or -1 when the database failed or
 * SECRET_KEY is unset (logged). */
int alert_send_codes(struct pool *p, int *sent);

/* Seconds until the next pending row is due (0 when one is due now), or
 * -1 when none waits or the database failed. */
double alert_next_due(struct pool *p);

/* The wait before send n+1 after the n-th failed (n >= 1): 2^(n-1) seconds
 * plus up to a quarter more, or retry_after when longer (capped at an hour). */
double alert_backoff(int n, long retry_after);

#endif
