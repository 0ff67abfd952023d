/* alert_deliver.c: the outbox sender (alert_deliver.h). */
#include "alert_deliver.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "alert_send.h"
#include "alert_sign.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "pool_json.h"
#include "token.h"

/* Due rows, pending or with an ended lease, claimed for $2 seconds. */
static const char SQL_CLAIM[] =
	"WITH due AS (SELECT id FROM alert_outbox "
	"  WHERE not_before <= now() AND (status = 'pending' OR "
	"        (status = 'sending' AND lease_until < now())) "
	"  ORDER BY not_before, id LIMIT $1 FOR UPDATE SKIP LOCKED) "
	"UPDATE alert_outbox o SET status = 'sending', attempts = o.attempts + 1, "
	"  lease_until = now() + make_interval(secs => $2::int) "
	"FROM due WHERE o.id = due.id RETURNING o.id";

/* What one delivery sends: columns in this order. */
static const char SQL_DELIVERY[] =
	"SELECT o.id, o.attempts, c.id, c.kind, c.target, c.secret, "
	"  c.unsubscribed_at IS NOT NULL, a.id, a.domain, a.score::float8, a.title, h.key, "
	"  " DB_TIME("h.observed_at") ", r.id, r.name, h.payload "
	"FROM alert_outbox o JOIN alert_channels c ON c.id = o.channel_id "
	"JOIN alerts a ON a.id = o.alert_id JOIN hits h ON h.id = a.hit_id "
	"JOIN alert_rules r ON r.id = a.rule_id WHERE o.id = $1";

enum { D_ID, D_ATTEMPTS, D_CHANNEL, D_KIND, D_TARGET, D_SECRET, D_UNSUBSCRIBED, D_ALERT,
       D_DOMAIN, D_SCORE, D_TITLE, D_KEY, D_OBSERVED, D_RULE, D_RULE_NAME, D_PAYLOAD };

static const char SQL_SENT[] =
	"UPDATE alert_outbox SET status = 'sent', sent_at = now(), lease_until = NULL, "
	"last_status = $2, last_error = NULL WHERE id = $1";
static const char SQL_RETRY[] =
	"UPDATE alert_outbox SET status = 'pending', lease_until = NULL, last_status = $2, "
	"last_error = $3, not_before = now() + make_interval(secs => $4::float8) WHERE id = $1";
static const char SQL_DEAD[] =
	"UPDATE alert_outbox SET status = 'dead', lease_until = NULL, last_status = $2, "
	"last_error = $3 WHERE id = $1";
static const char SQL_NEXT[] =
	"SELECT GREATEST(0, extract(epoch FROM min(not_before) - now())) FROM alert_outbox "
	"WHERE status = 'pending' OR (status = 'sending' AND lease_until < now())";

double
alert_backoff(int n, long retry_after)
{
	double base = ldexp(1.0, n - 1 < 0 ? 0 : n - 1);
	double wait = base + base / 4 * randombytes_uniform(1001) / 1000.0;

	if (retry_after > 3600)
		retry_after = 3600;
	return retry_after > wait ? (double)retry_after : wait;
}

/* The webhook body: the delivery, its alert, hit and rule, and a nonce of
 * this send: a resend (a retry, an administrator's replay) is the same
 * delivery_id with another signature, never a byte-for-byte replay that a
 * receiver refusing seen signatures would drop, even within one second. */
static const char *
webhook_body(struct pool *p, const PGresult *d)
{
	json_object *o = pool_json_object(p), *hit = json_object_new_object(),
	            *rule = json_object_new_object();
	const char *unsub = alert_unsubscribe_url(p, db_int(d, 0, D_CHANNEL));
	unsigned char nonce[12];
	char hex[sizeof(nonce) * 2 + 1];

	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(hex, sizeof(hex), nonce, sizeof(nonce));
	json_object_object_add(o, "delivery_id", json_object_new_int64(db_int(d, 0, D_ID)));
	json_object_object_add(o, "nonce", json_object_new_string(hex));
	json_object_object_add(o, "alert_id", json_object_new_int64(db_int(d, 0, D_ALERT)));
	json_object_object_add(hit, "domain", json_object_new_string(db_text(d, 0, D_DOMAIN)));
	json_object_object_add(hit, "key", json_object_new_string(db_text(d, 0, D_KEY)));
	json_object_object_add(hit, "score",
	                       json_object_new_double(strtod(db_text(d, 0, D_SCORE), NULL)));
	json_object_object_add(hit, "title", json_object_new_string(db_text(d, 0, D_TITLE)));
	json_object_object_add(hit, "observed_at",
	                       json_object_new_string(db_text(d, 0, D_OBSERVED)));
	json_object_object_add(hit, "payload",
	                       json_tokener_parse(db_text(d, 0, D_PAYLOAD)));
	json_object_object_add(o, "hit", hit);
	json_object_object_add(rule, "id", json_object_new_int64(db_int(d, 0, D_RULE)));
	json_object_object_add(rule, "name", json_object_new_string(db_text(d, 0, D_RULE_NAME)));
	json_object_object_add(o, "rule", rule);
	json_object_object_add(o, "unsubscribe_url", unsub ? json_object_new_string(unsub) : NULL);
	return pool_strdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* The lines every channel shows: the hit, its score and rule, the link. */
static void
alert_text_of(struct pool *p, const PGresult *d, struct alert_text *t)
{
	const char *unsub = alert_unsubscribe_url(p, db_int(d, 0, D_CHANNEL));

	t->title = db_text(d, 0, D_TITLE);
	t->text = pool_printf(p, "%s hit, score %s (rule \"%s\"), seen %s%s%s",
	    db_text(d, 0, D_DOMAIN), db_text(d, 0, D_SCORE), db_text(d, 0, D_RULE_NAME),
	    db_text(d, 0, D_OBSERVED), unsub ? "\nUnsubscribe: " : "", unsub ? unsub : "");
	t->json = webhook_body(p, d);
}

/* Record what became of delivery d (its outcome r). */
static int
settle(struct pool *p, const PGresult *d, const struct alert_result *r,
       struct alert_batch *out)
{
	const char *id = db_text(d, 0, D_ID), *status = r->status ? db_i64(p, r->status) : NULL;
	int attempts = (int)db_int(d, 0, D_ATTEMPTS);

	if (r->outcome == ALERT_SENT) {
		out->sent++;
		return db_query(p, SQL_SENT, DB_ARGS(id, status)) ? 0 : -1;
	}
	if (r->outcome == ALERT_TRANSIENT && attempts < ALERT_ATTEMPTS_MAX) {
		out->retried++;
		return db_query(p, SQL_RETRY, DB_ARGS(id, status, r->error, pool_printf(p, "%.3f",
		                alert_backoff(attempts, r->retry_after)))) ? 0 : -1;
	}
	out->dead++;
	log_kv(LOG_WARN, "alert delivery is a dead letter", "delivery", id, "error", r->error, NULL);
	return db_query(p, SQL_DEAD, DB_ARGS(id, status, r->error)) ? 0 : -1;
}

/* Deliver claimed row id: send it (unless its channel unsubscribed) and
 * record the outcome. 0 or -1 (database). */
static int
deliver(struct pool *p, const char *id, struct alert_batch *out)
{
	PGresult *d = db_query(p, SQL_DELIVERY, DB_ARGS(id));
	struct alert_result res;
	struct alert_text text;
	struct alert_target to;

	if (d == NULL)
		return -1;
	if (PQntuples(d) != 1)
		return 0;   /* its alert or channel went away meanwhile */
	if (strcmp(db_text(d, 0, D_UNSUBSCRIBED), "t") == 0) {
		out->dead++;
		return db_query(p, SQL_DEAD, DB_ARGS(id, NULL, "channel unsubscribed")) ? 0 : -1;
	}
	to = (struct alert_target){ .channel_id = db_int(d, 0, D_CHANNEL),
	                            .kind = db_text(d, 0, D_KIND), .target = db_text(d, 0, D_TARGET),
	                            .secret = db_text(d, 0, D_SECRET), .delivery_id = id };
	alert_text_of(p, d, &text);
	alert_send(p, &to, &text, &res);
	return settle(p, d, &res, out);
}

int
alert_deliver_batch(struct pool *p, int max, int lease_s, struct alert_batch *out)
{
	PGresult *claimed;

	memset(out, 0, sizeof(*out));
	claimed = db_query(p, SQL_CLAIM, DB_ARGS(db_i64(p, max), db_i64(p, lease_s)));
	if (claimed == NULL)
		return -1;
	out->claimed = PQntuples(claimed);
	for (int i = 0; i < out->claimed; i++)
		if (deliver(p, db_text(claimed, i, 0), out) < 0)
			return -1;
	return 0;
}

/* Codes asked for and not sent yet, claimed (marked sent) before sending:
 * a code that fails to go out is asked for again by its user. */
static const char SQL_CODES[] =
	"UPDATE alert_channels c SET verify_sent_at = now() WHERE c.id IN ("
	"  SELECT id FROM alert_channels WHERE verify_nonce IS NOT NULL AND verify_sent_at IS NULL "
	"  AND verify_expires_at > now() AND kind IN ('sms', 'email') "
	"  ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED) "
	"RETURNING c.id, c.kind, c.target, c.verify_nonce";

int
alert_send_codes(struct pool *p, int *sent)
{
	unsigned char key[TOKEN_KEY_BYTES];
	PGresult *res;

	*sent = 0;
	if (token_subkey("alert-verify", key) != 0) {
		log_kv(LOG_ERROR, "no SECRET_KEY: verification codes cannot be made", NULL);
		return -1;
	}
	if ((res = db_query(p, SQL_CODES, DB_NOARGS)) == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t id = db_int(res, i, 0);
		const char *kind = db_text(res, i, 1);
		struct alert_target c = { .channel_id = id, .kind = kind,
		                          .target = db_text(res, i, 2),
		                          .delivery_id = pool_printf(p, "verify-%lld", (long long)id) };
		struct alert_result out;

		alert_send_code(p, &c, alert_verify_code(p, key, (long long)id, db_text(res, i, 3),
		                strcmp(kind, "sms") == 0), &out);
		if (out.outcome == ALERT_SENT)
			(*sent)++;
		else
			log_kv(LOG_WARN, "verification code not sent", "channel", db_text(res, i, 0),
			       "error", out.error, NULL);
	}
	return 0;
}

double
alert_next_due(struct pool *p)
{
	PGresult *res = db_query(p, SQL_NEXT, DB_NOARGS);

	if (res == NULL || PQgetisnull(res, 0, 0))
		return -1;
	return strtod(db_text(res, 0, 0), NULL);
}
