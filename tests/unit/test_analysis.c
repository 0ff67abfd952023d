/* test_analysis.c: the scoring model of common/domain/analysis.h on fixed
 * indicator inputs (exact component scores, weights, redistribution when
 * inputs are missing, thresholds), the snapshot on the real S&P series
 * against the golden values (the JSON of an analysis and export rows:
 * test_analysis_json.c). Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "buf.h"
#include "provider.h"
#include "analysis_fixture.h"

#define EPS 1e-9

static struct fund_value
fv(double v)
{
	struct fund_value f = { 1, v };

	return f;
}

static const struct analysis_component *
comp(const struct analysis_score *sc, const char *name)
{
	for (int i = 0; i < sc->n; i++)
		if (strcmp(sc->c[i].name, name) == 0)
			return &sc->c[i];
	fail_msg("no component %s", name);
	return &sc->c[0];   /* not reached */
}

static void
expect(const struct analysis_score *sc, const char *name, double score, double base,
    double weight)
{
	const struct analysis_component *c = comp(sc, name);

	assert_true(c->available);
	assert_null(c->missing);
	assert_non_null(c->explanation);
	if (fabs(c->score - score) > EPS || fabs(c->base_weight - base) > EPS ||
	    fabs(c->weight - weight) > EPS)
		fail_msg("%s: score %.12g base %.12g weight %.12g, want %.12g %.12g %.12g",
		         name, c->score, c->base_weight, c->weight, score, base, weight);
}

static void
expect_missing(const struct analysis_score *sc, const char *name, double base,
    const char *input)
{
	const struct analysis_component *c = comp(sc, name);

	assert_false(c->available);
	assert_true(isnan(c->score));
	assert_true(isnan(c->value));
	assert_true(c->weight == 0);
	assert_true(c->base_weight == base);
	assert_string_equal(c->missing, input);
	assert_non_null(strstr(c->explanation, "not available"));
}

static void
test_strategy_names(void **state)
{
	(void)state;
	for (int i = 0; i < STRATEGY_COUNT; i++)
		assert_int_equal(analysis_strategy_parse(analysis_strategy_name(i)), i);
	assert_int_equal(analysis_strategy_parse("momentum"), STRATEGY_MOMENTUM);
	assert_int_equal(analysis_strategy_parse("Momentum"), -1);
	assert_int_equal(analysis_strategy_parse("momentum "), -1);
	assert_int_equal(analysis_strategy_parse(""), -1);
	assert_int_equal(analysis_strategy_parse(NULL), -1);
}

static void
test_recommendation_thresholds(void **state)
{
	(void)state;
	assert_string_equal(analysis_recommendation(100), "buy");
	assert_string_equal(analysis_recommendation(65), "buy");
	assert_string_equal(analysis_recommendation(64.99), "hold");
	assert_string_equal(analysis_recommendation(50), "hold");
	assert_string_equal(analysis_recommendation(35.01), "hold");
	assert_string_equal(analysis_recommendation(35), "sell");
	assert_string_equal(analysis_recommendation(0), "sell");
	assert_null(analysis_recommendation(NAN));
}

static void
test_momentum(void **state)
{
	struct analysis_snapshot s = snap();
	struct analysis_score sc;

	(void)state;
	analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
	assert_int_equal(sc.n, 4);
	expect(&sc, "trend", 50, 35, 35);     /* 2 of 4 conditions */
	expect(&sc, "rsi", 50, 20, 20);       /* 30..70: 0..100 */
	expect(&sc, "macd", 100, 25, 25);     /* above signal, above zero */
	expect(&sc, "roc", 70, 20, 20);       /* 50 + 5 * 4 */
	assert_true(comp(&sc, "trend")->value == 2);
	assert_true(comp(&sc, "macd")->value == 1);
	/* (35*50 + 20*50 + 25*100 + 20*70) / 100 */
	assert_true(sc.score == 66.5);
	assert_string_equal(sc.recommendation, "buy");
	assert_non_null(strstr(comp(&sc, "trend")->explanation, "2 of 4"));
}

static void
test_component_curves(void **state)
{
	static const struct { double rsi, want; } rsi[] = {
		{ 0, 0 }, { 25, 0 }, { 30, 0 }, { 40, 25 }, { 70, 100 }, { 75, 80 },
		{ 80, 60 }, { 95, 0 }, { 100, 0 }
	};
	static const struct { double roc, want; } roc[] = {
		{ -20, 0 }, { -10, 0 }, { -4, 30 }, { 0, 50 }, { 10, 100 }, { 35, 100 }
	};
	struct analysis_snapshot s = snap();
	struct analysis_score sc;

	(void)state;
	for (size_t i = 0; i < sizeof(rsi) / sizeof(rsi[0]); i++) {
		s.rsi14 = rsi[i].rsi;
		analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
		expect(&sc, "rsi", rsi[i].want, 20, 20);
	}
	for (size_t i = 0; i < sizeof(roc) / sizeof(roc[0]); i++) {
		s.roc10 = roc[i].roc;
		analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
		expect(&sc, "roc", roc[i].want, 20, 20);
	}
	s = snap();
	s.close = 130;                          /* above all three */
	s.sma50 = 125;                          /* and SMA50 above SMA200 */
	analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
	expect(&sc, "trend", 100, 35, 35);
	s.close = 90;
	s.sma50 = 95;
	analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
	expect(&sc, "trend", 0, 35, 35);
	s.macd = -1;                            /* below signal 1 and below zero */
	analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
	expect(&sc, "macd", 0, 25, 25);
	s.macd = -0.5;
	s.macd_signal = -2;                     /* above signal, below zero */
	analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
	expect(&sc, "macd", 50, 25, 25);
}

static void
test_growth_with_fundamentals(void **state)
{
	struct analysis_snapshot s = snap();
	struct fundamentals f;
	struct analysis_score sc;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.earnings_growth = fv(0.10);
	f.revenue_growth = fv(-0.04);
	s.close = 130;
	s.sma50 = 125;
	analysis_score(pool, STRATEGY_GROWTH, &s, &f, &sc);
	assert_int_equal(sc.n, 3);
	expect(&sc, "earnings_growth", 75, 35, 35);
	expect(&sc, "revenue_growth", 40, 30, 30);
	expect(&sc, "trend", 100, 35, 35);
	assert_true(sc.score == 73.25);   /* (35*75 + 30*40 + 35*100) / 100 */
	assert_string_equal(sc.recommendation, "buy");
	f.earnings_growth = fv(0.5);
	f.revenue_growth = fv(-0.5);
	analysis_score(pool, STRATEGY_GROWTH, &s, &f, &sc);
	expect(&sc, "earnings_growth", 100, 35, 35);
	expect(&sc, "revenue_growth", 0, 30, 30);
}

static void
test_missing_fundamentals_redistribute(void **state)
{
	struct analysis_snapshot s = snap();
	struct fundamentals f;
	struct analysis_score sc;

	(void)state;
	/* growth without fundamentals: trend carries all the weight */
	analysis_score(pool, STRATEGY_GROWTH, &s, NULL, &sc);
	expect_missing(&sc, "earnings_growth", 35, "earnings_growth");
	expect_missing(&sc, "revenue_growth", 30, "revenue_growth");
	expect(&sc, "trend", 50, 35, 100);
	assert_true(sc.score == 50);
	/* 35 % of the weight had data: a score, no recommendation */
	assert_true(fabs(sc.coverage - 0.35) < 1e-12);
	assert_string_equal(sc.confidence, "insufficient");
	assert_null(sc.recommendation);

	/* value with P/E only: pe and mean reversion share 35 + 35 */
	memset(&f, 0, sizeof(f));
	f.pe = fv(25);
	analysis_score(pool, STRATEGY_VALUE, &s, &f, &sc);
	expect(&sc, "pe", 50, 35, 50);
	expect_missing(&sc, "peg", 30, "peg");
	expect(&sc, "mean_reversion", 80, 35, 50);
	assert_true(sc.score == 65);
	assert_true(fabs(sc.coverage - 0.70) < 1e-12);
	assert_string_equal(sc.recommendation, "buy");
	assert_string_equal(sc.confidence, "low");   /* 70 % and on the threshold */

	/* a snapshot without a 200-bar history and no fundamentals: nothing */
	s.sma200 = NAN;
	analysis_score(pool, STRATEGY_GROWTH, &s, NULL, &sc);
	expect_missing(&sc, "trend", 35, "sma200");
	assert_true(isnan(sc.score));
	assert_null(sc.recommendation);

	/* momentum on 40 bars: trend out, the rest scaled to 20:25:20 of 65 */
	s = snap();
	s.sma50 = s.sma200 = NAN;
	analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
	expect_missing(&sc, "trend", 35, "sma50");
	expect(&sc, "rsi", 50, 20, 100.0 * 20 / 65);
	expect(&sc, "macd", 100, 25, 100.0 * 25 / 65);
	expect(&sc, "roc", 70, 20, 100.0 * 20 / 65);
	/* contributions 15.38 + 38.46 + 21.54 (each rounded to 2 decimals) */
	assert_true(sc.score == 75.38);
	assert_true(sc.c[1].contribution == 15.38 && sc.c[2].contribution == 38.46 &&
	            sc.c[3].contribution == 21.54 && isnan(sc.c[0].contribution));
	assert_true(fabs(sc.coverage - 0.65) < 1e-12);
	assert_string_equal(sc.recommendation, "buy");
	assert_string_equal(sc.confidence, "low");
}

static void
test_score_is_the_sum_of_its_shown_parts(void **state)
{
	struct analysis_snapshot s = snap();
	struct analysis_score sc;
	double sum = 0;

	(void)state;
	/* weights of 100/65ths: rounding the whole and the parts apart could
	 * differ by 0.01; the score is the sum of the rounded parts */
	s.sma50 = s.sma200 = NAN;
	for (double rsi = 30; rsi <= 70; rsi += 0.37) {
		s.rsi14 = rsi;
		s.roc10 = (rsi - 50) / 7;
		analysis_score(pool, STRATEGY_MOMENTUM, &s, NULL, &sc);
		sum = 0;
		for (int i = 0; i < sc.n; i++)
			if (sc.c[i].available) {
				assert_true(sc.c[i].contribution ==
				            round(sc.c[i].weight * sc.c[i].score) / 100);
				sum += sc.c[i].contribution;
			}
		assert_true(fabs(sc.score - sum) < 1e-9);
		assert_true(sc.score == round(sum * 100) / 100);
	}
}

static void
test_confidence(void **state)
{
	struct analysis_snapshot s = snap();
	struct fundamentals f;
	struct analysis_score sc;

	(void)state;
	memset(&f, 0, sizeof(f));
	/* all inputs, far from a threshold: high */
	f.dividend_yield = fv(0.03);
	analysis_score(pool, STRATEGY_DIVIDEND, &s, &f, &sc);
	assert_true(sc.score == 50 && sc.coverage == 1);
	assert_string_equal(sc.confidence, "high");
	assert_string_equal(sc.recommendation, "hold");
	/* all inputs, within 5 points of 35: low */
	f.dividend_yield = fv(0.0168);
	analysis_score(pool, STRATEGY_DIVIDEND, &s, &f, &sc);
	assert_true(sc.score == 39);
	assert_string_equal(sc.confidence, "low");
	assert_string_equal(sc.recommendation, "hold");
	/* half the weight: a score but no recommendation */
	f.dividend_yield.present = 0;
	analysis_score(pool, STRATEGY_DIVIDEND, &s, &f, &sc);
	assert_true(sc.coverage == 0.5 && sc.score == 50);
	assert_string_equal(sc.confidence, "insufficient");
	assert_null(sc.recommendation);
}

static void
test_value_curves(void **state)
{
	static const struct { double pe, want; } pe[] = {
		{ -3, 0 }, { 0, 0 }, { 5, 100 }, { 10, 100 }, { 25, 50 }, { 40, 0 }, { 50, 0 }
	};
	static const struct { double peg, want; } peg[] = {
		{ -1, 0 }, { 0.5, 100 }, { 1, 100 }, { 2, 50 }, { 3, 0 }, { 4, 0 }
	};
	static const struct { double b, want; } pctb[] = {
		{ -0.1, 100 }, { 0, 100 }, { 0.2, 80 }, { 0.5, 50 }, { 1, 0 }, { 1.3, 0 }
	};
	struct analysis_snapshot s = snap();
	struct fundamentals f;
	struct analysis_score sc;

	(void)state;
	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < sizeof(pe) / sizeof(pe[0]); i++) {
		f.pe = fv(pe[i].pe);
		f.peg = fv(2);
		analysis_score(pool, STRATEGY_VALUE, &s, &f, &sc);
		expect(&sc, "pe", pe[i].want, 35, 35);
	}
	for (size_t i = 0; i < sizeof(peg) / sizeof(peg[0]); i++) {
		f.peg = fv(peg[i].peg);
		analysis_score(pool, STRATEGY_VALUE, &s, &f, &sc);
		expect(&sc, "peg", peg[i].want, 30, 30);
	}
	for (size_t i = 0; i < sizeof(pctb) / sizeof(pctb[0]); i++) {
		s.bb_pctb = pctb[i].b;
		analysis_score(pool, STRATEGY_VALUE, &s, &f, &sc);
		expect(&sc, "mean_reversion", pctb[i].want, 35, 35);
	}
	f.pe = fv(25);
	analysis_score(pool, STRATEGY_VALUE, &s, &f, &sc);
	/* pe 25 (50), peg 4 (0), %B 1.3 (0): 35 * 50 / 100 = 17.5 -> sell */
	assert_true(sc.score == 17.5);
	assert_string_equal(sc.recommendation, "sell");
}

static void
test_dividend(void **state)
{
	struct analysis_snapshot s = snap();
	struct fundamentals f;
	struct analysis_score sc;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.dividend_yield = fv(0.03);
	analysis_score(pool, STRATEGY_DIVIDEND, &s, &f, &sc);
	assert_int_equal(sc.n, 2);
	expect(&sc, "dividend_yield", 50, 50, 50);
	expect(&sc, "volatility", 50, 50, 50);   /* ATR 2.5% of the close */
	assert_true(sc.score == 50);
	assert_string_equal(sc.recommendation, "hold");
	f.dividend_yield = fv(0.09);
	s.atr_pct = 0.5;
	analysis_score(pool, STRATEGY_DIVIDEND, &s, &f, &sc);
	expect(&sc, "dividend_yield", 100, 50, 50);
	expect(&sc, "volatility", 100, 50, 50);
	s.atr_pct = 4;
	f.dividend_yield.present = 0;   /* the provider had none: not a zero yield */
	analysis_score(pool, STRATEGY_DIVIDEND, &s, &f, &sc);
	expect_missing(&sc, "dividend_yield", 50, "dividend_yield");
	expect(&sc, "volatility", 0, 50, 100);
	assert_true(sc.score == 0);
	assert_null(sc.recommendation);    /* 50 % coverage: no firm sell */
	assert_string_equal(analysis_recommendation(sc.score), "sell");
}

/* ---- the snapshot on real data ------------------------------------------ */

static struct candles
load_sp500(void)
{
	FILE *f = fopen("tests/fixtures/sp500-2000.csv", "rb");
	struct candles c = { NULL, 0 };
	const char *msg;
	char *body;
	long len;

	if (f == NULL)
		fail_msg("cannot open tests/fixtures/sp500-2000.csv "
		         "(run from the repository root)");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	body = pool_alloc(pool, (size_t)len + 1);
	assert_int_equal(fread(body, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(provider_parse_csv(pool, 0, body, (size_t)len, &c, &msg), PROVIDER_OK);
	return c;
}

#define NEAR(got, want) do { \
	if (!(fabs((got) - (want)) <= 1e-6)) \
		fail_msg("%s = %.17g, want %.17g", #got, (double)(got), (double)(want)); \
} while (0)

static void
test_snapshot_sp500(void **state)
{
	struct candles c = load_sp500();
	struct analysis_snapshot s;
	double sum = 0;

	(void)state;
	assert_int_equal(c.n, 5105);
	assert_int_equal(analysis_snapshot(pool, &c, &s), 0);
	assert_string_equal(s.date, "2020-04-17");
	assert_true(s.close == 2874.560059);
	assert_int_equal(s.bars, 5105);
	/* the last rows of tests/fixtures/golden/sp500_*.csv */
	NEAR(s.sma20, 2613.1044921499997);
	NEAR(s.sma200, 3012.692691675009);
	NEAR(s.ema12, 2735.8432193144654);
	NEAR(s.ema26, 2719.4472042719981);
	NEAR(s.rsi14, 57.362695991425745);
	NEAR(s.macd, 16.396015042467297);
	NEAR(s.macd_signal, -35.490926991586313);
	NEAR(s.macd_hist, 51.886942034053611);
	NEAR(s.bb_lower, 2268.0523858185556);
	NEAR(s.bb_mid, 2613.1044921499997);
	NEAR(s.bb_upper, 2958.1565984814438);
	NEAR(s.atr14, 109.57900894192498);
	NEAR(s.stoch_k, 98.920642020457677);
	NEAR(s.stoch_d, 89.682914592242724);
	NEAR(s.roc10, 13.758366792639176);
	NEAR(s.plus_di, 29.56119035763513);
	NEAR(s.minus_di, 20.403171430444626);
	NEAR(s.adx14, 23.457167280908116);
	assert_true(s.obv == 1104100670000.0);
	for (size_t i = c.n - 50; i < c.n; i++)
		sum += c.v[i].close;
	NEAR(s.sma50, sum / 50);
	NEAR(s.bb_pctb, (s.close - s.bb_lower) / (s.bb_upper - s.bb_lower));
	NEAR(s.atr_pct, 100 * s.atr14 / s.close);
}

static void
test_snapshot_short_series(void **state)
{
	struct candles all = load_sp500(), c = { all.v, 40 }, none = { all.v, 0 };
	struct analysis_snapshot s;

	(void)state;
	assert_int_equal(analysis_snapshot(pool, &c, &s), 0);
	assert_string_equal(s.date, all.v[39].date);
	assert_false(isnan(s.sma20));
	assert_true(isnan(s.sma50));
	assert_true(isnan(s.sma200));
	assert_false(isnan(s.macd_signal));    /* defined from bar 33 */
	assert_false(isnan(s.adx14));          /* from bar 27 */
	assert_false(isnan(s.obv_change20));
	c.n = 20;
	assert_int_equal(analysis_snapshot(pool, &c, &s), 0);
	assert_true(isnan(s.obv_change20));    /* needs 21 bars */
	assert_true(isnan(s.macd));
	assert_int_equal(analysis_snapshot(pool, &none, &s), -1);
}

/* ---- JSON and export rows ------------------------------------------------ */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strategy_names),
		cmocka_unit_test(test_recommendation_thresholds),
		cmocka_unit_test(test_momentum),
		cmocka_unit_test(test_component_curves),
		cmocka_unit_test(test_growth_with_fundamentals),
		cmocka_unit_test(test_missing_fundamentals_redistribute),
		cmocka_unit_test(test_score_is_the_sum_of_its_shown_parts),
		cmocka_unit_test(test_confidence),
		cmocka_unit_test(test_value_curves),
		cmocka_unit_test(test_dividend),
		cmocka_unit_test(test_snapshot_sp500),
		cmocka_unit_test(test_snapshot_short_series),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
