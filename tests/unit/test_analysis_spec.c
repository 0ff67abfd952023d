/* test_analysis_spec.c: users' strategies (common/domain/analysis_spec.h):
 * a spec equal to a built-in strategy scores it bit for bit, parameters
 * and thresholds change the formulas as the catalogue says, the new
 * components (stochastic, ADX, OBV trend) score exactly, and a bad
 * strategy is refused naming the member at fault. */
#include "unit.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "analysis.h"
#include "analysis_spec.h"
#include "provider.h"
#include "analysis_fixture.h"

#define EPS 1e-9

static struct fundamentals
funds(void)
{
	struct fundamentals f;

	memset(&f, 0, sizeof(f));
	f.pe = (struct fund_value){ 1, 18 };
	f.peg = (struct fund_value){ 1, 1.4 };
	f.earnings_growth = (struct fund_value){ 1, 0.08 };
	f.revenue_growth = (struct fund_value){ 1, -0.03 };
	f.dividend_yield = (struct fund_value){ 1, 0.025 };
	return f;
}

/* A spec read from JSON text: 0, or -1 with *field. */
static int
parse(const char *comps, double buy, double sell, struct analysis_spec *sp,
    const char **field)
{
	json_object *o = json_tokener_parse(comps);
	const char *why;
	int rc;

	assert_non_null(o);
	rc = analysis_spec_parse(pool, o, buy, sell, sp, field, &why);
	if (rc < 0)
		assert_non_null(why);
	json_object_put(o);
	return rc;
}

/* Each built-in strategy written out as JSON and read back is itself: the
 * same score, components, contributions and recommendation, bit for bit. */
static void
test_builtin_round_trip(void **state)
{
	struct analysis_snapshot s = snap();
	struct fundamentals f = funds();

	(void)state;
	for (int st = 0; st < STRATEGY_COUNT; st++) {
		struct analysis_spec b, u;
		struct analysis_score want, got;
		const char *field;
		json_object *j;

		analysis_builtin_spec(st, &b);
		j = analysis_spec_components_json(&b);
		assert_int_equal(parse(json_object_to_json_string(j), 65, 35, &u, &field), 0);
		json_object_put(j);
		u.name = "user:1";
		analysis_score(pool, st, &s, &f, &want);
		analysis_score_spec(pool, &u, &s, &f, &got);
		assert_int_equal(got.n, want.n);
		assert_memory_equal(&got.score, &want.score, sizeof(double));
		assert_memory_equal(&got.coverage, &want.coverage, sizeof(double));
		assert_string_equal(got.recommendation, want.recommendation);
		for (int i = 0; i < got.n; i++) {
			assert_string_equal(got.c[i].name, want.c[i].name);
			assert_memory_equal(&got.c[i].score, &want.c[i].score, sizeof(double));
			assert_memory_equal(&got.c[i].contribution, &want.c[i].contribution,
			                    sizeof(double));
			assert_string_equal(got.c[i].explanation, want.c[i].explanation);
		}
		assert_string_equal(got.name, "user:1");
	}
}

static double
one(const char *comps, const struct analysis_snapshot *s)
{
	struct analysis_spec sp;
	struct analysis_score sc;
	const char *field;

	assert_int_equal(parse(comps, 65, 35, &sp, &field), 0);
	sp.name = "user:1";
	analysis_score_spec(pool, &sp, s, NULL, &sc);
	assert_int_equal(sc.n, 1);
	return sc.c[0].available ? sc.c[0].score : NAN;
}

/* Parameters move the formulas; the new components score as described. */
static void
test_parameters_and_new_components(void **state)
{
	struct analysis_snapshot s = snap();

	(void)state;
	/* RSI 50: 50 with the defaults (30..70), 50 with 20..80, 75 with 30..60 */
	assert_true(fabs(one("[{\"name\":\"rsi\",\"weight\":1}]", &s) - 50) < EPS);
	assert_true(fabs(one("[{\"name\":\"rsi\",\"weight\":1,\"params\":{\"low\":20,"
	                     "\"high\":80}}]", &s) - 50) < EPS);
	/* 30..60: 100 * 20 / 30 */
	assert_true(fabs(one("[{\"name\":\"rsi\",\"weight\":1,\"params\":{\"high\":60}}]",
	                     &s) - 100.0 * 20 / 30) < EPS);
	assert_true(fabs(one("[{\"name\":\"rsi\",\"weight\":1,\"params\":{\"low\":40,"
	                     "\"high\":60}}]", &s) - 50) < EPS);
	assert_true(fabs(one("[{\"name\":\"rsi\",\"weight\":1,\"params\":{\"low\":45,"
	                     "\"high\":55}}]", &s) - 50) < EPS);
	s.rsi14 = 80;   /* overbought: 100 - 4 * (80 - high) */
	assert_true(fabs(one("[{\"name\":\"rsi\",\"weight\":1,\"params\":{\"high\":75}}]",
	                     &s) - 80) < EPS);
	s = snap();
	/* ROC +4 %: 50 + 5 * 4 = 70 by default, 50 + 10 * 4 = 90 */
	assert_true(fabs(one("[{\"name\":\"roc\",\"weight\":1}]", &s) - 70) < EPS);
	assert_true(fabs(one("[{\"name\":\"roc\",\"weight\":1,\"params\":"
	                     "{\"points_per_percent\":10}}]", &s) - 90) < EPS);
	/* stochastic %K 60 between 20 (100) and 80 (0): 100 * 20 / 60 */
	assert_true(fabs(one("[{\"name\":\"stochastic\",\"weight\":1}]", &s) -
	                 100.0 * 20 / 60) < EPS);
	assert_true(fabs(one("[{\"name\":\"stochastic\",\"weight\":1,\"params\":"
	                     "{\"oversold\":0,\"overbought\":100}}]", &s) - 40) < EPS);
	/* ADX 25 from 20 to 40, +DI above: 50 + 50 * 5 / 20 */
	assert_true(fabs(one("[{\"name\":\"adx\",\"weight\":1}]", &s) - 62.5) < EPS);
	s.plus_di = 10;   /* -DI above: down */
	assert_true(fabs(one("[{\"name\":\"adx\",\"weight\":1}]", &s) - 37.5) < EPS);
	s.adx14 = 15;     /* below weak: no trend */
	assert_true(fabs(one("[{\"name\":\"adx\",\"weight\":1}]", &s) - 50) < EPS);
	/* OBV: rising 100, falling 0, flat 50, unknown unavailable */
	s = snap();
	assert_true(one("[{\"name\":\"obv_trend\",\"weight\":1}]", &s) == 100);
	s.obv_change20 = -1;
	assert_true(one("[{\"name\":\"obv_trend\",\"weight\":1}]", &s) == 0);
	s.obv_change20 = 0;
	assert_true(one("[{\"name\":\"obv_trend\",\"weight\":1}]", &s) == 50);
	s.obv_change20 = NAN;
	assert_true(isnan(one("[{\"name\":\"obv_trend\",\"weight\":1}]", &s)));
	s.stoch_k = NAN;
	assert_true(isnan(one("[{\"name\":\"stochastic\",\"weight\":1}]", &s)));
	s.adx14 = NAN;
	assert_true(isnan(one("[{\"name\":\"adx\",\"weight\":1}]", &s)));
}

/* The thresholds decide the recommendation and the confidence's margins. */
static void
test_thresholds(void **state)
{
	struct analysis_snapshot s = snap();
	struct analysis_spec sp;
	struct analysis_score sc;
	const char *field;

	(void)state;
	/* ROC alone scores 70 */
	assert_int_equal(parse("[{\"name\":\"roc\",\"weight\":3}]", 80, 20, &sp, &field), 0);
	sp.name = "user:1";
	analysis_score_spec(pool, &sp, &s, NULL, &sc);
	assert_true(sc.score == 70 && sc.buy_at == 80 && sc.sell_at == 20);
	assert_string_equal(sc.recommendation, "hold");
	assert_string_equal(sc.confidence, "high");
	assert_int_equal(parse("[{\"name\":\"roc\",\"weight\":3}]", 70, 69, &sp, &field), 0);
	analysis_score_spec(pool, &sp, &s, NULL, &sc);
	assert_string_equal(sc.recommendation, "buy");
	assert_string_equal(sc.confidence, "low");
	assert_int_equal(parse("[{\"name\":\"roc\",\"weight\":3}]", 90, 70, &sp, &field), 0);
	analysis_score_spec(pool, &sp, &s, NULL, &sc);
	assert_string_equal(sc.recommendation, "sell");
}

/* A bad strategy is refused naming the member at fault. */
static void
test_refused(void **state)
{
	static const struct { const char *comps; double buy, sell; const char *field; } bad[] = {
		{ "[]", 65, 35, "components" },
		{ "{}", 65, 35, "components" },
		{ "[{\"name\":\"tarot\",\"weight\":1}]", 65, 35, "components[0].name" },
		{ "[{\"weight\":1}]", 65, 35, "components[0].name" },
		{ "[{\"name\":\"rsi\"}]", 65, 35, "components[0].weight" },
		{ "[{\"name\":\"rsi\",\"weight\":0}]", 65, 35, "components[0].weight" },
		{ "[{\"name\":\"rsi\",\"weight\":1001}]", 65, 35, "components[0].weight" },
		{ "[{\"name\":\"rsi\",\"weight\":1},{\"name\":\"rsi\",\"weight\":1}]", 65, 35,
		  "components[1].name" },
		{ "[{\"name\":\"rsi\",\"weight\":1,\"params\":{\"low\":4.9}}]", 65, 35,
		  "components[0].params.low" },
		{ "[{\"name\":\"rsi\",\"weight\":1,\"params\":{\"high\":95.1}}]", 65, 35,
		  "components[0].params.high" },
		{ "[{\"name\":\"rsi\",\"weight\":1,\"params\":{\"span\":3}}]", 65, 35,
		  "components[0].params" },
		{ "[{\"name\":\"macd\",\"weight\":1,\"params\":{\"fast\":3}}]", 65, 35,
		  "components[0].params" },
		{ "[{\"name\":\"rsi\",\"weight\":1,\"params\":[1]}]", 65, 35,
		  "components[0].params" },
		{ "[{\"name\":\"rsi\",\"weight\":1}]", 40, 40, "sell_at" },
		{ "[{\"name\":\"rsi\",\"weight\":1}]", 40, 50, "sell_at" },
		{ "[{\"name\":\"rsi\",\"weight\":1}]", 0, 0, "buy_at" },
		{ "[{\"name\":\"rsi\",\"weight\":1}]", 100.5, 35, "buy_at" },
		{ "[{\"name\":\"rsi\",\"weight\":1}]", 65, -1, "sell_at" },
		{ "[{\"name\":\"rsi\",\"weight\":1}]", NAN, 35, "buy_at" },
	};
	struct analysis_spec sp;
	const char *field;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].comps, bad[i].buy, bad[i].sell, &sp, &field) != -1)
			fail_msg("accepted: %s", bad[i].comps);
		if (strcmp(field, bad[i].field) != 0)
			fail_msg("%s: field %s, want %s", bad[i].comps, field, bad[i].field);
	}
	/* 13 distinct components are more than a strategy holds */
	{
		char buf[1024] = "[";

		for (int k = 0; k < 13; k++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			         "%s{\"name\":\"%s\",\"weight\":1}", k ? "," : "",
			         analysis_component_names[k]);
		strcat(buf, "]");
		assert_int_equal(parse(buf, 65, 35, &sp, &field), -1);
		assert_string_equal(field, "components");
	}
}

/* Every default lies within its bounds; ranges of paired parameters do
 * not meet, so no formula divides by zero. */
static void
test_catalogue(void **state)
{
	int64_t id;

	(void)state;
	for (int k = 0; k < COMPONENT_COUNT; k++) {
		const struct analysis_component_def *d = &analysis_catalogue[k];

		assert_string_equal(d->name, analysis_component_names[k]);
		assert_int_equal(analysis_component_parse(d->name), k);
		for (int j = 0; j < d->nparams; j++)
			assert_true(d->param[j].min <= d->param[j].def &&
			            d->param[j].def <= d->param[j].max && d->param[j].min > -1e9);
		if (d->nparams == 2)
			assert_true(d->param[0].max < d->param[1].min);
		if (d->nparams == 1)
			assert_true(d->param[0].min > 0);
	}
	assert_int_equal(analysis_component_parse("nope"), -1);
	assert_int_equal(analysis_user_strategy_id("user:42", &id), 1);
	assert_true(id == 42);
	assert_int_equal(analysis_user_strategy_id("user:042", &id), 0);
	assert_int_equal(analysis_user_strategy_id("user:", &id), 0);
	assert_int_equal(analysis_user_strategy_id("user:1x", &id), 0);
	assert_int_equal(analysis_user_strategy_id("user:1234567890123456789", &id), 0);
	assert_int_equal(analysis_user_strategy_id("momentum", &id), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_round_trip),
		cmocka_unit_test(test_parameters_and_new_components),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_catalogue),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
