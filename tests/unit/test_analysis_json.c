/* test_analysis_json.c: the JSON of an analysis and its export rows
 * (common/domain/analysis_json.c). Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "analysis_fixture.h"
#include "buf.h"
#include "provider.h"

static void
test_json(void **state)
{
	struct analysis_snapshot s = snap();
	struct analysis_score sc;
	json_object *o, *v, *comps, *missing;
	const char *text;

	(void)state;
	analysis_score(pool, STRATEGY_GROWTH, &s, NULL, &sc);
	o = analysis_json("^GSPC", &s, &sc);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	assert_non_null(strstr(text, "\"symbol\":\"^GSPC\",\"strategy\":\"growth\","
	                             "\"date\":\"2024-05-31\",\"close\":110,\"bars\":500,"));
	assert_non_null(strstr(text, "\"score\":50,\"coverage\":0.35,\"confidence\":"
	                             "\"insufficient\",\"recommendation\":null"));
	assert_non_null(strstr(text, "{\"name\":\"earnings_growth\",\"available\":false,"
	                             "\"value\":null,\"score\":null,\"weight\":0,"
	                             "\"contribution\":null,\"base_weight\":35,"));
	assert_non_null(strstr(text, "{\"name\":\"trend\",\"available\":true,\"value\":2,"
	                             "\"score\":50,\"weight\":100,\"contribution\":50,"
	                             "\"base_weight\":35,"));
	assert_non_null(strstr(text, "\"thresholds\":{\"buy\":65,\"sell\":35},\"version\":2"));
	assert_non_null(strstr(text, "\"obv\":{\"value\":1000000000,\"change20\":10000000,"
	                             "\"trend\":\"rising\"}"));
	assert_true(json_object_object_get_ex(o, "missing", &missing));
	assert_int_equal(json_object_array_length(missing), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(missing, 0)),
	                    "earnings_growth");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(missing, 1)),
	                    "revenue_growth");
	assert_true(json_object_object_get_ex(o, "components", &comps));
	assert_int_equal(json_object_array_length(comps), 3);
	json_object_put(o);

	/* no score at all: null score and recommendation, NAN indicators null */
	s.sma200 = NAN;
	analysis_score(pool, STRATEGY_GROWTH, &s, NULL, &sc);
	o = analysis_json("AAPL", &s, &sc);
	assert_true(json_object_object_get_ex(o, "score", &v) && v == NULL);
	assert_true(json_object_object_get_ex(o, "recommendation", &v) && v == NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	assert_non_null(strstr(text, "\"sma200\":null"));
	json_object_put(o);
}

static const char *
csv_field(const char *s)
{
	struct buf b;

	buf_init(&b, pool);
	analysis_csv_field(&b, s);
	return buf_cstr(&b);
}

static void
test_csv_quoting(void **state)
{
	(void)state;
	assert_string_equal(csv_field("^GSPC"), "^GSPC");
	assert_string_equal(csv_field("2874.560059"), "2874.560059");
	assert_string_equal(csv_field(""), "");
	assert_string_equal(csv_field("a,b"), "\"a,b\"");
	assert_string_equal(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
	assert_string_equal(csv_field("\""), "\"\"\"\"");
	assert_string_equal(csv_field("two\nlines"), "\"two\nlines\"");
	assert_string_equal(csv_field("cr\rhere"), "\"cr\rhere\"");
	assert_string_equal(csv_field(" lead"), "\" lead\"");
	assert_string_equal(csv_field("trail "), "\"trail \"");
	assert_string_equal(csv_field("in side"), "in side");
}

static void
test_export_rows(void **state)
{
	struct candle c = { "2020-04-16", 2799.340088, 2806.51001, 2764.320068, 2799.550049,
	                    2799.550049, 5179990000LL };
	struct buf csv, js;

	(void)state;
	buf_init(&csv, pool);
	buf_init(&js, pool);
	analysis_csv_row(&csv, "^GSPC", &c);
	analysis_json_row(&js, "^GSPC", &c);
	assert_string_equal(buf_cstr(&csv), "^GSPC,2020-04-16,2799.340088,2806.51001,"
	                    "2764.320068,2799.550049,2799.550049,5179990000\r\n");
	assert_string_equal(buf_cstr(&js), "{\"symbol\":\"^GSPC\",\"date\":\"2020-04-16\","
	                    "\"open\":2799.340088,\"high\":2806.51001,\"low\":2764.320068,"
	                    "\"close\":2799.550049,\"adjclose\":2799.550049,"
	                    "\"volume\":5179990000}");
	assert_string_equal(ANALYSIS_CSV_HEADER,
	                    "symbol,date,open,high,low,close,adjclose,volume\r\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_export_rows),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
