/* test_provider_alphavantage.c: the Alpha Vantage parsers (provider.h) on
 * every documented reply shape in tests/fixtures/providers/. Run from the
 * repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers.h"

/* ---- Alpha Vantage ------------------------------------------------------ */

static void
test_alphavantage_daily_ok(void **state)
{
	struct candles s;
	const char *msg;

	(void)state;
	assert_int_equal(series_file(provider_parse_alphavantage_daily, "alphavantage_daily_ok.json",
	                             200, &s, &msg), PROVIDER_OK);
	assert_string_equal(msg, "10 candles");
	assert_int_equal(s.n, 10);
	assert_valid(&s);
	for (int i = 0; i < 10; i++)
		assert_string_equal(s.v[i].date, sp_dates[i]);
	/* newest first in the reply, oldest first here */
	assert_bar(&s.v[0], "2020-04-03", 2514.9199, 2538.1799, 2459.96, 2488.6499, 2488.6499,
	           6087190000);
	assert_bar(&s.v[5], "2020-04-13", 2782.46, 2782.46, 2721.1699, 2761.6299, 2761.6299,
	           5274310000);
	assert_bar(&s.v[9], "2020-04-17", 2842.4299, 2879.22, 2830.8799, 2874.5601, 2874.5601,
	           5792140000);
	/* a status of 0 (a file) reads the same */
	assert_int_equal(series_file(provider_parse_alphavantage_daily, "alphavantage_daily_ok.json",
	                             0, &s, &msg), PROVIDER_OK);
	assert_int_equal(s.n, 10);
}

static void
test_alphavantage_daily_adjusted(void **state)
{
	struct candles s;
	const char *msg;

	(void)state;
	assert_int_equal(series_file(provider_parse_alphavantage_daily,
	                             "alphavantage_daily_adjusted_ok.json", 200, &s, &msg), PROVIDER_OK);
	assert_int_equal(s.n, 3);
	assert_valid(&s);
	assert_bar(&s.v[0], "2020-08-28", 504.05, 505.77, 498.31, 499.23, 122.6449, 46907479);
	assert_bar(&s.v[1], "2020-08-31", 127.58, 131.0, 126.0, 129.04, 126.8013, 225702700);
	assert_bar(&s.v[2], "2020-09-01", 132.76, 134.8, 130.53, 134.18, 131.852, 151948100);
}

static void
test_alphavantage_daily_refusals(void **state)
{
	series_fn fn = provider_parse_alphavantage_daily;

	(void)state;
	EXPECT_FILE(fn, "alphavantage_daily_empty.json", 200, PROVIDER_NO_DATA, "no candles");
	EXPECT_FILE(fn, "alphavantage_note.json", 200, PROVIDER_RATE_LIMITED,
	            "rate limited: Thank you for using Alpha Vantage! Our standard API call frequency is 5");
	EXPECT_FILE(fn, "alphavantage_information.json", 200, PROVIDER_RATE_LIMITED,
	            "rate limited: Thank you for using Alpha Vantage! Our standard API rate limit is 25");
	EXPECT_FILE(fn, "alphavantage_premium.json", 200, PROVIDER_FORBIDDEN,
	            "access refused: Thank you for using Alpha Vantage! This is a premium endpoint.");
	EXPECT_FILE(fn, "alphavantage_error.json", 200, PROVIDER_NO_DATA,
	            "no data: Invalid API call.");
	EXPECT_FILE(fn, "alphavantage_apikey.json", 200, PROVIDER_FORBIDDEN,
	            "key refused: the parameter apikey is invalid or missing.");
	EXPECT_FILE(fn, "alphavantage_daily_truncated.json", 200, PROVIDER_BAD_RESPONSE,
	            "truncated JSON");
	EXPECT_FILE(fn, "alphavantage_daily_duplicate.json", 200, PROVIDER_BAD_RESPONSE,
	            "duplicate key 2020-04-15");
	EXPECT_FILE(fn, "alphavantage_daily_negative.json", 200, PROVIDER_BAD_RESPONSE,
	            "2020-04-16: a price is not a finite positive number");
	EXPECT_FILE(fn, "html_error.html", 200, PROVIDER_BAD_RESPONSE, "not JSON (an HTML page?)");
	EXPECT_FILE(fn, "html_error.html", 502, PROVIDER_UNAVAILABLE, "HTTP 502");
	EXPECT_FILE(fn, "empty.txt", 200, PROVIDER_BAD_RESPONSE, "empty body");
	EXPECT_FILE(fn, "garbage.bin", 200, PROVIDER_BAD_RESPONSE, "not JSON (not UTF-8 text)");
	EXPECT_FILE(fn, "alphavantage_daily_ok.json", 429, PROVIDER_RATE_LIMITED, "rate limited");
	EXPECT_FILE(fn, "alphavantage_daily_ok.json", 404, PROVIDER_BAD_RESPONSE, "HTTP 404");
	/* a notice wins over the status it came with */
	EXPECT_FILE(fn, "alphavantage_note.json", 503, PROVIDER_RATE_LIMITED, "rate limited: ");
}

#define AV_BAR(date, o, h, l, c, v) \
	"\"" date "\":{\"1. open\":" o ",\"2. high\":" h ",\"3. low\":" l ",\"4. close\":" c \
	",\"5. volume\":" v "}"
#define AV(bars) "{\"Meta Data\":{\"2. Symbol\":\"X\"},\"Time Series (Daily)\":{" bars "}}"

static void
test_alphavantage_daily_bad_values(void **state)
{
	series_fn fn = provider_parse_alphavantage_daily;

	(void)state;
	EXPECT(fn, AV(AV_BAR("2024-01-02", "\"10.5\"", "\"11\"", "\"10\"", "\"10.75\"", "\"1000\"")),
	       200, PROVIDER_OK, "1 candles");
	EXPECT(fn, AV(AV_BAR("2024-01-02", "10.5", "\"11\"", "\"10\"", "\"10.75\"", "\"1000\"")),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: \"1. open\" is not a number");
	EXPECT(fn, AV(AV_BAR("2024-01-02", "\"NaN\"", "\"11\"", "\"10\"", "\"10.75\"", "\"1000\"")),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: \"1. open\" is not a number");
	EXPECT(fn, AV(AV_BAR("2024-01-02", "\"10.5\"", "\"1e999\"", "\"10\"", "\"10.75\"", "\"1000\"")),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: \"2. high\" is not a number");
	EXPECT(fn, AV(AV_BAR("2024-01-02", "\"10.5\"", "\"11\"", "\" 10\"", "\"10.75\"", "\"1000\"")),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: \"3. low\" is not a number");
	EXPECT(fn, AV(AV_BAR("2024-01-02", "\"10.5\"", "\"11\"", "\"10\"", "null", "\"1000\"")),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: \"4. close\" is not a number");
	EXPECT(fn, AV(AV_BAR("2024-01-02", "\"10.5\"", "\"11\"", "\"10\"", "\"10.75\"", "\"-5\"")),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: volume is not a count");
	EXPECT(fn, AV(AV_BAR("2024-01-02", "\"0\"", "\"11\"", "\"10\"", "\"10.75\"", "\"1000\"")),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: a price is not a finite positive number");
	EXPECT(fn, AV(AV_BAR("2024-01-02", "\"10.5\"", "\"10.6\"", "\"10\"", "\"10.75\"", "\"1\"")),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: high is below open or close");
	EXPECT(fn, AV(AV_BAR("2023-02-29", "\"10.5\"", "\"11\"", "\"10\"", "\"10.75\"", "\"1\"")),
	       200, PROVIDER_BAD_RESPONSE, "not a date: 2023-02-29");
	EXPECT(fn, AV("\"2024-01-02\":[1,2,3,4,5]"), 200, PROVIDER_BAD_RESPONSE,
	       "2024-01-02: not an object");
	EXPECT(fn, AV("\"2024-01-02\":{\"1. open\":\"10\"}"), 200, PROVIDER_BAD_RESPONSE,
	       "2024-01-02: no \"2. high\"");
	EXPECT(fn, "{\"Meta Data\":{},\"Time Series (Daily)\":[]}", 200, PROVIDER_BAD_RESPONSE,
	       "no \"Time Series (Daily)\" object");
	EXPECT(fn, "{\"Meta Data\":{}}", 200, PROVIDER_BAD_RESPONSE,
	       "no \"Time Series (Daily)\" object");
	EXPECT(fn, "{}", 200, PROVIDER_BAD_RESPONSE, "no \"Time Series (Daily)\" object");
	EXPECT(fn, "[]", 200, PROVIDER_BAD_RESPONSE, "not a JSON object");
	EXPECT(fn, "{\"Note\":\"slow down\x01\"}", 200, PROVIDER_BAD_RESPONSE,
	       "not valid JSON: the body has a control character in a string");
	EXPECT(fn, "{\"Note\":\"slow \\u0007down\"}", 200, PROVIDER_RATE_LIMITED,
	       "rate limited: slow ?down");
}

static void
test_alphavantage_overview(void **state)
{
	struct fundamentals f;
	const char *msg, *body;
	size_t len;

	(void)state;
	body = slurp(FIX "alphavantage_overview_ok.json", &len);
	assert_int_equal(provider_parse_alphavantage_overview(pool, 200, body, len, &f, &msg),
	                 PROVIDER_OK);
	assert_string_equal(f.symbol, "IBM");
	assert_string_equal(f.name, "International Business Machines");
	assert_string_equal(f.currency, "USD");
	assert_string_equal(f.latest_quarter, "2024-03-31");
	assert_true(f.pe.present && f.pe.value == 20.16);
	assert_true(f.peg.present && f.peg.value == 4.336);
	assert_true(f.dividend_yield.present && f.dividend_yield.value == 0.0364);
	assert_true(f.eps.present && f.eps.value == 9.07);
	assert_true(f.beta.present && f.beta.value == 0.713);
	assert_true(f.market_cap.present && f.market_cap.value == 167142441000.0);
	assert_true(f.earnings_growth.present && f.earnings_growth.value == -0.01);
	assert_true(f.revenue_growth.present && f.revenue_growth.value == 0.015);

	body = slurp(FIX "alphavantage_overview_placeholders.json", &len);
	assert_int_equal(provider_parse_alphavantage_overview(pool, 200, body, len, &f, &msg),
	                 PROVIDER_OK);
	assert_string_equal(f.symbol, "RIVN");
	assert_false(f.pe.present);              /* "None" */
	assert_false(f.peg.present);             /* "0" */
	assert_false(f.dividend_yield.present);  /* "None" */
	assert_false(f.beta.present);            /* "None" */
	assert_false(f.earnings_growth.present); /* "-" */
	assert_false(f.revenue_growth.present);  /* "0.0" */
	assert_true(f.pe.value == 0 && f.peg.value == 0);
	assert_true(f.eps.present && f.eps.value == -5.46);
	assert_true(f.market_cap.present && f.market_cap.value == 10493710000.0);

	body = slurp(FIX "alphavantage_overview_empty.json", &len);
	assert_int_equal(provider_parse_alphavantage_overview(pool, 200, body, len, &f, &msg),
	                 PROVIDER_NO_DATA);
	assert_string_equal(msg, "unknown symbol (empty overview)");
}

static void
test_alphavantage_overview_refusals(void **state)
{
	static const struct {
		const char *file;      /* or */
		const char *text;
		long http;
		enum provider_status st;
		const char *msg;       /* prefix */
	} cases[] = {
		{ "alphavantage_note.json", NULL, 200, PROVIDER_RATE_LIMITED, "rate limited: Thank" },
		{ "alphavantage_information.json", NULL, 200, PROVIDER_RATE_LIMITED, "rate limited: " },
		{ "alphavantage_apikey.json", NULL, 200, PROVIDER_FORBIDDEN, "key refused: " },
		{ "html_error.html", NULL, 200, PROVIDER_BAD_RESPONSE, "not JSON (an HTML page?)" },
		{ "alphavantage_daily_truncated.json", NULL, 200, PROVIDER_BAD_RESPONSE, "truncated JSON" },
		{ "empty.txt", NULL, 500, PROVIDER_UNAVAILABLE, "HTTP 500" },
		{ NULL, "{\"Symbol\":\"IBM\",\"PERatio\":20.1}", 200, PROVIDER_BAD_RESPONSE,
		  "\"PERatio\" is not a string" },
		{ NULL, "{\"Symbol\":\"IBM\",\"Beta\":\"high\"}", 200, PROVIDER_BAD_RESPONSE,
		  "\"Beta\" is not a number" },
		{ NULL, "{\"Symbol\":\"IBM\",\"EPS\":\"NaN\"}", 200, PROVIDER_BAD_RESPONSE,
		  "\"EPS\" is not a number" },
		{ NULL, "{\"Symbol\":\"IBM\",\"EPS\":\"9.07\",\"EPS\":\"9.08\"}", 200,
		  PROVIDER_BAD_RESPONSE, "duplicate key EPS" },
		{ NULL, "{\"Name\":\"IBM\",\"EPS\":\"9.07\"}", 200, PROVIDER_BAD_RESPONSE,
		  "no \"Symbol\" in the overview" },
		{ NULL, "{\"Symbol\":\"\"}", 200, PROVIDER_BAD_RESPONSE, "no \"Symbol\" in the overview" },
		{ NULL, "{\"Symbol\":17}", 200, PROVIDER_BAD_RESPONSE, "no \"Symbol\" in the overview" },
		{ NULL, "{\"Symbol\":\"IBM\",\"Name\":\"a\\u0001b\",\"LatestQuarter\":\"2024-02-30\","
		        "\"EPS\":null}", 200, PROVIDER_OK, "ok" },
	};
	struct fundamentals f;
	const char *msg, *body;
	char path[256];
	size_t len;
	enum provider_status st;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), FIX "%s", cases[i].file ? cases[i].file : "");
		body = cases[i].file ? slurp(path, &len) : exact(cases[i].text, &len);
		memset(&f, 0x55, sizeof(f));
		st = provider_parse_alphavantage_overview(pool, cases[i].http, body, len, &f, &msg);
		if (st != cases[i].st || strncmp(msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: %s \"%s\"", i, provider_status_name(st), msg);
	}
	/* the last case: a bad name and date are left out, a null value is absent */
	assert_null(f.name);
	assert_string_equal(f.latest_quarter, "");
	assert_false(f.eps.present);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alphavantage_daily_ok),
		cmocka_unit_test(test_alphavantage_daily_adjusted),
		cmocka_unit_test(test_alphavantage_daily_refusals),
		cmocka_unit_test(test_alphavantage_daily_bad_values),
		cmocka_unit_test(test_alphavantage_overview),
		cmocka_unit_test(test_alphavantage_overview_refusals),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
