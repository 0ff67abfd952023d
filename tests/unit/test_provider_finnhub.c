/* test_provider_finnhub.c: the Finnhub parsers (provider.h) on every
 * documented reply shape in tests/fixtures/providers/. Run from the
 * repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers.h"

/* ---- Finnhub ------------------------------------------------------------ */

static void
test_finnhub_candles_ok(void **state)
{
	struct candles s;
	const char *msg;

	(void)state;
	assert_int_equal(series_file(provider_parse_finnhub_candles, "finnhub_candles_ok.json",
	                             200, &s, &msg), PROVIDER_OK);
	assert_int_equal(s.n, 10);
	assert_valid(&s);
	for (int i = 0; i < 10; i++)
		assert_string_equal(s.v[i].date, sp_dates[i]);
	assert_bar(&s.v[0], "2020-04-03", 2514.919922, 2538.179932, 2459.959961, 2488.649902,
	           2488.649902, 6087190000);
	assert_bar(&s.v[3], "2020-04-08", 2685.0, 2760.75, 2663.300049, 2749.97998, 2749.97998,
	           5856370000);
	assert_bar(&s.v[9], "2020-04-17", 2842.429932, 2879.219971, 2830.879883, 2874.560059,
	           2874.560059, 5792140000);
}

#define FH(c, h, l, o, t, v) \
	"{\"c\":[" c "],\"h\":[" h "],\"l\":[" l "],\"o\":[" o "],\"s\":\"ok\",\"t\":[" t "],\"v\":[" v "]}"

static void
test_finnhub_candles_refusals(void **state)
{
	series_fn fn = provider_parse_finnhub_candles;
	struct candles s;
	const char *msg;

	(void)state;
	EXPECT_FILE(fn, "finnhub_candles_no_data.json", 200, PROVIDER_NO_DATA, "no data");
	EXPECT_FILE(fn, "finnhub_candles_forbidden.json", 403, PROVIDER_FORBIDDEN,
	            "candles need a paid Finnhub plan");
	EXPECT_FILE(fn, "finnhub_candles_forbidden.json", 401, PROVIDER_FORBIDDEN,
	            "candles need a paid Finnhub plan");
	EXPECT_FILE(fn, "finnhub_candles_forbidden.json", 200, PROVIDER_FORBIDDEN,
	            "candles need a paid Finnhub plan");
	EXPECT_FILE(fn, "empty.txt", 403, PROVIDER_FORBIDDEN, "candles need a paid Finnhub plan");
	EXPECT_FILE(fn, "finnhub_invalid_key.json", 401, PROVIDER_FORBIDDEN,
	            "access refused: Invalid API key");
	EXPECT_FILE(fn, "finnhub_rate_limit.json", 429, PROVIDER_RATE_LIMITED,
	            "rate limited: API limit reached. Please try again later.");
	EXPECT_FILE(fn, "finnhub_candles_unequal.json", 200, PROVIDER_BAD_RESPONSE,
	            "candle arrays of unequal length");
	EXPECT_FILE(fn, "html_error.html", 200, PROVIDER_BAD_RESPONSE, "not JSON (an HTML page?)");
	EXPECT_FILE(fn, "html_error.html", 503, PROVIDER_UNAVAILABLE, "HTTP 503");
	EXPECT_FILE(fn, "empty.txt", 200, PROVIDER_BAD_RESPONSE, "empty body");
	EXPECT_FILE(fn, "garbage.bin", 200, PROVIDER_BAD_RESPONSE, NULL);
	EXPECT(fn, FH("10.5", "11", "10", "10.2", "1704153600", "100"), 200, PROVIDER_OK, "1 candles");
	EXPECT(fn, FH("", "", "", "", "", ""), 200, PROVIDER_NO_DATA, "no candles");
	EXPECT(fn, FH("\"10.5\"", "11", "10", "10.2", "1704153600", "100"), 200,
	       PROVIDER_BAD_RESPONSE, "bar 1: \"c\" is not a number");
	EXPECT(fn, FH("10.5", "11", "10", "10.2", "1704153600.5", "100"), 200,
	       PROVIDER_BAD_RESPONSE, "bar 1: \"t\" is not a time");
	EXPECT(fn, FH("10.5", "11", "10", "10.2", "99999999999999", "100"), 200,
	       PROVIDER_BAD_RESPONSE, "bar 1: \"t\" is not a time");
	EXPECT(fn, FH("10.5", "11", "10", "10.2", "1704153600", "-1"), 200,
	       PROVIDER_BAD_RESPONSE, "bar 1: \"v\" is not a count");
	EXPECT(fn, FH("10.5", "11", "10", "-10.2", "1704153600", "1"), 200,
	       PROVIDER_BAD_RESPONSE, "2024-01-02: a price is not a finite positive number");
	EXPECT(fn, FH("10.5,10.6", "11,11", "10,10", "10.2,10.2", "1704153600,1704160800", "1,2"),
	       200, PROVIDER_BAD_RESPONSE, "2024-01-02: duplicate date");
	EXPECT(fn, FH("10.5", "11", "10", "10.2", "1704153600", "1,2"), 200,
	       PROVIDER_BAD_RESPONSE, "candle arrays of unequal length");
	EXPECT(fn, "{\"c\":[],\"s\":\"ok\"}", 200, PROVIDER_BAD_RESPONSE, "no \"o\" array");
	EXPECT(fn, "{\"o\":[1],\"h\":{},\"s\":\"ok\"}", 200, PROVIDER_BAD_RESPONSE, "no \"h\" array");
	EXPECT(fn, "{\"c\":[1]}", 200, PROVIDER_BAD_RESPONSE, "no \"s\" status");
	EXPECT(fn, "{\"s\":\"maybe\"}", 200, PROVIDER_BAD_RESPONSE, "unknown status: maybe");
	EXPECT(fn, "{\"error\":\"something broke\"}", 200, PROVIDER_BAD_RESPONSE,
	       "error: something broke");
	/* bars out of order are sorted */
	assert_int_equal(series_str(fn, FH("10.5,20", "11,21", "10,19", "10.2,20", "1704240000,1704153600",
	                                   "1,2"), 200, &s, &msg), PROVIDER_OK);
	assert_bar(&s.v[0], "2024-01-02", 20, 21, 19, 20, 20, 2);
	assert_bar(&s.v[1], "2024-01-03", 10.2, 11, 10, 10.5, 10.5, 1);
}

static void
test_finnhub_quote(void **state)
{
	static const struct { const char *text; long http; enum provider_status st; const char *msg; } cases[] = {
		{ "{\"c\":0,\"d\":null,\"dp\":null,\"h\":0,\"l\":0,\"o\":0,\"pc\":0,\"t\":0}", 200,
		  PROVIDER_NO_DATA, "unknown symbol (empty quote)" },
		{ "{\"c\":0,\"h\":0,\"l\":0,\"o\":0,\"pc\":0,\"t\":0}", 200, PROVIDER_NO_DATA,
		  "unknown symbol (empty quote)" },
		{ "{\"c\":5,\"d\":\"1\",\"dp\":0,\"h\":5,\"l\":5,\"o\":5,\"pc\":5,\"t\":1}", 200,
		  PROVIDER_BAD_RESPONSE, "\"d\" is not a number" },
		{ "{\"c\":5,\"d\":0,\"dp\":0,\"h\":5,\"l\":5,\"o\":5,\"pc\":5}", 200,
		  PROVIDER_BAD_RESPONSE, "\"t\" is not a time" },
		{ "{\"c\":-1,\"d\":0,\"dp\":0,\"h\":0,\"l\":0,\"o\":0,\"pc\":0,\"t\":1}", 200,
		  PROVIDER_BAD_RESPONSE, "\"c\" is not a non-negative number" },
		{ "{\"c\":\"5\",\"d\":0,\"dp\":0,\"h\":0,\"l\":0,\"o\":0,\"pc\":0,\"t\":1}", 200,
		  PROVIDER_BAD_RESPONSE, "\"c\" is not a non-negative number" },
		{ "{\"c\":5,\"d\":0,\"dp\":0,\"h\":5,\"l\":5,\"o\":5,\"pc\":5,\"t\":1.5}", 200,
		  PROVIDER_BAD_RESPONSE, "\"t\" is not a time" },
		{ "{\"c\":5,\"d\":0,\"dp\":0,\"h\":5,\"l\":5,\"o\":5,\"pc\":5,\"t\":0}", 200,
		  PROVIDER_BAD_RESPONSE, NULL },
		{ "{\"error\":\"You don't have access to this resource.\"}", 403, PROVIDER_FORBIDDEN,
		  "quotes refused for this Finnhub key" },
		{ "{\"error\":\"API limit reached. Please try again later. Remaining Limit: 0\"}", 429,
		  PROVIDER_RATE_LIMITED, "rate limited: API limit reached." },
		{ "<html><body>Bad gateway</body></html>", 502, PROVIDER_UNAVAILABLE, "HTTP 502" },
		{ "<html><body>Bad gateway</body></html>", 200, PROVIDER_BAD_RESPONSE,
		  "not JSON (an HTML page?)" },
	};
	struct quote q;
	const char *msg, *body;
	size_t len;
	enum provider_status st;

	(void)state;
	body = slurp(FIX "finnhub_quote_ok.json", &len);
	assert_int_equal(provider_parse_finnhub_quote(pool, 200, body, len, &q, &msg), PROVIDER_OK);
	assert_true(q.price == 2874.56 && q.change == 75.01 && q.change_pct == 2.6794);
	assert_true(q.high == 2879.22 && q.low == 2830.88 && q.open == 2842.43);
	assert_true(q.prev_close == 2799.55);
	assert_int_equal(q.time, 1587153600);
	assert_string_equal(q.date, "2020-04-17");
	body = slurp(FIX "finnhub_quote_unknown.json", &len);
	assert_int_equal(provider_parse_finnhub_quote(pool, 200, body, len, &q, &msg), PROVIDER_NO_DATA);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = exact(cases[i].text, &len);
		st = provider_parse_finnhub_quote(pool, cases[i].http, body, len, &q, &msg);
		if (st != cases[i].st || (cases[i].msg && strncmp(msg, cases[i].msg, strlen(cases[i].msg))))
			fail_msg("case %zu: %s \"%s\"", i, provider_status_name(st), msg);
	}
	/* d and dp null or absent with a real price are derived from c and pc */
	body = exact("{\"c\":110,\"d\":null,\"dp\":null,\"h\":111,\"l\":99,\"o\":100,\"pc\":100,"
	             "\"t\":1704153600}", &len);
	assert_int_equal(provider_parse_finnhub_quote(pool, 200, body, len, &q, &msg), PROVIDER_OK);
	assert_true(q.change == 10 && q.change_pct == 10);
	body = exact("{\"c\":90,\"h\":101,\"l\":89,\"o\":100,\"pc\":100,\"t\":1704153600}", &len);
	assert_int_equal(provider_parse_finnhub_quote(pool, 200, body, len, &q, &msg), PROVIDER_OK);
	assert_true(q.change == -10 && q.change_pct == -10);
	assert_string_equal(q.date, "2024-01-02");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finnhub_candles_ok),
		cmocka_unit_test(test_finnhub_candles_refusals),
		cmocka_unit_test(test_finnhub_quote),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
