/* test_market_refresh_db.c: market_refresh, the provider chain over
 * file:// and a local provider stand-in (tests/standin/provider_standin.py):
 * URLs, fallback, invalid data skipped, nothing stored on failure, quota
 * notices. Uses the test stack's database; run from the repo root. */
#define _XOPEN_SOURCE 700      /* realpath, mkdtemp */
#include "unit.h"

#include "market_db.h"

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
		fprintf(stderr, "test_market_refresh_db: needs EDGESCOUT_ENV_FILE of a migrated stack %s\n",
		        err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_market_refresh_db");
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
