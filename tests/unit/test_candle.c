/* test_candle.c: the series rules of candle.h: dates, validation, sorting.
 * Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candle.h"

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
	/* tomorrow (UTC) is the last date a series may hold */
	candle_date_latest(v[2].date);
	assert_int_equal(candles_validate(&s, NULL, NULL), 0);
	memcpy(v[2].date, "2073-01-02", 11);
	assert_int_equal(candles_validate(&s, &bad, &why), -1);
	assert_int_equal(bad, 2);
	assert_string_equal(why, "date in the future (after tomorrow, UTC)");
}

static void
test_candle_date_latest(void **state)
{
	char want[11], got[11];

	(void)state;
	assert_int_equal(candle_date_from_unix((int64_t)time(NULL) + 86400, want), 0);
	candle_date_latest(got);
	assert_string_equal(got, want);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candle_dates),
		cmocka_unit_test(test_candle_date_from_unix),
		cmocka_unit_test(test_candles_validate),
		cmocka_unit_test(test_candle_date_latest),
		cmocka_unit_test(test_candles_sort_and_reverse),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
