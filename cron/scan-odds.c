/* scan-odds: the odds scanner. For each sport of ODDS_SPORTS (a
 * comma-separated list of sport keys, default "upcoming": the next events
 * of every sport; the list of sports is refreshed first, free of quota)
 * the odds are fetched through odds_fetch_run (The Odds API
 * with ODDS_API_KEY, else the recorded odds at ODDS_CSV_URL, once) and
 * stored as price history; once the provider's quota is below
 * ODDS_QUOTA_FLOOR the remaining sports wait for a later run. Then every
 * price of an upcoming event whose EV against the fair line is at least
 * ODDS_MIN_EV (default 0.02) is stored as a hit (ev_hits, and hits for the
 * feed and alerts), each new one NOTIFYed on edgescout_hits. A second run
 * over the same prices inserts nothing. New hits are then published to
 * the live stream (stream_pub.h). With neither ODDS_API_KEY nor
 * ODDS_CSV_URL set the run does nothing. The run fails when every fetch
 * failed for another reason than the quota. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "job.h"
#include "log.h"
#include "odds_fetch.h"
#include "odds_store.h"
#include "pool.h"
#include "stream_pub.h"

static int scan(struct job_ctx *ctx);

static const struct job job = {
	"scan-odds", scan,
	"Fetch the odds of ODDS_SPORTS and store the prices whose EV beats ODDS_MIN_EV as hits."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

static const char *
conf(const char *key, const char *def)
{
	const char *v = config_get(key);

	return v != NULL && *v ? v : def;
}

static int
scan(struct job_ctx *ctx)
{
	struct pool *p = ctx->pool;
	const char *key = config_get("ODDS_API_KEY"), *csv = config_get("ODDS_CSV_URL");
	int api = key != NULL && *key, tried = 0, failed = 0, found = 0, created = 0;
	char *sports = pool_strdup(p, api ? conf("ODDS_SPORTS", "upcoming") : "recorded");
	char *save = NULL, *min_ev_end;
	double min_ev = strtod(conf("ODDS_MIN_EV", "0.02"), &min_ev_end);
	const char *why = "";

	if (!api && (csv == NULL || *csv == '\0')) {
		log_kv(LOG_INFO, "scan-odds: neither ODDS_API_KEY nor ODDS_CSV_URL is set", NULL);
		return 0;
	}
	if (*min_ev_end != '\0')
		return job_fail(ctx, "ODDS_MIN_EV is not a number");
	if (api && !ctx->dry_run && odds_fetch_sports(p, &why) != PROVIDER_OK)
		log_kv(LOG_WARN, "scan-odds: sports not refreshed", "message", why, NULL);
	why = "";
	for (char *s = strtok_r(sports, ", ", &save); s && !job_should_stop();
	     s = strtok_r(NULL, ", ", &save)) {
		struct odds_fetch f = { .sport = s };
		enum provider_status st;

		if (ctx->dry_run)
			continue;
		tried++;
		st = odds_fetch_run(p, &f);
		log_kv(st == PROVIDER_OK ? LOG_INFO : LOG_WARN, "scan-odds: fetched",
		       "sport", s, "provider", f.provider, "status", provider_status_name(st),
		       "message", f.message ? f.message : "",
		       "new_prices", pool_printf(p, "%d", f.inserted), NULL);
		if (st == PROVIDER_RATE_LIMITED) {
			why = f.message;
			break;
		}
		if (st != PROVIDER_OK) {
			failed++;
			why = f.message ? f.message : provider_status_name(st);
		}
	}
	if (tried > 0 && failed == tried)
		return job_fail(ctx, "no odds could be fetched: %s", why);
	if (!ctx->dry_run && odds_find_hits(p, NULL, odds_method(), min_ev, &found, &created) < 0)
		return job_fail(ctx, "storing the hits failed (SQLSTATE %s)", db_sqlstate());
	ctx->items = created;
	log_kv(LOG_INFO, "scan-odds: hits", "found", pool_printf(p, "%d", found),
	       "new", pool_printf(p, "%d", created), NULL);
	if (!ctx->dry_run)
		stream_publish_pending(p);   /* the new hits to the live stream */
	return 0;
}
