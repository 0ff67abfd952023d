/* test_signal_features.c: the live analysis and the signal backfill share
 * one indicator suite, so the model sees the same features from both.
 *
 * On the real S&P 500 series (tests/fixtures/sp500-2000.csv, 5,105 bars),
 * at each bar i of a sample (every bar of the first 300, where the
 * indicators come to be defined one by one, then every 13th, whose
 * remainders cover SMA's 128-bar re-summing, and the last 30):
 *   - the live way: analysis_snapshot() of the series up to bar i, scored
 *     under momentum and value (no fundamentals), as the reply the analysis
 *     gives (computed, and read back from the analyses cache's JSON text)
 *     and as the signal it stores (close, score and indicators as texts;
 *     the recommendation the side of the score, as a backfilled signal
 *     records it whatever the coverage);
 *   - the backfill way: one analysis_series() of the whole series, and the
 *     rows signal_backfill_bar() gives for bar i (what the backfill
 *     stores);
 * and the model's feature vectors of all of them are equal bit for bit
 * (NANs included). The database's own round trip of a stored signal is
 * checked by test_model_db. Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "model.h"
#include "provider.h"
#include "signal_backfill.h"

#define SP500 "tests/fixtures/sp500-2000.csv"
#define NFEAT 64

/* Whether bar i of n is compared (a whole live analysis per bar costs
 * O(i): every bar would take a minute under the sanitizers). */
static int
sampled(size_t i, size_t n)
{
	return i < 300 || i % 13 == 0 || i + 30 >= n;
}

static struct candles
load_sp500(void)
{
	FILE *f = fopen(SP500, "rb");
	struct candles c = { NULL, 0 };
	const char *msg;
	char *body;
	long len;

	if (f == NULL)
		fail_msg("cannot open " SP500 " (run from the repository root)");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	body = pool_alloc(pool, (size_t)len + 1);
	assert_int_equal(fread(body, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(provider_parse_csv(pool, 0, body, (size_t)len, &c, &msg), PROVIDER_OK);
	assert_int_equal(c.n, 5105);
	return c;
}

/* Fail unless feature vectors a and b (of bar i, strategy st, compared as
 * what) hold the same bits. */
static void
same_features(const double *a, const double *b, size_t i, const char *st, const char *what)
{
	size_t d = model_feature_count();

	for (size_t j = 0; j < d; j++)
		if (memcmp(&a[j], &b[j], sizeof(double)) != 0)
			fail_msg("bar %zu %s: %s: feature %s is %.17g one way, %.17g the other",
			         i, st, what, model_feature_name(j), a[j], b[j]);
}

/* The features of the signal row (the backfill's JSON) o. */
static void
row_features(struct pool *p, json_object *o, double *x)
{
	json_object *v[6];
	static const char *const keys[6] = {
		"indicators", "close", "score", "strategy", "recommendation", "day"
	};
	struct model_input in;

	for (int k = 0; k < 6; k++)
		assert_true(json_object_object_get_ex(o, keys[k], &v[k]));
	model_input_from_signal(p, json_object_to_json_string_ext(v[0], JSON_C_TO_STRING_PLAIN),
	    json_object_get_string(v[1]), json_object_get_string(v[2]),
	    json_object_get_string(v[3]), json_object_get_string(v[4]), &in);
	model_features(&in, x);
}

/* The live analysis of the first i + 1 bars of c under st, and the signal
 * it would store: features of the reply as computed (reply), as read back
 * from the cache (cached) and of the stored signal (stored). 0 when the
 * analysis has no score (no signal is stored then). */
static int
live_features(struct pool *p, const struct candles *c, size_t i, enum analysis_strategy st,
    double *reply, double *cached, double *stored)
{
	struct candles prefix = { c->v, i + 1 };
	struct analysis_snapshot s;
	struct analysis_score sc;
	struct model_input in;
	json_object *obj, *back, *ind;
	char close[40], score[16];
	int scored;

	assert_int_equal(analysis_snapshot(p, &prefix, &s), 0);
	analysis_score(p, st, &s, NULL, &sc);
	obj = analysis_json("^GSPC", &s, &sc);
	back = json_tokener_parse(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	assert_int_equal(model_input_from_analysis(obj, &in), 0);
	model_features(&in, reply);
	assert_int_equal(model_input_from_analysis(back, &in), 0);
	model_features(&in, cached);
	scored = !isnan(sc.score);
	if (scored) {
		/* as analysis_store_signal() writes it */
		assert_true(json_object_object_get_ex(obj, "indicators", &ind));
		jsonv_shortest(close, sizeof(close), in.close);
		snprintf(score, sizeof(score), "%.2f", in.score);
		model_input_from_signal(p, json_object_to_json_string_ext(ind,
		    JSON_C_TO_STRING_PLAIN), close, score, analysis_strategy_name(st),
		    analysis_recommendation(sc.score), &in);
		model_features(&in, stored);
	}
	json_object_put(back);
	json_object_put(obj);
	return scored;
}

static void
test_live_and_backfill_features(void **state)
{
	struct candles c = load_sp500();
	struct analysis_series a;
	struct pool *scratch = pool_new();
	static const enum analysis_strategy sts[2] = { STRATEGY_MOMENTUM, STRATEGY_VALUE };
	double reply[NFEAT], cached[NFEAT], stored[NFEAT], back[NFEAT];
	size_t rows_total = 0, first_row = c.n;

	(void)state;
	assert_true(model_feature_count() <= NFEAT);
	assert_int_equal(analysis_series(pool, &c, &a), 0);
	for (size_t i = 0; i < c.n; i++) {
		json_object *rows = json_object_new_array();
		size_t r = 0;

		signal_backfill_bar(scratch, &a, i, 1, rows);
		for (int k = 0; k < 2 && sampled(i, c.n); k++) {
			const char *st = analysis_strategy_name(sts[k]);
			json_object *row, *v;

			if (!live_features(scratch, &c, i, sts[k], reply, cached, stored))
				continue;       /* no score: no live signal, no backfilled row */
			same_features(reply, cached, i, st, "reply against the cached reply");
			same_features(reply, stored, i, st, "reply against the stored signal");
			row = json_object_array_get_idx(rows, r++);
			if (row == NULL)
				fail_msg("bar %zu %s: a live signal but no backfilled row", i, st);
			assert_true(json_object_object_get_ex(row, "strategy", &v));
			assert_string_equal(json_object_get_string(v), st);
			assert_true(json_object_object_get_ex(row, "day", &v));
			assert_string_equal(json_object_get_string(v), c.v[i].date);
			row_features(scratch, row, back);
			same_features(stored, back, i, st, "live signal against the backfill");
		}
		if (sampled(i, c.n))
			assert_int_equal(json_object_array_length(rows), r);
		r = json_object_array_length(rows);
		if (r > 0 && first_row == c.n)
			first_row = i;
		rows_total += r;
		json_object_put(rows);
		pool_reset(scratch);
	}
	pool_free(scratch);
	/* value scores from bar 19 (Bollinger), momentum from bar 10 (ROC10) */
	assert_int_equal(first_row, 10);
	assert_true(rows_total > 2 * (c.n - 20));
}

/* Bar i of one series is the snapshot of the series' first i + 1 bars,
 * byte for byte, at every sampled bar. */
static void
test_series_is_causal(void **state)
{
	struct candles c = load_sp500();
	struct analysis_series a;
	struct pool *scratch = pool_new();

	(void)state;
	assert_int_equal(analysis_series(pool, &c, &a), 0);
	for (size_t i = 0; i < c.n; i++) {
		struct candles prefix = { c.v, i + 1 };
		struct analysis_snapshot want, got;

		if (!sampled(i, c.n))
			continue;
		assert_int_equal(analysis_snapshot(scratch, &prefix, &want), 0);
		analysis_snapshot_at(&a, i, &got);
		if (memcmp(&want, &got, sizeof(want)) != 0)
			fail_msg("bar %zu (%s): the series' snapshot differs from the prefix's",
			         i, c.v[i].date);
		pool_reset(scratch);
	}
	pool_free(scratch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series_is_causal),
		cmocka_unit_test(test_live_and_backfill_features),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
