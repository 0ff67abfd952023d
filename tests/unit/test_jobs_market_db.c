/* test_jobs_market_db.c: the market jobs (cron/scan-markets, run-tasks,
 * precompute) run as the binaries they are, next to this test's build, on
 * the test stack's database: signals stored once per symbol, strategy and
 * day and NOTIFYed when new, a failing provider chain failing the run, the
 * task worker's claims, sweep, LISTEN wake-up and SIGTERM, the cache
 * warmed for the most requested pairs, and dry runs that write nothing.
 * Tests named *_db get the stack's EDGESCOUT_ENV_FILE. The task queue is
 * emptied first: run it against a test stack only. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "analysis_db.h"
#include "app.h"
#include "market_store.h"
#include "task.h"

#define FIXTURE "tests/fixtures/sp500-2000.csv"
#define LAST_DAY "2020-04-17"      /* the fixture's last bar */

static struct pool *pool;
static char bindir[4200];          /* .../build-san/cron */
static char csvdir[64];            /* the csv provider's files */
static char logpath[128];         /* the last job's output */
static int64_t user;
static pid_t child;                /* a job started and not yet waited for */
static char jobs_sh[4200];         /* scripts/jobs.sh of this tree */
static char stackdir[4096];        /* the stack's DIR, from EDGESCOUT_ENV_FILE */
static int loop_was_running;

/* ---- helpers ----------------------------------------------------------- */

static PGresult *
q(const char *sql, const char *const *args, int n)
{
	PGresult *res = db_query(pool, sql, args, n);

	if (res == NULL)
		fail_msg("query failed: %s", sql);
	return res;
}

static int64_t
q_int(const char *sql, const char *const *args, int n)
{
	PGresult *res = q(sql, args, n);

	assert_int_equal(PQntuples(res), 1);
	return db_int(res, 0, 0);
}

static const char *
q_text(const char *sql, const char *const *args, int n)
{
	PGresult *res = q(sql, args, n);

	assert_int_equal(PQntuples(res), 1);
	return pool_strdup(pool, db_text(res, 0, 0));
}

/* A fresh symbol no other test uses. */
static const char *
fresh_symbol(void)
{
	return q_text("SELECT 'ZJ' || upper(substr(md5(random()::text), 1, 6))", DB_NOARGS);
}

/* Store the fixture's candles as symbol (and write them as symbol's csv
 * provider file when file). */
static void
load_fixture(const char *symbol, int stored, int file)
{
	FILE *f = fopen(FIXTURE, "rb");
	char *body = pool_alloc(pool, 1 << 20);
	size_t len;
	struct candles c;
	const char *msg;
	int changed;

	assert_non_null(f);
	len = fread(body, 1, (1 << 20) - 1, f);
	fclose(f);
	body[len] = '\0';
	if (file) {
		char path[128];
		FILE *o;

		snprintf(path, sizeof(path), "%s/%s.csv", csvdir, symbol);
		assert_non_null(o = fopen(path, "wb"));
		assert_int_equal(fwrite(body, 1, len, o), len);
		fclose(o);
	}
	if (stored) {
		assert_int_equal(provider_parse_csv(pool, 200, body, len, &c, &msg), PROVIDER_OK);
		assert_int_equal(market_store_candles(pool, symbol, "csv", &c, &changed), 0);
	}
}

/* Start job name with --dry-run when dry and env ("KEY=value", NULL-ended)
 * added; its output goes to logpath. The child's pid. */
static pid_t
start_job(const char *name, int dry, const char *const *env)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		char path[4300];
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		for (; env && *env; env++) {
			const char *eq = strchr(*env, '=');
			char key[64];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - *env), *env);
			setenv(key, eq + 1, 1);
		}
		snprintf(path, sizeof(path), "%s/%s", bindir, name);
		execl(path, name, dry ? "--dry-run" : "--once", (char *)NULL);
		_exit(127);
	}
	child = pid;
	return pid;
}

/* Wait for pid; its exit status (the output shown when it is not want). */
static int
wait_job(pid_t pid, int want)
{
	int st = 0;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	child = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != want) {
		char line[1024];
		FILE *f = fopen(logpath, "r");

		while (f && fgets(line, sizeof(line), f))
			fprintf(stderr, "    job: %s", line);
		if (f)
			fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
run_job(const char *name, int dry, const char *const *env, int want)
{
	return wait_job(start_job(name, dry, env), want);
}

static int64_t
runs_of(const char *job)
{
	return q_int("SELECT count(*) FROM job_runs WHERE job = $1", DB_ARGS(job));
}

/* The last run of job: its status and items. */
static void
last_run(const char *job, const char *status, int64_t items)
{
	PGresult *res = q("SELECT status, items, coalesce(error, '') FROM job_runs "
	                  "WHERE job = $1 ORDER BY id DESC LIMIT 1", DB_ARGS(job));

	assert_int_equal(PQntuples(res), 1);
	if (strcmp(db_text(res, 0, 0), status) != 0)
		fail_msg("%s: last run %s (%s), expected %s", job, db_text(res, 0, 0),
		         db_text(res, 0, 2), status);
	if (items >= 0)
		assert_int_equal(db_int(res, 0, 1), items);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

	/* one signal per strategy and day for each symbol, from the scan */
	assert_int_equal(q_int("SELECT count(*) FROM signals g JOIN symbols s "
	    "ON s.id = g.symbol_id WHERE s.symbol IN ($1, $2) AND g.day = '" LAST_DAY "' "
	    "AND g.source = 'scan'", DB_ARGS(a, b)), 2 * STRATEGY_COUNT);
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
	    "ON s.id = g.symbol_id WHERE s.symbol IN ($1, $2)", DB_ARGS(a, b)),
	    2 * STRATEGY_COUNT);

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
	int64_t t1, t2, bad, stuck, spent, runs;
	pid_t pid;

	(void)state;
	load_fixture(s, 1, 0);
	q("DELETE FROM tasks WHERE status IN ('queued', 'running')", DB_NOARGS);
	t1 = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"momentum\"}", s));
	t2 = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"value\"}", s));
	bad = enqueue("{\"symbol\":\"not valid\",\"strategy\":\"momentum\"}");
	stuck = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"growth\"}", s));
	spent = enqueue(pool_printf(pool, "{\"symbol\":\"%s\",\"strategy\":\"dividend\"}", s));
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
	last_run("run-tasks", "ok", 4);
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

/* ---- the group --------------------------------------------------------- */

/* Run scripts/jobs.sh cmd DIR quietly, with none of this process's
 * settings but the sanitizers': its exit status. */
static int
loop(const char *cmd)
{
	static const char *const keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL };
	char line[16384];
	size_t n;
	int st;

	n = (size_t)snprintf(line, sizeof(line), "env -i PATH=/usr/local/sbin:/usr/local/bin:"
	                     "/usr/sbin:/usr/bin:/sbin:/bin");
	for (const char *const *k = keep; *k; k++)
		if (getenv(*k) != NULL && strchr(getenv(*k), '\'') == NULL && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s='%s'", *k, getenv(*k));
	if (n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " '%s' %s '%s' >/dev/null 2>&1", jobs_sh, cmd,
		         stackdir);
	st = system(line);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The stack's jobs loop runs every job on its schedule: it is paused while
 * these tests run their own instances, so no scheduled run takes a job's
 * lock or a queued task first. */
static void
pause_loop(const char *tree)
{
	const char *env = getenv("EDGESCOUT_ENV_FILE");
	char *slash;

	snprintf(jobs_sh, sizeof(jobs_sh), "%s/scripts/jobs.sh", tree);
	snprintf(stackdir, sizeof(stackdir), "%s", env ? env : "");
	for (int i = 0; i < 2 && (slash = strrchr(stackdir, '/')) != NULL; i++)
		*slash = '\0';              /* DIR/etc/edgescout.env -> DIR */
	if (access(jobs_sh, X_OK) != 0 || loop("status") != 0)
		return;
	assert_int_equal(loop("stop"), 0);
	loop_was_running = 1;
}

static void
resume_loop(void)
{
	const char *asan = getenv("ASAN_OPTIONS");

	if (!loop_was_running)
		return;
	/* the loop's jobs report as the stack's own processes do */
	if (asan != NULL && strstr(asan, "log_path=") == NULL) {
		char v[4400];

		snprintf(v, sizeof(v), "%s:log_path=%s/log/sanitizer", asan, stackdir);
		setenv("ASAN_OPTIONS", v, 1);
	}
	if (loop("start") != 0)
		fprintf(stderr, "test_jobs_market_db: the jobs loop of %s did not start again\n",
		        stackdir);
}

/* After a failed test: stop the job it left running. */
static int
stop_child(void **state)
{
	(void)state;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = 0;
	}
	return 0;
}

static int
setup(void **state)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	(void)state;
	assert_true(n > 0);
	self[n] = '\0';
	for (int i = 0; i < 3 && (slash = strrchr(self, '/')) != NULL; i++)
		*slash = '\0';               /* .../build-san/tests/unit/test_x -> .../build-san */
	snprintf(bindir, sizeof(bindir), "%s/cron", self);
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';               /* the tree */
	pause_loop(self);
	snprintf(csvdir, sizeof(csvdir), "/tmp/edgescout-jobs-XXXXXX");
	assert_non_null(mkdtemp(csvdir));
	snprintf(logpath, sizeof(logpath), "%s/job.log", csvdir);
	pool = pool_new();
	user = q_int("INSERT INTO users (email, password_hash) VALUES "
	             "('jobs-' || md5(random()::text) || '@example.com', 'x') RETURNING id",
	             DB_NOARGS);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[200];

	(void)state;
	db_query(pool, "DELETE FROM users WHERE id = $1", DB_ARGS(db_i64(pool, user)));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", csvdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", csvdir);
	pool_free(pool);
	db_close();
	resume_loop();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_scan_stores_signals_once_and_notifies_new_ones, stop_child),
		cmocka_unit_test_teardown(test_scan_fails_when_no_provider_can_refresh, stop_child),
		cmocka_unit_test_teardown(test_run_tasks_works_the_queue, stop_child),
		cmocka_unit_test_teardown(test_run_tasks_wakes_on_notify_and_stops_on_sigterm, stop_child),
		cmocka_unit_test_teardown(test_precompute_warms_the_most_requested, stop_child),
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
