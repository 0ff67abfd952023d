/* test_providers.c: the market-data parsers (provider.h) on every documented
 * reply shape in tests/fixtures/providers/, and the series rules of
 * candle.h. Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candle.h"
#include "provider.h"
#include "provider_parse.h"

#define FIX "tests/fixtures/providers/"

typedef enum provider_status (*series_fn)(struct pool *, long, const char *, size_t,
    struct candles *, const char **);

/* The file's bytes in pool memory of exactly its size (ASan sees any read
 * past the end); fails the test when it cannot be read. */
static const char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s (run from the repository root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = pool_alloc(pool, n > 0 ? (size_t)n : 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* Copy of s without its NUL, so that reads past the end are caught. */
static const char *
exact(const char *s, size_t *len)
{
	char *d;

	*len = strlen(s);
	d = pool_alloc(pool, *len ? *len : 1);
	memcpy(d, s, *len);
	return d;
}

/* Run a series parser on a fixture file. */
static enum provider_status
series_file(series_fn fn, const char *name, long http, struct candles *out, const char **msg)
{
	char path[256];
	const char *body;
	size_t len;

	snprintf(path, sizeof(path), FIX "%s", name);
	body = slurp(path, &len);
	memset(out, 0, sizeof(*out));
	*msg = NULL;
	return fn(pool, http, body, len, out, msg);
}

/* Run a series parser on a string. */
static enum provider_status
series_str(series_fn fn, const char *text, long http, struct candles *out, const char **msg)
{
	size_t len;
	const char *body = exact(text, &len);

	memset(out, 0, sizeof(*out));
	*msg = NULL;
	return fn(pool, http, body, len, out, msg);
}

#define EXPECT(fn, src, http, want_st, want_msg) do { \
	struct candles s_; \
	const char *m_; \
	enum provider_status st_ = series_str(fn, src, http, &s_, &m_); \
	assert_non_null(m_); \
	if (st_ != (want_st) || ((want_msg) != NULL && strcmp(m_, (want_msg) ? (want_msg) : "") != 0)) \
		fail_msg("%s:%d: got %s \"%s\", want %s \"%s\"", __FILE__, __LINE__, \
		         provider_status_name(st_), m_, provider_status_name(want_st), \
		         (want_msg) ? (want_msg) : "*"); \
	if (st_ != PROVIDER_OK) \
		assert_int_equal(s_.n, 0); \
} while (0)

#define EXPECT_FILE(fn, name, http, want_st, want_msg) do { \
	struct candles s_; \
	const char *m_; \
	enum provider_status st_ = series_file(fn, name, http, &s_, &m_); \
	assert_non_null(m_); \
	if (st_ != (want_st) || ((want_msg) != NULL && strncmp(m_, (want_msg) ? (want_msg) : "", \
	                                                     strlen((want_msg) ? (want_msg) : "")) != 0)) \
		fail_msg("%s:%d: %s: got %s \"%s\", want %s \"%s...\"", __FILE__, __LINE__, name, \
		         provider_status_name(st_), m_, provider_status_name(want_st), \
		         (want_msg) ? (want_msg) : "*"); \
	if (st_ != PROVIDER_OK) \
		assert_int_equal(s_.n, 0); \
} while (0)

static void
assert_bar(const struct candle *c, const char *date, double o, double h, double l,
    double cl, double adj, int64_t vol)
{
	assert_string_equal(c->date, date);
	assert_true(c->open == o);
	assert_true(c->high == h);
	assert_true(c->low == l);
	assert_true(c->close == cl);
	assert_true(c->adjclose == adj);
	assert_int_equal(c->volume, vol);
}

static void
assert_valid(const struct candles *s)
{
	size_t bad = 0;
	const char *why = NULL;

	if (candles_validate(s, &bad, &why) != 0)
		fail_msg("bar %zu: %s", bad, why);
	for (size_t i = 1; i < s->n; i++)
		assert_true(strcmp(s->v[i - 1].date, s->v[i].date) < 0);
}

/* The ten S&P 500 bars every "ok" fixture carries, from csv_ok.csv. */
static const char *const sp_dates[10] = {
	"2020-04-03", "2020-04-06", "2020-04-07", "2020-04-08", "2020-04-09",
	"2020-04-13", "2020-04-14", "2020-04-15", "2020-04-16", "2020-04-17"
};

/* ---- candle.h ---------------------------------------------------------- */

static void
test_candle_dates(void **state)
{
	static const struct { const char *s; int ok; } cases[] = {
		{ "2000-01-03", 1 }, { "2000-02-29", 1 }, { "2024-02-29", 1 },
		{ "1900-02-29", 0 }, { "2100-02-29", 0 }, { "2023-02-29", 0 },
		{ "2020-04-31", 0 }, { "2020-12-31", 1 }, { "2020-13-01", 0 },
		{ "2020-00-10", 0 }, { "2020-01-00", 0 }, { "2020-01-32", 0 },
		{ "1800-01-01", 1 }, { "1799-12-31", 0 }, { "9999-12-31", 1 },
		{ "2020-4-01", 0 }, { "2020-04-1", 0 }, { "2020/04/01", 0 },
		{ "2020-04-01 ", 0 }, { " 2020-04-01", 0 }, { "20200401", 0 },
		{ "2020-0a-01", 0 }, { "+020-04-01", 0 }, { "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (candle_date_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
			fail_msg("candle_date_valid(\"%s\") != %d", cases[i].s, cases[i].ok);
	assert_int_equal(candle_date_valid(NULL, 10), 0);
	assert_int_equal(candle_date_valid("2020-04-01", 9), 0);
}

static void
test_candle_date_from_unix(void **state)
{
	static const struct { int64_t t; const char *want; } cases[] = {
		{ 0, "1970-01-01" }, { 86399, "1970-01-01" }, { 86400, "1970-01-02" },
		{ -1, "1969-12-31" }, { -86400, "1969-12-31" }, { -86401, "1969-12-30" },
		{ 951782400, "2000-02-29" }, { 951868800, "2000-03-01" },
		{ 1586131200, "2020-04-06" }, { 1587153600, "2020-04-17" },
		{ 4107542400, "2100-03-01" }, { 253402300799, "9999-12-31" },
		{ -5364662400, "1800-01-01" },
	};
	char out[11];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(candle_date_from_unix(cases[i].t, out), 0);
		assert_string_equal(out, cases[i].want);
	}
	memcpy(out, "untouched", 10);
	assert_int_equal(candle_date_from_unix(253402300800, out), -1);
	assert_int_equal(candle_date_from_unix(-5364662401, out), -1);
	assert_int_equal(candle_date_from_unix(INT64_MAX, out), -1);
	assert_int_equal(candle_date_from_unix(INT64_MIN, out), -1);
	assert_string_equal(out, "untouched");
}

static void
test_candles_validate(void **state)
{
	struct candle base = { "2020-01-02", 10, 12, 9, 11, 11, 100 };
	struct candle v[3];
	struct candles s = { v, 3 };
	size_t bad;
	const char *why;
	struct { int field; double value; const char *why; } breaks[] = {
		{ 0, 0, "a price is not a finite positive number" },
		{ 0, -1, "a price is not a finite positive number" },
		{ 3, NAN, "a price is not a finite positive number" },
		{ 1, INFINITY, "a price is not a finite positive number" },
		{ 4, 0, "a price is not a finite positive number" },
		{ 1, 10.5, "high is below open or close" },
		{ 2, 10.5, "low is above open or close" },
		{ 1, 8, "high is below open or close" },
	};

	(void)state;
	v[0] = v[1] = v[2] = base;
	memcpy(v[1].date, "2020-01-03", 11);
	memcpy(v[2].date, "2020-01-06", 11);
	assert_int_equal(candles_validate(&s, &bad, &why), 0);
	s.n = 0;
	assert_int_equal(candles_validate(&s, NULL, NULL), 0);
	s.n = 3;
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		double *f[5] = { &v[1].open, &v[1].high, &v[1].low, &v[1].close, &v[1].adjclose };

		*f[breaks[i].field] = breaks[i].value;
		bad = 99;
		assert_int_equal(candles_validate(&s, &bad, &why), -1);
		assert_int_equal(bad, 1);
		assert_string_equal(why, breaks[i].why);
		v[1] = base;
		memcpy(v[1].date, "2020-01-03", 11);
	}
	v[2].volume = -1;
	assert_int_equal(candles_validate(&s, &bad, &why), -1);
	assert_int_equal(bad, 2);
	assert_string_equal(why, "negative volume");
	v[2].volume = 0;                       /* a zero volume is fine */
	assert_int_equal(candles_validate(&s, NULL, NULL), 0);
	memcpy(v[2].date, "2020-01-03", 11);
	assert_int_equal(candles_validate(&s, &bad, &why), -1);
	assert_int_equal(bad, 2);
	assert_string_equal(why, "duplicate date");
	memcpy(v[2].date, "2020-01-01", 11);
	assert_int_equal(candles_validate(&s, &bad, &why), -1);
	assert_string_equal(why, "date not after the previous one");
	memcpy(v[2].date, "2020-02-30", 11);
	assert_int_equal(candles_validate(&s, &bad, &why), -1);
	assert_string_equal(why, "invalid date");
}

static void
test_candles_sort_and_reverse(void **state)
{
	static const char *const dates[5] = {
		"2020-03-05", "2019-12-31", "2020-03-04", "2020-01-02", "2021-01-01"
	};
	struct candle v[5];
	struct candles s = { v, 5 };

	(void)state;
	for (int i = 0; i < 5; i++) {
		v[i] = (struct candle){ "", 10, 12, 9, 11, 11, i };
		memcpy(v[i].date, dates[i], 11);
	}
	candles_sort(&s);
	assert_string_equal(v[0].date, "2019-12-31");
	assert_int_equal(v[0].volume, 1);
	assert_string_equal(v[4].date, "2021-01-01");
	assert_int_equal(candles_validate(&s, NULL, NULL), 0);
	candles_reverse(&s);
	assert_string_equal(v[0].date, "2021-01-01");
	assert_string_equal(v[2].date, "2020-03-04");
	assert_string_equal(v[4].date, "2019-12-31");
	s.n = 1;
	candles_reverse(&s);
	assert_string_equal(v[0].date, "2021-01-01");
}

/* ---- shared helpers ----------------------------------------------------- */

static void
test_strict_numbers(void **state)
{
	static const struct { const char *s; double want; } good[] = {
		{ "0", 0 }, { "1", 1 }, { "189.3300", 189.33 }, { "-0.5", -0.5 },
		{ "1.5e3", 1500 }, { "2E-2", 0.02 }, { "1e+2", 100 }, { "52164535", 52164535 },
		{ "2912381304000", 2912381304000.0 },
	};
	static const char *const bad[] = {
		"", "+1", "01", "-01", "1.", ".5", "1e", "1e+", "-", "NaN", "nan", "inf",
		"-Infinity", " 1", "1 ", "0x10", "1e999", "-1e999", "1,5", "1.2.3", "1_000",
		"12345678901234567890123456789012345678901234567890123456789012345",
	};
	double d;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (prov_number(good[i].s, strlen(good[i].s), &d) != 0)
			fail_msg("refused \"%s\"", good[i].s);
		assert_true(d == good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = 42;
		if (prov_number(bad[i], strlen(bad[i]), &d) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(d == 42);
	}
	assert_int_equal(prov_number("12", 1, &d), 0);        /* only n bytes count */
	assert_true(d == 1);
}

static void
test_messages_are_log_safe(void **state)
{
	char long_text[400];
	const char *m;

	(void)state;
	m = prov_text(pool, "said: ", "a\x01" "b\n\n  c\x7f \xc3\xa9t\xc3\xa9", 15);
	assert_string_equal(m, "said: a?b c? ?t?");
	memset(long_text, 'x', sizeof(long_text));
	m = prov_text(pool, "p: ", long_text, sizeof(long_text));
	assert_int_equal(strlen(m), 3 + PROVIDER_MSG_MAX + 3);
	assert_string_equal(m + strlen(m) - 3, "...");
	assert_string_equal(provider_status_name(PROVIDER_OK), "ok");
	assert_string_equal(provider_status_name(PROVIDER_NO_DATA), "no_data");
	assert_string_equal(provider_status_name(PROVIDER_RATE_LIMITED), "rate_limited");
	assert_string_equal(provider_status_name(PROVIDER_FORBIDDEN), "forbidden");
	assert_string_equal(provider_status_name(PROVIDER_BAD_RESPONSE), "bad_response");
	assert_string_equal(provider_status_name(PROVIDER_UNAVAILABLE), "unavailable");
}

static void
test_json_reader_is_strict(void **state)
{
	static const struct { const char *s; const char *msg; } bad[] = {
		{ "", "empty body" },
		{ " \r\n\t", "empty body" },
		{ "<!DOCTYPE html><html></html>", "not JSON (an HTML page?)" },
		{ "  <html>", "not JSON (an HTML page?)" },
		{ "{\"a\":[1,2", "truncated JSON" },
		{ "{\"a\":\"b", "truncated JSON" },
		{ "[1,2]", "not a JSON object" },
		{ "\"text\"", "not a JSON object" },
		{ "{\"a\":NaN}", "not valid JSON: the body is not valid JSON" },
		{ "{\"a\":1}{}", "not valid JSON: the body has data after the JSON value" },
		{ "{'a':1}", "not valid JSON: the body has a malformed object key" },
		{ "{\"a\":1,}", "not valid JSON: the body has a malformed object key" },
		{ "{\"a\":01}", NULL },
		{ "{\"a\":\"\xff\"}", "not JSON (not UTF-8 text)" },
		{ "{\"a\":1,\"a\":2}", "duplicate key a" },
		{ "{\"x\":{\"k\":1,\"b\":[{\"k\":2,\"k\":3}]}}", "duplicate key k" },
		{ "{\"a\":1,\"\\u0061\":2}", "duplicate key a" },
		{ "{\"\\u00e9\":1,\"\xc3\xa9\":2}", "duplicate key ?" },
		{ "{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", "duplicate key ?" },
		{ "{\"a\":[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "not valid JSON: the body is nested too deeply" },
	};
	static const char *const good[] = {
		"{}", " {\"a\":1,\"b\":{\"a\":2},\"c\":[{\"a\":3},{\"a\":4}]} \n",
		"{\"a\\\"b\":1,\"a\\\\b\":2,\"a/b\":3,\"a\\/c\":4}",
	};
	const char *msg, *body;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		body = exact(bad[i].s, &len);
		msg = NULL;
		if (prov_json_object(pool, body, len, &msg) != NULL)
			fail_msg("accepted %s", bad[i].s);
		assert_non_null(msg);
		if (bad[i].msg != NULL && strcmp(msg, bad[i].msg) != 0)
			fail_msg("%s: \"%s\", want \"%s\"", bad[i].s, msg, bad[i].msg);
	}
	body = exact("{\"a\":1,\"a\\u0000\":2}", &len);     /* jsonv refuses \u0000 */
	assert_null(prov_json_object(pool, body, len, &msg));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		body = exact(good[i], &len);
		if (prov_json_object(pool, body, len, &msg) == NULL)
			fail_msg("refused %s: %s", good[i], msg);
	}
}

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

/* ---- CSV ---------------------------------------------------------------- */

static void
test_csv_ok(void **state)
{
	struct candles s;
	const char *msg;

	(void)state;
	assert_int_equal(series_file(provider_parse_csv, "csv_ok.csv", 200, &s, &msg), PROVIDER_OK);
	assert_string_equal(msg, "10 candles");
	assert_int_equal(s.n, 10);
	assert_valid(&s);
	assert_bar(&s.v[0], "2020-04-03", 2514.919922, 2538.179932, 2459.959961, 2488.649902,
	           2488.649902, 6087190000);
	assert_bar(&s.v[9], "2020-04-17", 2842.429932, 2879.219971, 2830.879883, 2874.560059,
	           2874.560059, 5792140000);

	/* Yahoo's header, CRLF, quoted fields, no final line break */
	assert_int_equal(series_file(provider_parse_csv, "csv_yahoo_crlf.csv", 200, &s, &msg),
	                 PROVIDER_OK);
	assert_int_equal(s.n, 5);
	assert_bar(&s.v[0], "2000-01-03", 1469.25, 1478, 1438.359985, 1455.219971, 1455.219971,
	           931800000);
	assert_bar(&s.v[4], "2000-01-07", 1403.449951, 1441.469971, 1400.72998, 1441.469971,
	           1441.469971, 1225200000);

	/* columns in another order, no adjclose (= close), an extra column */
	assert_int_equal(series_file(provider_parse_csv, "csv_reordered.csv", 0, &s, &msg),
	                 PROVIDER_OK);
	assert_int_equal(s.n, 5);
	assert_bar(&s.v[1], "2000-01-04", 1455.219971, 1455.219971, 1397.430054, 1399.420044,
	           1399.420044, 1009000000);
}

static void
test_csv_refusals(void **state)
{
	series_fn fn = provider_parse_csv;

	(void)state;
	EXPECT_FILE(fn, "csv_unsorted.csv", 200, PROVIDER_BAD_RESPONSE,
	            "line 4: date not after the previous one");
	EXPECT_FILE(fn, "csv_duplicate.csv", 200, PROVIDER_BAD_RESPONSE,
	            "line 4: date not after the previous one");
	EXPECT_FILE(fn, "csv_header_only.csv", 200, PROVIDER_NO_DATA, "no candles");
	EXPECT_FILE(fn, "html_error.html", 200, PROVIDER_BAD_RESPONSE, "not CSV (an HTML page?)");
	EXPECT_FILE(fn, "html_error.html", 502, PROVIDER_UNAVAILABLE, "HTTP 502");
	EXPECT_FILE(fn, "csv_ok.csv", 404, PROVIDER_BAD_RESPONSE, "HTTP 404");
	EXPECT_FILE(fn, "csv_ok.csv", 403, PROVIDER_FORBIDDEN, "access refused (HTTP 403)");
	EXPECT_FILE(fn, "empty.txt", 200, PROVIDER_BAD_RESPONSE, "empty body");
	EXPECT_FILE(fn, "alphavantage_note.json", 200, PROVIDER_BAD_RESPONSE, "not CSV (JSON?)");
	EXPECT_FILE(fn, "garbage.bin", 200, PROVIDER_BAD_RESPONSE,
	            "line 1: no \"date\" column in the header");
}

#define H "date,open,high,low,close,adjclose,volume\n"
#define R1 "2020-01-02,10,11,9,10.5,10.5,100\n"
#define R2 "2020-01-03,10.5,12,10,11,11,200\n"

static void
test_csv_malformed_rows(void **state)
{
	series_fn fn = provider_parse_csv;

	(void)state;
	EXPECT(fn, H R1 R2, 200, PROVIDER_OK, "2 candles");
	EXPECT(fn, H R1 "2020-01-03,10.5,12,10,11,11,200", 200, PROVIDER_OK, "2 candles");
	EXPECT(fn, H R1 R2 "\n\r\n\n", 200, PROVIDER_OK, "2 candles");
	EXPECT(fn, "\xef\xbb\xbf" H R1, 200, PROVIDER_OK, "1 candles");
	EXPECT(fn, "DATE,Open,HIGH,low,Close,AdjClose,VOLUME\r\n" R1, 200, PROVIDER_OK, "1 candles");
	EXPECT(fn, "date,open,high,low,close,adj_close,volume\n" R1, 200, PROVIDER_OK, "1 candles");
	EXPECT(fn, H "\"2020-01-02\",\"10\",\"11\",\"9\",\"10.5\",\"10.5\",\"100\"\r\n", 200,
	       PROVIDER_OK, "1 candles");
	/* a quoted line break in a skipped column moves the line count on */
	EXPECT(fn, "date,open,high,low,close,volume,note\n"
	           "2020-01-02,10,11,9,10.5,100,\"two\nlines, \"\"quoted\"\"\"\n"
	           "2020-01-02,10,11,9,10.5,100,x\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 4: date not after the previous one");
	EXPECT(fn, H R1 "2020-02-30,10.5,12,10,11,11,200\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 3: invalid date (want YYYY-MM-DD)");
	EXPECT(fn, H "2020-1-02,10,11,9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: invalid date (want YYYY-MM-DD)");
	EXPECT(fn, H "02/01/2020,10,11,9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: invalid date (want YYYY-MM-DD)");
	EXPECT(fn, H "2020-01-02,NaN,11,9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: open is not a number");
	EXPECT(fn, H "2020-01-02,10,null,9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: high is not a number");
	EXPECT(fn, H "2020-01-02,10,11, 9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: low is not a number");
	EXPECT(fn, H "2020-01-02,10,11,9,,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: close is not a number");
	EXPECT(fn, H "2020-01-02,10,11,9,10.5,inf,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: adjclose is not a number");
	EXPECT(fn, H "2020-01-02,10,11,9,10.5,10.5,-1\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: volume is not a count");
	EXPECT(fn, H "2020-01-02,-10,11,9,10.5,10.5,1\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: a price is not a finite positive number");
	EXPECT(fn, H "2020-01-02,0,11,0,10.5,10.5,1\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: a price is not a finite positive number");
	EXPECT(fn, H R1 "2020-01-03,10,11,9,10.5,0,1\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 3: a price is not a finite positive number");
	EXPECT(fn, H "2020-01-02,10,10.4,9,10.5,10.5,1\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: high is below open or close");
	EXPECT(fn, H "2020-01-02,10,11,10.2,10.5,10.5,1\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: low is above open or close");
	EXPECT(fn, H R1 "2020-01-03,10.5,12,10,11,11\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 3: 6 fields, the header has 7");
	EXPECT(fn, H R1 "2020-01-03,10.5,12,10,11,11,200,9\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 3: 8 fields, the header has 7");
	EXPECT(fn, H R1 "\n" R2, 200, PROVIDER_BAD_RESPONSE, "line 3: empty line");
	EXPECT(fn, H R1 "\r\n" R2, 200, PROVIDER_BAD_RESPONSE, "line 3: empty line");
	EXPECT(fn, H "2020-01-02,10,11,9,10.5,10.5,100\r" R2, 200, PROVIDER_BAD_RESPONSE,
	       "line 2: a carriage return without a line feed");
	EXPECT(fn, H "2020-01-02,\"10,11,9,10.5,10.5,100\n" R2, 200, PROVIDER_BAD_RESPONSE,
	       "line 2: unterminated quoted field");
	EXPECT(fn, H "2020-01-02,\"10\"x,11,9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: text after a closing quote");
	EXPECT(fn, H "2020-01-02,1\"0,11,9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: a quote inside an unquoted field");
	EXPECT(fn, H "2020-01-02,\"1\"\"0\",11,9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: open is not a number");
	EXPECT(fn, H R2 R1, 200, PROVIDER_BAD_RESPONSE, "line 3: date not after the previous one");
	EXPECT(fn, H R1 R1, 200, PROVIDER_BAD_RESPONSE, "line 3: date not after the previous one");
	EXPECT(fn, "date,open,high,low,close\n" R1, 200, PROVIDER_BAD_RESPONSE,
	       "line 1: no \"volume\" column in the header");
	EXPECT(fn, "date,open,high,low,close,volume,Close\n" R1, 200, PROVIDER_BAD_RESPONSE,
	       "line 1: duplicate \"close\" column");
	EXPECT(fn, "date, open,high,low,close,volume\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 1: no \"open\" column in the header");
	EXPECT(fn, "\"date,open,high,low,close,volume\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 1: unterminated quoted field");
	EXPECT(fn, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A,B,C,D,E,F,G\n", 200,
	       PROVIDER_BAD_RESPONSE, "line 1: too many fields");
	EXPECT(fn, "  <!DOCTYPE html>", 200, PROVIDER_BAD_RESPONSE, "not CSV (an HTML page?)");
	EXPECT(fn, "\n\n", 200, PROVIDER_BAD_RESPONSE, "empty body");
}

static void
test_csv_nul_byte_is_refused(void **state)
{
	static const char text[] = H "2020-01-02,10,11,9,10.5,10.5,10\0000\n";
	struct candles s;
	const char *msg;
	char *body = pool_alloc(pool, sizeof(text) - 1);

	(void)state;
	memcpy(body, text, sizeof(text) - 1);
	assert_int_equal(provider_parse_csv(pool, 200, body, sizeof(text) - 1, &s, &msg),
	                 PROVIDER_BAD_RESPONSE);
	assert_string_equal(msg, "line 2: volume is not a count");
}

static void
test_csv_sp500(void **state)
{
	struct candles s;
	const char *msg, *body;
	size_t len;
	clock_t t0;
	double secs;

	(void)state;
	body = slurp("tests/fixtures/sp500-2000.csv", &len);
	t0 = clock();
	assert_int_equal(provider_parse_csv(pool, 0, body, len, &s, &msg), PROVIDER_OK);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_int_equal(s.n, 5105);
	assert_string_equal(msg, "5105 candles");
	assert_valid(&s);
	assert_bar(&s.v[0], "2000-01-03", 1469.25, 1478, 1438.359985, 1455.219971, 1455.219971,
	           931800000);
	assert_string_equal(s.v[5104].date, "2020-04-17");
	assert_true(s.v[5104].close == 2874.560059);
	assert_int_equal(s.v[5104].volume, 5792140000);
	if (secs > 0.5)
		fail_msg("5,105 rows took %.3f s", secs);
}

/* 200,000 rows in linear time (and memory): a quadratic parser would take
 * minutes here. */
static void
test_csv_large_input_is_linear(void **state)
{
	enum { ROWS = 200000 };
	struct candles s;
	const char *msg;
	char *body, *at, date[11];
	size_t cap = 64 + (size_t)ROWS * 48;
	clock_t t0;
	double secs;

	(void)state;
	body = malloc(cap);
	at = body + sprintf(body, "date,open,high,low,close,volume\n");
	for (int i = 0; i < ROWS; i++) {
		assert_int_equal(candle_date_from_unix((int64_t)i * 86400 - 2000000000LL, date), 0);
		at += sprintf(at, "%s,%d.25,%d.5,%d,%d.5,%d\n", date, 100 + i % 7, 108, 99, 100 + i % 5, i);
	}
	t0 = clock();
	assert_int_equal(provider_parse_csv(pool, 200, body, (size_t)(at - body), &s, &msg), PROVIDER_OK);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	free(body);
	assert_int_equal(s.n, ROWS);
	assert_valid(&s);
	if (secs > 3)
		fail_msg("200,000 rows took %.3f s", secs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candle_dates),
		cmocka_unit_test(test_candle_date_from_unix),
		cmocka_unit_test(test_candles_validate),
		cmocka_unit_test(test_candles_sort_and_reverse),
		cmocka_unit_test(test_strict_numbers),
		cmocka_unit_test(test_messages_are_log_safe),
		cmocka_unit_test(test_json_reader_is_strict),
		cmocka_unit_test(test_alphavantage_daily_ok),
		cmocka_unit_test(test_alphavantage_daily_adjusted),
		cmocka_unit_test(test_alphavantage_daily_refusals),
		cmocka_unit_test(test_alphavantage_daily_bad_values),
		cmocka_unit_test(test_alphavantage_overview),
		cmocka_unit_test(test_alphavantage_overview_refusals),
		cmocka_unit_test(test_finnhub_candles_ok),
		cmocka_unit_test(test_finnhub_candles_refusals),
		cmocka_unit_test(test_finnhub_quote),
		cmocka_unit_test(test_polygon_ok),
		cmocka_unit_test(test_polygon_refusals),
		cmocka_unit_test(test_providers_agree),
		cmocka_unit_test(test_csv_ok),
		cmocka_unit_test(test_csv_refusals),
		cmocka_unit_test(test_csv_malformed_rows),
		cmocka_unit_test(test_csv_nul_byte_is_refused),
		cmocka_unit_test(test_csv_sp500),
		cmocka_unit_test(test_csv_large_input_is_linear),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
