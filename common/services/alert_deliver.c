/* alert_deliver.c: the outbox sender (alert_deliver.h). */
#include "alert_deliver.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "alert_sign.h"
#include "config.h"
#include "db.h"
#include "http.h"
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

/* The channel's unsubscribe link, or NULL without SECRET_KEY. */
static const char *
unsubscribe_url(struct pool *p, int64_t channel)
{
	unsigned char key[TOKEN_KEY_BYTES];
	const char *base = config_get("PUBLIC_URL");

	if (token_subkey("alert-unsubscribe", key) != 0)
		return NULL;
	return pool_printf(p, "%s/api/alerts/unsubscribe?channel=%lld&sig=%s",
	                   base ? base : "", (long long)channel,
	                   alert_unsubscribe_token(p, key, (long long)channel));
}

/* The webhook body: the delivery, its alert, hit and rule. */
static const char *
webhook_body(struct pool *p, const PGresult *d)
{
	json_object *o = pool_json_object(p), *hit = json_object_new_object(),
	            *rule = json_object_new_object();
	const char *unsub = unsubscribe_url(p, db_int(d, 0, D_CHANNEL));

	json_object_object_add(o, "delivery_id", json_object_new_int64(db_int(d, 0, D_ID)));
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

/* A Discord message: one embed with the hit. */
static const char *
discord_body(struct pool *p, const PGresult *d)
{
	json_object *o = pool_json_object(p), *embeds = json_object_new_array(),
	            *e = json_object_new_object();
	const char *unsub = unsubscribe_url(p, db_int(d, 0, D_CHANNEL));

	json_object_object_add(e, "title", json_object_new_string(db_text(d, 0, D_TITLE)));
	json_object_object_add(e, "description", json_object_new_string(pool_printf(p,
	    "%s hit, score %s (rule \"%s\")%s%s", db_text(d, 0, D_DOMAIN),
	    db_text(d, 0, D_SCORE), db_text(d, 0, D_RULE_NAME), unsub ? "\nUnsubscribe: " : "",
	    unsub ? unsub : "")));
	json_object_object_add(e, "timestamp", json_object_new_string(db_text(d, 0, D_OBSERVED)));
	json_object_array_add(embeds, e);
	json_object_object_add(o, "embeds", embeds);
	return pool_strdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* Discord's 429 says retry_after (seconds) in its JSON body. */
static long
discord_retry_after(const struct http_response *res)
{
	json_object *o = json_tokener_parse(res->body), *v;
	long s = -1;

	if (o != NULL && json_object_object_get_ex(o, "retry_after", &v))
		s = (long)ceil(json_object_get_double(v));
	json_object_put(o);
	return s;
}

/* POST body to a channel of kind at target, signed with secret for a
 * webhook, with delivery id did; 0 or -1 as http_post. */
static int
post_to(struct pool *p, const char *kind, const char *target, const char *secret,
        const char *did, const char *body, struct http_response *res)
{
	const char *headers[4] = { "Content-Type: application/json", NULL };
	struct http_request req = { .provider = "webhook", .headers = headers, .url = target,
	                            .body = body, .body_len = strlen(body) };

	headers[1] = pool_printf(p, "X-Edgescout-Delivery: %s", did);
	if (strcmp(kind, "discord") == 0)
		req.provider = "discord";
	else
		headers[2] = pool_printf(p, "X-Edgescout-Signature: %s",
		    alert_signature(p, secret ? secret : "", (long long)time(NULL), body, strlen(body)));
	return http_post(p, &req, res);
}

int
alert_channel_test(struct pool *p, int64_t id, const char *kind, const char *target,
                   const char *secret, struct http_response *res)
{
	json_object *o = pool_json_object(p);
	const char *unsub = unsubscribe_url(p, id);
	const char *text = "edgescout: this channel is being verified for alerts";

	if (strcmp(kind, "discord") == 0) {
		json_object_object_add(o, "content", json_object_new_string(text));
	} else {
		json_object_object_add(o, "type", json_object_new_string("verification"));
		json_object_object_add(o, "message", json_object_new_string(text));
		json_object_object_add(o, "unsubscribe_url",
		                       unsub ? json_object_new_string(unsub) : NULL);
	}
	return post_to(p, kind, target, secret, pool_printf(p, "verify-%lld", (long long)id),
	               json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), res);
}

/* Send delivery d once into res; 0 or -1 (no reply: res->error). */
static int
send_one(struct pool *p, const PGresult *d, struct http_response *res)
{
	const char *kind = db_text(d, 0, D_KIND);

	return post_to(p, kind, db_text(d, 0, D_TARGET), db_text(d, 0, D_SECRET),
	               db_text(d, 0, D_ID), strcmp(kind, "discord") == 0 ? discord_body(p, d) :
	               webhook_body(p, d), res);
}

/* Record what became of delivery d after send rc with reply res. */
static int
settle(struct pool *p, const PGresult *d, int rc, const struct http_response *res,
       struct alert_batch *out)
{
	const char *id = db_text(d, 0, D_ID), *status = db_i64(p, rc == 0 ? res->status : 0);
	const char *why = rc < 0 ? res->error : pool_printf(p, "HTTP %ld", res->status);
	int attempts = (int)db_int(d, 0, D_ATTEMPTS);
	long retry_after = res->retry_after;

	if (rc == 0 && res->status >= 200 && res->status <= 299) {
		out->sent++;
		return db_query(p, SQL_SENT, DB_ARGS(id, status)) ? 0 : -1;
	}
	if (rc == 0 && res->status == 429 && strcmp(db_text(d, 0, D_KIND), "discord") == 0 &&
	    discord_retry_after(res) > retry_after)
		retry_after = discord_retry_after(res);
	if ((rc < 0 || res->status == 429 || res->status >= 500) &&
	    attempts < ALERT_ATTEMPTS_MAX) {
		out->retried++;
		return db_query(p, SQL_RETRY, DB_ARGS(id, status, why, pool_printf(p, "%.3f",
		                alert_backoff(attempts, retry_after)))) ? 0 : -1;
	}
	out->dead++;
	log_kv(LOG_WARN, "alert delivery is a dead letter", "delivery", id, "error", why, NULL);
	return db_query(p, SQL_DEAD, DB_ARGS(id, status, why)) ? 0 : -1;
}

/* Deliver claimed row id: send it (unless its channel unsubscribed) and
 * record the outcome. 0 or -1 (database). */
static int
deliver(struct pool *p, const char *id, struct alert_batch *out)
{
	PGresult *d = db_query(p, SQL_DELIVERY, DB_ARGS(id));
	struct http_response res;
	int rc;

	if (d == NULL)
		return -1;
	if (PQntuples(d) != 1)
		return 0;   /* its alert or channel went away meanwhile */
	if (strcmp(db_text(d, 0, D_UNSUBSCRIBED), "t") == 0) {
		out->dead++;
		return db_query(p, SQL_DEAD, DB_ARGS(id, NULL, "channel unsubscribed")) ? 0 : -1;
	}
	rc = send_one(p, d, &res);
	return settle(p, d, rc, &res, out);
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

double
alert_next_due(struct pool *p)
{
	PGresult *res = db_query(p, SQL_NEXT, DB_NOARGS);

	if (res == NULL || PQgetisnull(res, 0, 0))
		return -1;
	return strtod(db_text(res, 0, 0), NULL);
}
