/* market_db.h: the fixture of the market data tests (test_market_db,
 * test_market_refresh_db): this run's symbols, fixture files, reading rows
 * back, the provider stand-in (tests/standin/provider_standin.py) with its
 * base URLs, and group and test set-up. Include once, after unit.h. */
#ifndef EDGESCOUT_TEST_MARKET_DB_H
#define EDGESCOUT_TEST_MARKET_DB_H

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

static pid_t standin = -1;
static int port;
static char dir[64] = "/tmp/test_market_db.XXXXXX";
static char prefix[16];           /* of this run's symbols: "M" and the pid */
static char fixtures[PATH_MAX];

/* This run's symbol number k ("M12345K"; ^ first for an index). */
static __attribute__((unused)) const char *
sym(int k, int index)
{
	return pool_printf(pool, "%s%s%c", index ? "^" : "", prefix, 'A' + k);
}

/* The contents of tests/fixtures/providers/name. */
static __attribute__((unused)) const char *
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

static __attribute__((unused)) struct candles
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

static __attribute__((unused)) int64_t
sql_int(const char *q, const char *a)
{
	PGresult *res = db_query(pool, q, DB_ARGS(a));

	assert_non_null(res);
	return db_int(res, 0, 0);
}

static __attribute__((unused)) const char *
sql_text(const char *q, const char *a)
{
	PGresult *res = db_query(pool, q, DB_ARGS(a));

	assert_non_null(res);
	assert_int_equal(PQntuples(res), 1);
	return db_text(res, 0, 0);
}

static __attribute__((unused)) int64_t
rows(const char *symbol)
{
	return sql_int("SELECT count(*) FROM candles c JOIN symbols s ON s.id = c.symbol_id "
	               "WHERE s.symbol = $1", symbol);
}

static __attribute__((unused)) int64_t
symbol_rows(const char *symbol)
{
	return sql_int("SELECT count(*) FROM symbols WHERE symbol = $1", symbol);
}

static __attribute__((unused)) size_t
collect(char *ptr, size_t size, size_t n, void *ctx)
{
	buf_append(ctx, ptr, size * n);
	return size * n;
}

/* GET path from the stand-in with a handle of our own. */
static __attribute__((unused)) const char *
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

static __attribute__((unused)) int
hits(const char *tag)
{
	return atoi(standin_get(pool_printf(pool, "/_hits/%s", tag)));
}

/* A base URL on the stand-in: /TAG/SCRIPT with a tag unique to this run. */
static __attribute__((unused)) const char *
tag_of(const char *name)
{
	return pool_printf(pool, "%s-%s", prefix, name);
}

static __attribute__((unused)) void
base(const char *key, const char *name, const char *script)
{
	setenv(key, pool_printf(pool, "http://127.0.0.1:%d/%s/%s", port, tag_of(name), script), 1);
}

static __attribute__((unused)) void
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


#endif
