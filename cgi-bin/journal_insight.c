/* journal_insight.c: where the caller's paper P&L came from (attribution by
 * strategy, the signal's recommendation, tag, symbol, weekday and holding
 * period; every breakdown sums to the whole) and the achievements earned,
 * computed from the journal as it stands, so an edit or a deletion moves or
 * takes back what it earned. */
#include "app.h"

#include "journal_store.h"
#include "reply_rows.h"

static int attribution(struct req *r);
static int achievements(struct req *r);

#define PART "{key:str, count:int, pnl:num}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/journal/attribution", .handler = attribution,
	  .flags = NEED_AUTH,
	  .reply = "{total:" PART ", by_strategy:[" PART "], by_recommendation:[" PART "], "
	           "by_tag:[" PART "], by_symbol:[" PART "], by_weekday:[" PART "], "
	           "by_holding:[" PART "], bets:{total:" PART ", by_market:[" PART "], "
	           "by_book:[" PART "], by_result:[" PART "]}}",
	  .summary = "realised P&L and trade count by strategy, recommendation, tag, symbol, "
	             "weekday and holding period; settled bets by market, book and result" },
	{ .method = "GET", .path = "/api/journal/achievements", .handler = achievements,
	  .flags = NEED_AUTH,
	  .reply = "{earned:int, total:int, achievements:[{key:str, title:str, description:str, "
	           "earned:bool, earned_on:str?}]}",
	  .summary = "the catalogue of achievements, each with the day it was earned" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* The closed trades of $1 grouped by each dimension and overall. A trade
 * counts under its first tag ("untagged" without one), its signal's
 * strategy and recommendation ("none" without a signal), the weekday it
 * opened on and the whole UTC days it was held. Column 0 is GROUPING()'s
 * bits, which tell the breakdown of the row. */
static const char SQL_ATTRIBUTION[] =
	"WITH c AS (SELECT t.pnl, COALESCE(g.strategy, 'none') AS strategy, "
	"    COALESCE(g.recommendation, 'none') AS rec, COALESCE(t.tags[1], 'untagged') AS tag, "
	"    t.symbol, lower(to_char(t.opened_at AT TIME ZONE 'UTC', 'FMDay')) AS weekday, "
	"    extract(isodow FROM t.opened_at AT TIME ZONE 'UTC')::int AS dow, "
	"    CASE WHEN h.d = 0 THEN 'same day' WHEN h.d <= 5 THEN '1-5 days' "
	"         WHEN h.d <= 20 THEN '6-20 days' ELSE 'over 20 days' END AS holding, "
	"    h.d AS held "
	"  FROM journal_trades t LEFT JOIN signals g ON g.id = t.signal_id "
	"  CROSS JOIN LATERAL (SELECT (t.closed_at AT TIME ZONE 'UTC')::date "
	"                             - (t.opened_at AT TIME ZONE 'UTC')::date AS d) h "
	"  WHERE t.user_id = $1 AND t.exit_price IS NOT NULL) "
	"SELECT GROUPING(strategy, rec, tag, symbol, weekday, holding), "
	"       COALESCE(strategy, rec, tag, symbol, weekday, holding, 'all'), count(*), "
	"       trim_scale(COALESCE(sum(pnl), 0)) "
	"FROM c GROUP BY GROUPING SETS ((strategy), (rec), (tag), (symbol), (weekday), "
	"                               (holding), ()) "
	"ORDER BY 1, CASE WHEN GROUPING(weekday) = 0 THEN min(dow) "
	"                 WHEN GROUPING(holding) = 0 THEN min(held) END, 4 DESC, 2";

static const struct reply_col PART_COLS[] = {
	{ "key",   1, RCOL_TEXT,    0 },
	{ "count", 2, RCOL_INT,     0 },
	{ "pnl",   3, RCOL_DECIMAL, 0 },
	{ NULL }
};

/* A breakdown by its GROUPING() bits: the first column named the highest. */
struct breakdown {
	const char *name;
	int64_t bits;
};

static const struct breakdown trade_parts[] = {
	{ "by_strategy", 31 }, { "by_recommendation", 47 }, { "by_tag", 55 },
	{ "by_symbol", 59 }, { "by_weekday", 61 }, { "by_holding", 62 }, { NULL, 63 },
};

/* The settled bets of $1 by market, book and result, and overall. */
static const char SQL_BETS[] =
	"SELECT GROUPING(market, book, result), COALESCE(market, book, result, 'all'), count(*), "
	"       trim_scale(COALESCE(sum(pnl), 0)) "
	"FROM journal_bets WHERE user_id = $1 AND result IS NOT NULL "
	"GROUP BY GROUPING SETS ((market), (book), (result), ()) ORDER BY 1, 4 DESC, 2";

static const struct breakdown bet_parts[] = {
	{ "by_market", 3 }, { "by_book", 5 }, { "by_result", 6 }, { NULL, 7 },
};

/* Add to o the rows of res as its breakdowns: "total" for the grouping of
 * everything (the last of parts), an array for each other. */
static void
add_breakdowns(json_object *o, PGresult *res, const struct breakdown *parts, int n)
{
	json_object *a[8], *total = NULL;

	for (int k = 0; k < n - 1; k++)
		a[k] = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t bits = db_int(res, i, 0);

		if (bits == parts[n - 1].bits)
			total = reply_row_json(res, i, PART_COLS);
		for (int k = 0; k < n - 1; k++)
			if (parts[k].bits == bits)
				json_object_array_add(a[k], reply_row_json(res, i, PART_COLS));
	}
	if (total == NULL) {        /* nothing settled: a total of nothing */
		total = json_object_new_object();
		json_object_object_add(total, "key", json_object_new_string("all"));
		json_object_object_add(total, "count", json_object_new_int(0));
		json_object_object_add(total, "pnl", json_object_new_int(0));
	}
	json_object_object_add(o, "total", total);
	for (int k = 0; k < n - 1; k++)
		json_object_object_add(o, parts[k].name, a[k]);
}

/* GET /api/journal/attribution: the closed trades' P&L and count, whole and
 * broken down six ways, and the settled bets' three ways. */
static int
attribution(struct req *r)
{
	const char *uid = db_i64(r->pool, r->user->id);
	PGresult *res, *bets;
	json_object *o, *b;

	if ((res = db_query_or_reply(r, SQL_ATTRIBUTION, DB_ARGS(uid))) == NULL ||
	    (bets = db_query_or_reply(r, SQL_BETS, DB_ARGS(uid))) == NULL)
		return r->status;
	o = pool_json_object(r->pool);
	add_breakdowns(o, res, trade_parts, 7);
	b = json_object_new_object();
	add_breakdowns(b, bets, bet_parts, 4);
	json_object_object_add(o, "bets", b);
	return reply_json(r, 200, o);
}

/* The catalogue with the UTC day each was earned on by $1 (NULL: not yet). */
static const char SQL_ACHIEVEMENTS[] =
	"WITH t AS (SELECT * FROM journal_trades WHERE user_id = $1), "
	"c AS (SELECT id, closed_at, pnl, row_number() OVER (ORDER BY closed_at, id) AS n, "
	"        row_number() OVER (ORDER BY closed_at, id) "
	"        - row_number() OVER (PARTITION BY pnl > 0 ORDER BY closed_at, id) AS run "
	"      FROM t WHERE exit_price IS NOT NULL), "
	"w AS (SELECT closed_at, row_number() OVER (PARTITION BY run ORDER BY closed_at, id) AS k "
	"      FROM c WHERE pnl > 0), "
	"m AS (SELECT date_trunc('month', closed_at AT TIME ZONE 'UTC') AS month FROM c "
	"      GROUP BY 1 HAVING sum(pnl) > 0), "
	"e (key, at) AS (VALUES "
	"  ('first_trade', (SELECT min(opened_at AT TIME ZONE 'UTC') FROM t)), "
	"  ('ten_trades', (SELECT closed_at AT TIME ZONE 'UTC' FROM c WHERE n = 10)), "
	"  ('five_win_streak', (SELECT min(closed_at AT TIME ZONE 'UTC') FROM w WHERE k = 5)), "
	"  ('positive_month', (SELECT min(month + interval '1 month - 1 day') FROM m "
	"                      WHERE month + interval '1 month' <= now() AT TIME ZONE 'UTC')), "
	"  ('signal_win', (SELECT min(closed_at AT TIME ZONE 'UTC') FROM c "
	"                  WHERE pnl > 0 AND id IN (SELECT id FROM t WHERE signal_id IS NOT NULL))), "
	"  ('first_ev_bet', (SELECT min(settled_at AT TIME ZONE 'UTC') FROM journal_bets "
	"                    WHERE user_id = $1 AND result IS NOT NULL "
	"                      AND price * fair_prob::numeric > 1))) "
	"SELECT a.key, a.title, a.description, e.at IS NOT NULL, to_char(e.at, 'YYYY-MM-DD') "
	"FROM journal_achievements a LEFT JOIN e ON e.key = a.key ORDER BY a.position";

static const struct reply_col ACHIEVEMENT_COLS[] = {
	{ "key",         0, RCOL_TEXT, 0 },
	{ "title",       1, RCOL_TEXT, 0 },
	{ "description", 2, RCOL_TEXT, 0 },
	{ "earned",      3, RCOL_BOOL, 0 },
	{ "earned_on",   4, RCOL_TEXT, RCOL_NULLABLE },
	{ NULL }
};

/* GET /api/journal/achievements: every achievement of the catalogue, in its
 * order, earned or not. */
static int
achievements(struct req *r)
{
	PGresult *res = db_query_or_reply(r, SQL_ACHIEVEMENTS,
	                                  DB_ARGS(db_i64(r->pool, r->user->id)));
	json_object *o;
	int earned = 0;

	if (res == NULL)
		return r->status;
	for (int i = 0; i < PQntuples(res); i++)
		earned += db_text(res, i, 3)[0] == 't';
	o = pool_json_object(r->pool);
	json_object_object_add(o, "earned", json_object_new_int(earned));
	json_object_object_add(o, "total", json_object_new_int(PQntuples(res)));
	json_object_object_add(o, "achievements", reply_rows_json(res, -1, ACHIEVEMENT_COLS));
	return reply_json(r, 200, o);
}
