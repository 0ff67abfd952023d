/* journal.c: paper trades: open, close, read, edit, delete and list them.
 * Money is exact: the numbers of a body reach the database as the very
 * text sent, and replies print the database's decimals. The measures of
 * the journal are in journal_stats.c; its CSV in journal_csv.c. */
#include "app.h"

#include "journal_req.h"
#include "journal_store.h"

static int open_trade(struct req *r);
static int list_trades(struct req *r);
static int get_trade(struct req *r);
static int edit_trade(struct req *r);
static int delete_trade(struct req *r);
static int close_trade(struct req *r);

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200

#define TRADE_FIELDS \
	{ .name = "side", .type = PARAM_ENUM, .values = journal_sides, \
	  .desc = "buy (long) or sell (short)" }, \
	JOURNAL_PARAM_MONEY("quantity", "how many units, above 0"), \
	JOURNAL_PARAM_MONEY("entry_price", \
	                    "the price paid (default: the last close on or before opened_at)"), \
	JOURNAL_PARAM_TIME("opened_at", "when the trade opened (default: now)"), \
	JOURNAL_PARAM_MONEY("fees", "fees paid (default 0)"), \
	{ .name = "tags", .type = PARAM_LIST, .max = 10, .check = journal_tag_valid, \
	  .rule = JOURNAL_TAG_RULE, .desc = "tags (the first one counts in attribution)" }, \
	{ .name = "signal_id", .type = PARAM_INT, .min = 1, .max = INT64_MAX, \
	  .desc = "the signal the trade followed" }, \
	{ .name = "note", .type = PARAM_TEXT, .max = 2000, .desc = "a note" }

static const struct param open_body[] = { JOURNAL_PARAM_SYMBOL(1), TRADE_FIELDS, { 0 } };

static const struct param edit_body[] = {
	JOURNAL_PARAM_SYMBOL(0), TRADE_FIELDS,
	JOURNAL_PARAM_MONEY("exit_price", "the exit price (closed trades only)"),
	JOURNAL_PARAM_TIME("closed_at", "when it closed (closed trades only)"),
	{ 0 }
};

static const struct param close_body[] = {
	JOURNAL_PARAM_MONEY("exit_price",
	                    "the exit price (default: the last close on or before closed_at)"),
	JOURNAL_PARAM_TIME("closed_at", "when the trade closed (default: now)"),
	JOURNAL_PARAM_MONEY("fees", "fees of the exit, added to the trade's"),
	{ 0 }
};

static const struct param list_query[] = { JOURNAL_FILTERS, PARAM_PAGE(LIMIT_MAX), { 0 } };

static const struct route routes[] = {
	{ .method = "POST", .path = "/api/journal/trades", .handler = open_trade,
	  .flags = NEED_AUTH | NEED_JSON, .body = open_body, .status = 201,
	  .reply = JOURNAL_TRADE_SHAPE, .summary = "open a paper trade" },
	{ .method = "GET", .path = "/api/journal/trades", .handler = list_trades,
	  .flags = NEED_AUTH, .query = list_query, .reply = SHAPE_PAGE(JOURNAL_TRADE_SHAPE),
	  .summary = "the caller's trades, newest first, filtered" },
	{ .method = "GET", .path = "/api/journal/trades/{id}", .handler = get_trade,
	  .flags = NEED_AUTH, .reply = JOURNAL_TRADE_SHAPE, .summary = "a trade" },
	{ .method = "PATCH", .path = "/api/journal/trades/{id}", .handler = edit_trade,
	  .flags = NEED_AUTH | NEED_JSON, .body = edit_body, .reply = JOURNAL_TRADE_SHAPE,
	  .summary = "edit a trade's fields" },
	{ .method = "DELETE", .path = "/api/journal/trades/{id}", .handler = delete_trade,
	  .flags = NEED_AUTH, .status = 204, .summary = "delete a trade" },
	{ .method = "POST", .path = "/api/journal/trades/{id}/close", .handler = close_trade,
	  .flags = NEED_AUTH | NEED_JSON, .body = close_body, .reply = JOURNAL_TRADE_SHAPE,
	  .summary = "close an open trade" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* The user row is locked so two openings cannot both pass the limit. */
static const char SQL_OPEN_COUNT[] =
	"SELECT (SELECT count(*) FROM journal_trades WHERE user_id = u.id AND exit_price IS NULL), "
	"       (SELECT daily_limit FROM tier_quotas WHERE tier = u.tier "
	"          AND quota_class = 'journal_open') "
	"FROM users u WHERE u.id = $1 FOR UPDATE";

/* The last close of $1 on or before the day of $2 (any day when NULL). */
static const char SQL_LAST_CLOSE[] =
	"SELECT trim_scale(c.close) FROM candles c JOIN symbols s ON s.id = c.symbol_id "
	"WHERE s.symbol = $1 "
	"  AND ($2::timestamptz IS NULL OR c.date <= ($2::timestamptz AT TIME ZONE 'UTC')::date) "
	"ORDER BY c.date DESC LIMIT 1";

static const char SQL_SIGNAL[] = "SELECT 1 FROM signals WHERE id = $1";

static const char SQL_INSERT[] =
	"INSERT INTO journal_trades (user_id, symbol, side, quantity, entry_price, opened_at, "
	"                            fees, tags, signal_id, note) "
	"VALUES ($1, $2, COALESCE($3, 'buy'), $4::numeric, $5::numeric, "
	"        COALESCE($6::timestamptz, now()), COALESCE($7::numeric, 0), "
	"        COALESCE($8::text[], '{}'), $9::bigint, COALESCE($10, '')) RETURNING id";

static const char SQL_ONE[] = JOURNAL_SELECT_TRADE "WHERE t.id = $1 AND t.user_id = $2";

/* The trade locked, whether open, and whether the times given ($3 opened,
 * $4 closed) would put its close before its opening. */
static const char SQL_LOCK[] =
	"SELECT exit_price IS NULL, "
	"       COALESCE(COALESCE($4::timestamptz, closed_at) < "
	"                COALESCE($3::timestamptz, opened_at), false), symbol "
	"FROM journal_trades WHERE id = $1 AND user_id = $2 FOR UPDATE";

static const char SQL_EDIT[] =
	"UPDATE journal_trades SET symbol = COALESCE($3, symbol), side = COALESCE($4, side), "
	"  quantity = COALESCE($5::numeric, quantity), "
	"  entry_price = COALESCE($6::numeric, entry_price), "
	"  opened_at = COALESCE($7::timestamptz, opened_at), fees = COALESCE($8::numeric, fees), "
	"  tags = COALESCE($9::text[], tags), signal_id = COALESCE($10::bigint, signal_id), "
	"  note = COALESCE($11, note), exit_price = COALESCE($12::numeric, exit_price), "
	"  closed_at = COALESCE($13::timestamptz, closed_at), updated_at = now() "
	"WHERE id = $1 AND user_id = $2";

static const char SQL_CLOSE[] =
	"UPDATE journal_trades SET exit_price = $3::numeric, "
	"  closed_at = COALESCE($4::timestamptz, now()), fees = fees + COALESCE($5::numeric, 0), "
	"  updated_at = now() WHERE id = $1 AND user_id = $2";

static const char SQL_DELETE[] = "DELETE FROM journal_trades WHERE id = $1 AND user_id = $2";

static const char SQL_PAGE[] = JOURNAL_SELECT_PAGE;

static const char SQL_EXISTS[] = "SELECT 1 FROM journal_trades WHERE id = $1 AND user_id = $2";

static const char *
uid(struct req *r)
{
	return db_i64(r->pool, r->user->id);
}

/* The list field tags as a text[] parameter, or NULL when absent. */
static const char *
tags_arg(struct req *r)
{
	const char **tags;
	int n = req_list(r, "tags", &tags);

	return req_has(r, "tags") ? db_text_array(r->pool, tags, n) : NULL;
}

/* Refuse 0 for the amounts that must be above it; 0, or -1 after replying. */
static int
positive_or_reply(struct req *r, const char *const *names)
{
	for (; *names; names++)
		if (req_has(r, *names) && req_number(r, *names, 0) <= 0)
			return reply_errorf(r, ERR_VALIDATION_FAILED, *names,
			                    "%s must be above 0", *names), -1;
	return 0;
}

/* The price field, else the last close of symbol on or before at: pool
 * text, or NULL after replying (422 when no close is known). */
static const char *
price_or_reply(struct req *r, const char *field, const char *symbol, const char *at)
{
	PGresult *res;

	if (req_has(r, field))
		return req_str(r, field);
	if ((res = db_query_or_reply(r, SQL_LAST_CLOSE, DB_ARGS(symbol, at))) == NULL)
		return NULL;
	if (PQntuples(res) == 0)
		return reply_errorf(r, ERR_VALIDATION_FAILED, field,
		                    "no close of %s is known: give %s", symbol, field), NULL;
	return pool_strdup(r->pool, db_text(res, 0, 0));
}

/* A given signal_id must name a signal; 0, or -1 after replying 422. */
static int
signal_or_reply(struct req *r)
{
	PGresult *res;

	if (!req_has(r, "signal_id"))
		return 0;
	if ((res = db_query_or_reply(r, SQL_SIGNAL, DB_ARGS(req_str(r, "signal_id")))) == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "signal_id", "no such signal"), -1;
	return 0;
}

/* Reply with trade id of the caller (status). */
static int
reply_trade(struct req *r, int status, const char *id)
{
	PGresult *res = db_query_or_reply(r, SQL_ONE, DB_ARGS(id, uid(r)));

	if (res == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such trade");
	return reply_json(r, status, pool_json(r->pool, reply_row_json(res, 0, journal_trade_cols)));
}

/* POST /api/journal/trades {symbol, side?, quantity, entry_price?,
 * opened_at?, fees?, tags?, signal_id?, note?}: 201 with the trade; 403
 * when the tier's open trades are all taken. */
static int
open_trade(struct req *r)
{
	static const char *const positive[] = { "quantity", "entry_price", NULL };
	const char *symbol = req_str(r, "symbol"), *at = req_str(r, "opened_at"), *price;
	PGresult *res;

	if (!req_has(r, "quantity"))
		return reply_error(r, ERR_VALIDATION_FAILED, "quantity", "quantity is required");
	if (positive_or_reply(r, positive) < 0 || signal_or_reply(r) < 0 ||
	    (price = price_or_reply(r, "entry_price", symbol, at)) == NULL ||
	    db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_OPEN_COUNT, DB_ARGS(uid(r)))) == NULL)
		return r->status;
	if (db_int(res, 0, 0) >= db_int(res, 0, 1))
		return reply_errorf(r, ERR_FORBIDDEN, NULL, "your tier allows %lld open trades: "
		                    "close one first", (long long)db_int(res, 0, 1));
	res = db_query_or_reply(r, SQL_INSERT, DB_ARGS(uid(r), symbol, req_str(r, "side"),
	    req_str(r, "quantity"), price, at, req_str(r, "fees"), tags_arg(r),
	    req_str(r, "signal_id"), req_str(r, "note")));
	if (res == NULL || db_commit_or_reply(r) < 0)
		return r->status;
	return reply_trade(r, 201, db_text(res, 0, 0));
}

/* GET /api/journal/trades?symbol=&side=&status=&tag=&opened_from=
 * &opened_to=&limit=&cursor=: a page of the caller's trades, newest first. */
static int
list_trades(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	PGresult *res;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, uid(r)) < 0)
		return r->status;
	res = db_query_or_reply(r, SQL_PAGE, DB_ARGS(uid(r), req_str(r, "symbol"),
	    req_str(r, "side"), req_str(r, "status"), req_str(r, "tag"),
	    req_str(r, "opened_from"), req_str(r, "opened_to"), db_i64(r->pool, cursor),
	    db_i64(r->pool, limit + 1)));
	if (res == NULL)
		return r->status;
	return reply_page(r, reply_rows_json(res, (int)limit, journal_trade_cols),
	                  PQntuples(res) > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}

/* GET /api/journal/trades/{id}: the trade; 404 when not the caller's. */
static int
get_trade(struct req *r)
{
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	return reply_trade(r, 200, db_i64(r->pool, id));
}

/* Lock trade id of the caller with the times of the body checked: the
 * lock's row (0: open, 1: would close before it opens, 2: symbol), or NULL
 * after replying 404. */
static PGresult *
lock_or_reply(struct req *r, const char *id, const char *opened, const char *closed)
{
	PGresult *res;

	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_LOCK, DB_ARGS(id, uid(r), opened, closed))) == NULL)
		return NULL;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such trade"), NULL;
	return res;
}

/* Refuse a close before the opening (the lock's column 1); 0, or -1 after
 * replying 422 naming field. */
static int
order_or_reply(struct req *r, PGresult *lock, const char *field)
{
	if (db_text(lock, 0, 1)[0] == 't')
		return reply_error(r, ERR_VALIDATION_FAILED, field,
		                   "a trade cannot close before it opens"), -1;
	return 0;
}

/* PATCH /api/journal/trades/{id} {any field of the opening, exit_price?,
 * closed_at?}: the trade edited; exit_price and closed_at only on a closed
 * trade (422 else). */
static int
edit_trade(struct req *r)
{
	static const char *const positive[] = { "quantity", "entry_price", "exit_price", NULL };
	int64_t n;
	const char *id;
	PGresult *res;

	if (req_path_i64_or_reply(r, "id", &n) < 0 || positive_or_reply(r, positive) < 0 ||
	    signal_or_reply(r) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	res = lock_or_reply(r, id, req_str(r, "opened_at"), req_str(r, "closed_at"));
	if (res == NULL ||
	    order_or_reply(r, res, req_has(r, "closed_at") ? "closed_at" : "opened_at") < 0)
		return r->status;
	if (db_text(res, 0, 0)[0] == 't' && (req_has(r, "exit_price") || req_has(r, "closed_at")))
		return reply_error(r, ERR_VALIDATION_FAILED,
		                   req_has(r, "exit_price") ? "exit_price" : "closed_at",
		                   "the trade is open: close it with POST .../close");
	if (db_exec_or_reply(r, SQL_EDIT, DB_ARGS(id, uid(r), req_str(r, "symbol"),
	    req_str(r, "side"), req_str(r, "quantity"), req_str(r, "entry_price"),
	    req_str(r, "opened_at"), req_str(r, "fees"), tags_arg(r), req_str(r, "signal_id"),
	    req_str(r, "note"), req_str(r, "exit_price"), req_str(r, "closed_at"))) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	return reply_trade(r, 200, id);
}

/* DELETE /api/journal/trades/{id}: 204; 404 when not the caller's. */
static int
delete_trade(struct req *r)
{
	int64_t id;
	int64_t n;

	if (req_path_i64_or_reply(r, "id", &id) < 0 ||
	    (n = db_exec_or_reply(r, SQL_DELETE, DB_ARGS(db_i64(r->pool, id), uid(r)))) < 0)
		return r->status;
	if (n == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such trade");
	return reply_raw(r, 204, NULL, "", 0);
}

/* POST /api/journal/trades/{id}/close {exit_price?, closed_at?, fees?}: the
 * trade closed; 409 when it was closed before. */
static int
close_trade(struct req *r)
{
	static const char *const positive[] = { "exit_price", NULL };
	const char *at = req_str(r, "closed_at"), *id, *price;
	int64_t n;
	PGresult *res;

	if (req_path_i64_or_reply(r, "id", &n) < 0 || positive_or_reply(r, positive) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	if ((res = lock_or_reply(r, id, NULL, at ? at : "now")) == NULL)
		return r->status;
	if (db_text(res, 0, 0)[0] != 't')
		return reply_error(r, ERR_CONFLICT, NULL, "the trade is closed already");
	if (order_or_reply(r, res, "closed_at") < 0)
		return r->status;
	if ((price = price_or_reply(r, "exit_price", db_text(res, 0, 2), at)) == NULL ||
	    db_exec_or_reply(r, SQL_CLOSE, DB_ARGS(id, uid(r), price, at, req_str(r, "fees"))) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	return reply_trade(r, 200, id);
}
