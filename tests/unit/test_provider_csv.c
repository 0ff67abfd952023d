/* test_provider_csv.c: the CSV parser (provider.h): documented shapes,
 * malformed rows, the real S&P 500 series and linear time on large input.
 * Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers.h"

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
	            "line 4: date 2000-01-04 is before the previous row's 2000-01-05 (rows "
	            "must be in ascending date order)");
	EXPECT_FILE(fn, "csv_duplicate.csv", 200, PROVIDER_BAD_RESPONSE,
	            "line 4: duplicate date 2000-01-04 (also on line 3)");
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
	       "line 4: duplicate date 2020-01-02 (also on line 2)");
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
	EXPECT(fn, H R2 R1, 200, PROVIDER_BAD_RESPONSE, "line 3: date 2020-01-02 is before "
	       "the previous row's 2020-01-03 (rows must be in ascending date order)");
	EXPECT(fn, H R1 R1, 200, PROVIDER_BAD_RESPONSE,
	       "line 3: duplicate date 2020-01-02 (also on line 2)");
	/* a twin further back than the previous row is named too */
	EXPECT(fn, H R1 R2 R1, 200, PROVIDER_BAD_RESPONSE,
	       "line 4: duplicate date 2020-01-02 (also on line 2)");
	/* whole share counts only: nothing is rounded */
	EXPECT(fn, H "2020-01-02,10,11,9,10.5,10.5,100.5\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: volume is not a whole number of shares");
	EXPECT(fn, H "2020-01-02,10,11,9,10.5,10.5,1e2\n", 200, PROVIDER_OK, "1 candles");
	EXPECT(fn, H "2073-01-02,10,11,9,10.5,10.5,100\n", 200, PROVIDER_BAD_RESPONSE,
	       "line 2: date 2073-01-02 is in the future (after tomorrow, UTC)");
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
	enum { ROWS = 80000 };      /* a day each from 1800 on: 2019, none in the future */
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
		assert_int_equal(candle_date_from_unix((int64_t)i * 86400 - 5364662400LL, date), 0);
		at += sprintf(at, "%s,%d.25,%d.5,%d,%d.5,%d\n", date, 100 + i % 7, 108, 99, 100 + i % 5, i);
	}
	t0 = clock();
	assert_int_equal(provider_parse_csv(pool, 200, body, (size_t)(at - body), &s, &msg), PROVIDER_OK);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	free(body);
	assert_int_equal(s.n, ROWS);
	assert_valid(&s);
	if (secs > 1.5)
		fail_msg("80,000 rows took %.3f s", secs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_ok),
		cmocka_unit_test(test_csv_refusals),
		cmocka_unit_test(test_csv_malformed_rows),
		cmocka_unit_test(test_csv_nul_byte_is_refused),
		cmocka_unit_test(test_csv_sp500),
		cmocka_unit_test(test_csv_large_input_is_linear),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
