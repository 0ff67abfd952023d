/* test_db_reply_db.c: the web layer's database helpers (common/web/db_reply.h)
 * against the real PostgreSQL of the test stack: transactions that reply
 * when they fail, and the connection named after the process. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"
#include "procname.h"

#define KEY "test_db_reply.tx"

static struct pool *pool;

static int
setup(void **state)
{
	(void)state;
	pool = pool_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_query(pool, "DELETE FROM app_settings WHERE key = '" KEY "'", DB_NOARGS);
	pool_free(pool);
	db_close();
	return 0;
}

static struct fake *
request(void)
{
	struct fake *f = fake_new("POST", "/");

	fake_req(f);
	return f;
}

static int64_t
rows_of_key(void)
{
	PGresult *res = db_query(pool, "SELECT count(*) FROM app_settings WHERE key = $1",
	                         DB_ARGS(KEY));

	assert_non_null(res);
	return db_int(res, 0, 0);
}

/* Terminate the connection's backend from a second connection. */
static void
kill_backend(void)
{
	PGresult *res = db_query(pool, "SELECT pg_backend_pid()", DB_NOARGS);
	PGconn *other = PQconnectdb(config_get("DATABASE_URL"));
	const char *args[1] = { pool_strdup(pool, db_text(res, 0, 0)) };
	PGresult *k;

	assert_int_equal(PQstatus(other), CONNECTION_OK);
	k = PQexecParams(other, "SELECT pg_terminate_backend($1::int)", 1, NULL, args, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(k), PGRES_TUPLES_OK);
	PQclear(k);
	PQfinish(other);
}

static void
test_begin_and_commit_without_reply(void **state)
{
	struct fake *f = request();

	(void)state;
	assert_int_equal(db_begin_or_reply(&f->req), 0);
	assert_true(db_in_transaction());
	assert_int_equal(db_exec_or_reply(&f->req, "INSERT INTO app_settings (key, value) "
	                                  "VALUES ($1, '1')", DB_ARGS(KEY)), 1);
	assert_int_equal(db_commit_or_reply(&f->req), 0);
	assert_false(db_in_transaction());
	assert_int_equal(f->req.replied, 0);
	assert_int_equal(f->out_len, 0);
	assert_int_equal(rows_of_key(), 1);
	fake_free(f);
}

static void
test_commit_on_a_lost_connection_replies_503(void **state)
{
	struct fake *f = request();

	(void)state;
	db_query(pool, "DELETE FROM app_settings WHERE key = $1", DB_ARGS(KEY));
	assert_int_equal(db_begin_or_reply(&f->req), 0);
	assert_int_equal(db_exec_or_reply(&f->req, "INSERT INTO app_settings (key, value) "
	                                  "VALUES ($1, '1')", DB_ARGS(KEY)), 1);
	kill_backend();
	assert_int_equal(db_commit_or_reply(&f->req), -1);
	assert_int_equal(f->req.status, 503);
	assert_non_null(strstr(f->out, "\"code\":\"DATABASE_UNAVAILABLE\""));
	fake_free(f);
	assert_int_equal(rows_of_key(), 0);     /* nothing was committed */
}

static void
test_begin_on_an_unreachable_database_replies_503(void **state)
{
	struct fake *f = request();

	(void)state;
	db_set_conninfo("host=/nonexistent-socket-dir port=1 dbname=x user=x connect_timeout=1");
	assert_int_equal(db_begin_or_reply(&f->req), -1);
	assert_int_equal(f->req.status, 503);
	assert_non_null(strstr(f->out, "\"code\":\"DATABASE_UNAVAILABLE\""));
	assert_null(strstr(f->out, "nonexistent"));
	db_set_conninfo(NULL);
	fake_free(f);
}

static void
test_connection_named_after_the_process(void **state)
{
	PGresult *res;

	(void)state;
	procname_set("/usr/lib/edgescout/cron/test-db-reply");
	assert_string_equal(procname_get(), "test-db-reply");
	db_close();
	res = db_query(pool, "SELECT current_setting('application_name')", DB_NOARGS);
	assert_non_null(res);
	assert_string_equal(db_text(res, 0, 0), "test-db-reply");
	db_close();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_begin_and_commit_without_reply),
		cmocka_unit_test(test_commit_on_a_lost_connection_replies_503),
		cmocka_unit_test(test_begin_on_an_unreachable_database_replies_503),
		cmocka_unit_test(test_connection_named_after_the_process),
	};
	char err[256];

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_db_reply_db: needs DATABASE_URL (or EDGESCOUT_ENV_FILE) of "
		                "a migrated database: %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_db_reply_db");
	return cmocka_run_group_tests(tests, setup, teardown);
}
