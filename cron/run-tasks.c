/* run-tasks: the worker of the asynchronous task queue (common/store/task.h).
 * Started every minute; first puts tasks stuck running past
 * TASK_TIMEOUT_SECONDS back in the queue (or fails those that used
 * TASK_MAX_ATTEMPTS), then LISTENs on TASK_CHANNEL and claims tasks of
 * every kind (analyses, backtests) one at a time (FOR UPDATE SKIP LOCKED) and runs them, sleeping on
 * the connection's socket while the queue is empty, so a task queued
 * meanwhile is taken within moments rather than at the next minute. Stops
 * claiming after RUN_TASKS_SECONDS (55; 0: only what is queued now), or at
 * SIGTERM once the current task is finished. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "analysis.h"
#include "analysis_db.h"
#include "backtest_task.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "job.h"
#include "log.h"
#include "pool.h"
#include "task.h"

#define DEFAULT_SECONDS 55
#define MAX_SECONDS 3600
#define POLL_SECONDS 10.0      /* look at the queue at least this often */

static const char SQL_COUNTS[] =
	"SELECT count(*) FILTER (WHERE status = 'queued' AND run_after <= now()), "
	"       count(*) FILTER (WHERE status = 'running' "
	"                        AND started_at < now() - make_interval(secs => $1::int)) "
	"FROM tasks WHERE status IN ('queued', 'running')";

/* Seconds until the next queued task becomes claimable (a retry's backoff
 * ends without a notification); NULL when none is queued. */
static const char SQL_NEXT[] =
	"SELECT extract(epoch FROM min(run_after) - now()) FROM tasks "
	"WHERE status = 'queued'";

static int run_tasks(struct job_ctx *ctx);

static const struct job job = {
	"run-tasks", run_tasks,
	"The task worker: requeues tasks stuck running for TASK_TIMEOUT_SECONDS\n"
	"(300; failed once they used TASK_MAX_ATTEMPTS, 3), then claims queued\n"
	"tasks (analyses, backtests) one at a time and runs them, listening on edgescout_tasks\n"
	"for new ones while the queue is empty, until RUN_TASKS_SECONDS (55) have\n"
	"passed (0: only the tasks queued now). SIGTERM stops it after the current\n"
	"task. Runs once at a time across all hosts (its advisory lock): started\n"
	"every minute, a task waits seconds, not a minute. --dry-run counts the\n"
	"claimable and stuck tasks."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

/* An integer setting within lo..hi, else def (with a warning). */
static int
int_setting(const char *key, int def, int lo, int hi)
{
	long long v = config_int(key, def);

	if (v < lo || v > hi) {
		log_kv(LOG_WARN, "setting out of range: the default is used", "setting", key, NULL);
		return def;
	}
	return (int)v;
}

/* Drop the notifications libpq has read; how many there were. */
static int
drain(PGconn *c)
{
	PGnotify *n;
	int k = 0;

	while ((n = PQnotifies(c)) != NULL) {
		PQfreemem(n);
		k++;
	}
	return k;
}

/* Sleep until the server sends something on c (a notification), seconds
 * pass or a stop signal arrives; signals stay blocked outside the wait so
 * one cannot slip in between the check and the sleep. 1 notified, 0 not,
 * -1 the connection broke. */
static int
wait_for_work(PGconn *c, double seconds)
{
	sigset_t block, old;
	struct timespec ts;
	fd_set rd;
	int fd = PQsocket(c), k;

	if (fd < 0)
		return -1;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (!job_should_stop()) {
		FD_ZERO(&rd);
		FD_SET(fd, &rd);
		ts.tv_sec = (time_t)seconds;
		ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
		if (pselect(fd + 1, &rd, NULL, NULL, &ts, &old) < 0 && errno != EINTR) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			return -1;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (PQconsumeInput(c) == 0)
		return -1;
	k = drain(c);
	return k > 0;
}

/* This process's worker name: host:pid. */
static const char *
worker_name(struct pool *p)
{
	char host[64];

	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	return pool_printf(p, "%s:%ld", host, (long)getpid());
}

/* How long to wait for a notification: until deadline, the next retry
 * or POLL_SECONDS, whichever comes first. */
static double
wait_seconds(struct pool *p, double deadline)
{
	PGresult *res = db_query(p, SQL_NEXT, DB_NOARGS);
	double s = deadline - clock_now(), next;

	if (s > POLL_SECONDS)
		s = POLL_SECONDS;
	if (res != NULL && !PQgetisnull(res, 0, 0)) {
		next = strtod(db_text(res, 0, 0), NULL) + 0.05;
		if (next < s)
			s = next;
	}
	return s > 0 ? s : 0;
}

/* Run claimed task t by its kind; a kind no code runs fails at once. As
 * analysis_task_run: 0, 1 (claim lost) or -1. */
static int
run_one(struct pool *p, const struct task *t, int max_attempts)
{
	if (strcmp(t->kind, ANALYSIS_TASK_KIND) == 0)
		return analysis_task_run(p, t, max_attempts);
	if (strcmp(t->kind, BACKTEST_TASK_KIND) == 0)
		return backtest_task_run(p, t, max_attempts);
	return task_fail(p, t->id, t->attempts, "VALIDATION_FAILED", "no worker runs this kind",
	                 0, max_attempts);
}

/* Claim and run one task: 1 done, 0 none queued, -1 after job_fail. */
static int
one_task(struct job_ctx *ctx, struct pool *p, const char *worker, int max_attempts)
{
	struct task t;
	int found, rc;
	double t0;

	if (task_claim(p, worker, NULL, &t, &found) < 0)
		return job_fail(ctx, "claiming a task failed (SQLSTATE %s)", db_sqlstate());
	if (!found)
		return 0;
	t0 = clock_now();
	rc = run_one(p, &t, max_attempts);
	if (rc < 0)
		return job_fail(ctx, "the outcome of task %lld could not be written (SQLSTATE %s)",
		                (long long)t.id, db_sqlstate());
	log_kv(LOG_INFO, rc == 1 ? "task claim lost (requeued meanwhile)" : "task run",
	       "task_id", db_i64(p, t.id), "attempt", db_i64(p, t.attempts),
	       "ms", db_i64(p, (int64_t)((clock_now() - t0) * 1000.0)), NULL);
	return 1;
}

/* Claim and run tasks until deadline (all: until the queue is empty), or
 * a stop signal; -1 after job_fail. */
static int
work(struct job_ctx *ctx, double deadline, int all, int max_attempts)
{
	const char *worker = worker_name(ctx->pool);
	struct pool *p = pool_new();       /* one task's memory at a time */
	PGconn *c = db_conn();
	int backend = c ? PQbackendPID(c) : 0, rc = 0, idle = 0, k;

	while (rc == 0 && !job_should_stop()) {
		k = one_task(ctx, p, worker, max_attempts);
		if ((c = db_conn()) == NULL || PQbackendPID(c) != backend) {
			rc = job_fail(ctx, "the database session was lost (and the lock and LISTEN "
			              "with it)");
			break;
		}
		if (k < 0) {
			rc = -1;
		} else if (k > 0) {
			ctx->items++;
			drain(c);
			if (!all && clock_now() >= deadline)
				break;
		} else if (clock_now() >= deadline) {
			break;
		} else if (drain(c) == 0) {
			if (!idle++)
				log_kv(LOG_INFO, "tasks: the queue is empty; listening", NULL);
			if (wait_for_work(c, wait_seconds(p, deadline)) < 0)
				rc = job_fail(ctx, "the database connection broke while waiting");
		}
		pool_reset(p);
	}
	pool_free(p);
	return rc;
}

static int
run_tasks(struct job_ctx *ctx)
{
	int budget = int_setting("RUN_TASKS_SECONDS", DEFAULT_SECONDS, 0, MAX_SECONDS);
	int timeout = int_setting("TASK_TIMEOUT_SECONDS", 300, 1, 86400);
	int max_attempts = int_setting("TASK_MAX_ATTEMPTS", 3, 1, 100);
	double deadline = clock_now() + budget;
	int requeued = 0, failed = 0, rc;
	PGresult *res;

	if (ctx->dry_run) {
		res = db_query(ctx->pool, SQL_COUNTS, DB_ARGS(db_i64(ctx->pool, timeout)));
		if (res == NULL)
			return job_fail(ctx, "counting tasks failed (SQLSTATE %s)", db_sqlstate());
		ctx->items = db_int(res, 0, 0);
		log_kv(LOG_INFO, "tasks (dry run: nothing claimed)", "claimable", db_text(res, 0, 0),
		       "stuck", db_text(res, 0, 1), NULL);
		return 0;
	}
	if (task_requeue_stuck(ctx->pool, timeout, max_attempts, &requeued, &failed) < 0)
		return job_fail(ctx, "requeuing stuck tasks failed (SQLSTATE %s)", db_sqlstate());
	if (db_query(ctx->pool, "LISTEN " TASK_CHANNEL, DB_NOARGS) == NULL)
		return job_fail(ctx, "LISTEN failed (SQLSTATE %s)", db_sqlstate());
	rc = work(ctx, deadline, budget == 0, max_attempts);
	if (rc == 0 && db_query(ctx->pool, "UNLISTEN *", DB_NOARGS) == NULL)
		rc = job_fail(ctx, "UNLISTEN failed (SQLSTATE %s)", db_sqlstate());
	log_kv(LOG_INFO, job_should_stop() ? "tasks: stopped by a signal" : "tasks: done",
	       "done", db_i64(ctx->pool, ctx->items), "requeued", db_i64(ctx->pool, requeued),
	       "timed_out", db_i64(ctx->pool, failed), NULL);
	return rc;
}
