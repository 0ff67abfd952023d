/* test_market_import_db.c: market_import_series (market_store.h): several
 * symbols in one COPY and one merge, per-symbol counts, idempotence, the
 * staging table left empty, all or nothing; and a failed statement's log
 * line keeps only the head of its SQL. Uses the test stack's database; run
 * from the repo root. */
#define _XOPEN_SOURCE 700      /* realpath, mkdtemp */
#include "unit.h"

#include "market_db.h"

#define LOG_TEST_BIN "test_market_import_db"
#include "log_capture.h"

/* The progress callback's record: calls and the last (sent, total). */
struct heard { int calls; size_t sent, total; };

static void
hear(void *arg, size_t sent, size_t total)
{
	struct heard *h = arg;

	h->calls++;
	h->sent = sent;
	h->total = total;
}

/* n bars, one a day from 1800-01-01 on, close rising by step. */
static struct candles
series(int n, double step)
{
	struct candles c = { pool_alloc(pool, sizeof(struct candle) * (size_t)n), (size_t)n };

	for (int i = 0; i < n; i++) {
		struct candle *k = &c.v[i];

		candle_date_from_unix(-5364662400 + (int64_t)i * 86400, k->date);
		k->open = k->low = 10 + step * i;
		k->close = k->adjclose = 10.5 + step * i;
		k->high = 11 + step * i;
		k->volume = 1000 + i;
	}
	return c;
}

static void
test_several_symbols_in_one_import(void **state)
{
	struct candles a = series(300, 0.125), b = series(70000, 0.000001);
	struct market_series s[2] = { { sym(0, 0), &a, -1 }, { sym(1, 1), &b, -1 } };
	struct heard h = { 0, 0, 0 };
	const char *why = NULL;
	struct candles back;

	(void)state;
	assert_int_equal(market_import_series(pool, s, 2, "csv", hear, &h, &why), 0);
	assert_int_equal(s[0].changed, 300);
	assert_int_equal(s[1].changed, 70000);
	assert_int_equal(rows(sym(0, 0)), 300);
	assert_int_equal(rows(sym(1, 1)), 70000);
	/* 70,300 rows: one chunk of 64 Ki, then the rest */
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.sent, 70300);
	assert_int_equal(h.total, 70300);
	assert_int_equal(sql_int("SELECT count(*) FROM candles_import WHERE $1::text IS NULL", NULL), 0);
	/* the import's own settings end with its transaction */
	assert_int_equal(sql_int("SELECT count(*) FROM pg_settings WHERE name = 'enable_seqscan' "
	                         "AND setting = 'on' AND $1::text IS NULL", NULL), 1);
	assert_int_equal(market_load_candles(pool, sym(0, 0), NULL, NULL, &back), 0);
	assert_int_equal(back.n, 300);
	assert_true(back.v[299].close == a.v[299].close && back.v[7].volume == a.v[7].volume);
	assert_string_equal(back.v[299].date, a.v[299].date);

	/* the same again changes nothing; one changed bar is one changed row */
	assert_int_equal(market_import_series(pool, s, 2, "csv", NULL, NULL, &why), 0);
	assert_int_equal(s[0].changed, 0);
	assert_int_equal(s[1].changed, 0);
	a.v[10].volume++;
	assert_int_equal(market_import_series(pool, s, 2, "csv", NULL, NULL, &why), 0);
	assert_int_equal(s[0].changed, 1);
	assert_int_equal(s[1].changed, 0);
}

static void
test_an_import_is_all_or_nothing(void **state)
{
	struct candles a = series(50, 0.5), b = series(50, 0.5);
	struct market_series s[2] = { { sym(2, 0), &a, 0 }, { sym(3, 0), &b, 0 } };
	const char *why = NULL;
	char last[11];

	(void)state;
	memcpy(last, b.v[49].date, 11);
	/* a bar after tomorrow in the second series: the first is not stored either */
	memcpy(b.v[49].date, "2073-01-02", 11);
	assert_int_equal(market_import_series(pool, s, 2, "csv", NULL, NULL, &why), -1);
	assert_string_equal(why, pool_printf(pool, "%s: 2073-01-02: date in the future "
	                                     "(after tomorrow, UTC)", sym(3, 0)));
	assert_int_equal(symbol_rows(sym(2, 0)), 0);
	assert_int_equal(rows(sym(2, 0)), 0);
	/* a transaction of its own only */
	memcpy(b.v[49].date, last, 11);
	assert_int_equal(db_begin(pool), 0);
	assert_int_equal(market_import_series(pool, s, 2, "csv", NULL, NULL, &why), -1);
	db_rollback(pool);
	assert_int_equal(rows(sym(2, 0)), 0);
	assert_int_equal(market_import_series(pool, s, 2, "csv", NULL, NULL, &why), 0);
	assert_int_equal(rows(sym(3, 0)), 50);
}

static void
test_a_failed_statement_logs_the_head_of_its_sql(void **state)
{
	const char *text, *sql;
	json_object *line, *v;
	struct buf b;

	(void)state;
	buf_init(&b, pool);
	buf_puts(&b, "SELECT no_such_column FROM candles WHERE ");
	for (int i = 0; i < 400; i++)
		buf_printf(&b, "%sdate = '2001-01-01'", i ? " OR " : "");
	setenv("LOG_LEVEL", "error", 1);
	log_init(LOG_TEST_BIN);
	capture_begin();
	assert_null(db_query(pool, buf_cstr(&b), DB_NOARGS));
	text = capture_end();
	line = one_line(text);
	assert_true(json_object_object_get_ex(line, "sql", &v));
	sql = json_object_get_string(v);
	assert_int_equal(strlen(sql), 163);
	assert_memory_equal(sql, buf_cstr(&b), 160);
	assert_string_equal(sql + 160, "...");
	json_object_put(line);
}

int
main(void)
{
#undef T
#define T(f) cmocka_unit_test_setup(f, test_setup)
	const struct CMUnitTest tests[] = {
		T(test_several_symbols_in_one_import),
		T(test_an_import_is_all_or_nothing),
		T(test_a_failed_statement_logs_the_head_of_its_sql),
	};
#undef T
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_market_import_db: needs EDGESCOUT_ENV_FILE of a migrated "
		        "stack %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_market_import_db");
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
