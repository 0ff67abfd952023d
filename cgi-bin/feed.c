/* feed.c: the hits of every domain (markets signals, odds +EV hits, deals)
 * in one shape, newest first, as the caller's tier sees them (tier_feed:
 * which domains, how long after they are written). */
#include "app.h"

#include <string.h>

#include "odds_provider.h"
#include "reply_rows.h"

static int list_feed(struct req *r);

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200

static const char *const domain_names[] = { "markets", "odds", "deals", NULL };

static int
sport_key(const char *s)
{
	return *s && strlen(s) <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static const struct param feed_query[] = {
	{ .name = "domain", .type = PARAM_ENUM, .values = domain_names,
	  .desc = "only this domain" },
	{ .name = "min_score", .type = PARAM_NUMBER, .min = 0, .max = 100,
	  .desc = "score at least this (0 to 100)" },
	{ .name = "symbol", .type = PARAM_STRING, .max = VALID_SYMBOL_MAX, .check = valid_symbol,
	  .rule = "a ticker: 1 to 10 of A-Z 0-9 . - (upper-cased), ^ first for an index",
	  .upper = 1, .desc = "only markets hits of this symbol" },
	{ .name = "sport", .type = PARAM_STRING, .check = sport_key,
	  .rule = "a sport key (lower case letters, digits, _)", .desc = "only odds hits of this sport" },
	{ .name = "search", .type = PARAM_TEXT, .min = 1, .max = 100,
	  .desc = "only hits whose title holds this text (any case)" },
	{ .name = "since", .type = PARAM_STRING, .check = odds_time_valid,
	  .rule = "an RFC 3339 UTC time (2030-01-10T00:10:00Z)", .format = "date-time",
	  .desc = "only hits observed at or after" },
	PARAM_PAGE(LIMIT_MAX),
	{ 0 }
};

#define FEED_ITEM "{id:int, domain:str(markets|odds|deals), key:str, score:num, title:str, " \
	"link:str?, observed_at:str, created_at:str, payload:obj}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/feed", .handler = list_feed,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = feed_query, .reply = SHAPE_PAGE(FEED_ITEM),
	  .summary = "hits of every domain the caller's tier sees, newest first" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const struct reply_col feed_cols[] = {
	{ "id",          0, RCOL_INT,    0 },
	{ "domain",      1, RCOL_TEXT,   0 },
	{ "key",         2, RCOL_TEXT,   0 },
	{ "score",       3, RCOL_NUMBER, 0 },
	{ "title",       4, RCOL_TEXT,   0 },
	{ "link",        5, RCOL_TEXT,   RCOL_NULLABLE },
	{ "observed_at", 6, RCOL_TEXT,   0 },
	{ "created_at",  7, RCOL_TEXT,   0 },
	{ "payload",     8, RCOL_JSON,   0 },
	{ NULL }
};

/* The hits $1 (user) of tier $2 sees: public ones once their domain's
 * delay has passed, their own (a private search's deals, their bot's odds
 * hits) at once. */
#define VISIBLE \
	"FROM hits h JOIN tier_feed f ON f.tier = $2 AND f.domain = h.domain " \
	"WHERE (h.user_id = $1 OR (h.user_id IS NULL " \
	"  AND h.created_at <= now() - make_interval(secs => f.delay_seconds))) "

/* A hit's detail: a signal's analysis, an odds hit's event list, a deal's
 * own link. */
#define LINK \
	"CASE h.domain " \
	"  WHEN 'markets' THEN '/api/stock-analysis?symbol=' || " \
	"       replace(h.payload->>'symbol', '^', '%5E') || '&strategy=' || " \
	"       (h.payload->>'strategy') " \
	"  WHEN 'odds' THEN '/api/odds/events?sport=' || (h.payload->>'sport') " \
	"  ELSE h.payload->>'link' END"

/* $3 domain, $4 min score, $5 symbol, $6 sport, $7 search, $8 since, $9
 * cursor (0: the first page), $10 page size plus one. */
static const char SQL_PAGE[] =
	"SELECT h.id, h.domain, h.key, h.score::float8, h.title, " LINK ", "
	DB_TIME("h.observed_at") ", " DB_TIME("h.created_at") ", h.payload "
	VISIBLE
	"  AND ($3::text IS NULL OR h.domain = $3) "
	"  AND ($4::numeric IS NULL OR h.score >= $4::numeric) "
	"  AND ($5::text IS NULL OR (h.domain = 'markets' AND h.payload->>'symbol' = $5)) "
	"  AND ($6::text IS NULL OR (h.domain = 'odds' AND h.payload->>'sport' = $6)) "
	"  AND ($7::text IS NULL OR strpos(lower(h.title), lower($7)) > 0) "
	"  AND ($8::timestamptz IS NULL OR h.observed_at >= $8::timestamptz) "
	"  AND ($9::bigint = 0 OR (h.observed_at, h.id) < "
	"       (SELECT observed_at, id FROM hits WHERE id = $9)) "
	"ORDER BY h.observed_at DESC, h.id DESC LIMIT $10";

/* A cursor names a hit the caller sees ($1 the cursor, $2 the user). */
static const char SQL_EXISTS[] =
	"SELECT 1 FROM hits h JOIN users u ON u.id = $2::bigint "
	"JOIN tier_feed f ON f.tier = u.tier AND f.domain = h.domain "
	"WHERE h.id = $1 AND (h.user_id IS NULL OR h.user_id = u.id)";

/* GET /api/feed?domain=&min_score=&symbol=&sport=&search=&since=&limit=
 * &cursor=: a page of the hits the caller sees, newest observed first. */
static int
list_feed(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	const char *min_score = NULL;
	PGresult *res;
	int n;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, db_i64(r->pool, r->user->id)) < 0)
		return r->status;
	if (req_has(r, "min_score"))
		min_score = pool_printf(r->pool, "%.6f", req_number(r, "min_score", 0));
	res = db_query_or_reply(r, SQL_PAGE, DB_ARGS(db_i64(r->pool, r->user->id), r->user->tier,
	    req_str(r, "domain"), min_score, req_str(r, "symbol"), req_str(r, "sport"),
	    req_str(r, "search"), req_str(r, "since"), db_i64(r->pool, cursor),
	    db_i64(r->pool, limit + 1)));
	if (res == NULL)
		return r->status;
	n = PQntuples(res);
	return reply_page(r, reply_rows_json(res, (int)limit, feed_cols),
	                  n > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}
