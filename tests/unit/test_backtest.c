/* test_backtest.c: the backtest engine of common/domain/backtest.h: hand-made
 * series with known signals give hand-computed trades, fees, equity and
 * drawdown; every exit rule; buy-and-hold exactly; no look-ahead (changing
 * every bar after day t leaves every decision up to day t unchanged, for
 * every built-in strategy, on the real S&P 500 series); the same input
 * gives the same JSON bit for bit. Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest.h"
#include "buf.h"
#include "provider.h"

#define N BACKTEST_NONE
#define B BACKTEST_BUY
#define S BACKTEST_SELL

/* A series of n bars from opens and closes, dated 2024-01-01 on. */
static struct candles
series(const double *open, const double *close, size_t n)
{
	struct candles c = { pool_alloc(pool, n * sizeof(struct candle)), n };

	for (size_t i = 0; i < n; i++) {
		struct candle *b = &c.v[i];

		snprintf(b->date, sizeof(b->date), "2024-01-%02zu", i + 1);
		b->open = open[i];
		b->close = b->adjclose = close[i];
		b->high = fmax(open[i], close[i]) + 1;
		b->low = fmin(open[i], close[i]) - 1;
		b->volume = 1000;
	}
	assert_int_equal(candles_validate(&c, NULL, NULL), 0);
	return c;
}

static void
near(double got, double want)
{
	if (!(fabs(got - want) <= 1e-9 * fmax(1, fabs(want))))
		fail_msg("got %.17g, want %.17g", got, want);
}

static void
trade_is(const struct backtest_trade *t, const char *in, double in_px, const char *out,
    double out_px, double shares, double fees, double pnl, int bars,
    enum backtest_reason why)
{
	assert_string_equal(t->entry_date, in);
	assert_string_equal(t->exit_date, out);
	near(t->entry_price, in_px);
	near(t->exit_price, out_px);
	near(t->shares, shares);
	near(t->fees, fees);
	near(t->pnl, pnl);
	assert_int_equal(t->bars, bars);
	assert_int_equal(t->reason, why);
}

/* Sell signals, all in, 10 bps fees, no slippage: two trades by hand. */
static void
test_signals_fees_drawdown(void **state)
{
	static const double o[] = { 100, 100, 104, 105, 102, 100, 97, 96, 100, 103 };
	static const double cl[] = { 100, 102, 106, 103, 100, 98, 95, 99, 101, 104 };
	static const unsigned char sig[] = { N, B, N, S, N, B, N, N, S, B };
	struct backtest_params prm = { .exit_on_sell = 1, .sizing = BACKTEST_FRACTION,
	                               .size = 1, .fees_bps = 10 };
	struct candles c = series(o, cl, 10);
	struct backtest_result r;
	double sh1 = 10000 / (104 * 1.001), cash1 = sh1 * 102 * 0.999;
	double sh2 = cash1 / (97 * 1.001), cash2 = sh2 * 103 * 0.999;
	double peak = sh1 * 106, trough = sh2 * 95;

	(void)state;
	assert_int_equal(backtest_run(pool, &c, sig, 0, 9, &prm, &r), 0);
	assert_int_equal(r.ntrades, 2);
	/* the buy signal of the 2nd fills at the 3rd's open, never at a price of the 2nd */
	trade_is(&r.trades[0], "2024-01-03", 104, "2024-01-05", 102, sh1,
	         sh1 * 104 * 0.001 + sh1 * 102 * 0.001, cash1 - 10000, 2,
	         BACKTEST_SELL_SIGNAL);
	trade_is(&r.trades[1], "2024-01-07", 97, "2024-01-10", 103, sh2,
	         sh2 * 97 * 0.001 + sh2 * 103 * 0.001, cash2 - cash1, 3,
	         BACKTEST_SELL_SIGNAL);
	near(r.equity[0], 10000);
	near(r.equity[1], 10000);
	near(r.equity[2], peak);
	near(r.equity[3], sh1 * 103);
	near(r.equity[4], cash1);
	near(r.equity[6], trough);
	near(r.equity[9], cash2);
	assert_int_equal(r.decision[1], BACKTEST_ENTRY);
	assert_int_equal(r.decision[3], BACKTEST_SELL_SIGNAL);
	assert_int_equal(r.decision[9], BACKTEST_ENTRY);   /* the last bar's: not acted on */
	near(r.strategy.total_return, cash2 / 10000 - 1);
	near(r.strategy.max_drawdown, (peak - trough) / peak);
	assert_string_equal(r.strategy.drawdown_peak, "2024-01-03");
	assert_string_equal(r.strategy.drawdown_trough, "2024-01-07");
	near(r.strategy.win_rate, 0.5);
	near(r.strategy.profit_factor, (cash2 - cash1) / (10000 - cash1));
	near(r.strategy.exposure, 5.0 / 10.0);   /* closes 3, 4, 7, 8, 9 */
	assert_int_equal(r.strategy.trades, 2);
	near(r.strategy.cagr, pow(cash2 / 10000, 365.25 / 9) - 1);
	/* buy-and-hold: exactly last close / first close - 1 */
	assert_true(r.hold.total_return == 104.0 / 100.0 - 1);
	near(r.hold.max_drawdown, (106.0 - 95.0) / 106.0);
	assert_true(r.hold.exposure == 1);
}

/* Stop-loss, N bars, take-profit and the period's end; a fixed amount,
 * 100 bps slippage, no fees. */
static void
test_exit_rules(void **state)
{
	static const double o[] = { 100, 100, 98, 94, 97, 99, 101, 103, 105, 121, 110 };
	static const double cl[] = { 100, 99, 95, 96, 98, 100, 102, 104, 120, 121, 112 };
	static const unsigned char sig[] = { B, N, N, B, N, N, N, B, N, B, N };
	struct backtest_params prm = { .hold_bars = 3, .stop_loss_pct = 5,
	                               .take_profit_pct = 10, .sizing = BACKTEST_AMOUNT,
	                               .size = 5000, .slippage_bps = 100 };
	struct candles c = series(o, cl, 11);
	struct backtest_result r;
	double in[4] = { 100 * 1.01, 97 * 1.01, 105 * 1.01, 110 * 1.01 };
	double out[4] = { 94 * 0.99, 103 * 0.99, 121 * 0.99, 112 * 0.99 };

	(void)state;
	assert_int_equal(backtest_run(pool, &c, sig, 0, 10, &prm, &r), 0);
	assert_int_equal(r.ntrades, 4);
	trade_is(&r.trades[0], "2024-01-02", in[0], "2024-01-04", out[0], 5000 / in[0], 0,
	         5000 / in[0] * out[0] - 5000, 2, BACKTEST_STOP_LOSS);
	trade_is(&r.trades[1], "2024-01-05", in[1], "2024-01-08", out[1], 5000 / in[1], 0,
	         5000 / in[1] * out[1] - 5000, 3, BACKTEST_BARS);
	trade_is(&r.trades[2], "2024-01-09", in[2], "2024-01-10", out[2], 5000 / in[2], 0,
	         5000 / in[2] * out[2] - 5000, 1, BACKTEST_TAKE_PROFIT);
	trade_is(&r.trades[3], "2024-01-11", in[3], "2024-01-11", out[3], 5000 / in[3], 0,
	         5000 / in[3] * out[3] - 5000, 1, BACKTEST_END);
	assert_int_equal(r.decision[10], BACKTEST_END);
	assert_true(r.hold.total_return == 112.0 / 100.0 - 1);
}

/* A bar without an open fills at its close; bad parameters are refused. */
static void
test_no_open_and_bounds(void **state)
{
	static const double o[] = { 100, 100, 104, 105 };
	static const double cl[] = { 100, 102, 106, 103 };
	static const unsigned char sig[] = { B, N, N, N };
	struct backtest_params prm = { .sizing = BACKTEST_FRACTION, .size = 0.5 };
	struct candles c = series(o, cl, 4);
	struct backtest_result r;

	(void)state;
	c.v[1].open = 0;   /* as a provider without opens stores it */
	assert_int_equal(backtest_run(pool, &c, sig, 0, 3, &prm, &r), 0);
	near(r.trades[0].entry_price, 102);
	near(r.trades[0].shares, 5000.0 / 102);
	prm.size = 1.5;
	assert_int_equal(backtest_run(pool, &c, sig, 0, 3, &prm, &r), -1);
	prm.size = 1;
	prm.stop_loss_pct = 100;
	assert_int_equal(backtest_run(pool, &c, sig, 0, 3, &prm, &r), -1);
	prm.stop_loss_pct = 0;
	prm.fees_bps = NAN;
	assert_int_equal(backtest_run(pool, &c, sig, 0, 3, &prm, &r), -1);
	prm.fees_bps = 0;
	assert_int_equal(backtest_run(pool, &c, sig, 3, 2, &prm, &r), -1);
	assert_int_equal(backtest_run(pool, &c, sig, 0, 4, &prm, &r), -1);
}

static struct candles sp500;

static int
load_sp500(void **state)
{
	FILE *f = fopen("tests/fixtures/sp500-2000.csv", "rb");
	static char body[1 << 20];
	size_t len;
	const char *msg;

	(void)state;
	unit_setup(state);
	if (f == NULL)
		return -1;
	len = fread(body, 1, sizeof(body), f);
	fclose(f);
	if (provider_parse_csv(pool, 0, body, len, &sp500, &msg) != PROVIDER_OK)
		return -1;
	return sp500.n > 4000 ? 0 : -1;
}

/* The bars of c after bar t changed: a different path from there on. */
static struct candles
rewrite_after(const struct candles *c, size_t t)
{
	struct candles d = { pool_alloc(pool, c->n * sizeof(struct candle)), c->n };
	double f = 1;

	memcpy(d.v, c->v, c->n * sizeof(struct candle));
	for (size_t i = t + 1; i < d.n; i++) {
		struct candle *b = &d.v[i];

		f *= (i % 7 < 3) ? 0.97 : 1.025;   /* swings the indicators hard */
		b->open *= f;
		b->high *= f * 1.01;
		b->low *= f * 0.99;
		b->close *= f;
		b->adjclose = b->close;
		b->volume = (int64_t)(i * 7919 % 100000);
	}
	assert_int_equal(candles_validate(&d, NULL, NULL), 0);
	return d;
}

static struct backtest_result
run_strategy(const struct candles *c, const struct analysis_spec *sp, size_t first,
    unsigned char **sig_out)
{
	struct backtest_params prm = { .exit_on_sell = 1, .hold_bars = 40, .stop_loss_pct = 8,
	                               .take_profit_pct = 15, .sizing = BACKTEST_FRACTION,
	                               .size = 1, .fees_bps = 5, .slippage_bps = 5 };
	struct analysis_series a;
	struct backtest_result r;
	unsigned char *sig = pool_alloc(pool, c->n);

	assert_int_equal(analysis_series(pool, c, &a), 0);
	backtest_signals(&a, sp, sig);
	assert_int_equal(backtest_run(pool, c, sig, first, c->n - 1, &prm, &r), 0);
	*sig_out = sig;
	return r;
}

/* A user's strategy: the new components with parameters of its own,
 * thresholds of its own. */
static void
user_spec(struct analysis_spec *sp)
{
	static const struct analysis_part parts[] = {
		{ COMPONENT_STOCHASTIC, 30, { 25, 75 } },
		{ COMPONENT_ADX, 30, { 15, 45 } },
		{ COMPONENT_OBV_TREND, 20, { 0, 0 } },
		{ COMPONENT_RSI, 20, { 25, 75 } },
	};

	memset(sp, 0, sizeof(*sp));
	sp->name = "user:1";
	sp->n = 4;
	memcpy(sp->part, parts, sizeof(parts));
	sp->buy_at = 60;
	sp->sell_at = 40;
}

/* Changing every bar after day t leaves every signal, decision, fill and
 * equity up to and including day t as it was, for every built-in strategy
 * and a user's. */
static void
test_no_look_ahead(void **state)
{
	static const size_t days[] = { 300, 1200, 2600, 4100, 5000 };
	const size_t first = 200;

	(void)state;
	for (int st = 0; st <= STRATEGY_COUNT; st++) {
		unsigned char *s0, *s1;
		struct analysis_spec sp;
		struct backtest_result r0;

		if (st < STRATEGY_COUNT)
			analysis_builtin_spec(st, &sp);
		else
			user_spec(&sp);
		r0 = run_strategy(&sp500, &sp, first, &s0);
		size_t later = 0;

		assert_true(r0.ntrades > 0 || st == STRATEGY_DIVIDEND);
		for (size_t k = 0; k < sizeof(days) / sizeof(days[0]); k++) {
			size_t t = days[k], j = t - first;
			struct candles d = rewrite_after(&sp500, t);
			struct backtest_result r1 = run_strategy(&d, &sp, first, &s1);

			assert_memory_equal(s0, s1, t + 1);
			assert_memory_equal(r0.decision, r1.decision, j + 1);
			assert_memory_equal(r0.equity, r1.equity, (j + 1) * sizeof(double));
			for (size_t i = 0; i < r0.ntrades && i < r1.ntrades; i++) {
				const struct backtest_trade *a = &r0.trades[i], *b = &r1.trades[i];

				if (strcmp(a->entry_date, sp500.v[t].date) > 0)
					break;
				assert_string_equal(a->entry_date, b->entry_date);
				assert_true(a->entry_price == b->entry_price);
				assert_true(a->shares == b->shares);
				if (strcmp(a->exit_date, sp500.v[t].date) <= 0) {
					assert_string_equal(a->exit_date, b->exit_date);
					assert_true(a->exit_price == b->exit_price);
					assert_true(a->pnl == b->pnl);
				}
			}
			/* the rewrite does change what comes after: the test could fail */
			if (memcmp(s0 + t + 1, s1 + t + 1, sp500.n - t - 1) != 0)
				later++;
		}
		assert_true(later > 0);
	}
}

/* The same input gives the same JSON, bit for bit; the CSV has a row a trade. */
static void
test_repeatable(void **state)
{
	unsigned char *s;
	struct analysis_spec sp;
	struct backtest_result r0, r1;

	analysis_builtin_spec(STRATEGY_MOMENTUM, &sp);
	r0 = run_strategy(&sp500, &sp, 200, &s);
	r1 = run_strategy(&sp500, &sp, 200, &s);
	json_object *j0 = backtest_json(&r0), *j1 = backtest_json(&r1);
	struct buf b;
	size_t rows = 0;

	(void)state;
	assert_string_equal(json_object_to_json_string(j0), json_object_to_json_string(j1));
	buf_init(&b, pool);
	assert_int_equal(backtest_csv(&b, "^GSPC", j0), 0);
	for (const char *q = buf_cstr(&b); (q = strstr(q, "\r\n")) != NULL; q += 2)
		rows++;
	assert_int_equal(rows, r0.ntrades);
	assert_true(r0.hold.total_return ==
	            sp500.v[sp500.n - 1].close / sp500.v[200].close - 1);
	json_object_put(j0);
	json_object_put(j1);
}

/* The backtest's fast scoring (no decimals, no explanations) gives the
 * live analysis' numbers at every bar. */
static void
test_fast_score_is_the_live_score(void **state)
{
	struct analysis_series a;
	struct analysis_snapshot s0, s1;
	struct analysis_score c0, c1;

	(void)state;
	assert_int_equal(analysis_series(pool, &sp500, &a), 0);
	for (size_t i = 0; i < sp500.n; i += 7)
		for (int st = 0; st < STRATEGY_COUNT; st++) {
			analysis_snapshot_at(&a, i, &s0);
			analysis_indicators_at(&a, i, &s1);
			analysis_score(pool, st, &s0, NULL, &c0);
			analysis_score(NULL, st, &s1, NULL, &c1);
			assert_true(c0.score == c1.score || (isnan(c0.score) && isnan(c1.score)));
			assert_true(c0.coverage == c1.coverage);
			assert_null(c1.c[0].explanation);
		}
}

int
main(void)
{
	const struct CMUnitTest hand[] = {
		cmocka_unit_test_setup_teardown(test_signals_fees_drawdown, unit_setup,
		                                unit_teardown),
		cmocka_unit_test_setup_teardown(test_exit_rules, unit_setup, unit_teardown),
		cmocka_unit_test_setup_teardown(test_no_open_and_bounds, unit_setup,
		                                unit_teardown),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_no_look_ahead),
		cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_fast_score_is_the_live_score),
	};
	int rc = cmocka_run_group_tests_name("backtest hand-made", hand, NULL, NULL);

	return rc | cmocka_run_group_tests_name("backtest S&P 500", real, load_sp500,
	                                        unit_teardown);
}
