/* scan-deals: the deals scanner. Each enabled saved search whose next scan
 * is due (every_minutes after its last one), the longest waiting first, at
 * most DEALS_SEARCHES_PER_RUN (default 100) a run, is scanned through
 * deal_scan_run: the provider's listings (deal_fetch.h) matching its query
 * stored, listings gone marked ended, price changes kept, the search scored
 * again and its listings of band good or great kept as hits (domain
 * 'deals'), each new one NOTIFYed on edgescout_hits. With
 * DEALS_OPINION_URL set, a language model's second opinion is then asked
 * for on each great deal that has none (deal_opinion_run). Once the provider's
 * calls today reach DEALS_DAILY_CALLS the remaining searches wait for a
 * later run (so does eBay's 429). A second run finds nothing due and
 * changes nothing. With no provider configured the run does nothing. The
 * run fails when every scan failed for another reason than the budget. */
#include <stdlib.h>

#include "config.h"
#include "deal_fetch.h"
#include "job.h"
#include "log.h"
#include "pool.h"

static int scan(struct job_ctx *ctx);

static const struct job job = {
	"scan-deals", scan,
	"Scan the saved deal searches that are due and keep their good deals as hits."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

static int
scan(struct job_ctx *ctx)
{
	struct pool *p = ctx->pool;
	int64_t *ids, left;
	int n, tried = 0, failed = 0, listings = 0;
	const char *why = "";

	if (!deal_provider_configured()) {
		log_kv(LOG_INFO, "scan-deals: neither EBAY_CLIENT_ID nor DEALS_CSV_URL is set", NULL);
		return 0;
	}
	if ((n = deal_searches_due(p, (int)config_int("DEALS_SEARCHES_PER_RUN", 100), &ids)) < 0)
		return job_fail(ctx, "the due searches could not be read");
	for (int i = 0; i < n && !job_should_stop(); i++) {
		struct deal_scan s = { .search_id = ids[i] };
		enum provider_status st;

		if (ctx->dry_run)
			continue;
		if (deal_budget_left(p, &left) < 0)
			return job_fail(ctx, "the provider budget could not be read");
		if (left <= 0) {
			log_kv(LOG_WARN, "scan-deals: the provider's daily budget is spent",
			       "waiting", pool_printf(p, "%d", n - i), NULL);
			break;
		}
		tried++;
		st = deal_scan_run(p, &s);
		log_kv(st == PROVIDER_OK ? LOG_INFO : LOG_WARN, "scan-deals: scanned",
		       "search", pool_printf(p, "%lld", (long long)s.search_id),
		       "status", provider_status_name(st), "message", s.message,
		       "new", pool_printf(p, "%d", s.stored.added),
		       "changed", pool_printf(p, "%d", s.stored.changed),
		       "ended", pool_printf(p, "%d", s.stored.ended),
		       "hits", pool_printf(p, "%d", s.hits), NULL);
		if (st == PROVIDER_RATE_LIMITED) {
			why = s.message;
			break;
		}
		if (st != PROVIDER_OK && st != PROVIDER_NO_DATA) {
			failed++;
			why = s.message;
			continue;
		}
		listings += s.stored.added + s.stored.changed + s.stored.ended;
		if (deal_opinion_configured())
			log_kv(LOG_INFO, "scan-deals: second opinions", "search",
			       pool_printf(p, "%lld", (long long)s.search_id), "kept",
			       pool_printf(p, "%d", deal_opinion_run(p, s.search_id)), NULL);
	}
	if (tried > 0 && failed == tried)
		return job_fail(ctx, "no search could be scanned: %s", why);
	ctx->items = ctx->dry_run ? n : listings;
	return 0;
}
