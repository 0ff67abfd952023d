/* test_journal.c: a journal's curve, measures, streaks and forecast on
 * hand-worked cases (journal.h, journal_forecast.h). */
#include "unit.h"

#include <math.h>

#include "journal.h"
#include "journal_forecast.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

#define JAN1 19723          /* 2024-01-01, a Monday */

/* A +100 from Monday to Wednesday, B -50 from Tuesday to Thursday, C +30
 * from the next Monday to Tuesday, at a capital of 1000: the curve is the
 * seven weekdays 1-5 and 8-9 January with equity 1000 1000 1100 1050 1050
 * 1050 1080. */
static const struct journal_trade THREE[] = {
	{ JAN1, JAN1 + 2, 100 },
	{ JAN1 + 1, JAN1 + 3, -50 },
	{ JAN1 + 7, JAN1 + 8, 30 },
};

static void
test_weekend(void **state)
{
	(void)state;
	assert_false(journal_weekend(JAN1));
	assert_false(journal_weekend(JAN1 + 4));     /* Friday */
	assert_true(journal_weekend(JAN1 + 5));
	assert_true(journal_weekend(JAN1 + 6));
	assert_true(journal_weekend(2));             /* 1970-01-03, a Saturday */
	assert_false(journal_weekend(-3));           /* 1969-12-29, a Monday */
}

static void
test_date(void **state)
{
	char s[11];

	(void)state;
	journal_date(JAN1, s);
	assert_string_equal(s, "2024-01-01");
	journal_date(0, s);
	assert_string_equal(s, "1970-01-01");
	journal_date(JAN1 + 59, s);
	assert_string_equal(s, "2024-02-29");
	journal_date(-1, s);
	assert_string_equal(s, "1969-12-31");
	journal_date(11016, s);
	assert_string_equal(s, "2000-02-29");
}

static void
test_curve(void **state)
{
	static const double equity[] = { 1000, 1000, 1100, 1050, 1050, 1050, 1080 };
	static const int64_t days[] = { 0, 1, 2, 3, 4, 7, 8 };
	static const int open[] = { 1, 2, 2, 1, 0, 1, 1 };
	struct journal_day *d;
	size_t n;

	(void)state;
	n = journal_curve(pool, THREE, 3, 1000, &d);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d[i].day, JAN1 + days[i]);
		NEAR(d[i].equity, equity[i], 1e-9);
		assert_int_equal(d[i].open, open[i]);
	}
	NEAR(d[2].ret, 0.1, 1e-12);
	NEAR(d[3].ret, -50.0 / 1100, 1e-12);
	NEAR(d[3].drawdown, 50, 1e-9);
	NEAR(d[6].drawdown, 20, 1e-9);
	assert_int_equal(journal_curve(pool, THREE, 0, 1000, &d), 0);
}

static void
test_weekend_trade_day_counts(void **state)
{
	/* closed on a Saturday: that day joins the curve */
	static const struct journal_trade t[] = { { JAN1 + 4, JAN1 + 5, 10 } };
	struct journal_day *d;

	(void)state;
	assert_int_equal(journal_curve(pool, t, 1, 100, &d), 2);
	assert_int_equal(d[1].day, JAN1 + 5);
	NEAR(d[1].equity, 110, 1e-12);
}

static void
test_measures(void **state)
{
	struct journal_day *d;
	size_t n = journal_curve(pool, THREE, 3, 1000, &d);
	struct journal_stats s = journal_measure(THREE, 3, d, n);

	(void)state;
	assert_int_equal(s.closed, 3);
	assert_int_equal(s.wins, 2);
	assert_int_equal(s.losses, 1);
	NEAR(s.win_rate, 2.0 / 3, 1e-15);
	NEAR(s.profit_factor, 2.6, 1e-12);
	NEAR(s.expectancy, 80.0 / 3, 1e-12);
	NEAR(s.max_drawdown, 50, 1e-9);
	NEAR(s.max_drawdown_pct, 50.0 / 1100, 1e-12);
	NEAR(s.exposure, 6.0 / 7, 1e-15);
	/* mean / sd of 0 0 .1 -1/22 0 0 1/35, and mean / sqrt((1/22)² / 7) */
	NEAR(s.sharpe, 4.233263343275773, 1e-9);
	NEAR(s.sortino, 10.971428571428577, 1e-9);
}

static void
test_measures_without_losses(void **state)
{
	static const struct journal_trade t[] = { { JAN1, JAN1, 5 }, { JAN1, -1, 0 } };
	struct journal_day *d;
	size_t n = journal_curve(pool, t, 2, 100, &d);
	struct journal_stats s = journal_measure(t, 2, d, n);

	(void)state;
	assert_int_equal(s.trades, 2);
	assert_int_equal(s.closed, 1);
	assert_true(isnan(s.profit_factor));
	assert_true(isnan(s.sharpe));           /* one day only */
	NEAR(s.max_drawdown, 0, 0);
	NEAR(s.exposure, 1, 0);
}

static void
test_streaks(void **state)
{
	/* in closing order: W L W W 0 L L W W W */
	static const double pnl[] = { 1, -1, 2, 3, 0, -4, -5, 6, 7, 8 };
	struct journal_trade t[10];
	struct journal_streaks s;

	(void)state;
	for (int i = 0; i < 10; i++)
		t[i] = (struct journal_trade){ JAN1 + i, JAN1 + i, pnl[i] };
	s = journal_trade_streaks(t, 10);
	assert_int_equal(s.current.kind, 1);
	assert_int_equal(s.current.length, 3);
	assert_int_equal(s.current.first, JAN1 + 7);
	assert_int_equal(s.best_win.length, 3);
	assert_int_equal(s.best_win.first, JAN1 + 7);
	assert_int_equal(s.best_loss.length, 2);
	assert_int_equal(s.best_loss.last, JAN1 + 6);
	/* an open trade is skipped */
	t[9].closed = -1;
	assert_int_equal(journal_trade_streaks(t, 10).current.length, 2);
}

static void
test_day_streaks(void **state)
{
	struct journal_day *d;
	size_t n = journal_curve(pool, THREE, 3, 1000, &d);
	struct journal_streaks s = journal_day_streaks(d, n);

	(void)state;
	/* days with closes: +100, -50, +30 */
	assert_int_equal(s.current.kind, 1);
	assert_int_equal(s.current.length, 1);
	assert_int_equal(s.current.first, JAN1 + 8);
	assert_int_equal(s.best_win.length, 1);
	assert_int_equal(s.best_win.first, JAN1 + 2);
	assert_int_equal(s.best_loss.first, JAN1 + 3);
}

static void
test_quantile(void **state)
{
	static const double v[] = { 1, 2, 3, 4, 5 };

	(void)state;
	NEAR(journal_quantile(v, 5, 0.5), 3, 0);
	NEAR(journal_quantile(v, 5, 0.25), 2, 0);
	NEAR(journal_quantile(v, 5, 0.05), 1.2, 1e-12);
	NEAR(journal_quantile(v, 5, 1), 5, 0);
	NEAR(journal_quantile(v, 1, 0.9), 1, 0);
}

static void
test_forecast(void **state)
{
	static const double one[] = { 0.01 };
	static const double two[] = { 0.1, -0.1 };
	struct journal_band a[3], b[3];

	(void)state;
	/* one return: every path is the same compounding */
	journal_forecast(pool, one, 1, 100, 3, 50, 7, a);
	NEAR(a[2].p05, 100 * pow(1.01, 3), 1e-9);
	NEAR(a[2].p95, 100 * pow(1.01, 3), 1e-9);
	/* same seed, same numbers; bands ordered and within the extremes */
	journal_forecast(pool, two, 2, 100, 3, JOURNAL_PATHS, 42, a);
	journal_forecast(pool, two, 2, 100, 3, JOURNAL_PATHS, 42, b);
	for (int d = 0; d < 3; d++) {
		assert_true(a[d].p05 == b[d].p05 && a[d].p50 == b[d].p50 && a[d].p95 == b[d].p95);
		assert_true(a[d].p05 <= a[d].p25 && a[d].p25 <= a[d].p50 &&
		            a[d].p50 <= a[d].p75 && a[d].p75 <= a[d].p95);
	}
	NEAR(a[0].p05, 90, 1e-9);
	NEAR(a[0].p95, 110, 1e-9);
	NEAR(a[2].p95, 133.1, 1e-9);
	NEAR(a[2].p05, 72.9, 1e-9);
}

static void
test_backtest(void **state)
{
	double r[30], e[30], eq = 100;
	size_t checked;

	(void)state;
	/* a constant return: every realised equity is on the (point) band */
	for (int i = 0; i < 30; i++) {
		r[i] = 0.01;
		eq *= 1.01;
		e[i] = eq;
	}
	NEAR(journal_backtest(pool, r, e, 30, 5, 1, &checked), 1, 1e-12);
	assert_int_equal(checked, 30 - JOURNAL_BACKTEST_MIN - 5 + 1);
	/* a jump never seen before lies outside every band */
	r[29] = 0.5;
	e[29] = e[28] * 1.5;
	NEAR(journal_backtest(pool, r, e, 30, 1, 1, &checked), 19.0 / 20, 1e-12);
	assert_true(isnan(journal_backtest(pool, r, e, 12, 5, 1, &checked)));
	assert_int_equal(checked, 0);
}

static void
test_backtest_checks_the_latest_origins(void **state)
{
	enum { N = JOURNAL_BACKTEST_MIN + JOURNAL_BACKTEST_MAX + 40 };
	double *r = pool_alloc(pool, sizeof(double) * N), *e = pool_alloc(pool, sizeof(double) * N);
	double eq = 100;
	size_t checked;

	(void)state;
	for (int i = 0; i < N; i++) {
		r[i] = i % 2 ? 0.01 : -0.005;
		eq *= 1 + r[i];
		e[i] = eq;
	}
	assert_true(journal_backtest(pool, r, e, N, 3, 1, &checked) >= 0);
	assert_int_equal(checked, JOURNAL_BACKTEST_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weekend),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_curve),
		cmocka_unit_test(test_weekend_trade_day_counts),
		cmocka_unit_test(test_measures),
		cmocka_unit_test(test_measures_without_losses),
		cmocka_unit_test(test_streaks),
		cmocka_unit_test(test_day_streaks),
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_forecast),
		cmocka_unit_test(test_backtest),
		cmocka_unit_test(test_backtest_checks_the_latest_origins),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
