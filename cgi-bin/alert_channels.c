/* alert_channels.c: where a user's alerts go: a signed webhook or a Discord
 * webhook. A channel gets alerts once verified (a test message it answers
 * with 2xx) and until unsubscribed through the link every message carries.
 * A webhook's signing secret is shown once, when the channel is made. */
#include "app.h"

#include <string.h>

#include "alert_deliver.h"
#include "alert_sign.h"
#include "http.h"
#include "reply_rows.h"
#include "token.h"

static int list_channels(struct req *r);
static int create_channel(struct req *r);
static int verify_channel(struct req *r);
static int delete_channel(struct req *r);
static int unsubscribe(struct req *r);

static const char *const kind_names[] = { "webhook", "discord", NULL };

static int
target_url(const char *s)
{
	return valid_url(s, config_env() == APP_PRODUCTION);
}

static int
hex_token(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static const struct param create_body[] = {
	{ .name = "kind", .type = PARAM_ENUM, .required = 1, .values = kind_names,
	  .desc = "webhook (signed JSON) or discord (a Discord webhook URL)" },
	{ .name = "name", .type = PARAM_TEXT, .required = 1, .min = 1, .max = 100,
	  .desc = "the channel's name, unique per user ignoring case; rules name it" },
	{ .name = "target", .type = PARAM_STRING, .required = 1, .max = 2000, .check = target_url,
	  .rule = "an http(s) URL (https in production)", .desc = "the URL alerts are POSTed to" },
	{ 0 }
};
static const struct param unsubscribe_query[] = {
	{ .name = "channel", .type = PARAM_INT, .required = 1, .min = 1, .max = INT64_MAX,
	  .desc = "the channel's id" },
	{ .name = "sig", .type = PARAM_STRING, .required = 1, .check = hex_token,
	  .rule = "64 hex digits", .desc = "the link's signature of the channel (it can only unsubscribe)" },
	{ 0 }
};

#define CHANNEL "id:int, kind:str(webhook|discord), name:str, target:str, verified:bool, " \
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
	  .summary = "send a test message: a 2xx answer verifies the channel (502 otherwise)" },
	{ .method = "DELETE", .path = "/api/alerts/channels/{id}", .handler = delete_channel,
	  .flags = NEED_AUTH, .status = 204, .summary = "delete a channel" },
	{ .method = "GET", .path = "/api/alerts/unsubscribe", .handler = unsubscribe,
	  .query = unsubscribe_query, .reply = "{unsubscribed:bool}",
	  .summary = "the unsubscribe link of every alert message: the channel gets no more" },
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

/* POST /api/alerts/channels {kind, name, target}: 201 with the channel and
 * (a webhook) its secret; 409 for a name taken or past the tier's number. */
static int
create_channel(struct req *r)
{
	const char *kind = req_str(r, "kind"), *secret = NULL, *id;
	PGresult *res;

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

/* POST /api/alerts/channels/{id}/verify: the test message; 200 with the
 * channel verified when it answered 2xx, else 502 saying what came. */
static int
verify_channel(struct req *r)
{
	struct http_response res;
	const char *id;
	int64_t n;
	PGresult *row;

	if (req_path_i64_or_reply(r, "id", &n) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	if ((row = db_query_or_reply(r, SQL_ONE, DB_ARGS(id, uid(r)))) == NULL)
		return r->status;
	if (PQntuples(row) != 1)
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	if (alert_channel_test(r->pool, n, db_text(row, 0, 1), db_text(row, 0, 3),
	                       db_text(row, 0, 7), &res) < 0)
		return reply_errorf(r, ERR_PROVIDER_UNAVAILABLE, NULL,
		                    "the channel did not answer: %s", res.error);
	if (res.status < 200 || res.status > 299)
		return reply_errorf(r, ERR_PROVIDER_UNAVAILABLE, NULL,
		                    "the channel answered HTTP %ld", res.status);
	if (db_exec_or_reply(r, SQL_VERIFIED, DB_ARGS(id)) < 0)
		return r->status;
	return reply_channel(r, 200, id, NULL);
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
