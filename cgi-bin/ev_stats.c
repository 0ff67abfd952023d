/* ev_stats.c: how the +EV hits did (over settled hits: hit rate, ROI at a
 * flat and at a Kelly stake, CLV, each with a 95 % interval) and what the
 * scanner finds (counts, average and best EV). Settlement is cron/
 * settle-odds; the intervals are common/domain/stats_ci.h. */
#include "app.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "odds_provider.h"
#include "odds_settlement.h"
#include "reply_rows.h"
#include "stats_ci.h"

static int performance(struct req *r);
static int summary(struct req *r);

static int
sport_key(const char *s)
{
	return *s && strlen(s) <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static const char *const windows[] = { "24h", "7d", "30d", "all", NULL };
static const char *const intervals[] = { "24 hours", "7 days", "30 days", NULL };

static const struct param performance_query[] = {
	{ .name = "sport", .type = PARAM_STRING, .check = sport_key,
	  .rule = "a sport key (lower case letters, digits, _)", .desc = "only this sport" },
	{ .name = "commence_from", .type = PARAM_STRING, .check = odds_time_valid,
	  .rule = "an RFC 3339 UTC time (2030-01-10T00:10:00Z)", .format = "date-time",
	  .desc = "only events that started at or after" },
	{ 0 }
};

static const struct param summary_query[] = {
	{ .name = "window", .type = PARAM_ENUM, .values = windows,
	  .desc = "hits observed in the last 24h, 7d (default), 30d, or all" },
	{ 0 }
};

#define CI "{value:num?, low:num?, high:num?}"
#define GROUP "{key:str, settled:int, wins:int, losses:int, hit_rate:" CI ", " \
	"roi_flat:" CI ", roi_kelly:" CI ", clv:" CI ", clv_count:int}"
#define SUM "{key:str, count:int, avg_ev:num?, best_ev:num?}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/ev/performance", .handler = performance,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = performance_query,
	  .reply = "{intervals:str, kelly_fraction:num, kelly_cap:num, overall:" GROUP ", "
	           "by_sport:[" GROUP "], by_book:[" GROUP "], by_method:[" GROUP "], "
	           "by_ev_band:[" GROUP "]}",
	  .summary = "settled hits: hit rate, ROI flat and at Kelly, CLV, with 95 % intervals" },
	{ .method = "GET", .path = "/api/ev/summary", .handler = summary,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = summary_query,
	  .reply = "{window:str, overall:" SUM ", by_sport:[" SUM "], by_book:[" SUM "], "
	           "by_market:[" SUM "]}",
	  .summary = "hits found: counts, average and best EV by sport, book and market" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* The caller's settled hits ($1 user, $2 sport, $3 commence_from), grouped
 * overall (15), by sport (7), book (11), method (13) and EV band (14): the
 * GROUPING bits. Void hits count as settled and nowhere else. */
static const char SQL_PERFORMANCE[] =
	"WITH s AS (SELECT h.sport_key, h.book, h.method, "
	"  CASE WHEN h.ev < 0.02 THEN '0-2%' WHEN h.ev < 0.05 THEN '2-5%' "
	"       WHEN h.ev < 0.10 THEN '5-10%' ELSE '10%+' END AS band, h.result, "
	"  h.profit_flat AS y, h.profit_kelly AS ky, "
	"  LEAST(h.kelly * " ODDS_SETTLE_KELLY_FRACTION_SQL ", " ODDS_SETTLE_KELLY_CAP_SQL ") AS kx, "
	"  h.clv "
	"  FROM ev_hits h WHERE h.settled_at IS NOT NULL AND (h.source = 'scan' OR h.user_id = $1) "
	"  AND ($2::text IS NULL OR h.sport_key = $2) "
	"  AND ($3::timestamptz IS NULL OR h.commence_time >= $3)) "
	"SELECT GROUPING(sport_key, book, method, band), COALESCE(sport_key, book, method, band, 'all'), "
	"  count(*), count(*) FILTER (WHERE result = 'win'), count(*) FILTER (WHERE result = 'loss'), "
	"  count(*) FILTER (WHERE result <> 'void'), "
	"  COALESCE(sum(y) FILTER (WHERE result <> 'void'), 0), "
	"  COALESCE(sum(y * y) FILTER (WHERE result <> 'void'), 0), "
	"  count(*) FILTER (WHERE result <> 'void' AND kx > 0), "
	"  COALESCE(sum(kx) FILTER (WHERE result <> 'void'), 0), "
	"  COALESCE(sum(ky) FILTER (WHERE result <> 'void'), 0), "
	"  COALESCE(sum(kx * kx) FILTER (WHERE result <> 'void'), 0), "
	"  COALESCE(sum(ky * ky) FILTER (WHERE result <> 'void'), 0), "
	"  COALESCE(sum(kx * ky) FILTER (WHERE result <> 'void'), 0), "
	"  count(clv), COALESCE(sum(clv), 0), COALESCE(sum(clv * clv), 0) "
	"FROM s GROUP BY GROUPING SETS ((), (sport_key), (book), (method), (band)) "
	"ORDER BY 1, 2";

static double
num(PGresult *res, int row, int col)
{
	return strtod(db_text(res, row, col), NULL);
}

static json_object *
ci_json(struct stats_ci c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "value", isfinite(c.value) ? jsonv_number(c.value) : NULL);
	json_object_object_add(o, "low", isfinite(c.low) ? jsonv_number(c.low) : NULL);
	json_object_object_add(o, "high", isfinite(c.high) ? jsonv_number(c.high) : NULL);
	return o;
}

static json_object *
group_json(PGresult *res, int i)
{
	json_object *o = json_object_new_object();
	double wins = num(res, i, 3), losses = num(res, i, 4);

	json_object_object_add(o, "key", json_object_new_string(db_text(res, i, 1)));
	json_object_object_add(o, "settled", json_object_new_int64(db_int(res, i, 2)));
	json_object_object_add(o, "wins", json_object_new_int64(db_int(res, i, 3)));
	json_object_object_add(o, "losses", json_object_new_int64(db_int(res, i, 4)));
	json_object_object_add(o, "hit_rate", ci_json(stats_rate(wins, wins + losses)));
	json_object_object_add(o, "roi_flat", ci_json(stats_mean(num(res, i, 5), num(res, i, 6),
	                       num(res, i, 7))));
	json_object_object_add(o, "roi_kelly", ci_json(stats_ratio(num(res, i, 8), num(res, i, 9),
	    num(res, i, 10), num(res, i, 11), num(res, i, 12), num(res, i, 13))));
	json_object_object_add(o, "clv", ci_json(stats_mean(num(res, i, 14), num(res, i, 15),
	                       num(res, i, 16))));
	json_object_object_add(o, "clv_count", json_object_new_int64(db_int(res, i, 14)));
	return o;
}

/* The empty group of a set with no settled hit. */
static json_object *
empty_group(void)
{
	json_object *o = json_object_new_object();
	struct stats_ci none = stats_rate(0, 0);

	json_object_object_add(o, "key", json_object_new_string("all"));
	json_object_object_add(o, "settled", json_object_new_int(0));
	json_object_object_add(o, "wins", json_object_new_int(0));
	json_object_object_add(o, "losses", json_object_new_int(0));
	json_object_object_add(o, "hit_rate", ci_json(none));
	json_object_object_add(o, "roi_flat", ci_json(none));
	json_object_object_add(o, "roi_kelly", ci_json(none));
	json_object_object_add(o, "clv", ci_json(none));
	json_object_object_add(o, "clv_count", json_object_new_int(0));
	return o;
}

/* GET /api/ev/performance?sport=&commence_from=: over the caller's visible
 * settled hits, overall and by sport, book, method and EV band (0-2%, 2-5%,
 * 5-10%, 10%+): settled, wins, losses; hit rate wins / (wins + losses)
 * with its Wilson interval; ROI at a flat stake (mean profit per unit of
 * the hits not void) and CLV (mean) with normal-approximation intervals;
 * ROI at the Kelly stake (profit / staked) by the delta method. */
static int
performance(struct req *r)
{
	static const struct { int bits; const char *name; } sets[] = {
		{ 7, "by_sport" }, { 11, "by_book" }, { 13, "by_method" }, { 14, "by_ev_band" },
	};
	PGresult *res = db_query_or_reply(r, SQL_PERFORMANCE, DB_ARGS(db_i64(r->pool, r->user->id),
	    req_str(r, "sport"), req_str(r, "commence_from")));
	json_object *o, *overall = NULL, *lists[4];

	if (res == NULL)
		return r->status;
	for (int k = 0; k < 4; k++)
		lists[k] = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		int bits = (int)db_int(res, i, 0);

		if (bits == 15)
			overall = group_json(res, i);
		for (int k = 0; k < 4; k++)
			if (sets[k].bits == bits)
				json_object_array_add(lists[k], group_json(res, i));
	}
	o = pool_json_object(r->pool);
	json_object_object_add(o, "intervals", json_object_new_string(
	    "95 %: Wilson for hit_rate; normal approximation for roi_flat and clv (means); "
	    "normal approximation by the delta method for roi_kelly (profit / staked)"));
	json_object_object_add(o, "kelly_fraction", jsonv_number(ODDS_SETTLE_KELLY_FRACTION));
	json_object_object_add(o, "kelly_cap", jsonv_number(ODDS_SETTLE_KELLY_CAP));
	json_object_object_add(o, "overall", overall ? overall : empty_group());
	for (int k = 0; k < 4; k++)
		json_object_object_add(o, sets[k].name, lists[k]);
	return reply_json(r, 200, o);
}

/* The caller's visible hits observed within $2 (NULL: all), overall (7)
 * and by sport (3), book (5) and market (6): the GROUPING bits. */
static const char SQL_SUMMARY[] =
	"SELECT GROUPING(sport_key, book, market), COALESCE(sport_key, book, market, 'all'), "
	"  count(*), avg(ev), max(ev) FROM ev_hits "
	"WHERE (source = 'scan' OR user_id = $1) "
	"  AND ($2::interval IS NULL OR observed_at >= now() - $2::interval) "
	"GROUP BY GROUPING SETS ((), (sport_key), (book), (market)) ORDER BY 1, 5 DESC, 2";

static const struct reply_col SUM_COLS[] = {
	{ "key",     1, RCOL_TEXT,   0 },
	{ "count",   2, RCOL_INT,    0 },
	{ "avg_ev",  3, RCOL_NUMBER, RCOL_NULLABLE },
	{ "best_ev", 4, RCOL_NUMBER, RCOL_NULLABLE },
	{ NULL }
};

/* GET /api/ev/summary?window=24h|7d|30d|all: the caller's visible hits
 * observed in the window (default 7d): count, average and best EV, overall
 * and by sport, book and market (each list best EV first). */
static int
summary(struct req *r)
{
	static const struct { int bits; const char *name; } sets[] = {
		{ 3, "by_sport" }, { 5, "by_book" }, { 6, "by_market" },
	};
	int w = req_has(r, "window") ? valid_enum(req_str(r, "window"), windows) : 1;
	PGresult *res = db_query_or_reply(r, SQL_SUMMARY, DB_ARGS(db_i64(r->pool, r->user->id),
	                                  intervals[w]));
	json_object *o, *lists[3];

	if (res == NULL)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "window", json_object_new_string(windows[w]));
	for (int k = 0; k < 3; k++)
		lists[k] = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		int bits = (int)db_int(res, i, 0);

		if (bits == 7)
			json_object_object_add(o, "overall", reply_row_json(res, i, SUM_COLS));
		for (int k = 0; k < 3; k++)
			if (sets[k].bits == bits)
				json_object_array_add(lists[k], reply_row_json(res, i, SUM_COLS));
	}
	for (int k = 0; k < 3; k++)
		json_object_object_add(o, sets[k].name, lists[k]);
	return reply_json(r, 200, o);
}
