/* deals.c: scored listings: the list with its filters, its CSV, one
 * listing with its score's components, comparables and price history, and
 * a summary. A caller sees the listings of its own saved searches and of
 * the demo searches. How listings are scored is in common/domain/deal.h,
 * how they come in in common/services/deal_fetch.h. */
#include "app.h"

#include <string.h>

#include "deal.h"
#include "deal_rows.h"
#include "odds_store.h"
#include "pool_json.h"
#include "reply_rows.h"

static int list_deals(struct req *r);
static int deals_csv(struct req *r);
static int get_deal(struct req *r);
static int summary(struct req *r);

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200
#define CSV_PAGE 1000

static const char *const sort_names[] = { "score", "price", "newest", NULL };
static const char *const band_names[] = { "great", "good", "fair", "overpriced", NULL };

/* The filters and sorts of the list and its CSV. */
#define DEAL_FILTERS \
	{ .name = "search", .type = PARAM_INT, .min = 1, .max = INT64_MAX, \
	  .desc = "only this saved search's listings" }, \
	{ .name = "min_score", .type = PARAM_NUMBER, .min = 0, .max = 100, \
	  .desc = "deal score at least this" }, \
	{ .name = "band", .type = PARAM_ENUM, .values = band_names, .desc = "only this band" }, \
	{ .name = "min_price", .type = PARAM_NUMBER, .min = 0, .max = 1000000000, \
	  .desc = "price at least this" }, \
	{ .name = "max_price", .type = PARAM_NUMBER, .min = 0, .max = 1000000000, \
	  .desc = "price at most this" }, \
	{ .name = "sort", .type = PARAM_ENUM, .values = sort_names, \
	  .desc = "score (highest first, the default), price (lowest total first), newest" },

static const struct param list_query[] = { DEAL_FILTERS PARAM_PAGE(LIMIT_MAX), { 0 } };
static const struct param csv_query[] = { DEAL_FILTERS { 0 } };

#define COMPONENT "{name:str, value:num?, score:num?, weight:num?, contribution:num?, " \
	"explanation:str}"
#define COMPARABLE "{id:int, item_id:str, title:str, price:num, shipping:num?, total:num, " \
	"condition:str, url:str}"
#define PRICE "{price:num, shipping:num?, observed_at:str}"
#define DETAIL "{id:int, search_id:int, search:str, provider:str, item_id:str, " \
	"title:str, price:num, currency:str, shipping:num?, total:num, condition:str, " \
	"score:num?, band:str?, confidence:str?, comparables:int, median_total:num?, " \
	"url:str, location:str, listed_at:str?, first_seen_at:str, last_seen_at:str, " \
	"ended:bool, components:[" COMPONENT "], comparable_listings:[" COMPARABLE "], " \
	"price_history:[" PRICE "], opinion:{text:str, model:str, at:str}?}"
#define BANDS "{great:int, good:int, fair:int, overpriced:int}"
#define SEARCH_SUM "{id:int, name:str, demo:bool, listings:int, great:int, good:int, " \
	"best_score:num?, last_scan_at:str?}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/deals", .handler = list_deals,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = list_query, .reply = SHAPE_PAGE(DEAL_SHAPE),
	  .summary = "scored live listings of the caller's and the demo searches" },
	{ .method = "GET", .path = "/api/deals.csv", .handler = deals_csv,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = csv_query, .reply = "str",
	  .media = "text/csv", .summary = "the same listings as CSV (RFC 4180), streamed" },
	{ .method = "GET", .path = "/api/deals/summary", .handler = summary,
	  .flags = NEED_SCOPE(SCOPE_READ),
	  .reply = "{listings:int, scored:int, ended:int, bands:" BANDS ", searches:["
	           SEARCH_SUM "]}",
	  .summary = "counts of the caller's listings by band, and per search" },
	{ .method = "GET", .path = "/api/deals/{id}", .handler = get_deal,
	  .flags = NEED_SCOPE(SCOPE_READ), .reply = DETAIL,
	  .summary = "a listing: its score's components, its comparables and price history" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* $1 user, $2.. the filters, $7 the cursor (0: none), $8 the page size. */
#define WHERE_DEALS \
	"WHERE " DEAL_VISIBLE " AND NOT l.ended AND l.score IS NOT NULL " \
	"  AND ($2::bigint IS NULL OR l.search_id = $2) " \
	"  AND ($3::float8 IS NULL OR l.score >= $3::numeric) " \
	"  AND ($4::text IS NULL OR l.band = $4) " \
	"  AND ($5::float8 IS NULL OR l.price >= $5::numeric) " \
	"  AND ($6::float8 IS NULL OR l.price <= $6::numeric) "

/* One query per sort order: the keyset follows the order. The page's ids
 * are found first, so that only its rows are rendered. */
#define PAGE(keyset, order) \
	DEAL_SELECT "JOIN (SELECT l.id FROM deal_listings l " \
	"JOIN deal_searches s ON s.id = l.search_id " WHERE_DEALS \
	"AND ($7::bigint = 0 OR " keyset ") ORDER BY " order " LIMIT $8) k ON k.id = l.id " \
	"ORDER BY " order

static const char *const SQL_PAGE[] = {
	PAGE("(l.score, l.id) < (SELECT score, id FROM deal_listings WHERE id = $7)",
	     "l.score DESC, l.id DESC"),
	PAGE("(l.price + COALESCE(l.shipping, 0), l.id) > "
	     "(SELECT price + COALESCE(shipping, 0), id FROM deal_listings WHERE id = $7)",
	     "l.price + COALESCE(l.shipping, 0), l.id"),
	PAGE("l.id < $7", "l.id DESC"),
};

static const char SQL_EXISTS[] =
	"SELECT 1 FROM deal_listings l JOIN deal_searches s ON s.id = l.search_id "
	"WHERE l.id = $1 AND (s.user_id = $2 OR s.user_id IS NULL)";

static const char SQL_ONE[] =
	DEAL_SELECT "WHERE " DEAL_VISIBLE " AND l.id = $2";

static const char SQL_COMPONENTS[] =
	"SELECT components::text, opinion, opinion_model, " DB_TIME("opinion_at") " "
	"FROM deal_listings WHERE id = $1";

/* The listing's comparables as the scorer took them (deal.h): the other
 * live listings of its search in its condition bucket, without the
 * search's exclusion words. */
#define BUCKET(t) "(CASE " t ".condition WHEN 'open_box' THEN 'new' ELSE " t ".condition END)"
static const char SQL_COMPARABLES[] =
	"SELECT c.id, c.item_id, c.title, c.price::float8, c.shipping::float8, "
	"  (c.price + COALESCE(c.shipping, 0))::float8, c.condition, c.url "
	"FROM deal_listings l JOIN deal_searches s ON s.id = l.search_id "
	"JOIN deal_listings c ON c.search_id = l.search_id "
	"WHERE l.id = $1 AND c.id <> l.id AND c.item_id <> l.item_id AND NOT c.ended "
	"  AND " BUCKET("c") " = " BUCKET("l") " "
	"  AND NOT EXISTS (SELECT 1 FROM unnest(s.exclude_words) w "
	"                  WHERE w <> '' AND strpos(lower(c.title), lower(w)) > 0) "
	"ORDER BY 6, c.id";

static const char SQL_HISTORY[] =
	"SELECT price::float8, shipping::float8, " DB_TIME("observed_at") " "
	"FROM deal_prices WHERE listing_id = $1 ORDER BY observed_at";

static const char SQL_TOTALS[] =
	"SELECT count(*) FILTER (WHERE NOT l.ended), "
	"  count(*) FILTER (WHERE NOT l.ended AND l.score IS NOT NULL), "
	"  count(*) FILTER (WHERE l.ended), "
	"  count(*) FILTER (WHERE NOT l.ended AND l.band = 'great'), "
	"  count(*) FILTER (WHERE NOT l.ended AND l.band = 'good'), "
	"  count(*) FILTER (WHERE NOT l.ended AND l.band = 'fair'), "
	"  count(*) FILTER (WHERE NOT l.ended AND l.band = 'overpriced') "
	"FROM deal_listings l JOIN deal_searches s ON s.id = l.search_id WHERE " DEAL_VISIBLE;

static const char SQL_PER_SEARCH[] =
	"SELECT s.id, s.name, s.user_id IS NULL, count(l.id) FILTER (WHERE NOT l.ended), "
	"  count(l.id) FILTER (WHERE NOT l.ended AND l.band = 'great'), "
	"  count(l.id) FILTER (WHERE NOT l.ended AND l.band = 'good'), "
	"  (max(l.score) FILTER (WHERE NOT l.ended))::float8, " DB_TIME("s.last_scan_at") " "
	"FROM deal_searches s LEFT JOIN deal_listings l ON l.search_id = s.id "
	"WHERE " DEAL_VISIBLE " GROUP BY s.id ORDER BY s.id";

static const struct reply_col COMPARABLE_COLS[] = {
	{ "id", 0, RCOL_INT, 0 }, { "item_id", 1, RCOL_TEXT, 0 }, { "title", 2, RCOL_TEXT, 0 },
	{ "price", 3, RCOL_NUMBER, 0 }, { "shipping", 4, RCOL_NUMBER, RCOL_NULLABLE },
	{ "total", 5, RCOL_NUMBER, 0 }, { "condition", 6, RCOL_TEXT, 0 },
	{ "url", 7, RCOL_TEXT, 0 }, { NULL }
};

static const struct reply_col OPINION_COLS[] = {
	{ "text", 1, RCOL_TEXT, 0 }, { "model", 2, RCOL_TEXT, 0 }, { "at", 3, RCOL_TEXT, 0 },
	{ NULL }
};

static const struct reply_col PRICE_COLS[] = {
	{ "price", 0, RCOL_NUMBER, 0 }, { "shipping", 1, RCOL_NUMBER, RCOL_NULLABLE },
	{ "observed_at", 2, RCOL_TEXT, 0 }, { NULL }
};

static const struct reply_col BAND_COLS[] = {
	{ "great", 3, RCOL_INT, 0 }, { "good", 4, RCOL_INT, 0 }, { "fair", 5, RCOL_INT, 0 },
	{ "overpriced", 6, RCOL_INT, 0 }, { NULL }
};

static const struct reply_col SEARCH_COLS[] = {
	{ "id", 0, RCOL_INT, 0 }, { "name", 1, RCOL_TEXT, 0 }, { "demo", 2, RCOL_BOOL, 0 },
	{ "listings", 3, RCOL_INT, 0 }, { "great", 4, RCOL_INT, 0 }, { "good", 5, RCOL_INT, 0 },
	{ "best_score", 6, RCOL_NUMBER, RCOL_NULLABLE },
	{ "last_scan_at", 7, RCOL_TEXT, RCOL_NULLABLE }, { NULL }
};

static const char *
uid(struct req *r)
{
	return db_i64(r->pool, r->user->id);
}

/* A number parameter as SQL text, or NULL when absent. */
static const char *
number_arg(struct req *r, const char *name)
{
	return req_has(r, name) ? odds_num(r->pool, req_number(r, name, 0)) : NULL;
}

/* One page of the listings the query asks for, after cursor (0: the
 * first), at most n rows; NULL on DB failure (logged, no reply). */
static PGresult *
page_query(struct req *r, int64_t cursor, int64_t n)
{
	const char *sort = req_str(r, "sort");
	int order = sort ? valid_enum(sort, sort_names) : 0;

	return db_query(r->pool, SQL_PAGE[order], DB_ARGS(uid(r),
	    req_has(r, "search") ? db_i64(r->pool, req_int(r, "search", 0)) : NULL,
	    number_arg(r, "min_score"), req_str(r, "band"), number_arg(r, "min_price"),
	    number_arg(r, "max_price"), db_i64(r->pool, cursor), db_i64(r->pool, n)));
}

/* GET /api/deals?search=&min_score=&band=&min_price=&max_price=&sort=
 * &limit=&cursor=: a page of scored live listings in the sort's order. */
static int
list_deals(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	PGresult *res;
	int n;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, uid(r)) < 0)
		return r->status;
	if ((res = page_query(r, cursor, limit + 1)) == NULL)
		return db_failure_reply(r);
	n = PQntuples(res);
	return reply_page(r, reply_rows_json(res, (int)limit, deal_cols),
	                  n > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}

/* GET /api/deals.csv?(the filters and sort of /api/deals): every listing
 * the list would page through, as RFC 4180 rows of deal_cols' columns,
 * streamed a page of CSV_PAGE at a time. */
static int
deals_csv(struct req *r)
{
	struct buf b;
	PGresult *res;
	int n;

	if ((res = page_query(r, 0, CSV_PAGE)) == NULL)
		return db_failure_reply(r);
	buf_init(&b, r->pool);
	reply_rows_csv_header(&b, deal_cols);
	reply_header(r, "Content-Disposition", "attachment; filename=\"edgescout-deals.csv\"");
	reply_stream_begin(r, 200, "text/csv; charset=utf-8; header=present");
	for (;;) {
		n = PQntuples(res);
		reply_rows_csv(&b, res, deal_cols);
		if (reply_write(r, b.data, b.len) < 0 || n < CSV_PAGE)
			break;
		b.len = 0;
		if ((res = page_query(r, db_int(res, n - 1, 0), CSV_PAGE)) == NULL) {
			log_kv(LOG_ERROR, "deals: CSV: a page failed; reply cut short", NULL);
			break;
		}
	}
	return r->status;
}

/* GET /api/deals/{id}: the listing (live or ended), its score's
 * components, its comparables with their prices, its price history, and
 * the language model's second opinion when one was asked for. */
static int
get_deal(struct req *r)
{
	PGresult *res, *comp, *cmp, *hist;
	const char *id;
	json_object *o;
	int64_t n;

	if (req_path_i64_or_reply(r, "id", &n) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	if ((res = db_query_or_reply(r, SQL_ONE, DB_ARGS(uid(r), id))) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such listing");
	if ((comp = db_query_or_reply(r, SQL_COMPONENTS, DB_ARGS(id))) == NULL ||
	    (cmp = db_query_or_reply(r, SQL_COMPARABLES, DB_ARGS(id))) == NULL ||
	    (hist = db_query_or_reply(r, SQL_HISTORY, DB_ARGS(id))) == NULL)
		return r->status;
	o = pool_json(r->pool, reply_row_json(res, 0, deal_cols));
	json_object_object_add(o, "components", reply_col_json(comp, 0, 0, RCOL_JSON, 0));
	json_object_object_add(o, "comparable_listings",
	                       reply_rows_json(cmp, -1, COMPARABLE_COLS));
	json_object_object_add(o, "price_history", reply_rows_json(hist, -1, PRICE_COLS));
	json_object_object_add(o, "opinion", PQgetisnull(comp, 0, 1) ? NULL :
	                       reply_row_json(comp, 0, OPINION_COLS));
	return reply_json(r, 200, o);
}

/* GET /api/deals/summary: the caller's live, scored and ended listings,
 * the live ones by band, and each visible search's counts and best score. */
static int
summary(struct req *r)
{
	PGresult *tot, *per;
	json_object *o;

	if ((tot = db_query_or_reply(r, SQL_TOTALS, DB_ARGS(uid(r)))) == NULL ||
	    (per = db_query_or_reply(r, SQL_PER_SEARCH, DB_ARGS(uid(r)))) == NULL)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "listings", json_object_new_int64(db_int(tot, 0, 0)));
	json_object_object_add(o, "scored", json_object_new_int64(db_int(tot, 0, 1)));
	json_object_object_add(o, "ended", json_object_new_int64(db_int(tot, 0, 2)));
	json_object_object_add(o, "bands", reply_row_json(tot, 0, BAND_COLS));
	json_object_object_add(o, "searches", reply_rows_json(per, -1, SEARCH_COLS));
	return reply_json(r, 200, o);
}
