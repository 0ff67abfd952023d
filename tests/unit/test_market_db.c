/* test_market_db.c: market_store (idempotent upserts, exact round trips,
 * all-or-nothing writes, ranges, fundamentals) and market_refresh (the
 * provider chain over file:// and a local provider stand-in,
 * tests/standin/provider_standin.py: URLs, fallback, nothing stored on
 * failure). Uses the test stack's database; run from the repo root. */
#define _XOPEN_SOURCE 700      /* realpath, mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "http.h"
#include "market_fetch.h"
#include "market_store.h"
#include "standin.h"

#define KEY "SECRETKEY42"

static struct pool *pool;
static pid_t standin = -1;
static int port;
static char dir[64] = "/tmp/test_market_db.XXXXXX";
static char prefix[16];           /* of this run's symbols: "M" and the pid */
static char fixtures[PATH_MAX];

/* This run's symbol number k ("M12345K"; ^ first for an index). */
static const char *
sym(int k, int index)
{
	return pool_printf(pool, "%s%s%c", index ? "^" : "", prefix, 'A' + k);
}

/* The contents of tests/fixtures/providers/name. */
static const char *
fixture(const char *name, size_t *len)
{
	FILE *f = fopen(pool_printf(pool, "%s/%s", fixtures, name), "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	assert_non_null(f);
	buf_init(&b, pool);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_cstr(&b);
}

static struct candles
csv_series(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct candles c = { NULL, 0 };
	const char *msg;
	struct buf b;
	char chunk[8192];
	size_t n;

	assert_non_null(f);
	buf_init(&b, pool);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	assert_int_equal(provider_parse_csv(pool, 0, b.data, b.len, &c, &msg), PROVIDER_OK);
	return c;
}

static int64_t
sql_int(const char *q, const char *a)
{
	PGresult *res = db_query(pool, q, DB_ARGS(a));

	assert_non_null(res);
	return db_int(res, 0, 0);
}

static const char *
sql_text(const char *q, const char *a)
{
	PGresult *res = db_query(pool, q, DB_ARGS(a));

	assert_non_null(res);
	assert_int_equal(PQntuples(res), 1);
	return db_text(res, 0, 0);
}

static int64_t
rows(const char *symbol)
{
	return sql_int("SELECT count(*) FROM candles c JOIN symbols s ON s.id = c.symbol_id "
	               "WHERE s.symbol = $1", symbol);
}

static int64_t
symbol_rows(const char *symbol)
{
	return sql_int("SELECT count(*) FROM symbols WHERE symbol = $1", symbol);
}

static size_t
collect(char *ptr, size_t size, size_t n, void *ctx)
{
	buf_append(ctx, ptr, size * n);
	return size * n;
}

/* GET path from the stand-in with a handle of our own. */
static const char *
standin_get(const char *path)
{
	CURL *c = curl_easy_init();
	struct buf b;

	buf_init(&b, pool);
	buf_puts(&b, "");
	curl_easy_setopt(c, CURLOPT_URL, pool_printf(pool, "http://127.0.0.1:%d%s", port, path));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	return buf_cstr(&b);
}

static int
hits(const char *tag)
{
	return atoi(standin_get(pool_printf(pool, "/_hits/%s", tag)));
}

/* A base URL on the stand-in: /TAG/SCRIPT with a tag unique to this run. */
static const char *
tag_of(const char *name)
{
	return pool_printf(pool, "%s-%s", prefix, name);
}

static void
base(const char *key, const char *name, const char *script)
{
	setenv(key, pool_printf(pool, "http://127.0.0.1:%d/%s/%s", port, tag_of(name), script), 1);
}

static void
cleanup_rows(void)
{
	db_query(pool, "DELETE FROM symbols WHERE ltrim(symbol, '^') LIKE $1 || '_'",
	         DB_ARGS(prefix));
}

static int
group_setup(void **state)
{
	const char *port_file;

	(void)state;
	pool = pool_new();
	snprintf(prefix, sizeof(prefix), "M%d", (int)(getpid() % 100000));
	if (realpath("tests/fixtures/providers", fixtures) == NULL || mkdtemp(dir) == NULL)
		return -1;
	port_file = pool_printf(pool, "%s/port", dir);
	port = standin_start("tests/standin/provider_standin.py",
	                     (const char *const[]){ "--fixtures", fixtures, NULL }, port_file,
	                     &standin);
	if (port == 0)
		return -1;
	cleanup_rows();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	standin_stop(&standin);
	cleanup_rows();
	unlink(pool_printf(pool, "%s/%s.csv", dir, sym(6, 1)));   /* left by a failed test */
	unlink(pool_printf(pool, "%s/port", dir));
	rmdir(dir);
	pool_free(pool);
	db_close();
	http_cleanup();
	return 0;
}

static int
test_setup(void **state)
{
	(void)state;
	setenv("HTTP_RETRIES", "1", 1);
	setenv("HTTP_RETRY_BASE_MS", "10", 1);
	setenv("MARKET_CACHE_TTL", "3600", 1);
	unsetenv("MARKET_PROVIDERS");
	unsetenv("MARKET_CSV_URL_TEMPLATE");
	unsetenv("ALPHAVANTAGE_API_KEY");
	unsetenv("FINNHUB_API_KEY");
	unsetenv("POLYGON_API_KEY");
	unsetenv("ALPHAVANTAGE_BASE_URL");
	unsetenv("FINNHUB_BASE_URL");
	unsetenv("POLYGON_BASE_URL");
	return 0;
}

/* ---- market_store ------------------------------------------------------ */

static void
test_symbol_ids(void **state)
{
	int64_t id = -1, again = -1;

	(void)state;
	assert_int_equal(market_symbol_id(pool, sym(0, 0), 0, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(symbol_rows(sym(0, 0)), 0);
	assert_int_equal(market_symbol_id(pool, sym(0, 0), 1, &id), 0);
	assert_true(id > 0);
	assert_int_equal(market_symbol_id(pool, sym(0, 0), 1, &again), 0);
	assert_int_equal(again, id);
	assert_int_equal(market_symbol_id(pool, sym(0, 0), 0, &again), 0);
	assert_int_equal(again, id);
	assert_int_equal(symbol_rows(sym(0, 0)), 1);
	/* what valid_symbol refuses never reaches the table */
	assert_int_equal(market_symbol_id(pool, "aapl", 1, &id), -1);
	assert_int_equal(market_symbol_id(pool, "AAPL'; DROP TABLE symbols;--", 1, &id), -1);
	assert_int_equal(market_symbol_id(pool, "TOOLONGSYMB", 1, &id), -1);
	assert_int_equal(market_symbol_id(pool, NULL, 1, &id), -1);
	assert_int_equal(symbol_rows("aapl"), 0);
}

static void
test_store_is_idempotent(void **state)
{
	struct candles c = csv_series(pool_printf(pool, "%s/csv_ok.csv", fixtures)), back;
	const char *s = sym(1, 0);
	int changed = -1;

	(void)state;
	assert_int_equal(c.n, 10);
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), 0);
	assert_int_equal(changed, 10);
	assert_int_equal(rows(s), 10);
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), 0);
	assert_int_equal(changed, 0);
	/* the same values from another source change nothing either */
	assert_int_equal(market_store_candles(pool, s, "polygon", &c, &changed), 0);
	assert_int_equal(changed, 0);
	assert_string_equal(sql_text("SELECT string_agg(DISTINCT source, ',') FROM candles c "
	                             "JOIN symbols s ON s.id = c.symbol_id WHERE s.symbol = $1",
	                             s), "csv");
	/* one bar corrected: one row changes, and takes the new source */
	c.v[3].close = 2750.5;
	c.v[3].adjclose = 2750.5;
	assert_int_equal(market_store_candles(pool, s, "finnhub", &c, &changed), 0);
	assert_int_equal(changed, 1);
	assert_string_equal(sql_text("SELECT c.source || ' ' || c.close FROM candles c "
	                             "JOIN symbols s ON s.id = c.symbol_id "
	                             "WHERE s.symbol = $1 AND c.date = '2020-04-08'", s),
	                    "finnhub 2750.5");
	/* a volume change alone counts too */
	c.v[9].volume += 1;
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(market_load_candles(pool, s, NULL, NULL, &back), 0);
	assert_int_equal(back.n, 10);
	assert_int_equal(back.v[9].volume, 5792140001LL);
	assert_true(back.v[3].close == 2750.5);
	/* an empty series is a no-op */
	back.n = 0;
	assert_int_equal(market_store_candles(pool, s, "csv", &back, &changed), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(rows(s), 10);
}

static void
test_prices_round_trip_exactly(void **state)
{
	struct candles c = csv_series("tests/fixtures/sp500-2000.csv"), back;
	const char *s = sym(2, 1);
	int changed = -1;

	(void)state;
	assert_int_equal(c.n, 5105);
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), 0);
	assert_int_equal(changed, 5105);
	assert_int_equal(market_load_candles(pool, s, NULL, NULL, &back), 0);
	assert_int_equal(back.n, c.n);
	for (size_t i = 0; i < c.n; i++) {
		assert_string_equal(back.v[i].date, c.v[i].date);
		assert_memory_equal(&back.v[i].open, &c.v[i].open, 5 * sizeof(double));
		assert_int_equal(back.v[i].volume, c.v[i].volume);
	}
	/* the database keeps the decimals of the file */
	assert_string_equal(sql_text("SELECT c.open || ' ' || c.high || ' ' || c.low || ' ' || "
	                             "c.close || ' ' || c.volume FROM candles c "
	                             "JOIN symbols s ON s.id = c.symbol_id "
	                             "WHERE s.symbol = $1 ORDER BY c.date LIMIT 1", s),
	                    "1469.25 1478 1438.359985 1455.219971 931800000");
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), 0);
	assert_int_equal(changed, 0);
}

static void
test_failed_store_leaves_nothing(void **state)
{
	struct candles c = csv_series(pool_printf(pool, "%s/csv_ok.csv", fixtures));
	struct candle tmp;
	const char *s = sym(3, 0);
	int changed = -1;

	(void)state;
	/* the database refuses the statement (a source its CHECK forbids)
	 * after the symbol row was made: both are rolled back */
	assert_int_equal(market_store_candles(pool, s, "Bad Source", &c, &changed), -1);
	assert_int_equal(changed, 0);
	assert_false(db_in_transaction());
	assert_int_equal(symbol_rows(s), 0);
	assert_int_equal(rows(s), 0);
	/* a series out of order never reaches the database */
	tmp = c.v[4];
	c.v[4] = c.v[5];
	c.v[5] = tmp;
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), -1);
	c.v[5] = c.v[4];
	c.v[4] = tmp;
	c.v[2].low = c.v[2].close + 1;   /* low above close */
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), -1);
	c.v[2].low = -1;
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), -1);
	assert_int_equal(symbol_rows(s), 0);
	/* inside a caller's transaction: the caller decides */
	c = csv_series(pool_printf(pool, "%s/csv_ok.csv", fixtures));
	assert_int_equal(db_begin(pool), 0);
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), 0);
	assert_int_equal(changed, 10);
	assert_true(db_in_transaction());
	db_rollback(pool);
	assert_int_equal(rows(s), 0);
	assert_int_equal(symbol_rows(s), 0);
}

static void
test_load_ranges(void **state)
{
	struct candles c = csv_series(pool_printf(pool, "%s/csv_ok.csv", fixtures)), out;
	const char *s = sym(4, 0), *updated = NULL;
	char latest[11];
	int changed;

	(void)state;
	assert_int_equal(market_latest(pool, s, latest, &updated), 0);
	assert_string_equal(latest, "");
	assert_string_equal(updated, "");
	assert_int_equal(market_store_candles(pool, s, "csv", &c, &changed), 0);
	assert_int_equal(market_load_candles(pool, s, "2020-04-07", "2020-04-13", &out), 0);
	assert_int_equal(out.n, 4);
	assert_string_equal(out.v[0].date, "2020-04-07");
	assert_string_equal(out.v[3].date, "2020-04-13");
	assert_int_equal(market_load_candles(pool, s, "2020-04-10", NULL, &out), 0);
	assert_int_equal(out.n, 5);
	assert_string_equal(out.v[0].date, "2020-04-13");
	assert_int_equal(market_load_candles(pool, s, NULL, "2020-04-06", &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(market_load_candles(pool, s, "2020-04-17", "2020-04-17", &out), 0);
	assert_int_equal(out.n, 1);
	assert_true(out.v[0].close == 2874.560059);
	assert_int_equal(market_load_candles(pool, s, "2020-04-14", "2020-04-08", &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(market_load_candles(pool, sym(25, 0), NULL, NULL, &out), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(market_load_candles(pool, s, "2020-02-30", NULL, &out), -1);
	assert_int_equal(market_load_candles(pool, s, NULL, "2020-4-1", &out), -1);
	assert_int_equal(market_load_candles(pool, s, "'; SELECT 1;--", NULL, &out), -1);
	assert_int_equal(market_latest(pool, s, latest, &updated), 0);
	assert_string_equal(latest, "2020-04-17");
	assert_int_equal(strlen(updated), 27);
	assert_int_equal(updated[26], 'Z');
}

static void
test_fundamentals_snapshots(void **state)
{
	struct fundamentals f = { 0 }, back;
	const char *s = sym(5, 0);
	int found = -1;

	(void)state;
	assert_int_equal(market_load_fundamentals(pool, s, &back, &found), 0);
	assert_int_equal(found, 0);
	f.name = "Example Corp";
	f.currency = "USD";
	snprintf(f.latest_quarter, sizeof(f.latest_quarter), "2024-03-31");
	f.pe = (struct fund_value){ 1, 21.5 };
	f.dividend_yield = (struct fund_value){ 1, 0.0055 };
	f.market_cap = (struct fund_value){ 1, 2.5e12 };
	f.earnings_growth = (struct fund_value){ 1, -0.12 };
	assert_int_equal(market_store_fundamentals(pool, s, "alphavantage", &f), 0);
	assert_int_equal(market_load_fundamentals(pool, s, &back, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(back.symbol, s);
	assert_string_equal(back.name, "Example Corp");
	assert_string_equal(back.currency, "USD");
	assert_string_equal(back.latest_quarter, "2024-03-31");
	assert_true(back.pe.present && back.pe.value == 21.5);
	assert_true(back.dividend_yield.present && back.dividend_yield.value == 0.0055);
	assert_true(back.market_cap.present && back.market_cap.value == 2.5e12);
	assert_true(back.earnings_growth.present && back.earnings_growth.value == -0.12);
	/* missing stays missing: never an invented 0 */
	assert_false(back.peg.present);
	assert_false(back.eps.present);
	assert_false(back.beta.present);
	assert_false(back.revenue_growth.present);
	assert_string_equal(sql_text("SELECT name FROM symbols WHERE symbol = $1", s),
	                    "Example Corp");
	/* a second fetch the same day replaces the day's snapshot */
	f.pe.value = 22;
	f.name = NULL;
	f.latest_quarter[0] = '\0';
	assert_int_equal(market_store_fundamentals(pool, s, "alphavantage", &f), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM fundamentals f JOIN symbols s "
	                         "ON s.id = f.symbol_id WHERE s.symbol = $1", s), 1);
	assert_int_equal(market_load_fundamentals(pool, s, &back, &found), 0);
	assert_true(back.pe.value == 22);
	assert_null(back.name);
	assert_string_equal(back.latest_quarter, "");
	assert_string_equal(sql_text("SELECT name FROM symbols WHERE symbol = $1", s),
	                    "Example Corp");
}

/* ---- market_refresh ---------------------------------------------------- */

static int64_t
calls(const char *provider)
{
	return sql_int("SELECT count(*) FROM provider_calls WHERE provider = $1", provider);
}

static const char *
source_of(const char *s)
{
	return sql_text("SELECT string_agg(DISTINCT source, ',') FROM candles c "
	                "JOIN symbols s ON s.id = c.symbol_id WHERE s.symbol = $1", s);
}

static void
test_refresh_from_a_file_url(void **state)
{
	const char *s = sym(6, 1), *path = pool_printf(pool, "%s/%s.csv", dir, s);
	const char *used = NULL, *msg = NULL, *csv;
	struct market_refresh m = { 0 };
	int64_t before;
	size_t len;
	FILE *f;

	(void)state;
	csv = fixture("csv_ok.csv", &len);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(csv, 1, len, f), len);
	fclose(f);
	/* {symbol} is percent-encoded: ^ travels as %5E, and file:// decodes it */
	setenv("MARKET_CSV_URL_TEMPLATE", pool_printf(pool, "file://%s/{symbol}.csv", dir), 1);
	setenv("MARKET_PROVIDERS", "alphavantage, csv", 1);
	before = calls("csv");
	assert_int_equal(market_refresh(pool, s, 0, &used, &msg), PROVIDER_OK);
	assert_string_equal(used, "csv");
	assert_non_null(strstr(msg, "ALPHAVANTAGE_API_KEY is not set"));
	assert_non_null(strstr(msg, "10 candles, 10 changed"));
	assert_int_equal(rows(s), 10);
	assert_string_equal(source_of(s), "csv");
	assert_int_equal(calls("csv"), before + 1);
	assert_string_equal(sql_text("SELECT endpoint FROM provider_calls WHERE provider = 'csv' "
	                             "ORDER BY id DESC LIMIT $1", "1"),
	                    pool_printf(pool, "file://%s/%%5E%s.csv", dir, s + 1));
	/* within the TTL the cached reply stands in: no call, nothing changes */
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_OK);
	assert_int_equal(m.changed, 0);
	assert_int_equal(m.candles, 10);
	assert_int_equal(calls("csv"), before + 1);
	/* force reads the file again */
	m.force = 1;
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_OK);
	assert_int_equal(calls("csv"), before + 2);
	/* a file that is not there: the chain's failure, nothing stored */
	assert_int_equal(market_refresh(pool, sym(7, 0), 1, &used, &msg), PROVIDER_UNAVAILABLE);
	assert_string_equal(used, "csv");
	assert_non_null(strstr(msg, "csv: "));
	assert_int_equal(symbol_rows(sym(7, 0)), 0);
	unlink(path);
}

static void
test_refresh_falls_back_after_429(void **state)
{
	struct market_refresh m = { .chain = "alphavantage,finnhub,polygon" };
	const char *s = sym(8, 0), *last;

	(void)state;
	setenv("ALPHAVANTAGE_API_KEY", KEY, 1);
	setenv("FINNHUB_API_KEY", KEY, 1);
	setenv("POLYGON_API_KEY", KEY, 1);
	base("ALPHAVANTAGE_BASE_URL", "av429", "status/429");
	base("FINNHUB_BASE_URL", "fh-ok", "file/finnhub_candles_ok.json/");
	base("POLYGON_BASE_URL", "pg-unused", "file/polygon_aggs_ok.json");
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_OK);
	assert_string_equal(m.used, "finnhub");
	assert_int_equal(m.candles, 10);
	assert_int_equal(m.changed, 10);
	assert_int_equal(m.fundamentals, 0);
	assert_int_equal(hits(tag_of("av429")), 2);   /* one retry */
	assert_int_equal(hits(tag_of("fh-ok")), 1);
	assert_int_equal(hits(tag_of("pg-unused")), 0);
	assert_string_equal(source_of(s), "finnhub");
	assert_int_equal(rows(s), 10);
	assert_non_null(strstr(m.message, "alphavantage: "));
	assert_null(strstr(m.message, KEY));
	/* the URLs the providers document */
	last = standin_get(pool_printf(pool, "/_last/%s", tag_of("av429")));
	assert_non_null(strstr(last, pool_printf(pool, "/status/429/query?function=TIME_SERIES_DAILY"
	                                         "&symbol=%s&outputsize=full&apikey=" KEY, s)));
	last = standin_get(pool_printf(pool, "/_last/%s", tag_of("fh-ok")));
	assert_non_null(strstr(last, pool_printf(pool, "/finnhub_candles_ok.json/stock/candle?"
	                                         "symbol=%s&resolution=D&from=", s)));
	assert_non_null(strstr(last, "&token=" KEY));
	/* the symbol has bars now: Finnhub is asked from 14 days before the latest */
	m.force = 1;
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_OK);
	assert_int_equal(m.changed, 0);
	last = standin_get(pool_printf(pool, "/_last/%s", tag_of("fh-ok")));
	assert_non_null(strstr(last, "&from=1585872000&"));   /* 2020-04-17 less 14 days */
}

static void
test_refresh_skips_invalid_data(void **state)
{
	struct market_refresh m = { .chain = "alphavantage,finnhub,polygon", .force = 1 };
	const char *s = sym(9, 0), *last;

	(void)state;
	setenv("ALPHAVANTAGE_API_KEY", KEY, 1);
	setenv("FINNHUB_API_KEY", KEY, 1);
	setenv("POLYGON_API_KEY", KEY, 1);
	base("ALPHAVANTAGE_BASE_URL", "av-neg", "av/alphavantage_daily_negative.json/404");
	base("FINNHUB_BASE_URL", "fh-unequal", "file/finnhub_candles_unequal.json");
	base("POLYGON_BASE_URL", "pg-ok", "file/polygon_aggs_ok.json");
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_OK);
	assert_string_equal(m.used, "polygon");
	assert_int_equal(m.candles, 10);
	assert_string_equal(source_of(s), "polygon");
	assert_int_equal(hits(tag_of("av-neg")), 1);   /* no overview after a bad series */
	assert_int_equal(hits(tag_of("fh-unequal")), 1);
	assert_non_null(strstr(m.message, "alphavantage: "));
	assert_non_null(strstr(m.message, "finnhub: "));
	last = standin_get(pool_printf(pool, "/_last/%s", tag_of("pg-ok")));
	assert_non_null(strstr(last, pool_printf(pool, "/polygon_aggs_ok.json/v2/aggs/ticker/%s/"
	                                         "range/1/day/", s)));
	assert_non_null(strstr(last, "?adjusted=true&"));
	assert_non_null(strstr(last, "&apiKey=" KEY));
}

static void
test_refresh_all_failing_stores_nothing(void **state)
{
	struct market_refresh m = { .force = 1 };
	const char *s = sym(10, 0);

	(void)state;
	setenv("MARKET_PROVIDERS", "alphavantage,finnhub,polygon", 1);
	setenv("ALPHAVANTAGE_API_KEY", KEY, 1);
	setenv("FINNHUB_API_KEY", KEY, 1);
	setenv("POLYGON_API_KEY", KEY, 1);
	base("ALPHAVANTAGE_BASE_URL", "av-note", "av/alphavantage_note.json/404");
	base("FINNHUB_BASE_URL", "fh-403", "file/finnhub_candles_forbidden.json");
	base("POLYGON_BASE_URL", "pg-empty", "file/polygon_aggs_empty.json");
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_NO_DATA);
	assert_string_equal(m.used, "polygon");
	assert_int_equal(m.changed, 0);
	assert_non_null(strstr(m.message, "alphavantage: "));
	assert_non_null(strstr(m.message, "finnhub: "));
	assert_non_null(strstr(m.message, "polygon: "));
	assert_null(strstr(m.message, KEY));
	assert_int_equal(symbol_rows(s), 0);
	/* garbage, HTML and a truncated reply from the last one */
	base("POLYGON_BASE_URL", "pg-html", "file/html_error.html");
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_BAD_RESPONSE);
	base("POLYGON_BASE_URL", "pg-500", "status/500");
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_UNAVAILABLE);
	assert_int_equal(hits(tag_of("pg-500")), 2);
	base("ALPHAVANTAGE_BASE_URL", "av-trunc", "av/alphavantage_daily_truncated.json/404");
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_UNAVAILABLE);
	assert_non_null(strstr(m.message, "alphavantage: "));
	assert_int_equal(symbol_rows(s), 0);
	assert_int_equal(rows(s), 0);
}

static void
test_refresh_without_providers(void **state)
{
	struct market_refresh m = { 0 };
	const char *used = NULL, *msg = NULL;
	int64_t before = calls("alphavantage");

	(void)state;
	assert_int_equal(market_refresh(pool, sym(11, 0), 0, &used, &msg), PROVIDER_UNAVAILABLE);
	assert_string_equal(used, "");
	assert_non_null(strstr(msg, "no provider could be tried"));
	assert_non_null(strstr(msg, "FINNHUB_API_KEY is not set"));
	m.chain = "bogus, csv";
	assert_int_equal(market_refresh_run(pool, sym(11, 0), &m), PROVIDER_UNAVAILABLE);
	assert_non_null(strstr(m.message, "bogus: unknown provider"));
	assert_non_null(strstr(m.message, "MARKET_CSV_URL_TEMPLATE is not set"));
	m.chain = "";
	assert_int_equal(market_refresh_run(pool, sym(11, 0), &m), PROVIDER_UNAVAILABLE);
	/* a symbol that cannot exist is asked of nobody */
	setenv("ALPHAVANTAGE_API_KEY", KEY, 1);
	assert_int_equal(market_refresh(pool, "aapl", 0, &used, &msg), PROVIDER_NO_DATA);
	assert_int_equal(market_refresh(pool, "A/../B", 0, &used, &msg), PROVIDER_NO_DATA);
	assert_int_equal(calls("alphavantage"), before);
	assert_int_equal(symbol_rows(sym(11, 0)), 0);
}

static void
test_refresh_alphavantage_with_overview(void **state)
{
	struct market_refresh m = { .chain = "alphavantage", .force = 1 };
	struct fundamentals f;
	const char *s = sym(12, 0);
	int found = 0;

	(void)state;
	setenv("ALPHAVANTAGE_API_KEY", KEY, 1);
	base("ALPHAVANTAGE_BASE_URL", "av-ok",
	     "av/alphavantage_daily_ok.json/alphavantage_overview_ok.json");
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_OK);
	assert_string_equal(m.used, "alphavantage");
	assert_true(m.candles > 0);
	assert_int_equal(m.fundamentals, 1);
	assert_int_equal(hits(tag_of("av-ok")), 2);
	assert_non_null(strstr(standin_get(pool_printf(pool, "/_last/%s", tag_of("av-ok"))),
	                       pool_printf(pool, "query?function=OVERVIEW&symbol=%s&apikey=" KEY,
	                                   s)));
	assert_string_equal(source_of(s), "alphavantage");
	assert_int_equal(market_load_fundamentals(pool, s, &f, &found), 0);
	assert_int_equal(found, 1);
	assert_string_equal(f.name, "International Business Machines");
	assert_true(f.pe.present);
	/* a failing OVERVIEW does not undo the prices */
	base("ALPHAVANTAGE_BASE_URL", "av-noov", "av/alphavantage_daily_ok.json/503");
	assert_int_equal(market_refresh_run(pool, sym(13, 0), &m), PROVIDER_OK);
	assert_int_equal(m.fundamentals, 0);
	assert_true(rows(sym(13, 0)) > 0);
}

static void
test_cached_quota_notice_is_fetched_again(void **state)
{
	struct market_refresh m = { .chain = "alphavantage" };
	const char *s = sym(14, 0);

	(void)state;
	setenv("ALPHAVANTAGE_API_KEY", KEY, 1);
	/* a 200 carrying a quota notice, then the series */
	base("ALPHAVANTAGE_BASE_URL", "av-seq", "seq/alphavantage_note.json,"
	     "alphavantage_daily_ok.json,alphavantage_overview_empty.json");
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_RATE_LIMITED);
	assert_int_equal(symbol_rows(s), 0);
	/* the notice came back 200 and was cached: it is not trusted again */
	assert_int_equal(market_refresh_run(pool, s, &m), PROVIDER_OK);
	assert_int_equal(hits(tag_of("av-seq")), 3);
	assert_true(rows(s) > 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, test_setup)
	const struct CMUnitTest tests[] = {
		T(test_symbol_ids),
		T(test_store_is_idempotent),
		T(test_prices_round_trip_exactly),
		T(test_failed_store_leaves_nothing),
		T(test_load_ranges),
		T(test_fundamentals_snapshots),
		T(test_refresh_from_a_file_url),
		T(test_refresh_falls_back_after_429),
		T(test_refresh_skips_invalid_data),
		T(test_refresh_all_failing_stores_nothing),
		T(test_refresh_without_providers),
		T(test_refresh_alphavantage_with_overview),
		T(test_cached_quota_notice_is_fetched_again),
	};
#undef T
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_market_db: needs EDGESCOUT_ENV_FILE of a migrated stack %s\n",
		        err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_market_db");
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
