/* history.c: a user's stock-analysis search history, newest first, paged
 * by an opaque cursor (the last id seen), and clearing it (204). */
#include "app.h"

#include "analysis.h"
#include "analysis_req.h"
#include "reply_rows.h"

static int list_history(struct req *r);
static int clear_history(struct req *r);

static const struct route routes[] = {
	{ "GET",    "/api/search-history", list_history,  NEED_AUTH },
	{ "DELETE", "/api/search-history", clear_history, NEED_AUTH },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

#define LIMIT_DEFAULT 20
#define LIMIT_MAX 100

/* One row more than the page, to tell whether another page follows. */
static const char SQL_PAGE[] =
	"SELECT id, symbol, strategy, mode, status, task_id, score::text, recommendation, "
	"       error_code, " DB_TIME("created_at") ", cache "
	"FROM search_history WHERE user_id = $1 AND ($2::bigint = 0 OR id < $2::bigint) "
	"ORDER BY id DESC LIMIT $3";

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

static int
list_history(struct req *r)
{
	static const char *const allowed[] = { "limit", "cursor", NULL };
	int64_t limit, cursor;
	json_object *o, *items;
	PGresult *res;
	int n;

	if (analysis_query_or_reply(r, allowed) < 0)
		return r->status;
	if (req_page_or_reply(r, LIMIT_DEFAULT, LIMIT_MAX, INT64_MAX, &limit, &cursor) < 0)
		return r->status;
	res = db_query_or_reply(r, SQL_PAGE, DB_ARGS(db_i64(r->pool, r->user->id),
	                        db_i64(r->pool, cursor), db_i64(r->pool, limit + 1)));
	if (res == NULL)
		return r->status;
	n = PQntuples(res);
	items = reply_rows_json(res, (int)limit, ENTRY_COLS);
	o = pool_json_object(r->pool);
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "limit", json_object_new_int64(limit));
	json_object_object_add(o, "next_cursor", n > limit ?
	    json_object_new_string(db_text(res, (int)limit - 1, 0)) : NULL);
	return reply_json(r, 200, o);
}

static int
clear_history(struct req *r)
{
	static const char *const allowed[] = { NULL };

	if (analysis_query_or_reply(r, allowed) < 0 ||
	    db_exec_or_reply(r, SQL_CLEAR, DB_ARGS(db_i64(r->pool, r->user->id))) < 0)
		return r->status;
	return reply_raw(r, 204, NULL, "", 0);
}
