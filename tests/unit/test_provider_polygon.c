/* test_provider_polygon.c: the Polygon parser (provider.h) on every
 * documented reply shape in tests/fixtures/providers/, and every provider
 * agreeing with the CSV on the same bars. Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers.h"

/* ---- Polygon ------------------------------------------------------------ */

static void
test_polygon_ok(void **state)
{
	struct candles s;
	const char *msg;

	(void)state;
	assert_int_equal(series_file(provider_parse_polygon_aggs, "polygon_aggs_ok.json", 200, &s,
	                             &msg), PROVIDER_OK);
	assert_int_equal(s.n, 10);
	assert_valid(&s);
	for (int i = 0; i < 10; i++)
		assert_string_equal(s.v[i].date, sp_dates[i]);
	/* "v":6.39186e+09 */
	assert_bar(&s.v[1], "2020-04-06", 2578.280029, 2676.850098, 2574.570068, 2663.679932,
	           2663.679932, 6391860000);
	assert_bar(&s.v[9], "2020-04-17", 2842.429932, 2879.219971, 2830.879883, 2874.560059,
	           2874.560059, 5792140000);
}

#define PG(results) "{\"ticker\":\"X\",\"status\":\"OK\",\"resultsCount\":1,\"results\":[" results "]}"
#define PG_BAR(o, h, l, c, v, t) \
	"{\"v\":" v ",\"vw\":10,\"o\":" o ",\"c\":" c ",\"h\":" h ",\"l\":" l ",\"t\":" t ",\"n\":3}"

static void
test_polygon_refusals(void **state)
{
	series_fn fn = provider_parse_polygon_aggs;

	(void)state;
	EXPECT_FILE(fn, "polygon_aggs_empty.json", 200, PROVIDER_NO_DATA, "no results");
	EXPECT_FILE(fn, "polygon_not_authorized.json", 403, PROVIDER_FORBIDDEN,
	            "Your plan doesn't include this data timeframe.");
	EXPECT_FILE(fn, "polygon_not_authorized.json", 200, PROVIDER_FORBIDDEN, "Your plan");
	EXPECT_FILE(fn, "polygon_rate_limit.json", 429, PROVIDER_RATE_LIMITED,
	            "You've exceeded the maximum requests per minute");
	EXPECT_FILE(fn, "polygon_rate_limit.json", 200, PROVIDER_RATE_LIMITED, "You've exceeded");
	EXPECT_FILE(fn, "polygon_unknown_key.json", 401, PROVIDER_FORBIDDEN, "Unknown API Key");
	EXPECT_FILE(fn, "html_error.html", 200, PROVIDER_BAD_RESPONSE, "not JSON (an HTML page?)");
	EXPECT_FILE(fn, "html_error.html", 504, PROVIDER_UNAVAILABLE, "HTTP 504");
	EXPECT_FILE(fn, "empty.txt", 200, PROVIDER_BAD_RESPONSE, "empty body");
	EXPECT_FILE(fn, "alphavantage_daily_truncated.json", 200, PROVIDER_BAD_RESPONSE,
	            "truncated JSON");
	EXPECT(fn, PG(PG_BAR("10", "11", "9", "10.5", "1000", "1704171600000")), 200, PROVIDER_OK,
	       "1 candles");
	EXPECT(fn, "{\"status\":\"DELAYED\",\"resultsCount\":1,\"results\":["
	           PG_BAR("10", "11", "9", "10.5", "1000", "1704171600000") "]}", 200, PROVIDER_OK,
	       "1 candles");
	EXPECT(fn, "{\"status\":\"OK\",\"resultsCount\":3}", 200, PROVIDER_BAD_RESPONSE,
	       "no \"results\" and no zero \"resultsCount\"");
	EXPECT(fn, "{\"status\":\"OK\",\"resultsCount\":0,\"results\":[]}", 200, PROVIDER_NO_DATA,
	       "no candles");
	EXPECT(fn, "{\"status\":\"OK\",\"results\":{}}", 200, PROVIDER_BAD_RESPONSE,
	       "\"results\" is not an array");
	EXPECT(fn, "{\"resultsCount\":0}", 200, PROVIDER_BAD_RESPONSE, "no \"status\"");
	EXPECT(fn, "{\"status\":\"ERROR\",\"error\":\"Could not parse the time parameter\"}", 400,
	       PROVIDER_BAD_RESPONSE, "Could not parse the time parameter");
	EXPECT(fn, "{\"status\":\"ERROR\"}", 200, PROVIDER_BAD_RESPONSE, "status ERROR");
	EXPECT(fn, "{\"status\":\"NOT_FOUND\",\"message\":\"Data not found.\"}", 404,
	       PROVIDER_NO_DATA, "Data not found.");
	EXPECT(fn, PG(PG_BAR("\"10\"", "11", "9", "10.5", "1000", "1704171600000")), 200,
	       PROVIDER_BAD_RESPONSE, "result 1: \"o\" is not a number");
	EXPECT(fn, PG(PG_BAR("10", "11", "9", "10.5", "1000", "\"2024-01-02\"")), 200,
	       PROVIDER_BAD_RESPONSE, "result 1: \"t\" is not a time");
	EXPECT(fn, PG(PG_BAR("10", "11", "9", "10.5", "-3", "1704171600000")), 200,
	       PROVIDER_BAD_RESPONSE, "result 1: \"v\" is not a count");
	EXPECT(fn, PG(PG_BAR("10", "11", "9", "10.5", "1e300", "1704171600000")), 200,
	       PROVIDER_BAD_RESPONSE, "result 1: \"v\" is not a count");
	EXPECT(fn, PG(PG_BAR("10", "11", "9", "10.5", "1000", "1704171600000") ","
	              PG_BAR("10", "11", "9", "10.5", "1000", "1704171600000")), 200,
	       PROVIDER_BAD_RESPONSE, "2024-01-02: duplicate date");
	EXPECT(fn, PG(PG_BAR("10", "11", "9", "10.5", "1000", "1704171600000") ", 7"), 200,
	       PROVIDER_BAD_RESPONSE, "result 2: not an object");
	EXPECT(fn, PG(PG_BAR("10", "9", "9", "10.5", "1000", "1704171600000")), 200,
	       PROVIDER_BAD_RESPONSE, "2024-01-02: high is below open or close");
}

/* Every provider's "ok" fixture carries the same ten bars: the same dates
 * and, within Alpha Vantage's four decimals, the same prices as the CSV. */
static void
test_providers_agree(void **state)
{
	static const struct { series_fn fn; const char *file; double tol; } p[] = {
		{ provider_parse_alphavantage_daily, "alphavantage_daily_ok.json", 5e-5 },
		{ provider_parse_finnhub_candles, "finnhub_candles_ok.json", 0 },
		{ provider_parse_polygon_aggs, "polygon_aggs_ok.json", 0 },
	};
	struct candles ref, s;
	const char *msg;

	(void)state;
	assert_int_equal(series_file(provider_parse_csv, "csv_ok.csv", 200, &ref, &msg), PROVIDER_OK);
	assert_int_equal(ref.n, 10);
	for (size_t k = 0; k < sizeof(p) / sizeof(p[0]); k++) {
		assert_int_equal(series_file(p[k].fn, p[k].file, 200, &s, &msg), PROVIDER_OK);
		assert_int_equal(s.n, ref.n);
		for (size_t i = 0; i < s.n; i++) {
			assert_string_equal(s.v[i].date, ref.v[i].date);
			assert_true(fabs(s.v[i].open - ref.v[i].open) <= p[k].tol);
			assert_true(fabs(s.v[i].high - ref.v[i].high) <= p[k].tol);
			assert_true(fabs(s.v[i].low - ref.v[i].low) <= p[k].tol);
			assert_true(fabs(s.v[i].close - ref.v[i].close) <= p[k].tol);
			assert_int_equal(s.v[i].volume, ref.v[i].volume);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_polygon_ok),
		cmocka_unit_test(test_polygon_refusals),
		cmocka_unit_test(test_providers_agree),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
