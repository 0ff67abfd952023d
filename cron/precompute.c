/* precompute: keeps the analysis cache warm. Takes the PRECOMPUTE_TOP
 * (default 20) symbol and strategy pairs most requested in the last 24
 * hours (search_history: every stock-analysis call, sync or async) whose
 * symbol has stored prices, and gets each one's analysis the way the
 * endpoint does (analysis_get: the prices refreshed when due, then the
 * cached analysis of the latest bar day, or computed and cached), so the
 * next call answers X-Cache: HIT. A pair already cached costs one lookup
 * and computes nothing: a second run computes nothing. */
#include <string.h>

#include "analysis.h"
#include "analysis_db.h"
#include "config.h"
#include "db.h"
#include "job.h"
#include "log.h"
#include "pool.h"

#define DEFAULT_TOP 20
#define MAX_TOP 1000

/* The top pairs with the symbol's latest bar day and whether the cache
 * holds the analysis of the symbol's current data revision under the
 * current version. */
static const char SQL_TOP[] =
	"WITH asked AS (SELECT symbol, strategy, count(*) AS n FROM search_history "
	"               WHERE created_at > now() - interval '24 hours' "
	"               GROUP BY symbol, strategy), "
	"top AS (SELECT a.symbol, a.strategy, a.n, s.id AS symbol_id, s.data_revision, "
	"               (SELECT max(c.date) FROM candles c WHERE c.symbol_id = s.id) AS latest "
	"        FROM asked a JOIN symbols s ON s.symbol = a.symbol) "
	"SELECT t.symbol, t.strategy, t.n, "
	"       EXISTS (SELECT 1 FROM analyses x WHERE x.symbol_id = t.symbol_id "
	"               AND x.strategy = t.strategy AND x.data_revision = t.data_revision "
	"               AND x.version = $2::int) "
	"FROM top t WHERE t.latest IS NOT NULL "
	"ORDER BY t.n DESC, t.symbol, t.strategy LIMIT $1::int";

static int precompute(struct job_ctx *ctx);

static const struct job job = {
	"precompute", precompute,
	"Warms the analysis cache: the PRECOMPUTE_TOP (20) symbol and strategy pairs\n"
	"most requested in the last 24 hours (of symbols with stored prices) get\n"
	"their analysis of the latest bar day computed and cached, prices refreshed\n"
	"first when due, so the next call answers X-Cache: HIT. Pairs already\n"
	"cached compute nothing: a second run computes nothing. --dry-run counts\n"
	"the pairs not cached yet."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

/* PRECOMPUTE_TOP within 1..MAX_TOP, else the default (with a warning). */
static int
top_setting(void)
{
	long long v = config_int("PRECOMPUTE_TOP", DEFAULT_TOP);

	if (v < 1 || v > MAX_TOP) {
		log_kv(LOG_WARN, "setting out of range: the default is used", "setting",
		       "PRECOMPUTE_TOP", NULL);
		return DEFAULT_TOP;
	}
	return (int)v;
}

/* Get the analysis of symbol under strategy; 1 when it was computed now,
 * 0 when it was cached (or cannot be had), -1 after job_fail. */
static int
warm(struct job_ctx *ctx, struct pool *p, const char *symbol, const char *strategy,
    int cached)
{
	int st = analysis_strategy_parse(strategy);
	struct analysis_outcome o;

	if (st < 0)
		return 0;
	if (analysis_get(p, symbol, (enum analysis_strategy)st, &o) < 0) {
		if (o.err == ERR_DB_UNAVAILABLE || o.err == ERR_INTERNAL)
			return job_fail(ctx, "analysing %s (%s) failed: %s", symbol, strategy,
			                o.message);
		log_kv(LOG_INFO, "not warmed", "symbol", symbol, "strategy", strategy,
		       "reason", o.message, NULL);
		return 0;
	}
	/* STALE says the prices could not be refreshed, not where the result came
	 * from: it was computed when the cache had nothing for the day before */
	return strcmp(o.cache, "MISS") == 0 || (strcmp(o.cache, "STALE") == 0 && !cached);
}

static int
precompute(struct job_ctx *ctx)
{
	int top = top_setting(), cached = 0, rc = 0, i;
	PGresult *res = db_query(ctx->pool, SQL_TOP, DB_ARGS(db_i64(ctx->pool, top),
	                                                     db_i64(ctx->pool, ANALYSIS_VERSION)));
	struct pool *p;

	if (res == NULL)
		return job_fail(ctx, "reading the most requested analyses failed (SQLSTATE %s)",
		                db_sqlstate());
	p = pool_new();                /* one analysis's memory at a time */
	for (i = 0; i < PQntuples(res) && rc == 0 && !job_should_stop(); i++) {
		int was = strcmp(db_text(res, i, 3), "t") == 0, k;

		cached += was;
		if (ctx->dry_run) {
			ctx->items += !was;
			continue;
		}
		if ((k = warm(ctx, p, db_text(res, i, 0), db_text(res, i, 1), was)) < 0)
			rc = -1;
		else
			ctx->items += k;
		pool_reset(p);
	}
	pool_free(p);
	log_kv(LOG_INFO, ctx->dry_run ? "analyses due (dry run: nothing computed)" :
	       "analyses warmed", "pairs", db_i64(ctx->pool, i),
	       "cached_before", db_i64(ctx->pool, cached),
	       "computed", db_i64(ctx->pool, ctx->items), "top", db_i64(ctx->pool, top), NULL);
	return rc;
}
