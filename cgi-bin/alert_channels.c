/* alert_channels.c: where a user's alerts go: a signed webhook, a Discord
 * webhook, an SMS number (Twilio) or an email address (SMTP). A channel
 * gets alerts once verified and until unsubscribed through the link every
 * message carries. A webhook or Discord channel is verified by a test
 * message it answers with 2xx, an SMS or email channel by a one-time code
 * sent to it (GET /api/alerts/confirm). A webhook's signing secret is shown
 * once, when the channel is made. */
#include "app.h"

#include <sodium.h>
#include <string.h>

#include "alert_send.h"
#include "alert_sign.h"
#include "reply_rows.h"
#include "token.h"

static int list_channels(struct req *r);
static int create_channel(struct req *r);
static int verify_channel(struct req *r);
static int delete_channel(struct req *r);
static int unsubscribe(struct req *r);
static int confirm(struct req *r);

static const char *const kind_names[] = { "webhook", "discord", "sms", "email", NULL };

#define CODE_TRIES 5          /* wrong codes before a code is void */
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)

static int
hex_token(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* A one-time code: 6 digits (SMS) or 32 hex digits (email). */
static int
code_form(const char *s)
{
	size_t n = strlen(s);

	return (n == 6 && strspn(s, "0123456789") == 6) ||
	       (n == 32 && strspn(s, "0123456789abcdef") == 32);
}

static const struct param create_body[] = {
	{ .name = "kind", .type = PARAM_ENUM, .required = 1, .values = kind_names,
	  .desc = "webhook (signed JSON), discord (a Discord webhook URL), sms (Twilio) or "
	          "email (SMTP)" },
	{ .name = "name", .type = PARAM_TEXT, .required = 1, .min = 1, .max = 100,
	  .desc = "the channel's name, unique per user ignoring case; rules name it" },
	{ .name = "target", .type = PARAM_STRING, .required = 1, .min = 1, .max = 2000,
	  .desc = "webhook, discord: the URL alerts are POSTed to (https in production); "
	          "sms: an E.164 number; email: the address" },
	{ 0 }
};
static const struct param unsubscribe_query[] = {
	{ .name = "channel", .type = PARAM_INT, .required = 1, .min = 1, .max = INT64_MAX,
	  .desc = "the channel's id" },
	{ .name = "sig", .type = PARAM_STRING, .required = 1, .check = hex_token,
	  .rule = "64 hex digits", .desc = "the link's signature of the channel (it can only unsubscribe)" },
	{ 0 }
};
static const struct param confirm_query[] = {
	{ .name = "channel", .type = PARAM_INT, .required = 1, .min = 1, .max = INT64_MAX,
	  .desc = "the channel's id" },
	{ .name = "code", .type = PARAM_STRING, .required = 1, .check = code_form,
	  .rule = "6 digits or 32 hex digits", .desc = "the one-time code sent to the channel" },
	{ 0 }
};

#define CHANNEL "id:int, kind:str(webhook|discord|sms|email), name:str, target:str, verified:bool, " \
	"unsubscribed:bool, created_at:str"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/alerts/channels", .handler = list_channels,
	  .flags = NEED_AUTH, .reply = SHAPE_PAGE("{" CHANNEL "}"),
	  .summary = "the caller's alert channels (one page)" },
	{ .method = "POST", .path = "/api/alerts/channels", .handler = create_channel,
	  .flags = NEED_AUTH | NEED_JSON, .body = create_body, .status = 201,
	  .reply = "{" CHANNEL ", secret:str?}",
	  .summary = "a new channel, unverified; a webhook's signing secret is shown once" },
	{ .method = "POST", .path = "/api/alerts/channels/{id}/verify", .handler = verify_channel,
	  .flags = NEED_AUTH, .reply = "{" CHANNEL "}",
	  .summary = "webhook, discord: a test message, verified on 2xx (502 otherwise); sms, "
	             "email: a one-time code sent, for /api/alerts/confirm" },
	{ .method = "DELETE", .path = "/api/alerts/channels/{id}", .handler = delete_channel,
	  .flags = NEED_AUTH, .status = 204, .summary = "delete a channel" },
	{ .method = "GET", .path = "/api/alerts/unsubscribe", .handler = unsubscribe,
	  .query = unsubscribe_query, .reply = "{unsubscribed:bool}",
	  .summary = "the unsubscribe link of every alert message: the channel gets no more" },
	{ .method = "GET", .path = "/api/alerts/confirm", .handler = confirm,
	  .query = confirm_query, .reply = "{verified:bool}",
	  .summary = "an SMS or email channel's one-time code: verifies it" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const struct reply_col channel_cols[] = {
	{ "id", 0, RCOL_INT, 0 }, { "kind", 1, RCOL_TEXT, 0 }, { "name", 2, RCOL_TEXT, 0 },
	{ "target", 3, RCOL_TEXT, 0 }, { "verified", 4, RCOL_BOOL, 0 },
	{ "unsubscribed", 5, RCOL_BOOL, 0 }, { "created_at", 6, RCOL_TEXT, 0 }, { NULL }
};

#define SQL_SELECT \
	"SELECT id, kind, name, target, verified_at IS NOT NULL, unsubscribed_at IS NOT NULL, " \
	DB_TIME("created_at") ", secret FROM alert_channels "

static const char SQL_LIST[] = SQL_SELECT "WHERE user_id = $1 ORDER BY id LIMIT 100";
static const char SQL_ONE[] = SQL_SELECT "WHERE id = $1 AND user_id = $2";

static const char SQL_LIMIT[] =
	"SELECT l.channels, (SELECT count(*) FROM alert_channels WHERE user_id = u.id) "
	"FROM users u JOIN tier_alert_limits l ON l.tier = u.tier WHERE u.id = $1 FOR UPDATE OF u";
static const char SQL_NAME_TAKEN[] =
	"SELECT 1 FROM alert_channels WHERE user_id = $1 AND lower(name) = lower($2)";
static const char SQL_INSERT[] =
	"INSERT INTO alert_channels (user_id, kind, name, target, secret) "
	"VALUES ($1, $2, $3, $4, $5) RETURNING id";
static const char SQL_VERIFIED[] =
	"UPDATE alert_channels SET verified_at = now(), unsubscribed_at = NULL WHERE id = $1";
/* A new code for the channel ($2 its nonce), for deliver-alerts to send. */
static const char SQL_SET_CODE[] =
	"UPDATE alert_channels SET verify_nonce = $2, verify_attempts = 0, verify_sent_at = NULL, "
	"verify_expires_at = now() + interval '15 minutes' WHERE id = $1";
static const char SQL_NOTIFY[] = "SELECT pg_notify('edgescout_alerts', 'verify:' || $1)";
static const char SQL_CODE[] =
	"SELECT kind, verify_nonce FROM alert_channels WHERE id = $1 AND verify_nonce IS NOT NULL "
	"AND verify_expires_at > now() AND verify_attempts < " PG_STR(CODE_TRIES) " FOR UPDATE";
static const char SQL_CONFIRMED[] =
	"UPDATE alert_channels SET verified_at = now(), unsubscribed_at = NULL, "
	"verify_nonce = NULL, verify_expires_at = NULL WHERE id = $1";
static const char SQL_WRONG_CODE[] =
	"UPDATE alert_channels SET verify_attempts = verify_attempts + 1 WHERE id = $1";
static const char SQL_DELETE[] = "DELETE FROM alert_channels WHERE id = $1 AND user_id = $2";
static const char SQL_UNSUBSCRIBE[] =
	"UPDATE alert_channels SET unsubscribed_at = COALESCE(unsubscribed_at, now()) "
	"WHERE id = $1";

static const char *
uid(struct req *r)
{
	return db_i64(r->pool, r->user->id);
}

/* Reply status with channel id, plus secret when not NULL. */
static int
reply_channel(struct req *r, int status, const char *id, const char *secret)
{
	PGresult *res = db_query_or_reply(r, SQL_ONE, DB_ARGS(id, uid(r)));
	json_object *o;

	if (res == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	o = pool_json(r->pool, reply_row_json(res, 0, channel_cols));
	if (status == 201)
		json_object_object_add(o, "secret", secret ? json_object_new_string(secret) : NULL);
	return reply_json(r, status, o);
}

/* GET /api/alerts/channels: the caller's channels, oldest first. */
static int
list_channels(struct req *r)
{
	PGresult *res = db_query_or_reply(r, SQL_LIST, DB_ARGS(uid(r)));

	if (res == NULL)
		return r->status;
	return reply_page(r, reply_rows_json(res, -1, channel_cols), NULL);
}

/* The target fits the kind and the kind can be sent to here; 0, or -1
 * after 422. */
static int
target_fault_or_reply(struct req *r, const char *kind, const char *target)
{
	int ok;

	if (strcmp(kind, "sms") == 0)
		ok = valid_phone(target);
	else if (strcmp(kind, "email") == 0)
		ok = valid_email(target);
	else
		ok = valid_url(target, config_env() == APP_PRODUCTION);
	if (!ok)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "target", "target must be %s",
		    strcmp(kind, "sms") == 0 ? "an E.164 number (+15551234567)" :
		    strcmp(kind, "email") == 0 ? "an email address" :
		    "an http(s) URL (https in production)"), -1;
	return 0;
}

/* POST /api/alerts/channels {kind, name, target}: 201 with the channel and
 * (a webhook) its secret; 409 for a name taken or past the tier's number. */
static int
create_channel(struct req *r)
{
	const char *kind = req_str(r, "kind"), *secret = NULL, *id;
	PGresult *res;

	if (target_fault_or_reply(r, kind, req_str(r, "target")) < 0)
		return r->status;
	if (strcmp(kind, "webhook") == 0)
		secret = token_new(r->pool, "whsec_", 32);
	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_LIMIT, DB_ARGS(uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_UNAUTHORIZED, NULL, NULL);
	if (db_int(res, 0, 1) >= db_int(res, 0, 0))
		return reply_errorf(r, ERR_CONFLICT, NULL, "your tier allows %lld alert channels; "
		                    "delete one first", (long long)db_int(res, 0, 0));
	if ((res = db_query_or_reply(r, SQL_NAME_TAKEN, DB_ARGS(uid(r), req_str(r, "name"))))
	    == NULL)
		return r->status;
	if (PQntuples(res) > 0)
		return reply_error(r, ERR_CONFLICT, "name", "you have a channel of that name");
	if ((res = db_query_or_reply(r, SQL_INSERT, DB_ARGS(uid(r), kind, req_str(r, "name"),
	                             req_str(r, "target"), secret))) == NULL)
		return r->status;
	id = pool_strdup(r->pool, db_text(res, 0, 0));
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_channel(r, 201, id, secret);
}

/* A new one-time code for channel id, sent by deliver-alerts (woken by
 * NOTIFY); 0, or -1 after replying. */
static int
queue_code_or_reply(struct req *r, const char *id)
{
	unsigned char raw[16];
	char nonce[33];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(nonce, sizeof(nonce), raw, sizeof(raw));
	if (db_begin_or_reply(r) < 0 ||
	    db_exec_or_reply(r, SQL_SET_CODE, DB_ARGS(id, nonce)) < 0 ||
	    db_query_or_reply(r, SQL_NOTIFY, DB_ARGS(id)) == NULL || db_commit_or_reply(r) < 0)
		return -1;
	return 0;
}

/* POST /api/alerts/channels/{id}/verify: a webhook or Discord channel gets
 * the test message and is verified when it answers 2xx (502 otherwise); an
 * SMS or email channel is sent a one-time code by deliver-alerts (200,
 * still unverified). */
static int
verify_channel(struct req *r)
{
	struct alert_result res;
	struct alert_target c;
	int64_t n;
	PGresult *row;

	if (req_path_i64_or_reply(r, "id", &n) < 0 ||
	    (row = db_query_or_reply(r, SQL_ONE, DB_ARGS(db_i64(r->pool, n), uid(r)))) == NULL)
		return r->status;
	if (PQntuples(row) != 1)
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	c = (struct alert_target){ .channel_id = n, .kind = db_text(row, 0, 1),
	                           .target = db_text(row, 0, 3), .secret = db_text(row, 0, 7),
	                           .delivery_id = pool_printf(r->pool, "verify-%lld", (long long)n) };
	if (strcmp(c.kind, "sms") == 0 || strcmp(c.kind, "email") == 0)
		return queue_code_or_reply(r, db_i64(r->pool, n)) < 0 ? r->status :
		       reply_channel(r, 200, db_i64(r->pool, n), NULL);
	alert_send_test(r->pool, &c, &res);
	if (res.outcome != ALERT_SENT)
		return reply_errorf(r, ERR_PROVIDER_UNAVAILABLE, NULL,
		                    "the channel did not take the test message: %s", res.error);
	if (db_exec_or_reply(r, SQL_VERIFIED, DB_ARGS(db_i64(r->pool, n))) < 0)
		return r->status;
	return reply_channel(r, 200, db_i64(r->pool, n), NULL);
}

/* GET /api/alerts/confirm?channel=&code=: the channel's one-time code, at
 * most CODE_TRIES wrong ones and within 15 minutes; 404 otherwise. */
static int
confirm(struct req *r)
{
	unsigned char key[TOKEN_KEY_BYTES];
	const char *id = db_i64(r->pool, req_int(r, "channel", 0)), *code = req_str(r, "code");
	const char *want;
	json_object *o;
	PGresult *res;

	if (token_subkey("alert-verify", key) != 0)
		return reply_error(r, ERR_INTERNAL, NULL, NULL);
	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_CODE, DB_ARGS(id))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_NOT_FOUND, "code", "no such code, or it has expired");
	want = alert_verify_code(r->pool, key, (long long)req_int(r, "channel", 0),
	                         db_text(res, 0, 1), strcmp(db_text(res, 0, 0), "sms") == 0);
	if (!token_equal(want, code)) {
		if (db_exec_or_reply(r, SQL_WRONG_CODE, DB_ARGS(id)) < 0 || db_commit_or_reply(r) < 0)
			return r->status;
		return reply_error(r, ERR_NOT_FOUND, "code", "no such code, or it has expired");
	}
	if (db_exec_or_reply(r, SQL_CONFIRMED, DB_ARGS(id)) < 0 || db_commit_or_reply(r) < 0)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "verified", json_object_new_boolean(1));
	return reply_json(r, 200, o);
}

/* DELETE /api/alerts/channels/{id}: 204; rules stop naming it. */
static int
delete_channel(struct req *r)
{
	int64_t id, n;

	if (req_path_i64_or_reply(r, "id", &id) < 0 ||
	    (n = db_exec_or_reply(r, SQL_DELETE, DB_ARGS(db_i64(r->pool, id), uid(r)))) < 0)
		return r->status;
	if (n == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	return reply_raw(r, 204, NULL, "", 0);
}

/* GET /api/alerts/unsubscribe?channel=&sig=: no sign-in, the signature is
 * the channel's (alert_sign.h); 404 for any other. */
static int
unsubscribe(struct req *r)
{
	unsigned char key[TOKEN_KEY_BYTES];
	int64_t id = req_int(r, "channel", 0);
	int64_t n;
	json_object *o;

	if (token_subkey("alert-unsubscribe", key) != 0 ||
	    !alert_unsubscribe_check(r->pool, key, (long long)id, req_str(r, "sig")))
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such subscription");
	if ((n = db_exec_or_reply(r, SQL_UNSUBSCRIBE, DB_ARGS(db_i64(r->pool, id)))) < 0)
		return r->status;
	if (n == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such subscription");
	o = pool_json_object(r->pool);
	json_object_object_add(o, "unsubscribed", json_object_new_boolean(1));
	return reply_json(r, 200, o);
}
