/* test_market_db.c: market_store: symbol ids, idempotent upserts, exact
 * round trips, all-or-nothing writes, ranges, fundamentals (the provider
 * chain: test_market_refresh_db). Uses the test stack's database; run
 * from the repo root. */
#define _XOPEN_SOURCE 700      /* realpath, mkdtemp */
#include "unit.h"

#include "market_db.h"

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
