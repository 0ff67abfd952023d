/* history.c: a user's stock-analysis search history, newest first, paged
 * by an opaque cursor (the last id seen), and clearing it (204). */
#include "app.h"

#include "analysis.h"
#include "analysis_req.h"
#include "reply_rows.h"

static int list_history(struct req *r);
static int clear_history(struct req *r);

#define LIMIT_DEFAULT 20
#define LIMIT_MAX 100

static const struct param page_query[] = { PARAM_PAGE(LIMIT_MAX), { 0 } };

#define ENTRY "{id:int, symbol:str, strategy:str, mode:str(sync|async), status:int, " \
	"task_id:int?, score:num?, recommendation:str?, error_code:str?, cache:str?, " \
	"created_at:str}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/search-history", .handler = list_history,
	  .flags = NEED_AUTH, .query = page_query, .reply = SHAPE_PAGE(ENTRY),
	  .summary = "the caller's analysis calls, newest first" },
	{ .method = "DELETE", .path = "/api/search-history", .handler = clear_history,
	  .flags = NEED_AUTH, .status = 204, .summary = "forget the caller's history" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* One row more than the page, to tell whether another page follows. */
static const char SQL_PAGE[] =
	"SELECT id, symbol, strategy, mode, status, task_id, score::text, recommendation, "
	"       error_code, " DB_TIME("created_at") ", cache "
	"FROM search_history WHERE user_id = $1 AND ($2::bigint = 0 OR id < $2::bigint) "
	"ORDER BY id DESC LIMIT $3";

static const char SQL_EXISTS[] =
	"SELECT 1 FROM search_history WHERE id = $1 AND user_id = $2";

static const char SQL_CLEAR[] = "DELETE FROM search_history WHERE user_id = $1";

/* An entry of the history: the columns of SQL_PAGE. */
static const struct reply_col ENTRY_COLS[] = {
	{ "id",             0,  RCOL_INT,    0 },
	{ "symbol",         1,  RCOL_TEXT,   0 },
	{ "strategy",       2,  RCOL_TEXT,   0 },
	{ "mode",           3,  RCOL_TEXT,   0 },
	{ "status",         4,  RCOL_INT,    0 },
	{ "task_id",        5,  RCOL_INT,    RCOL_NULLABLE },
	{ "score",          6,  RCOL_NUMBER, RCOL_NULLABLE },
	{ "recommendation", 7,  RCOL_TEXT,   RCOL_NULLABLE },
	{ "error_code",     8,  RCOL_TEXT,   RCOL_NULLABLE },
	{ "cache",          10, RCOL_TEXT,   RCOL_NULLABLE },
	{ "created_at",     9,  RCOL_TEXT,   0 },
	{ NULL }
};

/* GET /api/search-history?limit=&cursor=: a page, newest first. */
static int
list_history(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	json_object *items;
	PGresult *res;
	int n;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, db_i64(r->pool, r->user->id)) < 0)
		return r->status;
	res = db_query_or_reply(r, SQL_PAGE, DB_ARGS(db_i64(r->pool, r->user->id),
	                        db_i64(r->pool, cursor), db_i64(r->pool, limit + 1)));
	if (res == NULL)
		return r->status;
	n = PQntuples(res);
	items = reply_rows_json(res, (int)limit, ENTRY_COLS);
	return reply_page(r, items, n > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}

/* DELETE /api/search-history: 204 once the caller's history is gone. */
static int
clear_history(struct req *r)
{
	if (db_exec_or_reply(r, SQL_CLEAR, DB_ARGS(db_i64(r->pool, r->user->id))) < 0)
		return r->status;
	return reply_raw(r, 204, NULL, "", 0);
}
