/* test_db.c: the DB layer against the real PostgreSQL of the test stack
 * (DATABASE_URL of the app role, from the stack's env file). */
#include "unit.h"

#include <time.h>

#include "harness.h"

static int
teardown(void **state)
{
	db_close();
	return unit_teardown(state);
}

static void
test_params_are_data_not_sql(void **state)
{
	const char *evil = "x'); DROP TABLE app_settings; --";
	PGresult *res = db_query(pool, "SELECT $1::text, length($1), $2::int + 1",
	                         DB_ARGS(evil, "41"));

	(void)state;
	assert_non_null(res);
	assert_string_equal(db_text(res, 0, 0), evil);
	assert_int_equal(db_int(res, 0, 1), (int64_t)strlen(evil));
	assert_int_equal(db_int(res, 0, 2), 42);
	res = db_query(pool, "SELECT count(*) FROM app_settings", DB_NOARGS);
	assert_non_null(res);   /* the table is still there */
}

static void
test_null_and_numbers(void **state)
{
	PGresult *res = db_query(pool, "SELECT NULL::text, NULL::int, $1::bigint",
	                         DB_ARGS(db_i64(pool, INT64_MIN)));

	(void)state;
	assert_non_null(res);
	assert_string_equal(db_text(res, 0, 0), "");
	assert_int_equal(db_int(res, 0, 1), 0);
	assert_true(db_int(res, 0, 2) == INT64_MIN);
}

static void
test_text_array_keeps_every_string(void **state)
{
	static const char *const v[] = { "plain", "a,b", "say \"hi\"", "back\\slash",
	                                 "{braces}", "NULL", "", " spaced " };
	PGresult *res = db_query(pool, "SELECT x, n FROM unnest($1::text[]) WITH ORDINALITY "
	                         "AS u(x, n) ORDER BY n",
	                         DB_ARGS(db_text_array(pool, v, 8)));

	(void)state;
	assert_non_null(res);
	assert_int_equal(PQntuples(res), 8);
	for (int i = 0; i < 8; i++) {
		assert_false(PQgetisnull(res, i, 0));
		assert_string_equal(db_text(res, i, 0), v[i]);
	}
	res = db_query(pool, "SELECT cardinality($1::text[])", DB_ARGS(db_text_array(pool, v, 0)));
	assert_non_null(res);
	assert_int_equal(db_int(res, 0, 0), 0);
}

static void
test_app_role_cannot_change_schema(void **state)
{
	(void)state;
	assert_null(db_query(pool, "CREATE TABLE intruder (id int)", DB_NOARGS));
	assert_string_equal(db_sqlstate(), "42501");
	assert_null(db_query(pool, "DROP TABLE app_settings", DB_NOARGS));
	assert_string_equal(db_sqlstate(), "42501");
}

static void
test_unique_violation_replies_409_and_rows_counted(void **state)
{
	struct fake *f = fake_new("GET", "/");
	const char *sql = "INSERT INTO app_settings (key, value) VALUES ($1, 'v')";
	int64_t n;

	(void)state;
	f->pool = pool_new();
	f->req.pool = f->pool;
	f->req.io = (struct req_io){ fake_read, fake_write, f };
	db_query(pool, "DELETE FROM app_settings WHERE key LIKE 'test_db.%'", DB_NOARGS);
	n = db_exec_or_reply(&f->req, sql, DB_ARGS("test_db.unique"));
	assert_int_equal(n, 1);
	assert_false(f->req.replied);
	n = db_exec_or_reply(&f->req, sql, DB_ARGS("test_db.unique"));
	assert_int_equal(n, -1);
	assert_int_equal(f->req.status, 409);
	assert_non_null(strstr(f->out, "\"code\":\"CONFLICT\""));
	assert_null(strstr(f->out, "app_settings"));   /* no internals in the reply */
	db_query(pool, "DELETE FROM app_settings WHERE key LIKE 'test_db.%'", DB_NOARGS);
	fake_free(f);
}

static void
test_open_transaction_rolled_back_at_reset(void **state)
{
	struct pool *p = pool_new();
	PGresult *res;

	(void)state;
	assert_int_equal(db_begin(p), 0);
	assert_true(db_in_transaction());
	assert_non_null(db_query(p, "INSERT INTO app_settings (key, value) VALUES ('test_db.tx', '1')",
	                         DB_NOARGS));
	pool_reset(p);                      /* the request ends without commit */
	assert_false(db_in_transaction());
	res = db_query(pool, "SELECT count(*) FROM app_settings WHERE key = 'test_db.tx'", DB_NOARGS);
	assert_int_equal(db_int(res, 0, 0), 0);
	assert_int_equal(db_begin(p), 0);
	db_query(p, "INSERT INTO app_settings (key, value) VALUES ('test_db.tx', '1')", DB_NOARGS);
	assert_int_equal(db_commit(p), 0);
	pool_reset(p);
	res = db_query(pool, "SELECT count(*) FROM app_settings WHERE key = 'test_db.tx'", DB_NOARGS);
	assert_int_equal(db_int(res, 0, 0), 1);
	db_query(pool, "DELETE FROM app_settings WHERE key = 'test_db.tx'", DB_NOARGS);
	pool_free(p);
}

/* The process id of the worker's own backend (asked of libpq: a statement
 * inside a transaction would be part of it). */
static const char *
backend_pid(void)
{
	PGconn *c = db_conn();

	assert_non_null(c);
	return pool_printf(pool, "%d", PQbackendPID(c));
}

/* Terminate backend pid from a second connection; when wait, give it time
 * to have gone. */
static void
kill_backend_pid(const char *pid, int wait)
{
	PGconn *other = PQconnectdb(config_get("DATABASE_URL"));
	const char *args[1] = { pid };
	PGresult *k;

	assert_int_equal(PQstatus(other), CONNECTION_OK);
	k = PQexecParams(other, "SELECT pg_terminate_backend($1::int)", 1, NULL, args, NULL, NULL, 0);
	assert_int_equal(PQresultStatus(k), PGRES_TUPLES_OK);
	PQclear(k);
	PQfinish(other);
	if (wait)
		nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
}

/* Terminate the worker's own backend from a second connection. */
static void
kill_backend(void)
{
	kill_backend_pid(backend_pid(), 0);
}

static void
test_reconnects_once_after_broken_connection(void **state)
{
	PGresult *res;
	const char *before, *after;

	(void)state;
	res = db_query(pool, "SELECT pg_backend_pid()", DB_NOARGS);
	before = pool_strdup(pool, db_text(res, 0, 0));
	kill_backend();
	res = db_query(pool, "SELECT pg_backend_pid()", DB_NOARGS);
	assert_non_null(res);                /* transparently reconnected */
	after = db_text(res, 0, 0);
	assert_string_not_equal(before, after);
}

static PGresult *
setting(const char *key)
{
	return db_query(pool, "SELECT value FROM app_settings WHERE key = $1", DB_ARGS(key));
}

/* A transaction cut by a lost connection before COMMIT runs again on a new
 * one, its earlier answers the same, and commits: the request never sees it. */
static void
test_a_transaction_cut_by_a_lost_connection_runs_again(void **state)
{
	struct pool *p = pool_new();
	const char *pid = backend_pid();
	PGresult *res;

	(void)state;
	db_query(pool, "DELETE FROM app_settings WHERE key LIKE 'test_db.replay%'", DB_NOARGS);
	assert_int_equal(db_begin(p), 0);
	res = db_query(p, "INSERT INTO app_settings (key, value) VALUES ($1, 'a')",
	               DB_ARGS("test_db.replay1"));
	assert_string_equal(PQcmdTuples(res), "1");
	res = db_query(p, "SELECT count(*) FROM app_settings WHERE key LIKE 'test_db.replay%'",
	               DB_NOARGS);
	assert_int_equal(db_int(res, 0, 0), 1);
	kill_backend_pid(pid, 1);
	/* the dead connection is noticed before the statement is sent */
	res = db_query(p, "UPDATE app_settings SET value = 'b' WHERE key = $1 RETURNING value",
	               DB_ARGS("test_db.replay1"));
	assert_non_null(res);
	assert_string_equal(db_text(res, 0, 0), "b");
	assert_string_not_equal(backend_pid(), pid);
	/* killed with no wait: the statement is most likely sent before the
	 * backend has gone, and the loss shows in its own answer */
	kill_backend_pid(backend_pid(), 0);
	assert_non_null(db_query(p, "INSERT INTO app_settings (key, value) VALUES ($1, 'c')",
	                         DB_ARGS("test_db.replay2")));
	/* and lost just before COMMIT, which was not sent: it runs again too */
	kill_backend_pid(backend_pid(), 1);
	assert_int_equal(db_commit(p), 0);
	pool_free(p);
	assert_string_equal(db_text(setting("test_db.replay1"), 0, 0), "b");
	assert_string_equal(db_text(setting("test_db.replay2"), 0, 0), "c");
	db_query(pool, "DELETE FROM app_settings WHERE key LIKE 'test_db.replay%'", DB_NOARGS);
}

/* When a statement answers differently the second time (here the clock;
 * in life a sequence or a row changed meanwhile), the transaction is not
 * continued: 08006, nothing of it committed, and the next request is fine. */
static void
test_a_transaction_whose_answers_change_is_not_run_again(void **state)
{
	struct pool *p = pool_new();
	const char *pid = backend_pid();

	(void)state;
	assert_int_equal(db_begin(p), 0);
	assert_non_null(db_query(p, "INSERT INTO app_settings (key, value) VALUES ($1, 'x')",
	                         DB_ARGS("test_db.replay3")));
	assert_non_null(db_query(p, "SELECT clock_timestamp()::text", DB_NOARGS));
	kill_backend_pid(pid, 1);
	assert_null(db_query(p, "SELECT 1", DB_NOARGS));
	assert_string_equal(db_sqlstate(), "08006");
	assert_false(db_in_transaction());
	pool_free(p);
	assert_int_equal(PQntuples(setting("test_db.replay3")), 0);
	assert_non_null(db_query(pool, "SELECT 1", DB_NOARGS));  /* next request is fine */
}

static void
test_a_dropped_idle_connection_is_replaced_before_any_statement(void **state)
{
	(void)state;
	assert_non_null(db_query(pool, "SELECT 1", DB_NOARGS));
	kill_backend();
	nanosleep(&(struct timespec){ 0, 300 * 1000 * 1000 }, NULL);   /* the backend has gone */
	/* WITH is not retried after a loss: it succeeds only because the dead
	 * connection was noticed and replaced before the statement was sent */
	assert_non_null(db_query(pool, "WITH x AS (SELECT 1) SELECT * FROM x", DB_NOARGS));
}

static void
test_lost_connection_states_and_retry_safety(void **state)
{
	(void)state;
	assert_true(db_state_is_lost(NULL, 0));
	assert_true(db_state_is_lost("", 0));
	assert_true(db_state_is_lost("08006", 0));
	assert_true(db_state_is_lost("57P01", 0));
	assert_true(db_state_is_lost("57P02", 0));
	assert_true(db_state_is_lost("57P03", 0));
	assert_true(db_state_is_lost("23505", 1));
	assert_false(db_state_is_lost("23505", 0));
	assert_false(db_state_is_lost("57014", 0));
	assert_true(db_retry_safe("SELECT 1"));
	assert_true(db_retry_safe("  select 1"));
	assert_true(db_retry_safe("BEGIN"));
	assert_true(db_retry_safe("(SELECT 1) UNION (SELECT 2)"));
	assert_false(db_retry_safe("INSERT INTO t VALUES (1)"));
	assert_false(db_retry_safe("UPDATE t SET a = 1"));
	assert_false(db_retry_safe("WITH d AS (DELETE FROM t RETURNING *) SELECT 1"));
	assert_false(db_retry_safe("COMMIT"));
}

static void
test_unreachable_database_replies_503(void **state)
{
	struct fake *f = fake_new("GET", "/");

	(void)state;
	f->pool = pool_new();
	f->req.pool = f->pool;
	f->req.io = (struct req_io){ fake_read, fake_write, f };
	db_set_conninfo("host=/nonexistent-socket-dir port=1 dbname=x user=x connect_timeout=1");
	assert_null(db_query_or_reply(&f->req, "SELECT 1", DB_NOARGS));
	assert_int_equal(f->req.status, 503);
	assert_non_null(strstr(f->out, "\"code\":\"DATABASE_UNAVAILABLE\""));
	assert_non_null(strstr(f->out, "Retry-After: 1\r\n"));
	assert_null(strstr(f->out, "nonexistent"));
	db_set_conninfo(NULL);
	assert_non_null(db_query(pool, "SELECT 1", DB_NOARGS));
	fake_free(f);
}

static void
test_statement_timeout_replies_503(void **state)
{
	struct fake *f = fake_new("GET", "/");

	(void)state;
	f->pool = pool_new();
	f->req.pool = f->pool;
	f->req.io = (struct req_io){ fake_read, fake_write, f };
	setenv("DB_STATEMENT_TIMEOUT_MS", "100", 1);
	db_close();
	assert_null(db_query_or_reply(&f->req, "SELECT pg_sleep(2)", DB_NOARGS));
	assert_string_equal(db_sqlstate(), "57014");
	assert_int_equal(f->req.status, 503);
	unsetenv("DB_STATEMENT_TIMEOUT_MS");
	db_close();
	fake_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_array_keeps_every_string),
		cmocka_unit_test(test_params_are_data_not_sql),
		cmocka_unit_test(test_null_and_numbers),
		cmocka_unit_test(test_app_role_cannot_change_schema),
		cmocka_unit_test(test_unique_violation_replies_409_and_rows_counted),
		cmocka_unit_test(test_open_transaction_rolled_back_at_reset),
		cmocka_unit_test(test_reconnects_once_after_broken_connection),
		cmocka_unit_test(test_a_transaction_cut_by_a_lost_connection_runs_again),
		cmocka_unit_test(test_a_transaction_whose_answers_change_is_not_run_again),
		cmocka_unit_test(test_a_dropped_idle_connection_is_replaced_before_any_statement),
		cmocka_unit_test(test_lost_connection_states_and_retry_safety),
		cmocka_unit_test(test_unreachable_database_replies_503),
		cmocka_unit_test(test_statement_timeout_replies_503),
	};
	char err[256];

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_db: needs DATABASE_URL (or EDGESCOUT_ENV_FILE) of a "
		                "migrated database: %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_db");
	return cmocka_run_group_tests(tests, unit_setup, teardown);
}
