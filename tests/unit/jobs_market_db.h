/* jobs_market_db.h: the fixture of the market job tests
 * (test_jobs_market_db, test_jobs_tasks_db): the cron binaries next to
 * this test's build, run as they are with their output kept, the csv
 * provider's files, queries, the stack's jobs loop paused meanwhile, and
 * group set-up and teardown. Include once, after unit.h. */
#ifndef EDGESCOUT_TEST_JOBS_MARKET_DB_H
#define EDGESCOUT_TEST_JOBS_MARKET_DB_H

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

static char bindir[4200];          /* .../build-san/cron */
static char csvdir[64];            /* the csv provider's files */
static char logpath[128];         /* the last job's output */
static int64_t user;
static pid_t child;                /* a job started and not yet waited for */
static char jobs_sh[4200];         /* scripts/jobs.sh of this tree */
static char stackdir[4096];        /* the stack's DIR, from EDGESCOUT_ENV_FILE */
static int loop_was_running;

/* ---- helpers ----------------------------------------------------------- */

static __attribute__((unused)) PGresult *
q(const char *sql, const char *const *args, int n)
{
	PGresult *res = db_query(pool, sql, args, n);

	if (res == NULL)
		fail_msg("query failed: %s", sql);
	return res;
}

static __attribute__((unused)) int64_t
q_int(const char *sql, const char *const *args, int n)
{
	PGresult *res = q(sql, args, n);

	assert_int_equal(PQntuples(res), 1);
	return db_int(res, 0, 0);
}

static __attribute__((unused)) const char *
q_text(const char *sql, const char *const *args, int n)
{
	PGresult *res = q(sql, args, n);

	assert_int_equal(PQntuples(res), 1);
	return pool_strdup(pool, db_text(res, 0, 0));
}

/* A fresh symbol no other test uses. */
static __attribute__((unused)) const char *
fresh_symbol(void)
{
	return q_text("SELECT 'ZJ' || upper(substr(md5(random()::text), 1, 6))", DB_NOARGS);
}

/* Store the fixture's candles as symbol (and write them as symbol's csv
 * provider file when file). */
static __attribute__((unused)) void
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
static __attribute__((unused)) pid_t
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
static __attribute__((unused)) int
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

static __attribute__((unused)) int
run_job(const char *name, int dry, const char *const *env, int want)
{
	return wait_job(start_job(name, dry, env), want);
}

static __attribute__((unused)) int64_t
runs_of(const char *job)
{
	return q_int("SELECT count(*) FROM job_runs WHERE job = $1", DB_ARGS(job));
}

/* The last run of job: its status and items. */
static __attribute__((unused)) void
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

static __attribute__((unused)) void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static __attribute__((unused)) double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* ---- the group --------------------------------------------------------- */

/* Run scripts/jobs.sh cmd DIR quietly, with none of this process's
 * settings but the sanitizers': its exit status. */
static __attribute__((unused)) int
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
static __attribute__((unused)) void
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

static __attribute__((unused)) void
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
static __attribute__((unused)) int
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


#endif
