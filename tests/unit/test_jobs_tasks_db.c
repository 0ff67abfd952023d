/* test_jobs_tasks_db.c: the cron jobs run-tasks and precompute run as the
 * binaries they are on the test stack's database: the task worker's
 * claims, sweep, LISTEN wake-up and SIGTERM, and the cache warmed for the
 * most requested pairs. The task queue is emptied first: run it against a
 * test stack only. */
#include "unit.h"

#include "jobs_market_db.h"
#include "backtest_task.h"

/* ---- run-tasks --------------------------------------------------------- */

static int64_t
enqueue(const char *params)
{
	int64_t id;

	assert_int_equal(task_enqueue(pool, user, ANALYSIS_TASK_KIND, params, &id), 0);
	return id;
}

static const char *
task_state(int64_t id)
{
	return q_text("SELECT status || ' ' || attempts || ' ' || coalesce(error_code, '-') "
	              "FROM tasks WHERE id = $1", DB_ARGS(db_i64(pool, id)));
}

static void
test_run_tasks_works_the_queue(void **state)
{
	const char *s = fresh_symbol(), *env[] = { "RUN_TASKS_SECONDS=0", NULL };
	int64_t t1, t2, bad, stuck, spent, bt, odd, runs;
	pid_t pid;

	(void)state;
	load_fixture(s, 1, 0);
	q("DELETE FROM tasks WHERE status IN ('queued', 'running')", DB_NOARGS);
	t1 = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"momentum\"}", s));
	t2 = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"value\"}", s));
	bad = enqueue("{\"symbol\":\"not valid\",\"strategy\":\"momentum\"}");
	stuck = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"growth\"}", s));
	spent = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"dividend\"}", s));
	assert_int_equal(task_enqueue(pool, user, BACKTEST_TASK_KIND, pool_printf(pool,
	    "{\"symbols\":[\"%s\"],\"strategy\":\"momentum\",\"from\":\"2019-01-02\","
	    "\"to\":\"" LAST_DAY "\"}", s), &bt), 0);
	assert_int_equal(task_enqueue(pool, user, "mystery", "{}", &odd), 0);
	/* two claims that died an hour ago: one has attempts left, one not */
	q("UPDATE tasks SET status = 'running', attempts = CASE WHEN id = $1 THEN 1 ELSE 3 END, "
	  "started_at = now() - interval '1 hour', worker = 'gone:1' WHERE id IN ($1, $2)",
	  DB_ARGS(db_i64(pool, stuck), db_i64(pool, spent)));

	/* a dry run claims nothing and records nothing */
	runs = runs_of("run-tasks");
	assert_int_equal(run_job("run-tasks", 1, env, 0), 0);
	assert_int_equal(runs_of("run-tasks"), runs);
	assert_string_equal(task_state(t1), "queued 0 -");
	assert_string_equal(task_state(stuck), "running 1 -");

	pid = start_job("run-tasks", 0, env);
	assert_int_equal(wait_job(pid, 0), 0);
	assert_string_equal(task_state(t1), "done 1 -");
	assert_string_equal(task_state(t2), "done 1 -");
	assert_string_equal(task_state(bad), "failed 1 VALIDATION_FAILED");
	assert_string_equal(task_state(stuck), "done 2 -");     /* requeued, then run */
	assert_string_equal(task_state(spent), "failed 3 SERVICE_UNAVAILABLE");
	/* a backtest runs too; a kind no code runs fails at once */
	assert_string_equal(task_state(bt), "done 1 -");
	assert_string_equal(task_state(odd), "failed 1 VALIDATION_FAILED");
	assert_string_equal(q_text("SELECT result->'results'->0->>'to' FROM tasks WHERE id = $1",
	                           DB_ARGS(db_i64(pool, bt))), LAST_DAY);
	last_run("run-tasks", "ok", 6);
	/* the result is the analysis reply; the worker is host:pid */
	assert_string_equal(q_text("SELECT (result->>'symbol') || ' ' || (result->>'strategy') "
	                           "|| ' ' || (result->>'date') FROM tasks WHERE id = $1",
	                           DB_ARGS(db_i64(pool, t1))),
	                    pool_printf(pool, "%s momentum " LAST_DAY, s));
	assert_int_equal(q_int("SELECT count(*) FROM tasks WHERE id = $1 AND worker LIKE $2",
	                       DB_ARGS(db_i64(pool, t2), pool_printf(pool, "%%:%ld", (long)pid))),
	                 1);
}

/* The job's output says msg. */
static int
job_said(const char *msg)
{
	char line[2048];
	FILE *f = fopen(logpath, "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, msg) != NULL;
	if (f)
		fclose(f);
	return found;
}

static void
test_run_tasks_wakes_on_notify_and_stops_on_sigterm(void **state)
{
	const char *s = fresh_symbol(), *env[] = { "RUN_TASKS_SECONDS=30", NULL };
	double t0, waited, stop;
	int64_t id;
	pid_t pid;
	int i;

	(void)state;
	load_fixture(s, 1, 0);
	q("DELETE FROM tasks WHERE status IN ('queued', 'running')", DB_NOARGS);
	pid = start_job("run-tasks", 0, env);
	for (i = 0; i < 200 && !job_said("the queue is empty; listening"); i++)
		sleep_ms(25);
	assert_true(i < 200);
	sleep_ms(200);                         /* asleep in pselect() by now */
	t0 = now_s();
	id = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"momentum\"}", s));
	while (strncmp(task_state(id), "done", 4) != 0 && now_s() - t0 < 10)
		sleep_ms(5);
	waited = now_s() - t0;
	assert_string_equal(task_state(id), "done 1 -");
	fprintf(stderr, "    task picked up and done %.0f ms after it was queued\n",
	        waited * 1000);
	assert_true(waited < 1.0);             /* woken by the NOTIFY, not a poll */

	/* SIGTERM: the worker ends at once, its run ok with the task it did */
	stop = now_s();
	kill(pid, SIGTERM);
	assert_int_equal(wait_job(pid, 0), 0);
	assert_true(now_s() - stop < 3.0);
	last_run("run-tasks", "ok", 1);
}

/* ---- precompute -------------------------------------------------------- */

static void
asked(const char *symbol, const char *strategy, int times)
{
	q("INSERT INTO search_history (user_id, symbol, strategy, mode, status) "
	  "SELECT $1, $2, $3, 'async', 202 FROM generate_series(1, $4::int)",
	  DB_ARGS(db_i64(pool, user), symbol, strategy, db_i64(pool, times)));
}

static int64_t
cached(const char *symbol)
{
	return q_int("SELECT count(*) FROM analyses x JOIN symbols s ON s.id = x.symbol_id "
	             "WHERE s.symbol = $1", DB_ARGS(symbol));
}

static void
test_precompute_warms_the_most_requested(void **state)
{
	const char *e = fresh_symbol(), *nodata = fresh_symbol();
	const char *env[] = { "PRECOMPUTE_TOP=2", "MARKET_PROVIDERS=", NULL };
	struct analysis_outcome o;
	int64_t runs;

	(void)state;
	load_fixture(e, 1, 0);
	asked(nodata, "momentum", 3000);         /* most asked, but no data: skipped */
	asked(e, "momentum", 2000);
	asked(e, "value", 1999);
	asked(e, "growth", 1998);                /* third: beyond the top 2 */

	runs = runs_of("precompute");
	assert_int_equal(run_job("precompute", 1, env, 0), 0);
	assert_int_equal(runs_of("precompute"), runs);
	assert_int_equal(cached(e), 0);

	assert_int_equal(run_job("precompute", 0, env, 0), 0);
	last_run("precompute", "ok", 2);
	assert_string_equal(q_text("SELECT string_agg(x.strategy || ' ' || x.data_day, ',' "
	    "ORDER BY x.strategy) FROM analyses x JOIN symbols s ON s.id = x.symbol_id "
	    "WHERE s.symbol = $1", DB_ARGS(e)), "momentum " LAST_DAY ",value " LAST_DAY);
	assert_int_equal(q_int("SELECT count(*) FROM market_refreshes WHERE symbol = $1",
	                       DB_ARGS(nodata)), 0);

	/* again: computes nothing; the endpoint's call is a hit */
	assert_int_equal(run_job("precompute", 0, env, 0), 0);
	last_run("precompute", "ok", 0);
	assert_int_equal(cached(e), 2);
	assert_int_equal(analysis_get(pool, e, STRATEGY_MOMENTUM, &o), 0);
	assert_string_equal(o.cache, "HIT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_run_tasks_works_the_queue, stop_child),
		cmocka_unit_test_teardown(test_run_tasks_wakes_on_notify_and_stops_on_sigterm, stop_child),
		cmocka_unit_test_teardown(test_precompute_warms_the_most_requested, stop_child),
	};
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_jobs_tasks_db: needs EDGESCOUT_ENV_FILE of a migrated "
		        "stack %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "info", 1);
	setenv("MARKET_PROVIDERS", "", 1);   /* no provider unless a test names one */
	setenv("APP_ENV", "test", 1);
	log_init("test_jobs_tasks_db");
	return cmocka_run_group_tests(tests, setup, teardown);
}
