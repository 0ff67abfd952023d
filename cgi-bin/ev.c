/* ev.c: +EV hits: the list with its filters, and hits posted by outside
 * bots (API keys with the ingest scope). How hits are found is in
 * common/services/odds_fetch.h; EV and Kelly in common/domain/ev.h. */
#include "app.h"

#include <math.h>
#include <string.h>

#include "buf.h"
#include "devig.h"
#include "ev.h"
#include "odds_hits.h"
#include "odds_provider.h"
#include "odds_store.h"
#include "reply_rows.h"

static int list_hits(struct req *r);
static int hits_csv(struct req *r);
static int ingest(struct req *r);

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200

static const char *const market_names[] = { "h2h", "spreads", "totals", NULL };
static const char *const sort_names[] = { "ev", "newest", "commence", NULL };
static const char *const fraction_names[] = { "0.25", "0.5", "1", NULL };

static int
sport_key(const char *s)
{
	return *s && strlen(s) <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

#define SPORT_RULE "a sport key (lower case letters, digits, _)"
#define TIME_RULE "an RFC 3339 UTC time (2030-01-10T00:10:00Z)"

/* The filters and sorts of the hits, in the list and its CSV. */
#define HITS_FILTERS \
	{ .name = "sport", .type = PARAM_STRING, .check = sport_key, .rule = SPORT_RULE, \
	  .desc = "only this sport" }, \
	{ .name = "market", .type = PARAM_ENUM, .values = market_names, .desc = "only this market" }, \
	{ .name = "book", .type = PARAM_ENUM, .values = odds_default_books, .desc = "only this book" }, \
	{ .name = "min_ev", .type = PARAM_NUMBER, .min = -1, .max = 100, \
	  .desc = "EV at least this (0.02: 2 %)" }, \
	{ .name = "min_prob", .type = PARAM_NUMBER, .min = 0, .max = 1, \
	  .desc = "fair probability at least this" }, \
	{ .name = "max_price", .type = PARAM_NUMBER, .min = 1, .max = 10001, \
	  .desc = "decimal price at most this" }, \
	{ .name = "min_hold", .type = PARAM_NUMBER, .min = -1, .max = 1, \
	  .desc = "the reference book's hold at least this" }, \
	{ .name = "commence_from", .type = PARAM_STRING, .check = odds_time_valid, \
	  .rule = TIME_RULE, .format = "date-time", .desc = "events starting at or after" }, \
	{ .name = "commence_to", .type = PARAM_STRING, .check = odds_time_valid, \
	  .rule = TIME_RULE, .format = "date-time", .desc = "events starting at or before" }, \
	{ .name = "method", .type = PARAM_ENUM, .values = devig_method_names, \
	  .desc = "only hits found by this devig method" }, \
	{ .name = "sort", .type = PARAM_ENUM, .values = sort_names, \
	  .desc = "ev (highest first, the default), newest, commence (soonest first)" }, \
	{ .name = "kelly_fraction", .type = PARAM_ENUM, .values = fraction_names, \
	  .desc = "the share of full Kelly to stake (default 0.25)" }, \
	{ .name = "kelly_cap", .type = PARAM_NUMBER, .min = 0, .max = 1, \
	  .desc = "the largest stake, a share of the bankroll (default 0.05)" },

static const struct param hits_query[] = {
	HITS_FILTERS
	PARAM_PAGE(LIMIT_MAX),
	{ 0 }
};

static const struct param csv_query[] = {
	HITS_FILTERS
	{ 0 }
};

static const struct param ingest_body[] = {
	{ .name = "event_id", .type = PARAM_STRING, .required = 1, .min = 1, .max = 64,
	  .desc = "the event's id at the odds provider" },
	{ .name = "sport", .type = PARAM_STRING, .required = 1, .check = sport_key,
	  .rule = SPORT_RULE, .desc = "the sport key" },
	{ .name = "commence_time", .type = PARAM_STRING, .required = 1, .check = odds_time_valid,
	  .rule = TIME_RULE, .format = "date-time", .desc = "when the event starts" },
	{ .name = "home_team", .type = PARAM_TEXT, .required = 1, .min = 1, .max = 200,
	  .desc = "home team" },
	{ .name = "away_team", .type = PARAM_TEXT, .required = 1, .min = 1, .max = 200,
	  .desc = "away team" },
	{ .name = "market", .type = PARAM_ENUM, .required = 1, .values = market_names,
	  .desc = "the market" },
	{ .name = "outcome", .type = PARAM_TEXT, .required = 1, .min = 1, .max = 200,
	  .desc = "the outcome backed" },
	{ .name = "point", .type = PARAM_NUMBER, .min = -10000, .max = 10000,
	  .desc = "handicap or total (spreads, totals)" },
	{ .name = "book", .type = PARAM_ENUM, .required = 1, .values = odds_default_books,
	  .desc = "the book offering the price" },
	{ .name = "price", .type = PARAM_NUMBER, .required = 1, .min = 1, .max = 10001,
	  .desc = "the decimal price, above 1" },
	{ .name = "fair_prob", .type = PARAM_NUMBER, .required = 1, .min = 0, .max = 1,
	  .desc = "the fair probability, between 0 and 1" },
	{ .name = "observed_at", .type = PARAM_STRING, .required = 1, .check = odds_time_valid,
	  .rule = TIME_RULE, .format = "date-time", .desc = "when the price was seen" },
	{ .name = "method", .type = PARAM_ENUM, .values = devig_method_names,
	  .desc = "the devig method behind fair_prob (default multiplicative)" },
	{ 0 }
};


static const struct route routes[] = {
	{ .method = "GET", .path = "/api/ev/hits", .handler = list_hits,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = hits_query, .reply = SHAPE_PAGE(ODDS_HIT_SHAPE),
	  .summary = "+EV hits: the scanner's and the caller's own, filtered and sorted" },
	{ .method = "GET", .path = "/api/ev/hits.csv", .handler = hits_csv,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = csv_query, .reply = "str",
	  .media = "text/csv", .summary = "the same hits as CSV (RFC 4180), streamed" },
	{ .method = "POST", .path = "/api/ev/hits/ingest", .handler = ingest,
	  .flags = NEED_SCOPE(SCOPE_INGEST) | NEED_JSON, .body = ingest_body, .status = 201,
	  .status_also = 200, .reply = ODDS_HIT_SHAPE,
	  .summary = "a hit from an outside bot (201; 200 with the stored one when posted before)" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }


/* The hits the caller sees, filtered ($1 user, $2 Kelly fraction, $3 cap,
 * $4.. the filters, $14 the cursor, $15 the page size plus one). */
#define WHERE_HITS \
	"WHERE (h.source = 'scan' OR h.user_id = $1) " \
	"  AND ($4::text IS NULL OR h.sport_key = $4) AND ($5::text IS NULL OR h.market = $5) " \
	"  AND ($6::text IS NULL OR h.book = $6) AND ($7::float8 IS NULL OR h.ev >= $7) " \
	"  AND ($8::float8 IS NULL OR h.fair_prob >= $8) " \
	"  AND ($9::float8 IS NULL OR h.price <= $9::numeric) " \
	"  AND ($10::float8 IS NULL OR h.hold >= $10) " \
	"  AND ($11::timestamptz IS NULL OR h.commence_time >= $11) " \
	"  AND ($12::timestamptz IS NULL OR h.commence_time <= $12) " \
	"  AND ($13::text IS NULL OR h.method = $13)"

/* One query per sort order: the keyset follows the order. */
static const char *const SQL_PAGE[] = {
	ODDS_SELECT_HIT WHERE_HITS
	"  AND ($14::bigint = 0 OR (h.ev, h.id) < (SELECT ev, id FROM ev_hits WHERE id = $14)) "
	"ORDER BY h.ev DESC, h.id DESC LIMIT $15",
	ODDS_SELECT_HIT WHERE_HITS
	"  AND ($14::bigint = 0 OR h.id < $14) ORDER BY h.id DESC LIMIT $15",
	ODDS_SELECT_HIT WHERE_HITS
	"  AND ($14::bigint = 0 OR (h.commence_time, h.id) > "
	"       (SELECT commence_time, id FROM ev_hits WHERE id = $14)) "
	"ORDER BY h.commence_time, h.id LIMIT $15",
};

static const char SQL_ONE[] = ODDS_SELECT_HIT "WHERE h.id = $1";

static const char SQL_EXISTS[] =
	"SELECT 1 FROM ev_hits WHERE id = $1 AND (source = 'scan' OR user_id = $2)";


/* A number parameter as SQL text, or NULL when absent. */
static const char *
number_arg(struct req *r, const char *name)
{
	return req_has(r, name) ? odds_num(r->pool, req_number(r, name, 0)) : NULL;
}

/* One page of the hits the query asks for, after cursor (0: the first),
 * at most n rows; NULL on DB failure (logged, no reply). */
static PGresult *
page_query(struct req *r, int64_t cursor, int64_t n)
{
	const char *sort = req_str(r, "sort"), *fraction = req_str(r, "kelly_fraction");
	int order = sort ? valid_enum(sort, sort_names) : 0;

	return db_query(r->pool, SQL_PAGE[order], DB_ARGS(db_i64(r->pool, r->user->id),
	    fraction ? fraction : "0.25", odds_num(r->pool, req_number(r, "kelly_cap", 0.05)),
	    req_str(r, "sport"), req_str(r, "market"), req_str(r, "book"),
	    number_arg(r, "min_ev"), number_arg(r, "min_prob"), number_arg(r, "max_price"),
	    number_arg(r, "min_hold"), req_str(r, "commence_from"), req_str(r, "commence_to"),
	    req_str(r, "method"), db_i64(r->pool, cursor), db_i64(r->pool, n)));
}

/* page_query, or NULL after replying (db_failure_reply). */
static PGresult *
page_or_reply(struct req *r, int64_t cursor, int64_t n)
{
	PGresult *res = page_query(r, cursor, n);

	if (res == NULL)
		db_failure_reply(r);
	return res;
}

/* GET /api/ev/hits?sport=&market=&book=&min_ev=&min_prob=&max_price=
 * &min_hold=&commence_from=&commence_to=&method=&sort=&kelly_fraction=
 * &kelly_cap=&limit=&cursor=: a page of hits in the sort's order, each with
 * its Kelly stake at the fraction (default 1/4) within the cap (0.05). */
static int
list_hits(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	PGresult *res;
	int n;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, db_i64(r->pool, r->user->id)) < 0)
		return r->status;
	if ((res = page_or_reply(r, cursor, limit + 1)) == NULL)
		return r->status;
	n = PQntuples(res);
	return reply_page(r, reply_rows_json(res, (int)limit, odds_hit_cols),
	                  n > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}

#define CSV_PAGE 1000

/* GET /api/ev/hits.csv?(the filters and sort of /api/ev/hits): every hit
 * the list would page through, as RFC 4180 rows with odds_hit_cols' columns
 * (empty for null), streamed a page of CSV_PAGE at a time. */
static int
hits_csv(struct req *r)
{
	int64_t cursor = 0;
	struct buf b;
	PGresult *res;
	int n;

	if ((res = page_or_reply(r, 0, CSV_PAGE)) == NULL)
		return r->status;
	buf_init(&b, r->pool);
	reply_rows_csv_header(&b, odds_hit_cols);
	reply_header(r, "Content-Disposition", "attachment; filename=\"edgescout-ev-hits.csv\"");
	reply_stream_begin(r, 200, "text/csv; charset=utf-8; header=present");
	for (;;) {
		n = PQntuples(res);
		reply_rows_csv(&b, res, odds_hit_cols);
		if (reply_write(r, b.data, b.len) < 0 || n < CSV_PAGE)
			break;
		b.len = 0;
		cursor = db_int(res, n - 1, 0);
		if ((res = page_query(r, cursor, CSV_PAGE)) == NULL) {
			log_kv(LOG_ERROR, "ev: hits CSV: a page failed; reply cut short", NULL);
			break;
		}
	}
	return r->status;
}

/* The ingest body as a row and its evaluation; -1 after replying 422. */
static int
ingest_row_or_reply(struct req *r, struct odds_row *w, struct odds_eval *e)
{
	*w = (struct odds_row){
		.event_id = req_str(r, "event_id"), .sport = req_str(r, "sport"),
		.commence_time = req_str(r, "commence_time"), .home_team = req_str(r, "home_team"),
		.away_team = req_str(r, "away_team"), .book = req_str(r, "book"),
		.book_title = req_str(r, "book"), .market = req_str(r, "market"),
		.outcome = req_str(r, "outcome"), .price = req_number(r, "price", 0),
		.has_point = req_has(r, "point"), .point = req_number(r, "point", 0),
		.observed_at = req_str(r, "observed_at"),
	};
	*e = (struct odds_eval){ .fair_known = 1, .fair = req_number(r, "fair_prob", 0),
	                         .source = "ingest", .hold = NAN };
	if (w->price <= 1.0)
		return reply_error(r, ERR_VALIDATION_FAILED, "price",
		                   "price must be above 1.0"), -1;
	if (e->fair <= 0 || e->fair >= 1)
		return reply_error(r, ERR_VALIDATION_FAILED, "fair_prob",
		                   "fair_prob must be above 0 and below 1"), -1;
	e->ev = ev_value(e->fair, w->price);
	e->kelly = ev_kelly(e->fair, w->price);
	if (e->ev <= 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "price",
		                   "not a +EV hit: price times fair_prob is not above 1"), -1;
	return 0;
}

/* POST /api/ev/hits/ingest {event_id, sport, commence_time, home_team,
 * away_team, market, outcome, point?, book, price, fair_prob, observed_at,
 * method?}: 201 with the stored hit; 200 with it when the same (event,
 * market, outcome, point, book, price, observed_at) came before. */
static int
ingest(struct req *r)
{
	const char *method = req_str(r, "method");
	struct odds_row w;
	struct odds_eval e;
	int64_t id;
	int created;
	PGresult *res;

	if (ingest_row_or_reply(r, &w, &e) < 0)
		return r->status;
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if (odds_store_event(r->pool, &w, 1) < 0 ||
	    odds_store_hit(r->pool, &w, &e, method ? method : "multiplicative", "ingest",
	                   r->user->id, &id, &created) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL);
	if (db_commit_or_reply(r) < 0)
		return r->status;
	res = db_query_or_reply(r, SQL_ONE, DB_ARGS(db_i64(r->pool, id), "0.25", "0.05"));
	if (res == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_NOT_FOUND, NULL, "the hit is gone");
	return reply_json(r, created ? 201 : 200,
	                  pool_json(r->pool, reply_row_json(res, 0, odds_hit_cols)));
}
