/* job.c: the frame every scheduled job runs in: options, configuration, the
 * job's advisory lock, its job_runs row and its log lines. */
#define _GNU_SOURCE
#include "job.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "procname.h"

/* The lock of slot $2 of job $1: slot 0 is the job's own name. */
#define LOCK_KEY "hashtext('edgescout.job.' || $1 || CASE WHEN $2::int > 0 THEN '#' || $2 ELSE '' END)"
#define SQL_LOCK "SELECT pg_try_advisory_lock(" LOCK_KEY "), pg_backend_pid()"
#define SQL_UNLOCK "SELECT pg_advisory_unlock(" LOCK_KEY ")"
#define SQL_SKIPPED \
	"INSERT INTO job_runs (job, finished_at, status) VALUES ($1, now(), 'skipped')"
/* Holding the lock, any row of ours still running belongs to a dead run. */
#define SQL_ABANDONED \
	"UPDATE job_runs SET status = 'failed', finished_at = now(), " \
	"error = 'abandoned: the run ended without finishing (killed, crashed or lost " \
	"its database session)' WHERE job = $1 AND slot = $2::int AND status = 'running'"
#define SQL_START "INSERT INTO job_runs (job, slot) VALUES ($1, $2::int) RETURNING id"
#define SQL_FINISH \
	"UPDATE job_runs SET status = $2, finished_at = now(), items = $3::int, " \
	"error = nullif($4, '') WHERE id = $1::bigint"
#define SQL_READ_ONLY "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

void
job_wait_notify(double seconds)
{
	PGconn *c = db_conn();
	struct pollfd pfd;
	PGnotify *n;

	if (c == NULL || seconds <= 0)
		return;
	pfd.fd = PQsocket(c);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)(seconds * 1000) + 1) > 0 && PQconsumeInput(c))
		while ((n = PQnotifies(c)) != NULL)
			PQfreemem(n);
}

int
job_should_stop(void)
{
	return stopping != 0;
}

int
job_fail(struct job_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	log_kv(LOG_ERROR, "job step failed", "job", ctx->job->name, "error", ctx->error, NULL);
	return -1;
}

int64_t
job_exec(struct job_ctx *ctx, const char *sql, const char *const *args, int nargs)
{
	PGresult *res = db_query(ctx->pool, sql, args, nargs);
	const char *n;

	if (res == NULL)
		return -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return PQntuples(res);
	n = PQcmdTuples(res);
	return *n ? strtoll(n, NULL, 10) : 0;
}

int
job_tx(struct job_ctx *ctx, int (*fn)(struct job_ctx *ctx, void *arg), void *arg)
{
	if (db_begin(ctx->pool) < 0) {
		if (ctx->error[0] == '\0')
			job_fail(ctx, "cannot begin a transaction (SQLSTATE %s)", db_sqlstate());
		return -1;
	}
	if (fn(ctx, arg) < 0) {
		db_rollback(ctx->pool);
		return -1;
	}
	if (db_commit(ctx->pool) < 0) {
		db_rollback(ctx->pool);
		if (ctx->error[0] == '\0')
			job_fail(ctx, "commit failed (SQLSTATE %s)", db_sqlstate());
		return -1;
	}
	return 0;
}

static void
usage(FILE *f, const struct job *job)
{
	const char *sched = job_schedule_of(job->name);

	fprintf(f, "usage: %s [--once] [--dry-run] [--help]\n\n%s\n\n", job->name,
	        job->help ? job->help : "");
	fprintf(f, "Schedule: %s (cron/crontab; edgescout cron install).\n",
	        sched ? sched : "none (not in the schedule table)");
	fputs("  --once     run once and exit (the default)\n"
	      "  --dry-run  read and count, write nothing (no job_runs row either)\n"
	      "  --help     this text\n"
	      "\nSettings come from the environment, then EDGESCOUT_ENV_FILE. One\n"
	      "instance runs at a time across all hosts (a PostgreSQL advisory lock);\n"
	      "another finds the lock taken, records a skipped run and exits 0. Exit\n"
	      "status: 0 done or skipped, 1 failed, 2 usage. Logs are JSON lines on\n"
	      "stderr.\n", f);
}

/* Options into ctx; -1 when the caller should return *status. */
static int
parse_args(int argc, char **argv, const struct job *job, struct job_ctx *ctx, int *status)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0) {
			continue;
		} else if (strcmp(argv[i], "--dry-run") == 0) {
			ctx->dry_run = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, job);
			return *status = 0, -1;
		} else {
			fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", job->name,
			        argv[i], job->name);
			return *status = 2, -1;
		}
	}
	return 0;
}

static void
report_problem(const char *key, const char *problem, void *fatal)
{
	log_kv(*(int *)fatal ? LOG_ERROR : LOG_WARN, "configuration problem",
	       "setting", key, "problem", problem, NULL);
}

/* Configuration, log, libsodium and signals; 0 or an exit status. */
static int
setup(const struct job *job)
{
	char err[512];
	int fatal;
	struct sigaction sa;

	if (config_load(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", job->name, err);
		return 1;
	}
	log_init(job->name);
	procname_set(job->name);
	fatal = config_env() == APP_PRODUCTION;
	if (config_check(report_problem, &fatal) > 0 && fatal) {
		log_kv(LOG_ERROR, "refusing to run: unsafe production configuration", NULL);
		return 1;
	}
	if (sodium_init() < 0) {
		log_kv(LOG_ERROR, "libsodium failed to initialise", NULL);
		return 1;
	}
	stopping = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;          /* no SA_RESTART: sleeps end early */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* A JSON log line about the run with its numbers. */
static void
log_run(enum log_level level, const char *msg, const struct job_ctx *ctx,
        const char *status, double seconds)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "msg", json_object_new_string(msg));
	json_object_object_add(o, "job", json_object_new_string(ctx->job->name));
	if (ctx->run_id)
		json_object_object_add(o, "run_id", json_object_new_int64(ctx->run_id));
	if (ctx->dry_run)
		json_object_object_add(o, "dry_run", json_object_new_boolean(1));
	if (status != NULL) {
		json_object_object_add(o, "status", json_object_new_string(status));
		json_object_object_add(o, "items", json_object_new_int64(ctx->items));
		json_object_object_add(o, "duration_ms",
		                       json_object_new_int64((int64_t)(seconds * 1000.0 + 0.5)));
	}
	if (ctx->error[0] != '\0')
		json_object_object_add(o, "error", json_object_new_string(ctx->error));
	log_json(level, o);
}

/* Tests only: keep the lock JOB_TEST_HOLD_MS longer (until SIGTERM). */
static void
test_hold(void)
{
	long long ms = config_env() == APP_TEST ? config_int("JOB_TEST_HOLD_MS", 0) : 0;
	struct timespec ts;

	if (ms <= 0)
		return;
	if (ms > 600000)
		ms = 600000;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (!stopping && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Take the lock of a free slot (ctx->slot): 1 taken, 0 every slot held
 * elsewhere, -1 no database. */
static int
take_lock(struct job_ctx *ctx, int *backend)
{
	int slots = ctx->job->slots > 1 ? ctx->job->slots : 1;

	for (ctx->slot = 0; ctx->slot < slots; ctx->slot++) {
		PGresult *res = db_query(ctx->pool, SQL_LOCK,
		                         DB_ARGS(ctx->job->name, db_i64(ctx->pool, ctx->slot)));

		if (res == NULL || PQntuples(res) != 1)
			return -1;
		*backend = (int)db_int(res, 0, 1);
		if (strcmp(db_text(res, 0, 0), "t") == 0)
			return 1;
	}
	return 0;
}

/* Open the run's row (or make the session read-only for a dry run). */
static int
begin_run(struct job_ctx *ctx)
{
	PGresult *res;

	if (ctx->dry_run)
		return job_exec(ctx, SQL_READ_ONLY, DB_NOARGS) < 0 ? -1 : 0;
	if (job_exec(ctx, SQL_ABANDONED, DB_ARGS(ctx->job->name, db_i64(ctx->pool, ctx->slot))) < 0)
		return -1;
	res = db_query(ctx->pool, SQL_START, DB_ARGS(ctx->job->name, db_i64(ctx->pool, ctx->slot)));
	if (res == NULL || PQntuples(res) != 1)
		return -1;
	ctx->run_id = db_int(res, 0, 0);
	return 0;
}

/* Run the job with the lock held; its outcome (0 or -1) with ctx->error. */
static int
run_locked(struct job_ctx *ctx, int backend)
{
	PGresult *res;
	int rc = ctx->job->run(ctx);

	if (rc != 0 && ctx->error[0] == '\0')
		snprintf(ctx->error, sizeof(ctx->error), "the job failed without saying why");
	if (db_in_transaction()) {
		db_rollback(ctx->pool);
		if (rc == 0) {
			snprintf(ctx->error, sizeof(ctx->error),
			         "the job left a transaction open (rolled back)");
			rc = -1;
		}
	}
	test_hold();
	res = db_query(ctx->pool, "SELECT pg_backend_pid()", DB_NOARGS);
	if (res == NULL || db_int(res, 0, 0) != backend) {
		snprintf(ctx->error, sizeof(ctx->error),
		         "database session lost during the run (the lock was not held throughout)");
		rc = -1;
	}
	if (ctx->items < 0)
		ctx->items = 0;
	if (ctx->items > INT32_MAX)
		ctx->items = INT32_MAX;
	return rc;
}

/* Close the run's row; -1 when it could not be written. */
static int
finish_run(struct job_ctx *ctx, const char *status)
{
	if (ctx->dry_run)
		return 0;
	return db_query(ctx->pool, SQL_FINISH,
	                DB_ARGS(db_i64(ctx->pool, ctx->run_id), status,
	                        db_i64(ctx->pool, ctx->items), ctx->error)) ? 0 : -1;
}

int
job_main(int argc, char **argv, const struct job *job)
{
	struct job_ctx ctx;
	int status = 0, backend = 0, locked, rc;
	double t0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.job = job;
	if (parse_args(argc, argv, job, &ctx, &status) < 0 || (status = setup(job)) != 0)
		return status;
	ctx.pool = pool_new();
	locked = take_lock(&ctx, &backend);
	if (locked < 0) {
		log_kv(LOG_ERROR, "database unavailable: the job did not run", "job", job->name, NULL);
		status = 1;
		goto out;
	}
	if (locked == 0) {
		log_kv(LOG_INFO, "another instance holds the lock", "job", job->name, NULL);
		if (!ctx.dry_run && job_exec(&ctx, SQL_SKIPPED, DB_ARGS(job->name)) < 0)
			log_kv(LOG_WARN, "the skipped run was not recorded", "job", job->name, NULL);
		goto out;
	}
	if (begin_run(&ctx) < 0) {
		log_kv(LOG_ERROR, "cannot record the run: the job did not run", "job", job->name, NULL);
		status = 1;
		goto unlock;
	}
	log_run(LOG_INFO, "job started", &ctx, NULL, 0);
	t0 = clock_now();
	rc = run_locked(&ctx, backend);
	if (finish_run(&ctx, rc == 0 ? "ok" : "failed") < 0) {
		log_kv(LOG_ERROR, "the run's outcome was not recorded", "job", job->name, NULL);
		rc = -1;
	}
	log_run(rc == 0 ? LOG_INFO : LOG_ERROR, rc == 0 ? "job finished" : "job failed", &ctx,
	        rc == 0 ? "ok" : "failed", clock_now() - t0);
	status = rc == 0 ? 0 : 1;
unlock:
	db_query(ctx.pool, SQL_UNLOCK, DB_ARGS(job->name, db_i64(ctx.pool, ctx.slot)));
out:
	pool_free(ctx.pool);
	db_close();
	return status;
}
