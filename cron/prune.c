/* prune.c: retention. Deletes what has outlived its use: login failures
 * older than a day, provider calls older than 30 days, cache entries expired
 * for over 7 days, sessions and refresh tokens past their expiry, and job
 * runs older than 30 days that did not fail (failed runs stay: they are what
 * edgescout_job_failures_total counts). Deletes in batches, each its own
 * transaction, so a large backlog never holds locks or hits the statement
 * timeout; a second run deletes nothing. --dry-run counts instead. */
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
	{ NULL, NULL, NULL }
};

static int prune(struct job_ctx *ctx);

static const struct job job = {
	"prune", prune,
	"Retention: deletes login failures older than a day, provider calls older\n"
	"than 30 days, cache entries expired for over 7 days, sessions and refresh\n"
	"tokens past their expiry, and successful or skipped job runs older than\n"
	"30 days. Idempotent: a second run deletes nothing."
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

static int
prune(struct job_ctx *ctx)
{
	for (const struct step *s = steps; s->table != NULL && !job_should_stop(); s++) {
		int64_t n = ctx->dry_run ? count_step(ctx, s) : delete_step(ctx, s);

		if (n < 0)
			return -1;
		ctx->items += n;
		log_kv(LOG_INFO, ctx->dry_run ? "would delete" : "deleted", "what", s->what,
		       "rows", db_i64(ctx->pool, n), NULL);
	}
	return 0;
}
