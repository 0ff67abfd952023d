/* test_indicators_edge.c: common/domain/indicators.h on the edges: series shorter
 * than the period, bad arguments and non-finite input, period 1, flat
 * series, hand-worked examples of each convention, and rounding drift of the
 * running sums over a million bars. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* |got - want| <= tol, or fail naming the line. */
#define expect_near(got, want, tol) \
	near_or_fail((got), (want), (tol), #got, __FILE__, __LINE__)

static void
near_or_fail(double got, double want, double tol, const char *what,
             const char *file, int line)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s:%d: %s = %.17g, want %.17g (tolerance %g)", file, line,
		    what, got, want, tol);
}

/* ---- edge cases ---------------------------------------------------------- */

#define EN 40

/* Every one of the n bars is NAN. */
static void
expect_all_nan(const char *what, const double *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isnan(o[i]))
			fail_msg("%s bar %zu: %.17g, want NAN", what, i, o[i]);
}

/* Each indicator with its periods scaled by `scale`, over n bars of h/l/c/v,
 * into the ten output arrays; returns the sum of the return codes. */
struct outs {
	double sma[EN], ema[EN], rsi[EN], macd[EN], sig[EN], hist[EN];
	double lo[EN], mid[EN], up[EN], atr[EN], k[EN], d[EN], obv[EN];
	double roc[EN], pdi[EN], mdi[EN], adx[EN];
};

static int
run_all(const double *h, const double *l, const double *c, const double *v,
        size_t n, int period, struct outs *o)
{
	return ind_sma(c, n, period, o->sma) + ind_ema(c, n, period, o->ema) +
	    ind_rsi(c, n, period, o->rsi) +
	    ind_macd(c, n, period, period, period, o->macd, o->sig, o->hist) +
	    ind_bbands(c, n, period, 2.0, o->lo, o->mid, o->up) +
	    ind_atr(h, l, c, n, period, o->atr) +
	    ind_stoch(h, l, c, n, period, period, o->k, o->d) +
	    ind_obv(c, v, n, o->obv) + ind_roc(c, n, period, o->roc) +
	    ind_adx(h, l, c, n, period, o->pdi, o->mdi, o->adx);
}

static void
expect_outs_nan(const struct outs *o, size_t n, int with_obv)
{
	expect_all_nan("sma", o->sma, n);
	expect_all_nan("ema", o->ema, n);
	expect_all_nan("rsi", o->rsi, n);
	expect_all_nan("macd", o->macd, n);
	expect_all_nan("signal", o->sig, n);
	expect_all_nan("hist", o->hist, n);
	expect_all_nan("bb lower", o->lo, n);
	expect_all_nan("bb mid", o->mid, n);
	expect_all_nan("bb upper", o->up, n);
	expect_all_nan("atr", o->atr, n);
	expect_all_nan("%K", o->k, n);
	expect_all_nan("%D", o->d, n);
	if (with_obv)
		expect_all_nan("obv", o->obv, n);
	expect_all_nan("roc", o->roc, n);
	expect_all_nan("+DI", o->pdi, n);
	expect_all_nan("-DI", o->mdi, n);
	expect_all_nan("adx", o->adx, n);
}

/* A small up-and-down series with highs and lows around the close. */
static void
zigzag(double *h, double *l, double *c, double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		c[i] = 100.0 + (double)(i % 7) - 0.5 * (double)(i % 3);
		h[i] = c[i] + 1.0 + 0.25 * (double)(i % 2);
		l[i] = c[i] - 1.5;
		v[i] = 1000.0 + 10.0 * (double)i;
	}
}

static void
test_shorter_than_period_is_all_nan(void **state)
{
	double h[EN], l[EN], c[EN], v[EN];
	struct outs o;

	(void)state;
	zigzag(h, l, c, v, EN);
	/* 5 bars against period 14: nothing defined, not an error */
	assert_int_equal(run_all(h, l, c, v, 5, 14, &o), 0);
	expect_outs_nan(&o, 5, 0);
	/* exactly at the edge: SMA defined on its last bar, RSI not yet */
	assert_int_equal(ind_sma(c, 14, 14, o.sma), 0);
	assert_true(isnan(o.sma[12]) && !isnan(o.sma[13]));
	assert_int_equal(ind_rsi(c, 14, 14, o.rsi), 0);
	expect_all_nan("rsi", o.rsi, 14);
	/* no bars at all, NULL arrays included */
	assert_int_equal(run_all(NULL, NULL, NULL, NULL, 0, 14, &o), 0);
	assert_int_equal(ind_sma(NULL, 0, 3, NULL), 0);
	assert_int_equal(ind_obv(NULL, NULL, 0, NULL), 0);
}

static void
test_bad_arguments_are_rejected_whole(void **state)
{
	double h[EN], l[EN], c[EN], v[EN], c2[EN];
	struct outs o;
	static const double bad[] = { NAN, INFINITY, -INFINITY };

	(void)state;
	zigzag(h, l, c, v, EN);
	/* period 0, negative, too large */
	assert_int_equal(run_all(h, l, c, v, EN, 0, &o), -10 + 1);
	expect_outs_nan(&o, EN, 0);
	assert_int_equal(run_all(h, l, c, v, EN, -3, &o), -10 + 1);
	expect_outs_nan(&o, EN, 0);
	assert_int_equal(run_all(h, l, c, v, EN, IND_MAX_PERIOD + 1, &o), -9);
	assert_int_equal(ind_bbands(c, EN, 20, -1.0, o.lo, o.mid, o.up), -1);
	assert_int_equal(ind_bbands(c, EN, 20, NAN, o.lo, o.mid, o.up), -1);
	expect_all_nan("bb mid", o.mid, EN);
	/* a NULL output or input with bars to process */
	assert_int_equal(ind_sma(c, EN, 3, NULL), -1);
	assert_int_equal(ind_sma(NULL, EN, 3, o.sma), -1);
	assert_int_equal(ind_macd(c, EN, 3, 5, 2, o.macd, NULL, o.hist), -1);
	expect_all_nan("macd", o.macd, EN);
	/* a non-finite bar anywhere, even past the warm-up or in the volume,
	 * rejects the series: every output NAN, never a half-computed one */
	for (size_t b = 0; b < NELEM(bad); b++) {
		for (size_t at = 0; at < EN; at += 13) {
			memcpy(c2, c, sizeof(c));
			c2[at] = bad[b];
			assert_int_equal(run_all(h, l, c2, v, EN, 3, &o), -10);
			expect_outs_nan(&o, EN, 1);
		}
		memcpy(c2, h, sizeof(h));
		c2[EN - 1] = bad[b];
		assert_int_equal(ind_atr(c2, l, c, EN, 3, o.atr), -1);
		assert_int_equal(ind_stoch(h, c2, c, EN, 3, 3, o.k, o.d), -1);
		assert_int_equal(ind_adx(c2, l, c, EN, 3, o.pdi, o.mdi, o.adx), -1);
		assert_int_equal(ind_obv(c, c2, EN, o.obv), -1);
		expect_all_nan("atr", o.atr, EN);
		expect_all_nan("%D", o.d, EN);
		expect_all_nan("adx", o.adx, EN);
		expect_all_nan("obv", o.obv, EN);
	}
}

static void
test_period_one(void **state)
{
	double h[EN], l[EN], c[EN], v[EN];
	struct outs o;

	(void)state;
	zigzag(h, l, c, v, EN);
	assert_int_equal(run_all(h, l, c, v, EN, 1, &o), 0);
	for (size_t i = 0; i < EN; i++) {
		expect_near(o.sma[i], c[i], 1e-12);
		expect_near(o.ema[i], c[i], 1e-12);
		expect_near(o.macd[i], 0.0, 1e-12);
		expect_near(o.hist[i], 0.0, 1e-12);
		expect_near(o.mid[i], c[i], 1e-12);
		expect_near(o.up[i], c[i], 1e-12);
		expect_near(o.k[i], 100.0 * (c[i] - l[i]) / (h[i] - l[i]), 1e-9);
		expect_near(o.d[i], o.k[i], 1e-12);
		if (i == 0) {
			assert_true(isnan(o.rsi[0]) && isnan(o.atr[0]) &&
			    isnan(o.roc[0]) && isnan(o.adx[0]));
			continue;
		}
		/* one change: up reads 100, down 0, none 100 (no loss) */
		expect_near(o.rsi[i], c[i] < c[i - 1] ? 0.0 : 100.0, 1e-9);
		expect_near(o.atr[i],
		    fmax(h[i], c[i - 1]) - fmin(l[i], c[i - 1]), 1e-12);
		expect_near(o.roc[i], 100.0 * (c[i] / c[i - 1] - 1.0), 1e-9);
		assert_false(isnan(o.adx[i]));
	}
}

static void
test_constant_series(void **state)
{
	double h[EN], l[EN], c[EN], v[EN];
	struct outs o;

	(void)state;
	for (size_t i = 0; i < EN; i++) {
		h[i] = l[i] = c[i] = 42.5;
		v[i] = 7.0;
	}
	assert_int_equal(run_all(h, l, c, v, EN, 5, &o), 0);
	for (size_t i = 0; i < EN; i++) {
		expect_near(o.obv[i], 7.0, 0.0);
		if (i < 4)
			continue;
		expect_near(o.sma[i], 42.5, 0.0);
		expect_near(o.ema[i], 42.5, 0.0);
		/* width exactly 0 */
		expect_near(o.lo[i], 42.5, 0.0);
		expect_near(o.up[i], 42.5, 0.0);
		expect_near(o.k[i], 50.0, 0.0);
		if (i < 5)
			continue;
		/* no losses: 100 */
		expect_near(o.rsi[i], 100.0, 0.0);
		expect_near(o.atr[i], 0.0, 0.0);
		expect_near(o.roc[i], 0.0, 0.0);
		expect_near(o.pdi[i], 0.0, 0.0);
		expect_near(o.mdi[i], 0.0, 0.0);
		if (i >= 8)
			expect_near(o.macd[i], 0.0, 0.0);
		if (i >= 9)
			expect_near(o.adx[i], 0.0, 0.0);
	}
	/* only gains: RSI 100 too; a zero base for ROC is undefined */
	for (size_t i = 0; i < EN; i++)
		c[i] = (double)i;
	assert_int_equal(ind_rsi(c, EN, 5, o.rsi), 0);
	assert_int_equal(ind_roc(c, EN, 5, o.roc), 0);
	expect_near(o.rsi[EN - 1], 100.0, 0.0);
	assert_true(isnan(o.roc[5]));
	expect_near(o.roc[10], 100.0, 1e-12);
}

/* Small hand-worked examples of each convention. */
static void
test_hand_worked(void **state)
{
	static const double x[] = { 1, 2, 3, 4, 5, 4, 3 };
	static const double hh[] = { 10, 12, 11, 13 }, ll[] = { 8, 9, 9, 10 };
	static const double cc[] = { 9, 11, 10, 12 }, vv[] = { 5, 6, 7, 8 };
	double o[7], s[7], hi[7];

	(void)state;
	/* EMA(3): seed mean(1,2,3) = 2 at bar 2, then k = 0.5 */
	assert_int_equal(ind_ema(x, 7, 3, o), 0);
	assert_true(isnan(o[1]));
	expect_near(o[2], 2.0, 0.0);
	expect_near(o[3], 3.0, 0.0);
	expect_near(o[5], 4.0, 0.0);
	expect_near(o[6], 3.5, 0.0);
	/* RSI(3): changes +1 +1 +1 seed (no loss: 100), then +1, -1, -1 */
	assert_int_equal(ind_rsi(x, 7, 3, o), 0);
	assert_true(isnan(o[2]));
	expect_near(o[3], 100.0, 0.0);
	/* bar 5: up = (1*2 + 0)/3 = 2/3, dn = 1/3 -> 66.67 */
	expect_near(o[5], 100.0 * (2.0 / 3.0) / 1.0, 1e-12);
	/* Bollinger(3, 1) on 3,4,5: population sd sqrt(2/3) */
	assert_int_equal(ind_bbands(x, 7, 3, 1.0, o, s, hi), 0);
	expect_near(s[4], 4.0, 1e-12);
	expect_near(hi[4], 4.0 + sqrt(2.0 / 3.0), 1e-12);
	expect_near(o[4], 4.0 - sqrt(2.0 / 3.0), 1e-12);
	/* MACD(2, 3, 2): starts at bar 2, signal at bar 3 */
	assert_int_equal(ind_macd(x, 7, 2, 3, 2, o, s, hi), 0);
	assert_true(isnan(o[1]) && !isnan(o[2]) && isnan(s[2]) && !isnan(s[3]));
	/* EMA2 at bar 2: seed 1.5, then 1.5 + (2/3)(3 - 1.5) = 2.5; EMA3 = 2 */
	expect_near(o[2], 0.5, 1e-12);
	expect_near(s[3], (o[2] + o[3]) / 2.0, 1e-12);
	expect_near(hi[3], o[3] - s[3], 0.0);
	/* OBV: 5, +6, -7, +8 */
	assert_int_equal(ind_obv(cc, vv, 4, o), 0);
	expect_near(o[0], 5.0, 0.0);
	expect_near(o[1], 11.0, 0.0);
	expect_near(o[2], 4.0, 0.0);
	expect_near(o[3], 12.0, 0.0);
	/* ATR(2): TR1 = 12-9 = 3, TR2 = 11-9 = 2, seed 2.5; TR3 = 13-10 = 3 */
	assert_int_equal(ind_atr(hh, ll, cc, 4, 2, o), 0);
	assert_true(isnan(o[1]));
	expect_near(o[2], 2.5, 0.0);
	expect_near(o[3], 2.75, 0.0);
	/* stochastic(2, 2): bar 1: HH 12, LL 8 -> 75; bar 2: HH 12, LL 9 -> 33.3 */
	assert_int_equal(ind_stoch(hh, ll, cc, 4, 2, 2, o, s), 0);
	expect_near(o[1], 75.0, 0.0);
	expect_near(o[2], 100.0 / 3.0, 1e-12);
	assert_true(isnan(s[1]));
	expect_near(s[2], (75.0 + 100.0 / 3.0) / 2.0, 1e-12);
}

/* Running sums against a two-pass recomputation on a long series whose level
 * is large next to its moves, where a naive running sum drifts. */
static void
test_running_sums_do_not_drift(void **state)
{
	size_t n = 1000000, p = 20;
	double *x = malloc(n * sizeof(double)), *sma = malloc(n * sizeof(double));
	double *lo = malloc(n * sizeof(double)), *mid = malloc(n * sizeof(double));
	double *up = malloc(n * sizeof(double)), worst_m = 0, worst_sd = 0;
	uint64_t r = 88172645463325252ULL;

	(void)state;
	assert_true(x && sma && lo && mid && up);
	x[0] = 50000.0;
	for (size_t i = 1; i < n; i++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		x[i] = x[i - 1] + ((double)(r % 2001) - 1000.0) / 997.0;
	}
	assert_int_equal(ind_sma(x, n, (int)p, sma), 0);
	assert_int_equal(ind_bbands(x, n, (int)p, 2.0, lo, mid, up), 0);
	for (size_t i = p - 1; i < n; i++) {
		double m = 0, m2 = 0, sd;

		for (size_t j = i + 1 - p; j <= i; j++)
			m += x[j];
		m /= (double)p;
		for (size_t j = i + 1 - p; j <= i; j++)
			m2 += (x[j] - m) * (x[j] - m);
		sd = sqrt(m2 / (double)p);
		worst_m = fmax(worst_m, fmax(fabs(sma[i] - m), fabs(mid[i] - m)));
		worst_sd = fmax(worst_sd, fabs((up[i] - mid[i]) / 2.0 - sd));
	}
	printf("    drift over %zu bars: mean %.3g, sd %.3g\n", n, worst_m, worst_sd);
	assert_true(worst_m <= 1e-9);
	assert_true(worst_sd <= 1e-9);
	free(x);
	free(sma);
	free(lo);
	free(mid);
	free(up);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shorter_than_period_is_all_nan),
		cmocka_unit_test(test_bad_arguments_are_rejected_whole),
		cmocka_unit_test(test_period_one),
		cmocka_unit_test(test_constant_series),
		cmocka_unit_test(test_hand_worked),
		cmocka_unit_test(test_running_sums_do_not_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
