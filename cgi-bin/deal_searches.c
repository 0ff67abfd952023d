/* deal_searches.c: a user's saved deal searches, and a scan of one now.
 * Other users' searches do not exist as far as a caller can tell: 404.
 * The scan itself is common/services/deal_fetch.h's, as the scan-deals
 * job runs it. */
#include "app.h"

#include <math.h>
#include <string.h>

#include "deal_fetch.h"
#include "deal_provider.h"
#include "odds_store.h"
#include "pool_json.h"
#include "reply_rows.h"

static int list_searches(struct req *r);
static int create_search(struct req *r);
static int get_search(struct req *r);
static int update_search(struct req *r);
static int delete_search(struct req *r);
static int scan_search(struct req *r);

/* 1 when s is a keyword: 1 to 50 characters, no tab or line break, no
 * space at either end. */
static int
keyword(const char *s)
{
	size_t n = strlen(s);

	return valid_text(s, 1, 50, 200) == 0 && strpbrk(s, "\t\r\n") == NULL &&
	       s[0] != ' ' && s[n - 1] != ' ';
}

static int
country(const char *s)
{
	return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

#define WORDS(field, most, what) \
	{ .name = field, .type = PARAM_LIST, .max = most, .check = keyword, \
	  .rule = "1 to 50 characters, no line breaks or surrounding spaces", .desc = what }
#define SEARCH_FIELDS(req) \
	{ .name = "name", .type = PARAM_TEXT, .required = req, .min = 1, .max = 100, \
	  .desc = "the search's name" }, \
	WORDS("keywords_all", 20, "every one of these in the title (AND)"), \
	WORDS("keywords_any", 20, "at least one of these in the title (OR)"), \
	WORDS("keywords_not", 20, "none of these in the title (NOT)"), \
	WORDS("exclude_words", 50, "listings whose title holds one are left out, also of " \
	      "the comparables"), \
	{ .name = "category", .type = PARAM_TEXT, .min = 1, .max = 100, \
	  .desc = "the provider's category name" }, \
	{ .name = "conditions", .type = PARAM_LIST, .max = 6, .values = deal_conditions, \
	  .desc = "the conditions wanted (none: any)" }, \
	{ .name = "min_price", .type = PARAM_NUMBER, .min = 0, .max = 1000000000, \
	  .desc = "the lowest price" }, \
	{ .name = "max_price", .type = PARAM_NUMBER, .min = 0, .max = 1000000000, \
	  .desc = "the highest price" }, \
	{ .name = "buying_options", .type = PARAM_LIST, .max = 3, \
	  .values = deal_buying_options, .desc = "the buying options wanted (none: any)" }, \
	{ .name = "max_shipping", .type = PARAM_NUMBER, .min = 0, .max = 1000000000, \
	  .desc = "the most shipping may cost (unknown shipping fails it)" }, \
	{ .name = "location", .type = PARAM_STRING, .max = 2, .check = country, .upper = 1, \
	  .rule = "a two-letter country code", .desc = "the item's country" }, \
	{ .name = "every_minutes", .type = PARAM_INT, .min = 15, .max = 10080, \
	  .desc = "minutes between scans (default 60)" }, \
	{ .name = "enabled", .type = PARAM_BOOL, .desc = "scanned on schedule (default true)" }

static const struct param create_body[] = { SEARCH_FIELDS(1), { 0 } };
static const struct param update_body[] = { SEARCH_FIELDS(0), { 0 } };

#define SEARCH "{id:int, name:str, keywords_all:[str], keywords_any:[str], " \
	"keywords_not:[str], exclude_words:[str], category:str?, conditions:[str], " \
	"min_price:num?, max_price:num?, buying_options:[str], max_shipping:num?, " \
	"location:str?, every_minutes:int, enabled:bool, next_scan_at:str, " \
	"last_scan_at:str?, last_error:str?, listings:int, created_at:str, updated_at:str}"
#define SCAN "{search_id:int, provider:str, message:str, fetched:int, matched:int, " \
	"new:int, changed:int, dropped:int, ended:int, scored:int, hits:int}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/deals/searches", .handler = list_searches,
	  .flags = NEED_SCOPE(SCOPE_READ), .reply = SHAPE_PAGE(SEARCH),
	  .summary = "the caller's saved deal searches (one page: all of them)" },
	{ .method = "POST", .path = "/api/deals/searches", .handler = create_search,
	  .flags = NEED_AUTH | NEED_JSON, .body = create_body, .status = 201, .reply = SEARCH,
	  .summary = "a new saved deal search (at most the tier's deal_searches)" },
	{ .method = "GET", .path = "/api/deals/searches/{id}", .handler = get_search,
	  .flags = NEED_SCOPE(SCOPE_READ), .reply = SEARCH, .summary = "a saved deal search" },
	{ .method = "PATCH", .path = "/api/deals/searches/{id}", .handler = update_search,
	  .flags = NEED_AUTH | NEED_JSON, .body = update_body, .reply = SEARCH,
	  .summary = "change a saved deal search (the fields given)" },
	{ .method = "DELETE", .path = "/api/deals/searches/{id}", .handler = delete_search,
	  .flags = NEED_AUTH, .status = 204,
	  .summary = "delete a saved deal search, its listings and hits" },
	{ .method = "POST", .path = "/api/deals/searches/{id}/scan", .handler = scan_search,
	  .flags = NEED_AUTH, .quota = "deal_scan", .reply = SCAN,
	  .summary = "scan a saved deal search now (the deal_scan quota)" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

#define SQL_COLUMNS \
	"SELECT s.id, s.name, to_json(s.keywords_all), to_json(s.keywords_any), " \
	"  to_json(s.keywords_not), to_json(s.exclude_words), s.category, " \
	"  to_json(s.conditions), s.min_price::float8, s.max_price::float8, " \
	"  to_json(s.buying_options), s.max_shipping::float8, s.location, s.every_minutes, " \
	"  s.enabled, " DB_TIME("s.next_scan_at") ", " DB_TIME("s.last_scan_at") ", " \
	"  s.last_error, (SELECT count(*) FROM deal_listings l WHERE l.search_id = s.id " \
	"                 AND NOT l.ended), " \
	"  " DB_TIME("s.created_at") ", " DB_TIME("s.updated_at") " FROM deal_searches s "

static const char SQL_LIST[] = SQL_COLUMNS "WHERE s.user_id = $1 ORDER BY s.id";
static const char SQL_ONE[] = SQL_COLUMNS "WHERE s.id = $1 AND s.user_id = $2";

static const struct reply_col SEARCH_COLS[] = {
	{ "id",             0,  RCOL_INT,    0 },
	{ "name",           1,  RCOL_TEXT,   0 },
	{ "keywords_all",   2,  RCOL_JSON,   0 },
	{ "keywords_any",   3,  RCOL_JSON,   0 },
	{ "keywords_not",   4,  RCOL_JSON,   0 },
	{ "exclude_words",  5,  RCOL_JSON,   0 },
	{ "category",       6,  RCOL_TEXT,   RCOL_NULLABLE },
	{ "conditions",     7,  RCOL_JSON,   0 },
	{ "min_price",      8,  RCOL_NUMBER, RCOL_NULLABLE },
	{ "max_price",      9,  RCOL_NUMBER, RCOL_NULLABLE },
	{ "buying_options", 10, RCOL_JSON,   0 },
	{ "max_shipping",   11, RCOL_NUMBER, RCOL_NULLABLE },
	{ "location",       12, RCOL_TEXT,   RCOL_NULLABLE },
	{ "every_minutes",  13, RCOL_INT,    0 },
	{ "enabled",        14, RCOL_BOOL,   0 },
	{ "next_scan_at",   15, RCOL_TEXT,   0 },
	{ "last_scan_at",   16, RCOL_TEXT,   RCOL_NULLABLE },
	{ "last_error",     17, RCOL_TEXT,   RCOL_NULLABLE },
	{ "listings",       18, RCOL_INT,    0 },
	{ "created_at",     19, RCOL_TEXT,   0 },
	{ "updated_at",     20, RCOL_TEXT,   0 },
	{ NULL }
};

/* A list field ($n::jsonb, NULL when absent) as text[]: the old value
 * (col) when absent. */
#define LIST_ARG(n, col) \
	"CASE WHEN $" #n "::jsonb IS NULL THEN " col \
	" ELSE ARRAY(SELECT jsonb_array_elements_text($" #n "::jsonb)) END"

/* $1 the user, $2.. the fields in create_body's order (NULL: absent). */
static const char SQL_CREATE[] =
	"INSERT INTO deal_searches (user_id, name, keywords_all, keywords_any, keywords_not, "
	"  exclude_words, category, conditions, min_price, max_price, buying_options, "
	"  max_shipping, location, every_minutes, enabled) "
	"VALUES ($1, $2, " LIST_ARG(3, "'{}'") ", " LIST_ARG(4, "'{}'") ", "
	LIST_ARG(5, "'{}'") ", " LIST_ARG(6, "'{}'") ", $7, " LIST_ARG(8, "'{}'") ", "
	"  $9::numeric, $10::numeric, " LIST_ARG(11, "'{}'") ", $12::numeric, $13, "
	"  COALESCE($14::integer, 60), COALESCE($15::boolean, true)) RETURNING id";

/* The fields given replace the search's; $16 is its id. A changed query
 * makes the search due at once. */
static const char SQL_UPDATE[] =
	"UPDATE deal_searches SET name = COALESCE($2, name), "
	"  keywords_all = " LIST_ARG(3, "keywords_all") ", "
	"  keywords_any = " LIST_ARG(4, "keywords_any") ", "
	"  keywords_not = " LIST_ARG(5, "keywords_not") ", "
	"  exclude_words = " LIST_ARG(6, "exclude_words") ", "
	"  category = COALESCE($7, category), conditions = " LIST_ARG(8, "conditions") ", "
	"  min_price = COALESCE($9::numeric, min_price), "
	"  max_price = COALESCE($10::numeric, max_price), "
	"  buying_options = " LIST_ARG(11, "buying_options") ", "
	"  max_shipping = COALESCE($12::numeric, max_shipping), "
	"  location = COALESCE($13, location), "
	"  every_minutes = COALESCE($14::integer, every_minutes), "
	"  enabled = COALESCE($15::boolean, enabled), next_scan_at = now(), updated_at = now() "
	"WHERE id = $16 AND user_id = $1";

static const char SQL_DELETE[] =
	"WITH gone AS (DELETE FROM deal_searches WHERE id = $1 AND user_id = $2 RETURNING id) "
	"DELETE FROM hits WHERE domain = 'deals' "
	"  AND payload->>'search_id' IN (SELECT id::text FROM gone)";

/* The user row is locked so two creations cannot pass the limit together;
 * the limit is the tier's deal_searches row (0 when there is none). */
static const char SQL_LOCK_USER[] =
	"SELECT (SELECT count(*) FROM deal_searches WHERE user_id = u.id), "
	"  COALESCE((SELECT daily_limit FROM tier_quotas WHERE tier = u.tier "
	"            AND quota_class = 'deal_searches'), 0) "
	"FROM users u WHERE u.id = $1 FOR UPDATE";

static const char *
uid(struct req *r)
{
	return db_i64(r->pool, r->user->id);
}

/* The list field name as JSON text, or NULL when absent. */
static const char *
list_arg(struct req *r, const char *name)
{
	json_object *a;
	const char **v;
	int n;

	if (!req_has(r, name))
		return NULL;
	n = req_list(r, name, &v);
	a = pool_json_array(r->pool);
	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
}

static const char *
num_arg(struct req *r, const char *name)
{
	return req_has(r, name) ? odds_num(r->pool, req_number(r, name, 0)) : NULL;
}

static const char *
int_arg(struct req *r, const char *name)
{
	return req_has(r, name) ? db_i64(r->pool, req_int(r, name, 0)) : NULL;
}

static const char *
bool_arg(struct req *r, const char *name)
{
	return req_has(r, name) ? (req_bool(r, name, 1) ? "true" : "false") : NULL;
}

/* Run sql with the user, the body's fields and id ($16, NULL for create);
 * a refused check (no keyword, min above max) is a 422. */
static PGresult *
write_or_reply(struct req *r, const char *sql, const char *id)
{
	const char *args[16] = {
		uid(r), req_str(r, "name"), list_arg(r, "keywords_all"),
		list_arg(r, "keywords_any"), list_arg(r, "keywords_not"),
		list_arg(r, "exclude_words"), req_str(r, "category"), list_arg(r, "conditions"),
		num_arg(r, "min_price"), num_arg(r, "max_price"), list_arg(r, "buying_options"),
		num_arg(r, "max_shipping"), req_str(r, "location"), int_arg(r, "every_minutes"),
		bool_arg(r, "enabled"), id,
	};
	PGresult *res = db_query(r->pool, sql, args, id ? 16 : 15);

	if (res != NULL)
		return res;
	if (strcmp(db_sqlstate(), "23514") == 0)
		reply_error(r, ERR_VALIDATION_FAILED, NULL, "a search needs keywords_all or "
		            "keywords_any, and min_price at most max_price");
	else
		db_failure_reply(r);
	return NULL;
}

static int
reply_search(struct req *r, int status, const char *id)
{
	PGresult *res = db_query_or_reply(r, SQL_ONE, DB_ARGS(id, uid(r)));

	if (res == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such search");
	return reply_json(r, status, pool_json(r->pool, reply_row_json(res, 0, SEARCH_COLS)));
}

/* GET /api/deals/searches: every search of the caller (the tier caps them). */
static int
list_searches(struct req *r)
{
	PGresult *res = db_query_or_reply(r, SQL_LIST, DB_ARGS(uid(r)));

	if (res == NULL)
		return r->status;
	return reply_page(r, reply_rows_json(res, -1, SEARCH_COLS), NULL);
}

/* POST /api/deals/searches: 201 with the search; 409 past the tier's limit. */
static int
create_search(struct req *r)
{
	PGresult *res;
	const char *id;

	if (!req_has(r, "keywords_all") && !req_has(r, "keywords_any"))
		return reply_error(r, ERR_VALIDATION_FAILED, "keywords_all",
		                   "give keywords_all or keywords_any");
	if (req_has(r, "min_price") && req_has(r, "max_price") &&
	    req_number(r, "min_price", 0) > req_number(r, "max_price", 0))
		return reply_error(r, ERR_VALIDATION_FAILED, "min_price",
		                   "min_price must be at most max_price");
	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_LOCK_USER, DB_ARGS(uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_UNAUTHORIZED, NULL, NULL);
	if (db_int(res, 0, 0) >= db_int(res, 0, 1))
		return reply_errorf(r, ERR_CONFLICT, NULL, "your tier keeps at most %lld saved "
		                    "searches; delete one first", (long long)db_int(res, 0, 1));
	if ((res = write_or_reply(r, SQL_CREATE, NULL)) == NULL)
		return r->status;
	id = pool_strdup(r->pool, db_text(res, 0, 0));
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_search(r, 201, id);
}

/* GET /api/deals/searches/{id}: 404 unknown. */
static int
get_search(struct req *r)
{
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	return reply_search(r, 200, db_i64(r->pool, id));
}

/* PATCH /api/deals/searches/{id}: the changed search; 404 unknown. */
static int
update_search(struct req *r)
{
	PGresult *res;
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	if ((res = write_or_reply(r, SQL_UPDATE, db_i64(r->pool, id))) == NULL)
		return r->status;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such search");
	return reply_search(r, 200, db_i64(r->pool, id));
}

/* DELETE /api/deals/searches/{id}: 204; 404 unknown. */
static int
delete_search(struct req *r)
{
	PGresult *res;
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0 || db_begin_or_reply(r) < 0)
		return r->status;
	if ((res = db_query_or_reply(r, SQL_ONE, DB_ARGS(db_i64(r->pool, id), uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such search");
	if (db_exec_or_reply(r, SQL_DELETE, DB_ARGS(db_i64(r->pool, id), uid(r))) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	return reply_raw(r, 204, NULL, "", 0);
}

#define add_int(o, key, v) json_object_object_add(o, key, json_object_new_int64(v))

/* POST /api/deals/searches/{id}/scan: the scan's outcome; 503 when the
 * provider failed or none is configured. */
static int
scan_search(struct req *r)
{
	struct deal_scan s = { 0 };
	enum provider_status st;
	json_object *o;
	PGresult *res;

	if (req_path_i64_or_reply(r, "id", &s.search_id) < 0)
		return r->status;
	if ((res = db_query_or_reply(r, SQL_ONE, DB_ARGS(db_i64(r->pool, s.search_id),
	                             uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such search");
	if (!deal_provider_configured())
		return reply_error(r, ERR_PROVIDER_UNAVAILABLE, NULL,
		                   "no listing provider is configured");
	if ((st = deal_scan_run(r->pool, &s)) != PROVIDER_OK)
		return reply_error(r, st == PROVIDER_NO_DATA ? ERR_NOT_FOUND
		                                             : ERR_PROVIDER_UNAVAILABLE, NULL,
		                   s.message);
	o = pool_json_object(r->pool);
	add_int(o, "search_id", s.search_id);
	json_object_object_add(o, "provider", json_object_new_string(s.provider));
	json_object_object_add(o, "message", json_object_new_string(s.message));
	add_int(o, "fetched", s.fetched);
	add_int(o, "matched", s.matched);
	add_int(o, "new", s.stored.added);
	add_int(o, "changed", s.stored.changed);
	add_int(o, "dropped", s.stored.dropped);
	add_int(o, "ended", s.stored.ended);
	add_int(o, "scored", s.scored);
	add_int(o, "hits", s.hits);
	return reply_json(r, 200, o);
}
