/* test_db_prepare_db.c: statements prepared once per connection (db.h)
 * against the test stack's database: prepared on first use, reused after,
 * prepared again on a new connection and after the server forgot them,
 * left unprepared when they do not plan or DB_PREPARE is 0. */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#include "config.h"
#include "db.h"
#include "log.h"

static const char SQL_ADD[] = "SELECT $1::int + 1";

/* The rows of pg_prepared_statements holding sql on this connection, and
 * in *runs how many times they ran (generic and custom plans). */
static int64_t
prepared_rows(const char *sql, int64_t *runs)
{
	PGresult *res = db_query(pool, "SELECT count(*), coalesce(sum(generic_plans + "
	                         "custom_plans), 0) FROM pg_prepared_statements "
	                         "WHERE statement = $1", DB_ARGS(sql));

	assert_non_null(res);
	if (runs != NULL)
		*runs = db_int(res, 0, 1);
	return db_int(res, 0, 0);
}

static void
add_one(const char *v, const char *want)
{
	PGresult *res = db_query(pool, SQL_ADD, DB_ARGS(v));

	assert_non_null(res);
	assert_string_equal(db_text(res, 0, 0), want);
}

static void
test_prepared_once_and_reused(void **state)
{
	int64_t runs = 0;

	(void)state;
	db_close();
	add_one("1", "2");
	add_one("41", "42");
	add_one("-1", "0");
	assert_int_equal(prepared_rows(SQL_ADD, &runs), 1);
	assert_int_equal(runs, 3);
	/* the counting statement is itself prepared, once */
	assert_int_equal(prepared_rows(SQL_ADD, NULL), 1);
	assert_int_equal(prepared_rows("SELECT count(*), coalesce(sum(generic_plans + "
	                               "custom_plans), 0) FROM pg_prepared_statements "
	                               "WHERE statement = $1", NULL), 1);
}

static void
test_prepared_again_after_a_reconnect(void **state)
{
	int64_t runs = 0;
	PGresult *res;
	const char *pid;

	(void)state;
	add_one("1", "2");
	res = db_query(pool, "SELECT pg_backend_pid()", DB_NOARGS);
	assert_non_null(res);
	pid = pool_strdup(pool, db_text(res, 0, 0));
	db_close();
	add_one("6", "7");
	res = db_query(pool, "SELECT pg_backend_pid()", DB_NOARGS);
	assert_string_not_equal(db_text(res, 0, 0), pid);
	assert_int_equal(prepared_rows(SQL_ADD, &runs), 1);
	assert_int_equal(runs, 1);
}

static void
test_prepared_again_when_the_server_forgot(void **state)
{
	int64_t runs = 0;

	(void)state;
	add_one("1", "2");
	/* what a pooler's DISCARD ALL does: the statement name is gone (26000) */
	assert_non_null(db_query(pool, "DEALLOCATE ALL", DB_NOARGS));
	assert_int_equal(prepared_rows(SQL_ADD, NULL), 0);
	add_one("2", "3");
	assert_int_equal(prepared_rows(SQL_ADD, &runs), 1);
	assert_int_equal(runs, 1);
	/* inside a transaction the failure stands (the transaction is lost)
	 * and the next statement after it prepares afresh */
	assert_non_null(db_query(pool, "DEALLOCATE ALL", DB_NOARGS));
	assert_int_equal(db_begin(pool), 0);
	assert_null(db_query(pool, SQL_ADD, DB_ARGS("3")));
	assert_string_equal(db_sqlstate(), "26000");
	db_rollback(pool);
	add_one("4", "5");
	assert_int_equal(prepared_rows(SQL_ADD, &runs), 1);
	assert_int_equal(runs, 1);
}

static void
test_a_failed_prepare_is_the_statements_error(void **state)
{
	(void)state;
	assert_null(db_query(pool, "SELECT no_such_column FROM pg_class", DB_NOARGS));
	assert_string_equal(db_sqlstate(), "42703");
	assert_int_equal(prepared_rows("SELECT no_such_column FROM pg_class", NULL), 0);
	add_one("9", "10");
}

static void
test_unprepared_when_not_planned_or_turned_off(void **state)
{
	(void)state;
	db_close();
	assert_non_null(db_query(pool, "SHOW server_version", DB_NOARGS));
	assert_int_equal(prepared_rows("SHOW server_version", NULL), 0);
	setenv("DB_PREPARE", "0", 1);
	db_close();
	add_one("1", "2");
	assert_int_equal(prepared_rows(SQL_ADD, NULL), 0);
	unsetenv("DB_PREPARE");
	db_close();
	add_one("1", "2");
	assert_int_equal(prepared_rows(SQL_ADD, NULL), 1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, unit_setup, unit_teardown)
	const struct CMUnitTest tests[] = {
		T(test_prepared_once_and_reused),
		T(test_prepared_again_after_a_reconnect),
		T(test_prepared_again_when_the_server_forgot),
		T(test_a_failed_prepare_is_the_statements_error),
		T(test_unprepared_when_not_planned_or_turned_off),
	};
#undef T
	char err[256] = "";
	int rc;

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_db_prepare_db: needs EDGESCOUT_ENV_FILE of a migrated "
		        "stack %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_db_prepare_db");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	db_close();
	return rc;
}
