/* job.h: the frame of every scheduled job, the schedule of every job, and
 * what job_runs says about them.
 *
 * A job's main is one line, like an endpoint's:
 *     int main(int argc, char **argv) { return job_main(argc, argv, &job); }
 *
 * job_main parses --once (the default: one run), --dry-run and --help, loads
 * the configuration, and takes the PostgreSQL advisory lock
 * hashtext('edgescout.job.' || name) on the process's one database session
 * (db.h). A second instance, on any host, logs "another instance holds the
 * lock", records a 'skipped' row in job_runs and exits 0 at once. A job of
 * several slots (struct job's slots: work that its instances share safely,
 * as a queue claimed with SKIP LOCKED) runs up to that many instances, slot
 * k > 0 locking name#k. The holder marks rows its dead predecessors in the
 * same slot left 'running' as failed, records its own
 * run ('running', then 'ok' or 'failed' with finished_at, items and error),
 * logs JSON lines, releases the lock and exits 1 when the run failed.
 *
 * A dry run takes the lock too, but writes nothing at all: no job_runs row,
 * and its session is read-only, so a write by the job fails instead of
 * happening. Idempotence is each job's duty (a second run over the same data
 * changes nothing); job_tx() and job_exec() help.
 *
 * Tests only: with APP_ENV=test, JOB_TEST_HOLD_MS keeps the lock that many
 * milliseconds after the run (SIGTERM ends the wait), so a test can start a
 * second instance while the first one surely holds it. */
#ifndef EDGESCOUT_JOB_H
#define EDGESCOUT_JOB_H

#include <json-c/json.h>
#include <stdint.h>

struct buf;
struct pool;

#define JOB_NAME_MAX 40
#define JOB_ERROR_MAX 300

struct job;

/* What a run sees and reports. */
struct job_ctx {
	const struct job *job;
	struct pool *pool;           /* the run's memory, freed when the run ends */
	int dry_run;                 /* --dry-run: read and count, write nothing */
	int64_t items;               /* what the run processed (job_runs.items) */
	int64_t run_id;              /* this run's job_runs row; 0 in a dry run */
	int slot;                    /* the slot whose lock the run holds (0..slots-1) */
	char error[JOB_ERROR_MAX];   /* why the run failed (job_fail) */
};

struct job {
	const char *name;                    /* [a-z0-9-], as in job_schedules() */
	int (*run)(struct job_ctx *ctx);     /* 0 done, -1 failed (after job_fail) */
	const char *help;                    /* what the job does, for --help */
	int slots;                           /* instances that may run at once, each
	                                        holding its own slot's lock (0: 1) */
};

/* Run job once as described above. Returns the exit status: 0 done or
 * skipped, 1 failed (or no database), 2 usage. */
int job_main(int argc, char **argv, const struct job *job);

/* Record why the run failed (printf-style; shown in job_runs.error and the
 * log) and return -1, for `return job_fail(ctx, "...")`. */
int job_fail(struct job_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 1 once SIGTERM or SIGINT arrived: a long job should stop at the next item
 * boundary and return what it has done (the run still ends 'ok'). */
int job_should_stop(void);

/* Wait up to seconds for a NOTIFY on a channel the job's session LISTENs
 * to (or a signal); the notifications that came are consumed. */
void job_wait_notify(double seconds);

/* Run one statement; the number of rows it affected (or returned), or -1
 * (reason logged, db_sqlstate() says why). */
int64_t job_exec(struct job_ctx *ctx, const char *sql, const char *const *args, int nargs);

/* Run fn(ctx, arg) inside one transaction: committed when fn returns 0,
 * rolled back when it returns -1 or the commit fails. Returns 0 or -1. */
int job_tx(struct job_ctx *ctx, int (*fn)(struct job_ctx *ctx, void *arg), void *arg);

/* ---- schedules (job_cron.c) ---------------------------------------------- */

/* One job of the schedule: the table is what cron/crontab says, what
 * `edgescout cron install` writes and what staleness is measured against. */
struct job_schedule {
	const char *name;
	const char *schedule;        /* the default cron expression */
	const char *what;            /* one line for `edgescout cron list` */
};

/* The table, terminated by an entry with name == NULL. */
const struct job_schedule *job_schedules(void);

/* The schedule of job name: $JOB_SCHEDULE_<NAME> (upper case, '-' as '_')
 * when set to an expression job_cron_interval() accepts, else the table's;
 * NULL for a job not in the table. The string is static or the environment's. */
const char *job_schedule_of(const char *name);

/* The interval in seconds between runs of a cron expression of one of the
 * forms the schedule uses (written here with "*\/" for star-slash):
 * "* * * * *" (60), "*\/N * * * *" (N minutes, N 1-59), "M * * * *"
 * (hourly), "M *\/N * * *" (every N hours, N 1-23), "M H * * *" (daily).
 * Returns 0 and sets *seconds, or -1 for anything else. */
int job_cron_interval(const char *expr, long *seconds);

/* 1 when name is a job name: 1 to JOB_NAME_MAX of [a-z0-9-], starting with a
 * letter. */
int job_name_valid(const char *name);

/* Append the crontab of every job to out, each line running BIN/cron/NAME
 * with EDGESCOUT_ENV_FILE=env and output appended to LOG/jobs.log; user
 * (NULL for none) adds the user column of /etc/cron.d files. The repository's
 * cron/crontab is this with "@BIN@", "@ENV@", "@LOG@" and "@USER@". */
void job_crontab(struct buf *out, const char *bin, const char *env, const char *log,
                 const char *user);

/* ---- the record (job_status.c) ------------------------------------------- */

/* A job as job_runs and job_schedules see it. Times are RFC 3339 strings
 * ("" for none); ages and durations seconds (-1 for none), measured by the
 * database's clock. */
struct job_status {
	const char *name;
	const char *schedule;        /* as installed, else the default ("" for none) */
	long interval;               /* seconds between runs, -1 when unknown */
	int installed;               /* a scheduler declared it (job_schedules) */
	const char *installed_at;
	const char *last_started_at, *last_finished_at;   /* the last run, skips aside */
	const char *last_status;     /* running | ok | failed, "" when never run */
	int64_t last_items;          /* -1 for none */
	double last_duration;
	const char *last_error;      /* "" for none */
	const char *last_success_at;
	double last_success_epoch;   /* unix seconds of the last ok finish, -1 none */
	double since_success;        /* age of the last ok finish, -1 none */
	double since_installed;
	int64_t failures;            /* failed runs on record */
	int64_t failures_24h, skipped_24h;
	int stale;                   /* overdue: see job_status_list() */
	const char *state;           /* ok | failing | pending | stale | unscheduled */
};

/* Every job of the schedule table and every job a scheduler declared, by
 * name, into *out (pool memory). A job is stale when it is installed and
 * neither its last successful finish nor its installation is within twice
 * its interval. Its state: stale; else failing (the last run failed); else
 * pending (no success yet); else ok; unscheduled when not installed (never
 * stale). Returns the count, or -1 when the database cannot say (logged). */
int job_status_list(struct pool *p, struct job_status **out);

/* j as a JSON object (job, schedule, interval_seconds, installed,
 * installed_at, state, stale, last_run {started_at, finished_at, status,
 * items, duration_seconds, error} or null, last_success_at, failures,
 * failures_24h, skipped_24h); the caller owns it. */
json_object *job_status_json(const struct job_status *j);

/* Declare that a scheduler runs job name on schedule from now on (the
 * installation time staleness counts from). Returns 0 or -1 (logged). */
int job_declare(struct pool *p, const char *name, const char *schedule);

/* Withdraw the declaration of job name (nothing runs it any more; it is no
 * longer judged). Returns 0 or -1 (logged). */
int job_undeclare(struct pool *p, const char *name);

#endif
