/* prune.c: retention. Deletes what has outlived its use: login failures
 * older than a day, provider calls older than 30 days, cache entries expired
 * for over 7 days, sessions and refresh tokens past their expiry, and job
 * runs older than 30 days that did not fail (failed runs stay: they are what
 * edgescout_job_failures_total counts), signed-out access tokens past their
 * expiry, and finished tasks older than TASK_RETENTION_DAYS (7). Deletes
 * in batches, each its own
 * transaction, so a large backlog never holds locks or hits the statement
 * timeout; a second run deletes nothing. --dry-run counts instead. */
#include "config.h"
#include "db.h"
#include "job.h"
#include "log.h"
#include "pool.h"

#define BATCH 5000    /* rows per DELETE, each its own transaction */

/* One kind of row to prune: the table and the condition that makes a row go. */
struct step {
	const char *what;
	const char *table;
	const char *cond;
};

static const struct step steps[] = {
	{ "login failures", "login_failures", "at < now() - interval '1 day'" },
	{ "provider calls", "provider_calls", "at < now() - interval '30 days'" },
	{ "cache entries", "http_cache", "expires_at < now() - interval '7 days'" },
	{ "sessions", "sessions", "expires_at < now()" },
	{ "refresh tokens", "refresh_tokens", "expires_at < now()" },
	{ "job runs", "job_runs",
	  "status IN ('ok', 'skipped') AND started_at < now() - interval '30 days'" },
	{ "signed-out access tokens", "revoked_access_tokens", "expires_at < now()" },
	{ NULL, NULL, NULL }
};

#define TASK_RETENTION_DAYS 7
#define TASK_RETENTION_MAX 3650

static int prune(struct job_ctx *ctx);

static const struct job job = {
	"prune", prune,
	"Retention: deletes login failures older than a day, provider calls older\n"
	"than 30 days, cache entries expired for over 7 days, sessions and refresh\n"
	"tokens past their expiry, successful or skipped job runs older than\n"
	"30 days, signed-out access tokens past their expiry, and finished (done\n"
	"or failed) tasks older than TASK_RETENTION_DAYS (7). Idempotent: a\n"
	"second run deletes nothing."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

/* The rows of step s that would go; -1 after job_fail. */
static int64_t
count_step(struct job_ctx *ctx, const struct step *s)
{
	const char *sql = pool_printf(ctx->pool, "SELECT count(*) FROM %s WHERE %s",
	                              s->table, s->cond);
	PGresult *res = db_query(ctx->pool, sql, DB_NOARGS);

	if (res == NULL)
		return job_fail(ctx, "counting %s: query failed (SQLSTATE %s)", s->what,
		                db_sqlstate());
	return db_int(res, 0, 0);
}

/* Delete the rows of step s batch by batch; how many, or -1 after job_fail. */
static int64_t
delete_step(struct job_ctx *ctx, const struct step *s)
{
	const char *sql = pool_printf(ctx->pool,
		"DELETE FROM %s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %s WHERE %s "
		"LIMIT $1::int))", s->table, s->table, s->cond);
	const char *batch = db_i64(ctx->pool, BATCH);
	int64_t total = 0, n;

	do {
		if ((n = job_exec(ctx, sql, DB_ARGS(batch))) < 0)
			return job_fail(ctx, "deleting %s: query failed (SQLSTATE %s)", s->what,
			                db_sqlstate());
		total += n;
	} while (n >= BATCH && !job_should_stop());
	return total;
}

/* Count or delete the rows of s, logged; 0, or -1 after job_fail. */
static int
run_step(struct job_ctx *ctx, const struct step *s)
{
	int64_t n = ctx->dry_run ? count_step(ctx, s) : delete_step(ctx, s);

	if (n < 0)
		return -1;
	ctx->items += n;
	log_kv(LOG_INFO, ctx->dry_run ? "would delete" : "deleted", "what", s->what,
	       "rows", db_i64(ctx->pool, n), NULL);
	return 0;
}

/* Finished tasks past TASK_RETENTION_DAYS (their owners have had the result). */
static struct step
tasks_step(struct job_ctx *ctx)
{
	long long days = config_int("TASK_RETENTION_DAYS", TASK_RETENTION_DAYS);
	struct step s = { "finished tasks", "tasks", NULL };

	if (days < 1 || days > TASK_RETENTION_MAX) {
		log_kv(LOG_WARN, "setting out of range: the default is used", "setting",
		       "TASK_RETENTION_DAYS", NULL);
		days = TASK_RETENTION_DAYS;
	}
	s.cond = pool_printf(ctx->pool, "status IN ('done', 'failed') AND "
	                     "finished_at < now() - interval '1 day' * %lld", days);
	return s;
}

static int
prune(struct job_ctx *ctx)
{
	struct step tasks = tasks_step(ctx);

	for (const struct step *s = steps; s->table != NULL && !job_should_stop(); s++)
		if (run_step(ctx, s) < 0)
			return -1;
	return job_should_stop() ? 0 : run_step(ctx, &tasks);
}
