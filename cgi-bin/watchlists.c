/* watchlists.c: a user's watchlists and their symbols. Every user has a
 * default list, "Favourites", made on first use, which cannot be deleted.
 * Other users' lists do not exist as far as a caller can tell: 404. */
#include "app.h"

#include <stdlib.h>
#include <string.h>

#include "market_store.h"
#include "reply_rows.h"

static int list_watchlists(struct req *r);
static int create_watchlist(struct req *r);
static int get_watchlist(struct req *r);
static int rename_watchlist(struct req *r);
static int delete_watchlist(struct req *r);
static int add_symbol(struct req *r);
static int remove_symbol(struct req *r);

#define NAME_MAX_CHARS 100

static int plain_name(const char *s);

static const struct param name_body[] = {
	{ .name = "name", .type = PARAM_TEXT, .required = 1, .min = 1, .max = NAME_MAX_CHARS,
	  .check = plain_name, .rule = "without tabs, line breaks or surrounding spaces",
	  .desc = "the list's name, unique per user ignoring case" }, { 0 }
};
static const struct param symbol_body[] = {
	{ .name = "symbol", .type = PARAM_STRING, .required = 1, .max = VALID_SYMBOL_MAX,
	  .check = valid_symbol, .rule = "a ticker: 1 to 10 of A-Z 0-9 . - (upper-cased), "
	  "^ first for an index", .upper = 1, .desc = "the ticker symbol to add" }, { 0 }
};
#define LIST "id:int, name:str, is_default:bool, symbol_count:int, created_at:str, " \
	"updated_at:str"
#define FULL "{" LIST ", symbols:[{symbol:str, name:str?, added_at:str, " \
	"last:{date:str, close:num}?}]}"
#define ENTRY "{watchlist_id:int, symbol:str, added_at:str}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/watchlists", .handler = list_watchlists,
	  .flags = NEED_AUTH, .reply = SHAPE_PAGE("{" LIST "}"),
	  .summary = "the caller's watchlists (one page: at most 50)" },
	{ .method = "POST", .path = "/api/watchlists", .handler = create_watchlist,
	  .flags = NEED_AUTH | NEED_JSON, .body = name_body, .status = 201, .reply = FULL,
	  .summary = "a new watchlist" },
	{ .method = "GET", .path = "/api/watchlists/{id}", .handler = get_watchlist,
	  .flags = NEED_AUTH, .reply = FULL, .summary = "a watchlist with its symbols" },
	{ .method = "PATCH", .path = "/api/watchlists/{id}", .handler = rename_watchlist,
	  .flags = NEED_AUTH | NEED_JSON, .body = name_body, .reply = FULL,
	  .summary = "rename a watchlist" },
	{ .method = "DELETE", .path = "/api/watchlists/{id}", .handler = delete_watchlist,
	  .flags = NEED_AUTH, .status = 204, .summary = "delete a watchlist (not the default)" },
	{ .method = "POST", .path = "/api/watchlists/{id}/symbols", .handler = add_symbol,
	  .flags = NEED_AUTH | NEED_JSON, .body = symbol_body, .status = 201,
	  .status_also = 200, .reply = ENTRY,
	  .summary = "add a symbol (200 when the list already has it)" },
	{ .method = "DELETE", .path = "/api/watchlists/{id}/symbols/{symbol}",
	  .handler = remove_symbol, .flags = NEED_AUTH, .status = 204, .summary = "remove a symbol" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

#define DEFAULT_NAME "Favourites"
#define LISTS_MAX 50                 /* watchlists per user */

/* Any unique conflict (a list already named "Favourites" cannot exist: the
 * default is made before the user can name one) leaves the row out. */
static const char SQL_ENSURE_DEFAULT[] =
	"INSERT INTO watchlists (user_id, name, is_default) VALUES ($1, '" DEFAULT_NAME "', true) "
	"ON CONFLICT DO NOTHING";

#define SQL_LIST_COLUMNS \
	"SELECT w.id, w.name, w.is_default, " \
	"       (SELECT count(*) FROM watchlist_symbols ws WHERE ws.watchlist_id = w.id), " \
	"       " DB_TIME("w.created_at") ", " DB_TIME("w.updated_at") " FROM watchlists w "

static const char SQL_LISTS[] =
	SQL_LIST_COLUMNS "WHERE w.user_id = $1 ORDER BY w.is_default DESC, lower(w.name), w.id";

static const char SQL_LIST[] = SQL_LIST_COLUMNS "WHERE w.id = $1 AND w.user_id = $2";

static const char SQL_SYMBOLS[] =
	"SELECT s.symbol, s.name, " DB_TIME("ws.added_at") ", l.date, l.close "
	"FROM watchlist_symbols ws JOIN symbols s ON s.id = ws.symbol_id "
	"LEFT JOIN LATERAL (SELECT to_char(c.date, 'YYYY-MM-DD') AS date, c.close FROM candles c "
	"                   WHERE c.symbol_id = s.id ORDER BY c.date DESC LIMIT 1) l ON true "
	"WHERE ws.watchlist_id = $1 ORDER BY ws.added_at, s.symbol";

/* The user row is locked so two creations or renames cannot pass the
 * checks together. */
static const char SQL_LOCK_USER[] =
	"SELECT (SELECT count(*) FROM watchlists WHERE user_id = u.id) "
	"FROM users u WHERE u.id = $1 FOR UPDATE";

static const char SQL_NAME_TAKEN[] =
	"SELECT 1 FROM watchlists WHERE user_id = $1 AND lower(name) = lower($2) AND id <> $3";

static const char SQL_CREATE[] =
	"INSERT INTO watchlists (user_id, name) VALUES ($1, $2) RETURNING id";

static const char SQL_RENAME[] =
	"UPDATE watchlists SET name = $3, updated_at = now() WHERE id = $1 AND user_id = $2";

static const char SQL_DELETE[] =
	"DELETE FROM watchlists WHERE id = $1 AND user_id = $2 AND NOT is_default";

static const char SQL_OWN_LIST[] =
	"SELECT (SELECT count(*) FROM watchlist_symbols WHERE watchlist_id = w.id) "
	"FROM watchlists w WHERE w.id = $1 AND w.user_id = $2 FOR UPDATE";

static const char SQL_HAS_SYMBOL[] =
	"SELECT " DB_TIME("ws.added_at") " FROM watchlist_symbols ws "
	"JOIN symbols s ON s.id = ws.symbol_id WHERE ws.watchlist_id = $1 AND s.symbol = $2";

static const char SQL_ADD_SYMBOL[] =
	"INSERT INTO watchlist_symbols (watchlist_id, symbol_id) VALUES ($1, $2) "
	"RETURNING " DB_TIME("added_at");

static const char SQL_REMOVE_SYMBOL[] =
	"DELETE FROM watchlist_symbols ws USING symbols s, watchlists w "
	"WHERE ws.watchlist_id = $1 AND w.id = ws.watchlist_id AND w.user_id = $2 "
	"  AND s.id = ws.symbol_id AND s.symbol = $3";

static const char SQL_TOUCH[] = "UPDATE watchlists SET updated_at = now() WHERE id = $1";

static const char *
uid(struct req *r)
{
	return db_i64(r->pool, r->user->id);
}

/* Make the caller's default list unless it exists; 0, or -1 after replying. */
static int
ensure_default_or_reply(struct req *r)
{
	return db_exec_or_reply(r, SQL_ENSURE_DEFAULT, DB_ARGS(uid(r))) < 0 ? -1 : 0;
}

/* A row of SQL_LIST_COLUMNS: a watchlist. */
static const struct reply_col LIST_COLS[] = {
	{ "id",           0, RCOL_INT,  0 },
	{ "name",         1, RCOL_TEXT, 0 },
	{ "is_default",   2, RCOL_BOOL, 0 },
	{ "symbol_count", 3, RCOL_INT,  0 },
	{ "created_at",   4, RCOL_TEXT, 0 },
	{ "updated_at",   5, RCOL_TEXT, 0 },
	{ NULL }
};

/* A row of SQL_SYMBOLS: a symbol of a list, and its last close (3, 4). */
static const struct reply_col SYMBOL_COLS[] = {
	{ "symbol",   0, RCOL_TEXT, 0 },
	{ "name",     1, RCOL_TEXT, RCOL_NULLABLE },
	{ "added_at", 2, RCOL_TEXT, 0 },
	{ NULL }
};

static const struct reply_col LAST_COLS[] = {
	{ "date",  3, RCOL_TEXT,   0 },
	{ "close", 4, RCOL_NUMBER, 0 },
	{ NULL }
};

/* 1 when s has no tab or line break and no space at either end. */
static int
plain_name(const char *s)
{
	size_t n = strlen(s);

	return strpbrk(s, "\t\r\n") == NULL && n > 0 && s[0] != ' ' && s[n - 1] != ' ';
}

/* Reply 409 when another of the caller's lists (not id) has name. 0 when
 * free, -1 after replying. */
static int
name_free_or_reply(struct req *r, const char *name, const char *id)
{
	PGresult *res = db_query_or_reply(r, SQL_NAME_TAKEN, DB_ARGS(uid(r), name, id));

	if (res == NULL)
		return -1;
	if (PQntuples(res) > 0) {
		reply_error(r, ERR_CONFLICT, "name", "you already have a watchlist with this name");
		return -1;
	}
	return 0;
}

/* Reply with list id of the caller, its symbols included (status). */
static int
reply_list(struct req *r, int status, const char *id)
{
	PGresult *res = db_query_or_reply(r, SQL_LIST, DB_ARGS(id, uid(r))), *sym;
	json_object *o, *a;

	if (res == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such watchlist");
	if ((sym = db_query_or_reply(r, SQL_SYMBOLS, DB_ARGS(id))) == NULL)
		return r->status;
	o = pool_json(r->pool, reply_row_json(res, 0, LIST_COLS));
	a = reply_rows_json(sym, -1, SYMBOL_COLS);
	for (int i = 0; i < PQntuples(sym); i++)
		json_object_object_add(json_object_array_get_idx(a, (size_t)i), "last",
		    PQgetisnull(sym, i, 3) ? NULL : reply_row_json(sym, i, LAST_COLS));
	json_object_object_add(o, "symbols", a);
	return reply_json(r, status, o);
}

/* GET /api/watchlists: the caller's lists, the default made on first use. */
static int
list_watchlists(struct req *r)
{
	PGresult *res;
	json_object *a;

	if (ensure_default_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_LISTS, DB_ARGS(uid(r)))) == NULL)
		return r->status;
	a = reply_rows_json(res, -1, LIST_COLS);
	return reply_page(r, a, NULL);
}

/* POST /api/watchlists {name}: 201 with the list; 409 name taken or too many. */
static int
create_watchlist(struct req *r)
{
	const char *name, *id;
	PGresult *res;

	name = req_str(r, "name");
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if ((res = db_query_or_reply(r, SQL_LOCK_USER, DB_ARGS(uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_UNAUTHORIZED, NULL, NULL);
	if (db_int(res, 0, 0) >= LISTS_MAX)
		return reply_errorf(r, ERR_CONFLICT, NULL, "at most %d watchlists; delete one first",
		                    LISTS_MAX);
	if (ensure_default_or_reply(r) < 0 || name_free_or_reply(r, name, "0") < 0)
		return r->status;
	if ((res = db_query_or_reply(r, SQL_CREATE, DB_ARGS(uid(r), name))) == NULL)
		return r->status;
	id = pool_strdup(r->pool, db_text(res, 0, 0));
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_list(r, 201, id);
}

/* GET /api/watchlists/{id}: the list with its symbols; 404 unknown. */
static int
get_watchlist(struct req *r)
{
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	return reply_list(r, 200, db_i64(r->pool, id));
}

/* PATCH /api/watchlists/{id} {name}: the renamed list; 409 name taken. */
static int
rename_watchlist(struct req *r)
{
	const char *name, *id;
	int64_t n, changed;

	if (req_path_i64_or_reply(r, "id", &n) < 0)
		return r->status;
	name = req_str(r, "name");
	id = db_i64(r->pool, n);
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if (db_query_or_reply(r, SQL_LOCK_USER, DB_ARGS(uid(r))) == NULL ||
	    name_free_or_reply(r, name, id) < 0 ||
	    (changed = db_exec_or_reply(r, SQL_RENAME, DB_ARGS(id, uid(r), name))) < 0)
		return r->status;
	if (changed == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such watchlist");
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_list(r, 200, id);
}

/* DELETE /api/watchlists/{id}: 204; 409 for the default list, 404 unknown. */
static int
delete_watchlist(struct req *r)
{
	const char *id;
	int64_t n, deleted;
	PGresult *res;

	if (req_path_i64_or_reply(r, "id", &n) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	if ((deleted = db_exec_or_reply(r, SQL_DELETE, DB_ARGS(id, uid(r)))) < 0)
		return r->status;
	if (deleted > 0)
		return reply_raw(r, 204, NULL, "", 0);
	if ((res = db_query_or_reply(r, SQL_LIST, DB_ARGS(id, uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such watchlist");
	return reply_error(r, ERR_CONFLICT, NULL, "the default watchlist cannot be deleted");
}

/* Reply for a failed market_store call (logged there). */
static int
reply_db_failure(struct req *r)
{
	return reply_error(r, strncmp(db_sqlstate(), "08", 2) == 0 ? ERR_DB_UNAVAILABLE
	                                                          : ERR_INTERNAL, NULL, NULL);
}

/* A symbol reply: {watchlist_id, symbol, added_at}. */
static int
reply_symbol(struct req *r, int status, int64_t list, const char *symbol,
    const char *added_at)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "watchlist_id", json_object_new_int64(list));
	json_object_object_add(o, "symbol", json_object_new_string(symbol));
	json_object_object_add(o, "added_at", json_object_new_string(added_at));
	return reply_json(r, status, o);
}

/* 201 when added, 200 when the list already had it. */
static int
add_symbol(struct req *r)
{
	long long max = config_int("WATCHLIST_MAX_SYMBOLS", 200);
	const char *id, *symbol, *added;
	int64_t n, sid, count;
	PGresult *res;

	if (req_path_i64_or_reply(r, "id", &n) < 0)
		return r->status;
	symbol = req_str(r, "symbol");
	id = db_i64(r->pool, n);
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if ((res = db_query_or_reply(r, SQL_OWN_LIST, DB_ARGS(id, uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such watchlist");
	count = db_int(res, 0, 0);
	if ((res = db_query_or_reply(r, SQL_HAS_SYMBOL, DB_ARGS(id, symbol))) == NULL)
		return r->status;
	if (PQntuples(res) > 0)
		return reply_symbol(r, 200, n, symbol, db_text(res, 0, 0));
	if (count >= max)
		return reply_errorf(r, ERR_CONFLICT, "symbol",
		                    "a watchlist holds at most %lld symbols", max);
	if (market_symbol_id(r->pool, symbol, 1, &sid) < 0)
		return reply_db_failure(r);
	if ((res = db_query_or_reply(r, SQL_ADD_SYMBOL, DB_ARGS(id, db_i64(r->pool, sid)))) == NULL ||
	    db_exec_or_reply(r, SQL_TOUCH, DB_ARGS(id)) < 0)
		return r->status;
	added = pool_strdup(r->pool, db_text(res, 0, 0));
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_symbol(r, 201, n, symbol, added);
}

/* DELETE /api/watchlists/{id}/symbols/{symbol}: 204, or 404. */
static int
remove_symbol(struct req *r)
{
	char *symbol = pool_strdup(r->pool, req_path(r, "symbol"));
	const char *id;
	int64_t n, removed;

	if (req_path_i64_or_reply(r, "id", &n) < 0)
		return r->status;
	valid_symbol_normalise(symbol);
	if (!valid_symbol(symbol))   /* a symbol that cannot exist is not in the list */
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such symbol in this watchlist");
	id = db_i64(r->pool, n);
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if ((removed = db_exec_or_reply(r, SQL_REMOVE_SYMBOL, DB_ARGS(id, uid(r), symbol))) < 0)
		return r->status;
	if (removed == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such symbol in this watchlist");
	if (db_exec_or_reply(r, SQL_TOUCH, DB_ARGS(id)) < 0)
		return r->status;
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_raw(r, 204, NULL, "", 0);
}
