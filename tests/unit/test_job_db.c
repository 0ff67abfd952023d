/* test_job_db.c: the job frame against the test stack's PostgreSQL: the cron
 * expressions and the schedule table, the crontab, the lock (a second
 * instance in a child process), the job_runs rows of ok, failed, skipped and
 * abandoned runs, dry runs, and staleness. Jobs here are named test-job-*;
 * their rows are removed before and after. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "job.h"

static struct pool *pool;
static const char *self_path;

static void
cleanup(void)
{
	db_query(pool, "DELETE FROM job_runs WHERE job LIKE 'test-job-%'", DB_NOARGS);
	db_query(pool, "DELETE FROM job_schedules WHERE job LIKE 'test-job-%'", DB_NOARGS);
	db_query(pool, "DELETE FROM app_settings WHERE key LIKE 'test_job.%'", DB_NOARGS);
}

static int
setup(void **state)
{
	(void)state;
	pool = pool_new();
	cleanup();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cleanup();
	pool_free(pool);
	db_close();
	return 0;
}

/* The single job_runs row of job as "status|items|error|finished" ("" items
 * and error for NULL); "none" or "many" otherwise. */
static const char *
only_run(const char *job)
{
	PGresult *res = db_query(pool,
		"SELECT status || '|' || coalesce(items::text, '') || '|' || coalesce(error, '') "
		"|| '|' || (finished_at IS NOT NULL)::int FROM job_runs WHERE job = $1", DB_ARGS(job));

	assert_non_null(res);
	if (PQntuples(res) != 1)
		return PQntuples(res) ? "many" : "none";
	return pool_strdup(pool, db_text(res, 0, 0));
}

static int64_t
count_runs(const char *job, const char *status)
{
	PGresult *res = db_query(pool, "SELECT count(*) FROM job_runs WHERE job = $1 AND "
	                         "status = $2", DB_ARGS(job, status));

	assert_non_null(res);
	return db_int(res, 0, 0);
}

static int
run_job(const struct job *job, const char *arg)
{
	char *argv[] = { (char *)job->name, (char *)arg, NULL };

	return job_main(arg ? 2 : 1, argv, job);
}

/* ---- cron expressions, the schedule table, the crontab -------------------- */

static long
interval(const char *expr)
{
	long s = -7;

	return job_cron_interval(expr, &s) == 0 ? s : -1;
}

static void
test_cron_intervals(void **state)
{
	static const char *const bad[] = {
		"", "* * * *", "* * * * * *", "*/0 * * * *", "*/60 * * * *", "60 * * * *",
		"5 24 * * *", "1-5 * * * *", "0,30 * * * *", "0 9 * * 1-5", "0 0 1 * *",
		"* 3 * * *", "*/5 3 * * *", "+5 * * * *", "-1 * * * *", "005 * * * *",
		"*/ * * * *", "*/5x * * * *", "0 */0 * * *", "0 */24 * * *", "@hourly", NULL
	};

	(void)state;
	assert_int_equal(interval("* * * * *"), 60);
	assert_int_equal(interval("*/5 * * * *"), 300);
	assert_int_equal(interval("*/3 * * * *"), 180);
	assert_int_equal(interval("*/59 * * * *"), 59 * 60);
	assert_int_equal(interval("7 * * * *"), 3600);
	assert_int_equal(interval("0 * * * *"), 3600);
	assert_int_equal(interval("15 */6 * * *"), 6 * 3600);
	assert_int_equal(interval("43 3 * * *"), 86400);
	assert_int_equal(interval("59 23 * * *"), 86400);
	assert_int_equal(interval("  */10\t*  * * *  "), 600);
	for (int i = 0; bad[i] != NULL; i++) {
		if (interval(bad[i]) != -1)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(job_cron_interval(NULL, &(long){ 0 }), -1);
}

static void
test_schedule_table(void **state)
{
	const struct job_schedule *s;
	int n = 0;
	long secs;

	(void)state;
	for (s = job_schedules(); s->name != NULL; s++, n++) {
		assert_true(job_name_valid(s->name));
		assert_int_equal(job_cron_interval(s->schedule, &secs), 0);
		assert_string_equal(job_schedule_of(s->name), s->schedule);
	}
	assert_int_equal(n, 12);
	assert_string_equal(job_schedule_of("backup"), "23 2 * * *");
	assert_string_equal(job_schedule_of("scan-markets"), "*/5 * * * *");
	assert_string_equal(job_schedule_of("run-tasks"), "* * * * *");
	assert_string_equal(job_schedule_of("deliver-alerts"), "* * * * *");
	assert_string_equal(job_schedule_of("precompute"), "*/10 * * * *");
	assert_string_equal(job_schedule_of("scan-odds"), "*/5 * * * *");
	assert_string_equal(job_schedule_of("settle-odds"), "17 * * * *");
	assert_string_equal(job_schedule_of("scan-deals"), "*/5 * * * *");
	assert_string_equal(job_schedule_of("retrain"), "*/3 * * * *");
	assert_string_equal(job_schedule_of("billing-grace"), "29 * * * *");
	assert_int_equal(job_cron_interval(job_schedule_of("label-signals"), &secs), 0);
	assert_int_equal(secs, 3600);
	assert_int_equal(job_cron_interval(job_schedule_of("prune"), &secs), 0);
	assert_int_equal(secs, 86400);
	assert_null(job_schedule_of("no-such-job"));
	assert_null(job_schedule_of("../etc"));
	setenv("JOB_SCHEDULE_RETRAIN", "*/7 * * * *", 1);
	assert_string_equal(job_schedule_of("retrain"), "*/7 * * * *");
	setenv("JOB_SCHEDULE_RETRAIN", "0 9 * * 1-5", 1);        /* unsupported: ignored */
	assert_string_equal(job_schedule_of("retrain"), "*/3 * * * *");
	unsetenv("JOB_SCHEDULE_RETRAIN");
	setenv("JOB_SCHEDULE_LABEL_SIGNALS", "30 */2 * * *", 1);
	assert_string_equal(job_schedule_of("label-signals"), "30 */2 * * *");
	unsetenv("JOB_SCHEDULE_LABEL_SIGNALS");
	assert_false(job_name_valid(""));
	assert_false(job_name_valid("Prune"));
	assert_false(job_name_valid("-x"));
	assert_false(job_name_valid("a b"));
	assert_false(job_name_valid("a/b"));
	assert_false(job_name_valid("abcdefghij-abcdefghij-abcdefghij-abcdefghij"));
	assert_true(job_name_valid("a1-b"));
}

/* cron/crontab in the tree is the rendering of the table (run from the
 * repository root, as make test does). */
static void
test_crontab_file_is_the_table(void **state)
{
	FILE *f = fopen("cron/crontab", "r");
	char file[16384];
	size_t n;
	struct buf b;

	(void)state;
	assert_non_null(f);
	n = fread(file, 1, sizeof(file) - 1, f);
	fclose(f);
	file[n] = '\0';
	buf_init(&b, pool);
	job_crontab(&b, "@BIN@", "@ENV@", "@LOG@", "@USER@");
	assert_string_equal(buf_cstr(&b), file);
	buf_init(&b, pool);
	job_crontab(&b, "/opt/es", "/etc/es.env", "/var/log/es", NULL);
	assert_non_null(strstr(buf_cstr(&b), "\n43 3 * * *     /opt/es/cron/prune "
	                                     ">>/var/log/es/jobs.log 2>&1\n"));
	assert_non_null(strstr(buf_cstr(&b), "\nEDGESCOUT_ENV_FILE=/etc/es.env\n"));
	assert_null(strstr(buf_cstr(&b), "@BIN@/"));
	assert_null(strstr(buf_cstr(&b), ">>@LOG@"));
}

/* ---- runs ------------------------------------------------------------------ */

static int64_t seen_run_id;
static int seen_dry_run, body_runs;

static int
run_ok(struct job_ctx *ctx)
{
	body_runs++;
	seen_run_id = ctx->run_id;
	ctx->items = 7;
	return 0;
}

static int
run_failing(struct job_ctx *ctx)
{
	ctx->items = 2;
	return job_fail(ctx, "upstream said %s", "no");
}

static const struct job ok_job = { "test-job-ok", run_ok, "succeeds with 7 items" };
static const struct job failing_job = { "test-job-failing", run_failing, "fails" };

static void
test_ok_run_recorded(void **state)
{
	PGresult *res;

	(void)state;
	body_runs = 0;
	assert_int_equal(run_job(&ok_job, NULL), 0);
	assert_int_equal(body_runs, 1);
	assert_string_equal(only_run("test-job-ok"), "ok|7||1");
	res = db_query(pool, "SELECT id FROM job_runs WHERE job = 'test-job-ok'", DB_NOARGS);
	assert_true(seen_run_id > 0 && db_int(res, 0, 0) == seen_run_id);
	assert_int_equal(run_job(&ok_job, "--once"), 0);       /* same as no option */
	assert_int_equal(count_runs("test-job-ok", "ok"), 2);
}

static void
test_failed_run_recorded(void **state)
{
	(void)state;
	assert_int_equal(run_job(&failing_job, NULL), 1);
	assert_string_equal(only_run("test-job-failing"), "failed|2|upstream said no|1");
}

static int
run_writer(struct job_ctx *ctx)
{
	seen_dry_run = ctx->dry_run;
	if (job_exec(ctx, "INSERT INTO app_settings (key, value) VALUES ('test_job.dry', '1')",
	             DB_NOARGS) >= 0)
		return 0;
	ctx->items = 1;
	return strcmp(db_sqlstate(), "25006") == 0 ? 0 : job_fail(ctx, "unexpected %s",
	                                                           db_sqlstate());
}

static void
test_dry_run_writes_nothing(void **state)
{
	static const struct job writer = { "test-job-writer", run_writer, "writes" };
	PGresult *res;

	(void)state;
	seen_dry_run = 0;
	assert_int_equal(run_job(&writer, "--dry-run"), 0);
	assert_true(seen_dry_run);
	assert_string_equal(only_run("test-job-writer"), "none");
	res = db_query(pool, "SELECT count(*) FROM app_settings WHERE key = 'test_job.dry'",
	               DB_NOARGS);
	assert_int_equal(db_int(res, 0, 0), 0);       /* the session was read-only */
	/* the lock is free again and a real run writes */
	assert_int_equal(run_job(&writer, NULL), 0);
	assert_false(seen_dry_run);
	assert_string_equal(only_run("test-job-writer"), "ok|0||1");
	res = db_query(pool, "SELECT count(*) FROM app_settings WHERE key = 'test_job.dry'",
	               DB_NOARGS);
	assert_int_equal(db_int(res, 0, 0), 1);
}

/* ---- the lock: a second instance in a child process ------------------------ */

static int child_body_ran;

static int
run_child(struct job_ctx *ctx)
{
	(void)ctx;
	child_body_ran = 1;
	return 0;
}

static const struct job lock_job = { "test-job-lock", run_child, "the child's view" };
static int child_status = -1;

/* Holding the lock: run a second instance of the job in a new process. */
static int
run_holder(struct job_ctx *ctx)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execl("/proc/self/exe", self_path, "--child-instance", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return job_fail(ctx, "cannot run the second instance");
	child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

static void
test_second_instance_skips_while_lock_held(void **state)
{
	static const struct job holder = { "test-job-lock", run_holder, "holds the lock" };

	(void)state;
	child_status = -1;
	assert_int_equal(run_job(&holder, NULL), 0);
	assert_int_equal(child_status, 0);            /* exited 0, its body did not run */
	assert_int_equal(count_runs("test-job-lock", "ok"), 1);
	assert_int_equal(count_runs("test-job-lock", "skipped"), 1);
	assert_int_equal(count_runs("test-job-lock", "running"), 0);
	/* with the lock free, the same job runs in a child */
	{
		pid_t pid = fork();
		int st = 0;

		if (pid == 0) {
			execl("/proc/self/exe", self_path, "--child-instance", (char *)NULL);
			_exit(127);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 42);     /* now its body ran */
	}
	assert_int_equal(count_runs("test-job-lock", "ok"), 2);
}

static void
test_abandoned_run_is_marked_failed(void **state)
{
	PGresult *res;

	(void)state;
	db_query(pool, "DELETE FROM job_runs WHERE job = 'test-job-ok'", DB_NOARGS);
	assert_non_null(db_query(pool, "INSERT INTO job_runs (job, started_at) VALUES "
	                         "('test-job-ok', now() - interval '1 hour')", DB_NOARGS));
	assert_int_equal(run_job(&ok_job, NULL), 0);
	res = db_query(pool, "SELECT status, error FROM job_runs WHERE job = 'test-job-ok' "
	               "ORDER BY id", DB_NOARGS);
	assert_int_equal(PQntuples(res), 2);
	assert_string_equal(db_text(res, 0, 0), "failed");
	assert_non_null(strstr(db_text(res, 0, 1), "abandoned"));
	assert_string_equal(db_text(res, 1, 0), "ok");
}

static int
run_open_tx(struct job_ctx *ctx)
{
	if (db_begin(ctx->pool) < 0)
		return -1;
	job_exec(ctx, "INSERT INTO app_settings (key, value) VALUES ('test_job.tx', '1')",
	         DB_NOARGS);
	return 0;
}

static int
tx_body(struct job_ctx *ctx, void *arg)
{
	if (job_exec(ctx, "INSERT INTO app_settings (key, value) VALUES ($1, '1')",
	             DB_ARGS((const char *)arg)) != 1)
		return -1;
	return strcmp(arg, "test_job.rollback") == 0 ? job_fail(ctx, "changed its mind") : 0;
}

static int
run_tx(struct job_ctx *ctx)
{
	if (job_tx(ctx, tx_body, "test_job.commit") < 0)
		return -1;
	if (job_tx(ctx, tx_body, "test_job.rollback") == 0)
		return job_fail(ctx, "the failing transaction was committed");
	ctx->error[0] = '\0';
	ctx->items = job_exec(ctx, "SELECT key FROM app_settings WHERE key IN "
	                      "('test_job.commit', 'test_job.rollback')", DB_NOARGS);
	return 0;
}

static void
test_transactions(void **state)
{
	static const struct job open_tx = { "test-job-opentx", run_open_tx, "leaves a tx" };
	static const struct job tx = { "test-job-tx", run_tx, "job_tx" };
	PGresult *res;

	(void)state;
	assert_int_equal(run_job(&open_tx, NULL), 1);
	assert_string_equal(only_run("test-job-opentx"),
	                    "failed|0|the job left a transaction open (rolled back)|1");
	res = db_query(pool, "SELECT count(*) FROM app_settings WHERE key = 'test_job.tx'",
	               DB_NOARGS);
	assert_int_equal(db_int(res, 0, 0), 0);
	assert_int_equal(run_job(&tx, NULL), 0);
	assert_string_equal(only_run("test-job-tx"), "ok|1||1");   /* commit only */
}

static int
run_signalled(struct job_ctx *ctx)
{
	if (job_should_stop())
		return job_fail(ctx, "stopping before the start");
	raise(SIGTERM);                        /* the frame's handler, not death */
	ctx->items = job_should_stop();
	return 0;
}

static void
test_options_signals_and_hold(void **state)
{
	static const struct job sig = { "test-job-signal", run_signalled, "stops" };
	int64_t before = count_runs("test-job-ok", "ok");
	double t0;

	(void)state;
	body_runs = 0;
	assert_int_equal(run_job(&ok_job, "--help"), 0);
	assert_int_equal(run_job(&ok_job, "--bogus"), 2);
	assert_int_equal(run_job(&ok_job, "dry-run"), 2);
	assert_int_equal(body_runs, 0);
	assert_int_equal(count_runs("test-job-ok", "ok"), before);
	assert_int_equal(run_job(&sig, NULL), 0);
	assert_string_equal(only_run("test-job-signal"), "ok|1||1");
	/* JOB_TEST_HOLD_MS: honoured under APP_ENV=test only */
	setenv("JOB_TEST_HOLD_MS", "400", 1);
	setenv("APP_ENV", "test", 1);
	t0 = clock_now();
	assert_int_equal(run_job(&ok_job, NULL), 0);
	assert_true(clock_now() - t0 >= 0.4);
	setenv("APP_ENV", "development", 1);
	t0 = clock_now();
	assert_int_equal(run_job(&ok_job, NULL), 0);
	assert_true(clock_now() - t0 < 0.4);
	setenv("APP_ENV", "test", 1);
	unsetenv("JOB_TEST_HOLD_MS");
}

/* ---- staleness --------------------------------------------------------------- */

static const struct job_status *
status_of(const char *name)
{
	struct job_status *jobs;
	int n = job_status_list(pool, &jobs);

	assert_true(n >= 6);                  /* the table's jobs are always listed */
	for (int i = 0; i < n; i++)
		if (strcmp(jobs[i].name, name) == 0)
			return &jobs[i];
	return NULL;
}

static void
test_staleness(void **state)
{
	const struct job_status *j;
	json_object *o, *last;

	(void)state;
	assert_null(status_of("test-job-stale"));          /* undeclared, never ran */
	assert_int_equal(job_declare(pool, "test-job-stale", "*/5 * * * *"), 0);
	assert_int_equal(job_declare(pool, "Bad Name", "*/5 * * * *"), -1);
	assert_int_equal(job_declare(pool, "test-job-x", "0 9 * * 1-5"), -1);
	j = status_of("test-job-stale");
	assert_non_null(j);
	assert_true(j->installed && j->interval == 300 && !j->stale);
	assert_string_equal(j->state, "pending");          /* fresh: not stale */
	db_query(pool, "UPDATE job_schedules SET installed_at = now() - interval '11 minutes' "
	         "WHERE job = 'test-job-stale'", DB_NOARGS);
	j = status_of("test-job-stale");
	assert_true(j->stale);
	assert_string_equal(j->state, "stale");            /* never succeeded in 2x */
	db_query(pool, "INSERT INTO job_runs (job, started_at, finished_at, status, items) "
	         "VALUES ('test-job-stale', now() - interval '9 minutes', now() - interval "
	         "'9 minutes' + interval '2 seconds', 'ok', 5)", DB_NOARGS);
	j = status_of("test-job-stale");
	assert_false(j->stale);
	assert_string_equal(j->state, "ok");
	assert_int_equal(j->last_items, 5);
	assert_true(j->last_duration > 1.99 && j->last_duration < 2.01);
	db_query(pool, "INSERT INTO job_runs (job, started_at, finished_at, status, items, error) "
	         "VALUES ('test-job-stale', now() - interval '1 minute', now(), 'failed', 0, "
	         "'boom'), ('test-job-stale', now(), now(), 'skipped', NULL, NULL)", DB_NOARGS);
	j = status_of("test-job-stale");
	assert_string_equal(j->state, "failing");          /* skips are not the last run */
	assert_string_equal(j->last_status, "failed");
	assert_int_equal(j->failures, 1);
	assert_int_equal(j->skipped_24h, 1);
	o = job_status_json(j);
	assert_true(json_object_object_get_ex(o, "last_run", &last));
	assert_string_equal(json_object_get_string(json_object_object_get(last, "error")), "boom");
	assert_true(json_object_get_boolean(json_object_object_get(o, "installed")));
	assert_int_equal(json_object_get_int(json_object_object_get(o, "interval_seconds")), 300);
	json_object_put(o);
	db_query(pool, "UPDATE job_runs SET finished_at = finished_at - interval '2 minutes', "
	         "started_at = started_at - interval '2 minutes' WHERE job = 'test-job-stale'",
	         DB_NOARGS);
	j = status_of("test-job-stale");                   /* last success 11 min ago */
	assert_true(j->stale);
	/* a declared job that is not in the table is listed too; the table's are
	 * listed undeclared */
	j = status_of("scan-markets");
	assert_non_null(j);
	assert_string_equal(j->schedule, "*/5 * * * *");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cron_intervals),
		cmocka_unit_test(test_schedule_table),
		cmocka_unit_test(test_crontab_file_is_the_table),
		cmocka_unit_test(test_ok_run_recorded),
		cmocka_unit_test(test_failed_run_recorded),
		cmocka_unit_test(test_dry_run_writes_nothing),
		cmocka_unit_test(test_second_instance_skips_while_lock_held),
		cmocka_unit_test(test_abandoned_run_is_marked_failed),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_options_signals_and_hold),
		cmocka_unit_test(test_staleness),
	};
	char err[256];

	setenv("LOG_LEVEL", "error", 1);
	if (argc == 2 && strcmp(argv[1], "--child-instance") == 0) {
		int rc = job_main(1, argv, &lock_job);

		return child_body_ran ? 42 : rc;
	}
	self_path = argv[0];
	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_job_db: needs DATABASE_URL (or EDGESCOUT_ENV_FILE) of a "
		                "migrated database: %s\n", err);
		return 1;
	}
	log_init("test_job_db");
	return cmocka_run_group_tests(tests, setup, teardown);
}
