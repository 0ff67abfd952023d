/* alert_deliveries.c: what became of each alert on each channel (the
 * outbox cron/deliver-alerts works through), for its user; dead letters
 * for administrators, who may send one again. */
#include "app.h"

#include "reply_rows.h"

static int list_deliveries(struct req *r);
static int list_dead_letters(struct req *r);
static int replay(struct req *r);

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200

static const char *const status_names[] = { "pending", "sending", "sent", "dead", NULL };

static const struct param deliveries_query[] = {
	{ .name = "status", .type = PARAM_ENUM, .values = status_names,
	  .desc = "only deliveries in this state" },
	{ .name = "rule_id", .type = PARAM_INT, .min = 1, .max = INT64_MAX,
	  .desc = "only alerts of this rule" },
	PARAM_PAGE(LIMIT_MAX),
	{ 0 }
};
static const struct param page_query[] = { PARAM_PAGE(LIMIT_MAX), { 0 } };

#define DELIVERY "id:int, alert_id:int, rule_id:int, rule_name:str, channel_id:int, " \
	"channel_name:str, channel_kind:str, status:str(pending|sending|sent|dead), attempts:int, " \
	"last_status:int?, last_error:str?, domain:str, score:num, title:str, not_before:str, " \
	"created_at:str, sent_at:str?"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/alerts/deliveries", .handler = list_deliveries,
	  .flags = NEED_AUTH, .query = deliveries_query, .reply = SHAPE_PAGE("{" DELIVERY "}"),
	  .summary = "the caller's alert deliveries, newest first" },
	{ .method = "GET", .path = "/api/admin/alerts/dead-letters", .handler = list_dead_letters,
	  .flags = NEED_ADMIN, .query = page_query,
	  .reply = SHAPE_PAGE("{" DELIVERY ", user_id:int}"),
	  .summary = "deliveries given up on, newest first" },
	{ .method = "POST", .path = "/api/admin/alerts/dead-letters/{id}/replay", .handler = replay,
	  .flags = NEED_ADMIN, .reply = "{" DELIVERY ", user_id:int}",
	  .summary = "send a dead letter again (pending, attempts from 0)" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const struct reply_col delivery_cols[] = {
	{ "id", 0, RCOL_INT, 0 }, { "alert_id", 1, RCOL_INT, 0 }, { "rule_id", 2, RCOL_INT, 0 },
	{ "rule_name", 3, RCOL_TEXT, 0 }, { "channel_id", 4, RCOL_INT, 0 },
	{ "channel_name", 5, RCOL_TEXT, 0 }, { "channel_kind", 6, RCOL_TEXT, 0 },
	{ "status", 7, RCOL_TEXT, 0 }, { "attempts", 8, RCOL_INT, 0 },
	{ "last_status", 9, RCOL_INT, RCOL_NULLABLE },
	{ "last_error", 10, RCOL_TEXT, RCOL_NULLABLE }, { "domain", 11, RCOL_TEXT, 0 },
	{ "score", 12, RCOL_NUMBER, 0 }, { "title", 13, RCOL_TEXT, 0 },
	{ "not_before", 14, RCOL_TEXT, 0 }, { "created_at", 15, RCOL_TEXT, 0 },
	{ "sent_at", 16, RCOL_TEXT, RCOL_NULLABLE }, { NULL }
};

static const struct reply_col dead_cols[] = { { "user_id", 17, RCOL_INT, 0 }, { NULL } };

#define SQL_SELECT \
	"SELECT o.id, a.id, r.id, r.name, c.id, c.name, c.kind, o.status, o.attempts, " \
	"o.last_status, o.last_error, a.domain, a.score::float8, a.title, " \
	DB_TIME("o.not_before") ", " DB_TIME("o.created_at") ", " DB_TIME("o.sent_at") ", " \
	"a.user_id FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id " \
	"JOIN alert_rules r ON r.id = a.rule_id JOIN alert_channels c ON c.id = o.channel_id "

/* $1 user, $2 status, $3 rule, $4 cursor, $5 page size plus one. */
static const char SQL_PAGE[] =
	SQL_SELECT "WHERE a.user_id = $1 AND ($2::text IS NULL OR o.status = $2) "
	"AND ($3::bigint IS NULL OR a.rule_id = $3) AND ($4::bigint = 0 OR o.id < $4) "
	"ORDER BY o.id DESC LIMIT $5";
static const char SQL_EXISTS[] =
	"SELECT 1 FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id "
	"WHERE o.id = $1 AND a.user_id = $2";

static const char SQL_DEAD_PAGE[] =
	SQL_SELECT "WHERE o.status = 'dead' AND ($1::bigint = 0 OR o.id < $1) "
	"ORDER BY o.id DESC LIMIT $2";
static const char SQL_DEAD_EXISTS[] = "SELECT 1 FROM alert_outbox WHERE id = $1";
static const char SQL_ONE[] = SQL_SELECT "WHERE o.id = $1";

static const char SQL_REPLAY[] =
	"UPDATE alert_outbox SET status = 'pending', attempts = 0, not_before = now(), "
	"lease_until = NULL, last_error = NULL, last_status = NULL "
	"WHERE id = $1 AND status = 'dead'";
static const char SQL_NOTIFY[] = "SELECT pg_notify('edgescout_alerts', $1)";

/* Reply a page of res's first limit rows, with the user id when admin. */
static int
reply_deliveries(struct req *r, PGresult *res, int64_t limit, int admin)
{
	json_object *items = reply_rows_json(res, (int)limit, delivery_cols);

	for (int i = 0; admin && i < PQntuples(res) && i < limit; i++)
		reply_row_add(json_object_array_get_idx(items, (size_t)i), res, i, dead_cols);
	return reply_page(r, items, PQntuples(res) > limit ? db_text(res, (int)limit - 1, 0)
	                                                   : NULL);
}

/* GET /api/alerts/deliveries?status=&rule_id=&limit=&cursor=: the caller's
 * deliveries, newest first. */
static int
list_deliveries(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	const char *uid = db_i64(r->pool, r->user->id);
	PGresult *res;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, uid) < 0 ||
	    (res = db_query_or_reply(r, SQL_PAGE, DB_ARGS(uid, req_str(r, "status"),
	        req_has(r, "rule_id") ? db_i64(r->pool, req_int(r, "rule_id", 0)) : NULL,
	        db_i64(r->pool, cursor), db_i64(r->pool, limit + 1)))) == NULL)
		return r->status;
	return reply_deliveries(r, res, limit, 0);
}

/* GET /api/admin/alerts/dead-letters?limit=&cursor=: every user's. */
static int
list_dead_letters(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	PGresult *res;

	if (page_cursor_or_reply(r, SQL_DEAD_EXISTS, cursor, NULL) < 0 ||
	    (res = db_query_or_reply(r, SQL_DEAD_PAGE, DB_ARGS(db_i64(r->pool, cursor),
	                             db_i64(r->pool, limit + 1)))) == NULL)
		return r->status;
	return reply_deliveries(r, res, limit, 1);
}

/* POST /api/admin/alerts/dead-letters/{id}/replay: the dead letter pending
 * again, tried anew by the next sender (NOTIFYed); 404 when it is not a
 * dead letter. Audited. */
static int
replay(struct req *r)
{
	int64_t n;
	const char *id;
	PGresult *res;
	json_object *o;

	if (req_path_i64_or_reply(r, "id", &n) < 0 || db_begin_or_reply(r) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	if ((n = db_exec_or_reply(r, SQL_REPLAY, DB_ARGS(id))) < 0)
		return r->status;
	if (n == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such dead letter");
	if (audit_or_reply(r, 0, "admin.alert_replayed", pool_printf(r->pool, "delivery:%s", id),
	                   NULL) < 0 ||
	    db_query_or_reply(r, SQL_NOTIFY, DB_ARGS(id)) == NULL || db_commit_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_ONE, DB_ARGS(id))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	o = pool_json(r->pool, reply_row_json(res, 0, delivery_cols));
	reply_row_add(o, res, 0, dead_cols);
	return reply_json(r, 200, o);
}
