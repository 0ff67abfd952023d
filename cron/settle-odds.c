/* settle-odds: how the +EV hits turned out. First the scores: with
 * ODDS_API_KEY, The Odds API's GET /v4/sports/{sport}/scores?daysFrom=3 for
 * each sport with unsettled hits of started events (2 requests each,
 * stopping at the quota floor); else the recorded scores at ODDS_SCORES_URL
 * (the same JSON shape), once. Then every unsettled hit of a completed
 * event is settled (common/services/odds_settlement.h): result, profit at a
 * flat stake and at its Kelly stake, closing fair price and CLV; so is every
 * paper bet of the journal on a completed event (result and profit). The
 * run's items are the hits settled. A second run settles nothing new. With neither ODDS_API_KEY nor ODDS_SCORES_URL
 * set, only hits of events already known completed are settled. */
#include <string.h>

#include "config.h"
#include "job.h"
#include "log.h"
#include "odds_fetch.h"
#include "odds_results.h"
#include "odds_settlement.h"
#include "pool.h"

#define SETTLE_BATCH 1000
#define SCORES_DAYS 3

static int settle(struct job_ctx *ctx);

static const struct job job = {
	"settle-odds", settle,
	"Fetch the scores of events with open +EV hits and settle them: result, profit, CLV; "
	"and the journal's paper bets."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

/* Fetch the scores; -1 after job_fail when every fetch failed. */
static int
fetch_scores(struct job_ctx *ctx)
{
	struct pool *p = ctx->pool;
	const char *key = config_get("ODDS_API_KEY"), *url = config_get("ODDS_SCORES_URL");
	static const char *recorded[] = { "recorded" };
	const char **sports, *msg = "";
	size_t n;
	int tried = 0, failed = 0, changed;

	if (key == NULL || *key == '\0') {
		if (url == NULL || *url == '\0')
			return 0;
		sports = recorded;
		n = 1;
	} else if (odds_due_sports(p, &sports, &n) < 0) {
		return job_fail(ctx, "reading the open hits failed");
	}
	for (size_t i = 0; i < n && !job_should_stop(); i++) {
		enum provider_status st = odds_fetch_scores(p, sports[i], SCORES_DAYS, &changed, &msg);

		tried++;
		log_kv(st == PROVIDER_OK ? LOG_INFO : LOG_WARN, "settle-odds: scores",
		       "sport", sports[i], "status", provider_status_name(st), "message",
		       st == PROVIDER_OK ? "" : msg, "changed", pool_printf(p, "%d", changed), NULL);
		if (st == PROVIDER_RATE_LIMITED)
			break;
		if (st != PROVIDER_OK)
			failed++;
	}
	if (tried > 0 && failed == tried)
		return job_fail(ctx, "no scores could be fetched: %s", msg);
	return 0;
}

/* Settle the journal's paper bets of completed events; -1 after job_fail. */
static int
settle_bets(struct job_ctx *ctx)
{
	int settled = 0, batch;

	do {
		if (odds_settle_bets(ctx->pool, SETTLE_BATCH, &batch) < 0)
			return job_fail(ctx, "settling the paper bets failed");
		settled += batch;
	} while (batch == SETTLE_BATCH && !job_should_stop());
	log_kv(LOG_INFO, "settle-odds: settled", "bets", pool_printf(ctx->pool, "%d", settled),
	       NULL);
	return 0;
}

static int
settle(struct job_ctx *ctx)
{
	int settled = 0, batch;

	if (ctx->dry_run)
		return 0;
	if (fetch_scores(ctx) < 0)
		return -1;
	do {
		if (odds_settle_due(ctx->pool, SETTLE_BATCH, &batch) < 0)
			return job_fail(ctx, "settling the hits failed");
		settled += batch;
	} while (batch == SETTLE_BATCH && !job_should_stop());
	ctx->items = settled;
	log_kv(LOG_INFO, "settle-odds: settled", "hits", pool_printf(ctx->pool, "%d", settled), NULL);
	return settle_bets(ctx);
}
