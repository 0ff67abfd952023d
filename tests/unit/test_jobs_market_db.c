/* test_jobs_market_db.c: cron/scan-markets run as the binary it is, next
 * to this test's build, on the test stack's database: signals stored once
 * per symbol, strategy and day and NOTIFYed when new, a failing provider
 * chain failing the run, dry runs that write nothing (run-tasks and
 * precompute: test_jobs_tasks_db). Tests named *_db get the stack's
 * EDGESCOUT_ENV_FILE. */
#include "unit.h"

#include "jobs_market_db.h"

/* ---- scan-markets ------------------------------------------------------ */

/* The ids notified on edgescout_signals by listener l so far, as a
 * comma-separated sorted list. */
static const char *
notified(PGconn *l)
{
	PGresult *res = PQexec(l, "SELECT 1");   /* a round trip: the server sends what
	                                            was notified before it first */
	const char *ids = "";
	PGnotify *n;

	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	while ((n = PQnotifies(l)) != NULL) {
		assert_string_equal(n->relname, "edgescout_signals");
		ids = *ids ? pool_printf(pool, "%s,%s", ids, n->extra) : pool_strdup(pool, n->extra);
		PQfreemem(n);
	}
	return q_text("SELECT coalesce(string_agg(x, ',' ORDER BY x::bigint), '') "
	              "FROM unnest(string_to_array($1, ',')) x", DB_ARGS(ids));
}

static PGconn *
listener(void)
{
	PGconn *l = PQconnectdb(config_get("DATABASE_URL"));
	PGresult *res;

	assert_int_equal(PQstatus(l), CONNECTION_OK);
	res = PQexec(l, "LISTEN edgescout_signals");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	return l;
}

static void
test_scan_stores_signals_once_and_notifies_new_ones(void **state)
{
	const char *a = fresh_symbol(), *b = fresh_symbol(), *c = fresh_symbol();
	const char *tmpl = pool_printf(pool, "MARKET_CSV_URL_TEMPLATE=file://%s/{symbol}.csv",
	                               csvdir);
	/* the list is read case-blind, spaces and empty entries aside */
	const char *env[] = { pool_printf(pool, "MARKET_UNIVERSE= %s ,%s,not a symbol,,",
	                                  q_text("SELECT lower($1)", DB_ARGS(a)), b),
	                      "MARKET_PROVIDERS=csv", tmpl, NULL };
	const char *since, *mine;
	PGconn *l = listener();
	int64_t runs;

	(void)state;
	load_fixture(a, 0, 1);                   /* a: only the provider has it */
	load_fixture(b, 1, 0);                   /* b: stored, the provider fails */
	since = q_text("SELECT now()::text", DB_NOARGS);
	assert_int_equal(run_job("scan-markets", 0, env, 0), 0);

	/* one signal per strategy and day for each symbol, from the scan: only
	 * momentum's, the others lacking the coverage a recommendation needs
	 * without fundamentals (growth, value 35 %, dividend 50 %) */
	assert_int_equal(q_int("SELECT count(*) FROM signals g JOIN symbols s "
	    "ON s.id = g.symbol_id WHERE s.symbol IN ($1, $2) AND g.day = '" LAST_DAY "' "
	    "AND g.source = 'scan'", DB_ARGS(a, b)), 2);
	assert_int_equal(q_int("SELECT count(*) FROM signals g JOIN symbols s "
	    "ON s.id = g.symbol_id WHERE s.symbol IN ($1, $2) AND g.strategy <> 'momentum'",
	    DB_ARGS(a, b)), 0);
	/* every new signal of the run was notified, and nothing else */
	mine = q_text("SELECT string_agg(id::text, ',' ORDER BY id) FROM signals "
	              "WHERE source = 'scan' AND created_at >= $1::timestamptz", DB_ARGS(since));
	assert_string_equal(notified(l), mine);
	last_run("scan-markets", "ok", q_int("SELECT count(*) FROM signals WHERE source = 'scan' "
	         "AND created_at >= $1::timestamptz", DB_ARGS(since)));
	/* the refreshes were recorded as an analysis records them */
	assert_string_equal(q_text("SELECT status || ' ' || provider FROM market_refreshes "
	                           "WHERE symbol = $1", DB_ARGS(a)), "ok csv");
	assert_string_equal(q_text("SELECT status FROM market_refreshes WHERE symbol = $1",
	                           DB_ARGS(b)), "unavailable");
	/* the analyses it made are the endpoint's cache */
	assert_int_equal(q_int("SELECT count(*) FROM analyses x JOIN symbols s ON s.id = "
	    "x.symbol_id WHERE s.symbol = $1 AND x.data_day = '" LAST_DAY "'", DB_ARGS(a)),
	    STRATEGY_COUNT);

	/* again: nothing new, nothing notified */
	assert_int_equal(run_job("scan-markets", 0, env, 0), 0);
	last_run("scan-markets", "ok", 0);
	assert_string_equal(notified(l), "");
	assert_int_equal(q_int("SELECT count(*) FROM signals g JOIN symbols s "
	    "ON s.id = g.symbol_id WHERE s.symbol IN ($1, $2)", DB_ARGS(a, b)), 2);

	/* a dry run counts what c's stored data would add and writes nothing */
	load_fixture(c, 1, 0);
	env[0] = pool_printf(pool, "MARKET_UNIVERSE=%s,%s", a, c);
	runs = runs_of("scan-markets");
	assert_int_equal(run_job("scan-markets", 1, env, 0), 0);
	assert_int_equal(runs_of("scan-markets"), runs);
	assert_int_equal(q_int("SELECT count(*) FROM signals g JOIN symbols s "
	    "ON s.id = g.symbol_id WHERE s.symbol = $1", DB_ARGS(c)), 0);
	assert_int_equal(q_int("SELECT count(*) FROM market_refreshes WHERE symbol = $1",
	                       DB_ARGS(c)), 0);
	assert_string_equal(notified(l), "");
	PQfinish(l);
}

static void
test_scan_fails_when_no_provider_can_refresh(void **state)
{
	const char *d = fresh_symbol();
	const char *down[] = { pool_printf(pool, "MARKET_UNIVERSE=%s", d), "MARKET_PROVIDERS=csv",
	                       "MARKET_CSV_URL_TEMPLATE=http://127.0.0.1:9/{symbol}.csv",
	                       "HTTP_RETRIES=0", NULL };
	const char *none[] = { down[0], "MARKET_PROVIDERS=", NULL };
	PGresult *res;

	(void)state;
	assert_int_equal(run_job("scan-markets", 0, down, 1), 1);
	res = q("SELECT status, error, finished_at IS NOT NULL FROM job_runs "
	        "WHERE job = 'scan-markets' ORDER BY id DESC LIMIT 1", DB_NOARGS);
	assert_string_equal(db_text(res, 0, 0), "failed");
	assert_non_null(strstr(db_text(res, 0, 1), "no provider could refresh any of"));
	assert_string_equal(db_text(res, 0, 2), "t");
	/* a symbol without prices is left for a user's call to try */
	assert_int_equal(q_int("SELECT count(*) FROM market_refreshes WHERE symbol = $1",
	                       DB_ARGS(d)), 0);
	/* no provider configured at all is no outage: the stored data is scanned */
	assert_int_equal(run_job("scan-markets", 0, none, 0), 0);
	last_run("scan-markets", "ok", -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_scan_stores_signals_once_and_notifies_new_ones, stop_child),
		cmocka_unit_test_teardown(test_scan_fails_when_no_provider_can_refresh, stop_child),
	};
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_jobs_market_db: needs EDGESCOUT_ENV_FILE of a migrated "
		        "stack %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "info", 1);
	setenv("MARKET_PROVIDERS", "", 1);   /* no provider unless a test names one */
	setenv("APP_ENV", "test", 1);
	log_init("test_jobs_market_db");
	return cmocka_run_group_tests(tests, setup, teardown);
}
