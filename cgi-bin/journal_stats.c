/* journal_stats.c: how the caller's paper trading went: the measures of the
 * journal, its daily equity curve, its winning and losing streaks and the
 * forecast of its equity. The computations are common/domain/journal.h and
 * journal_forecast.h; this file loads the trades and shapes the replies. */
#include "app.h"

#include <math.h>
#include <string.h>

#include "journal.h"
#include "journal_forecast.h"
#include "journal_store.h"
#include "jsonv.h"

static int stats(struct req *r);
static int equity(struct req *r);
static int streaks(struct req *r);
static int forecast(struct req *r);

#define CAPITAL_DEFAULT 10000.0
#define SAMPLE_WARN 30            /* trading days below which a forecast warns */

static const char *const horizons[] = { "7d", "30d", "90d", NULL };
static const int horizon_days[] = { 7, 30, 90 };

#define P_CAPITAL \
	{ .name = "capital", .type = PARAM_NUMBER, .min = 1, .max = 1000000000000LL, \
	  .desc = "the starting equity the returns are taken on (default 10000)" }

static const struct param capital_query[] = { P_CAPITAL, { 0 } };

static const struct param forecast_query[] = {
	P_CAPITAL,
	{ .name = "horizon", .type = PARAM_ENUM, .values = horizons,
	  .desc = "trading days ahead: 7d (default), 30d or 90d" },
	{ .name = "seed", .type = PARAM_INT, .min = 0, .max = INT64_MAX,
	  .desc = "the bootstrap's seed (default 1): the same seed gives the same numbers" },
	{ 0 }
};

#define RUN "{kind:str, length:int, from:str?, to:str?}"
#define STREAKS "{current:" RUN ", best_win:" RUN ", best_loss:" RUN "}"
#define BAND "{day:int, median:num, low_50:num, high_50:num, low_90:num, high_90:num}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/journal/stats", .handler = stats,
	  .flags = NEED_AUTH, .query = capital_query,
	  .reply = "{capital:num, trades:int, open:int, closed:int, wins:int, losses:int, "
	           "realised_pnl:num, unrealised_pnl:num, unpriced_open:int, win_rate:num?, "
	           "profit_factor:num?, expectancy:num?, max_drawdown:num, "
	           "max_drawdown_pct:num?, sharpe:num?, sortino:num?, exposure:num?, "
	           "trading_days:int, bets:{count:int, open:int, settled:int, wins:int, "
	           "losses:int, staked:num, pnl:num, roi:num?}}",
	  .summary = "realised and unrealised P&L, win rate, profit factor, drawdown, ratios" },
	{ .method = "GET", .path = "/api/journal/equity", .handler = equity,
	  .flags = NEED_AUTH, .query = capital_query,
	  .reply = "{capital:num, days:[{date:str, pnl:num, equity:num, return:num?, "
	           "drawdown:num, open:int}]}",
	  .summary = "the daily equity curve of the realised P&L" },
	{ .method = "GET", .path = "/api/journal/streaks", .handler = streaks,
	  .flags = NEED_AUTH, .reply = "{by_trade:" STREAKS ", by_day:" STREAKS "}",
	  .summary = "current and best winning and losing streaks, by trade and by day" },
	{ .method = "GET", .path = "/api/journal/forecast", .handler = forecast,
	  .flags = NEED_AUTH, .query = forecast_query,
	  .reply = "{method:str, horizon:str, horizon_days:int, seed:int, paths:int, "
	           "sample_size:int, start_equity:num, warning:str?, days:[" BAND "], "
	           "backtest:{checked:int, coverage_90:num?, paths:int}}",
	  .summary = "equity forecast by a seeded bootstrap of the daily returns, backtested" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* Realised P&L, unrealised P&L of the open trades at their symbol's latest
 * close (less the fees paid), the open trades without any close, the open
 * trades: exact decimals. */
static const char SQL_MONEY[] =
	"SELECT trim_scale(COALESCE(sum(t.pnl), 0)), "
	"  trim_scale(COALESCE(sum(CASE WHEN t.side = 'buy' THEN l.close - t.entry_price "
	"                               ELSE t.entry_price - l.close END * t.quantity - t.fees), 0)), "
	"  count(*) FILTER (WHERE t.exit_price IS NULL AND l.close IS NULL), "
	"  count(*) FILTER (WHERE t.exit_price IS NULL) "
	"FROM journal_trades t LEFT JOIN LATERAL ("
	"  SELECT c.close FROM candles c JOIN symbols s ON s.id = c.symbol_id "
	"  WHERE t.exit_price IS NULL AND s.symbol = t.symbol ORDER BY c.date DESC LIMIT 1) l "
	"  ON true "
	"WHERE t.user_id = $1";

/* The paper bets: counts, the stake of the settled ones, their profit and
 * its share of that stake. */
static const char SQL_BETS[] =
	"SELECT count(*), count(*) FILTER (WHERE result IS NULL), "
	"  count(*) FILTER (WHERE result IS NOT NULL), count(*) FILTER (WHERE result = 'win'), "
	"  count(*) FILTER (WHERE result = 'loss'), "
	"  trim_scale(COALESCE(sum(stake) FILTER (WHERE result IS NOT NULL), 0)), "
	"  trim_scale(COALESCE(sum(pnl), 0)), "
	"  (sum(pnl) / NULLIF(sum(stake) FILTER (WHERE result IS NOT NULL), 0))::float8 "
	"FROM journal_bets WHERE user_id = $1";

static const struct reply_col BET_COLS[] = {
	{ "count", 0, RCOL_INT, 0 }, { "open", 1, RCOL_INT, 0 }, { "settled", 2, RCOL_INT, 0 },
	{ "wins", 3, RCOL_INT, 0 }, { "losses", 4, RCOL_INT, 0 },
	{ "staked", 5, RCOL_DECIMAL, 0 }, { "pnl", 6, RCOL_DECIMAL, 0 },
	{ "roi", 7, RCOL_NUMBER, RCOL_NULLABLE },
	{ NULL }
};

/* The caller's trades and their curve. */
struct journal {
	double capital;
	struct journal_trade *t;
	size_t n;
	struct journal_day *days;
	size_t nd;
};

/* Load the caller's trades and their curve at capital into j; 0, or -1
 * after replying. */
static int
journal_or_reply(struct req *r, struct journal *j, double capital)
{
	j->capital = capital;
	if (journal_store_trades(r->pool, r->user->id, &j->t, &j->n) < 0)
		return db_failure_reply(r), -1;
	j->nd = journal_curve(r->pool, j->t, j->n, j->capital, &j->days);
	return 0;
}

static void
add_num(json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, jsonv_number(v));
}

static void
add_int(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* GET /api/journal/stats?capital=: the journal's measures (journal.h), its
 * P&L in exact decimals, and its paper bets'. */
static int
stats(struct req *r)
{
	static const struct reply_col money[] = {
		{ "realised_pnl", 0, RCOL_DECIMAL, 0 },
		{ "unrealised_pnl", 1, RCOL_DECIMAL, 0 },
		{ "unpriced_open", 2, RCOL_INT, 0 },
		{ NULL }
	};
	const char *uid = db_i64(r->pool, r->user->id);
	struct journal j;
	struct journal_stats s;
	PGresult *res, *bets;
	json_object *o;

	if (journal_or_reply(r, &j, req_number(r, "capital", CAPITAL_DEFAULT)) < 0 ||
	    (res = db_query_or_reply(r, SQL_MONEY, DB_ARGS(uid))) == NULL ||
	    (bets = db_query_or_reply(r, SQL_BETS, DB_ARGS(uid))) == NULL)
		return r->status;
	s = journal_measure(j.t, j.n, j.days, j.nd);
	o = pool_json_object(r->pool);
	add_num(o, "capital", j.capital);
	add_int(o, "trades", (int64_t)s.trades);
	add_int(o, "open", db_int(res, 0, 3));
	add_int(o, "closed", (int64_t)s.closed);
	add_int(o, "wins", (int64_t)s.wins);
	add_int(o, "losses", (int64_t)s.losses);
	reply_row_add(o, res, 0, money);
	add_num(o, "win_rate", s.win_rate);
	add_num(o, "profit_factor", s.profit_factor);
	add_num(o, "expectancy", s.expectancy);
	add_num(o, "max_drawdown", s.max_drawdown);
	add_num(o, "max_drawdown_pct", j.nd ? s.max_drawdown_pct : NAN);
	add_num(o, "sharpe", s.sharpe);
	add_num(o, "sortino", s.sortino);
	add_num(o, "exposure", s.exposure);
	add_int(o, "trading_days", (int64_t)s.days);
	json_object_object_add(o, "bets", reply_row_json(bets, 0, BET_COLS));
	return reply_json(r, 200, o);
}

/* GET /api/journal/equity?capital=: the curve, a day a row. */
static int
equity(struct req *r)
{
	struct journal j;
	json_object *o, *a;
	char date[11];

	if (journal_or_reply(r, &j, req_number(r, "capital", CAPITAL_DEFAULT)) < 0)
		return r->status;
	o = pool_json_object(r->pool);
	add_num(o, "capital", j.capital);
	a = json_object_new_array_ext((int)(j.nd ? j.nd : 1));
	for (size_t i = 0; i < j.nd; i++) {
		json_object *d = json_object_new_object();

		journal_date(j.days[i].day, date);
		json_object_object_add(d, "date", json_object_new_string(date));
		add_num(d, "pnl", j.days[i].pnl);
		add_num(d, "equity", j.days[i].equity);
		add_num(d, "return", j.days[i].ret);
		add_num(d, "drawdown", j.days[i].drawdown);
		add_int(d, "open", j.days[i].open);
		json_object_array_add(a, d);
	}
	json_object_object_add(o, "days", a);
	return reply_json(r, 200, o);
}

/* A run as {kind, length, from, to}: a new part. */
static json_object *
run_json(const struct journal_run *run)
{
	json_object *o = json_object_new_object();
	char date[11];

	json_object_object_add(o, "kind", json_object_new_string(
	    run->kind > 0 ? "win" : run->kind < 0 ? "loss" : "none"));
	add_int(o, "length", (int64_t)run->length);
	journal_date(run->first, date);
	json_object_object_add(o, "from", run->length ? json_object_new_string(date) : NULL);
	journal_date(run->last, date);
	json_object_object_add(o, "to", run->length ? json_object_new_string(date) : NULL);
	return o;
}

/* Streaks as {current, best_win, best_loss}: a new part. */
static json_object *
streaks_json(struct journal_streaks s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "current", run_json(&s.current));
	json_object_object_add(o, "best_win", run_json(&s.best_win));
	json_object_object_add(o, "best_loss", run_json(&s.best_loss));
	return o;
}

/* GET /api/journal/streaks: winning and losing runs of the closed trades
 * in closing order, and of the days with realised P&L. */
static int
streaks(struct req *r)
{
	struct journal j;
	json_object *o;

	if (journal_or_reply(r, &j, CAPITAL_DEFAULT) < 0)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "by_trade", streaks_json(journal_trade_streaks(j.t, j.n)));
	json_object_object_add(o, "by_day", streaks_json(journal_day_streaks(j.days, j.nd)));
	return reply_json(r, 200, o);
}

/* The forecast's days as [{day, median, low_50, high_50, low_90, high_90}]. */
static json_object *
bands_json(const struct journal_band *b, size_t n)
{
	json_object *a = json_object_new_array_ext((int)(n ? n : 1));

	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_new_object();

		add_int(d, "day", (int64_t)i + 1);
		add_num(d, "median", b[i].p50);
		add_num(d, "low_50", b[i].p25);
		add_num(d, "high_50", b[i].p75);
		add_num(d, "low_90", b[i].p05);
		add_num(d, "high_90", b[i].p95);
		json_object_array_add(a, d);
	}
	return a;
}

/* GET /api/journal/forecast?horizon=&capital=&seed=: the equity of the
 * next trading days by a bootstrap of the journal's daily returns, with a
 * backtest of the same forecast over the journal's past. */
static int
forecast(struct req *r)
{
	const char *h = req_str(r, "horizon");
	size_t days = (size_t)horizon_days[h ? valid_enum(h, horizons) : 0], checked = 0;
	uint64_t seed = (uint64_t)req_int(r, "seed", 1);
	struct journal j;
	struct journal_band *b;
	double *ret, *eq, start, coverage = NAN;
	json_object *o, *bt;

	if (journal_or_reply(r, &j, req_number(r, "capital", CAPITAL_DEFAULT)) < 0)
		return r->status;
	ret = pool_alloc(r->pool, sizeof(*ret) * (j.nd + 1));
	eq = pool_alloc(r->pool, sizeof(*eq) * (j.nd + 1));
	for (size_t i = 0; i < j.nd; i++) {
		ret[i] = j.days[i].ret;
		eq[i] = j.days[i].equity;
	}
	start = j.nd ? eq[j.nd - 1] : j.capital;
	b = pool_alloc(r->pool, sizeof(*b) * days);
	if (j.nd > 0) {
		journal_forecast(r->pool, ret, j.nd, start, days, JOURNAL_PATHS, seed, b);
		coverage = journal_backtest(r->pool, ret, eq, j.nd, days, seed, &checked);
	}
	o = pool_json_object(r->pool);
	json_object_object_add(o, "method", json_object_new_string(
	    "bootstrap: daily returns drawn with replacement from the journal's own"));
	json_object_object_add(o, "horizon", json_object_new_string(h ? h : "7d"));
	add_int(o, "horizon_days", (int64_t)days);
	add_int(o, "seed", (int64_t)seed);
	add_int(o, "paths", JOURNAL_PATHS);
	add_int(o, "sample_size", (int64_t)j.nd);
	add_num(o, "start_equity", start);
	json_object_object_add(o, "warning", j.nd >= SAMPLE_WARN ? NULL :
	    json_object_new_string(pool_printf(r->pool, "only %zu trading days of returns: "
	        "the forecast is not reliable under %d", j.nd, SAMPLE_WARN)));
	json_object_object_add(o, "days", bands_json(b, j.nd ? days : 0));
	bt = json_object_new_object();
	add_int(bt, "checked", (int64_t)checked);
	add_num(bt, "coverage_90", coverage);
	add_int(bt, "paths", JOURNAL_BACKTEST_PATHS);
	json_object_object_add(o, "backtest", bt);
	return reply_json(r, 200, o);
}
