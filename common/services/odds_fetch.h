/* odds_fetch.h: bringing odds in from the providers and finding +EV hits.
 *
 * Two providers, both through http_get (so file:// works, calls are logged
 * and replies cached):
 *   odds_api  The Odds API v4 at ODDS_API_URL (default
 *             https://api.the-odds-api.com) with ODDS_API_KEY: the odds of a
 *             sport for ODDS_REGIONS (default "us") and ODDS_MARKETS (default
 *             "h2h,spreads,totals") in decimal, cached ODDS_CACHE_TTL seconds
 *             (default 60) per (sport, regions, markets). Each odds call
 *             costs markets x regions requests; the x-requests-remaining,
 *             -used and -last headers are kept in odds_quota, and no odds call
 *             is made once fewer than ODDS_QUOTA_FLOOR (default 50) remain.
 *   odds_csv  recorded odds (odds_provider.h's CSV) at ODDS_CSV_URL, used
 *             when ODDS_API_KEY is not set.
 * Hits use the fair line of ODDS_SHARP_BOOK (default "pinnacle") where it
 * prices the line, else the consensus, by ODDS_METHOD (default
 * "multiplicative"), and keep prices whose EV is at least ODDS_MIN_EV
 * (default 0.02). */
#ifndef EDGESCOUT_ODDS_FETCH_H
#define EDGESCOUT_ODDS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "devig.h"
#include "provider.h"

struct pool;

/* One fetch of a sport's odds: the knobs and what came of it. */
struct odds_fetch {
	/* in */
	const char *sport;       /* sport key; ignored by odds_csv */
	int refresh;             /* skip a fresh cached reply */
	/* out */
	const char *provider;    /* "odds_api" or "odds_csv" */
	const char *message;     /* a short reason to show (no secrets) */
	size_t prices;           /* prices taken from the reply */
	size_t refused;          /* book markets refused */
	int inserted;            /* new price snapshots stored */
	int from_cache;          /* the reply came from the HTTP cache */
	int64_t remaining;       /* requests left by the provider's count, -1: unknown */
};

/* Fetch and store the odds of f->sport. PROVIDER_OK when the reply parsed
 * and its prices are stored (all or nothing); else the failure, with
 * nothing stored; PROVIDER_RATE_LIMITED without a call when the quota is
 * below the floor. */
enum provider_status odds_fetch_run(struct pool *p, struct odds_fetch *f);

/* Fetch and store the provider's sports (no quota cost). *message as for
 * odds_fetch_run. */
enum provider_status odds_fetch_sports(struct pool *p, const char **message);

/* Fetch and store the scores of sport's events of the last days_from days
 * (1..3; 0: live and upcoming only), which costs 2 requests (1 without
 * days_from) and stops at the quota floor as odds_fetch_run does; without
 * ODDS_API_KEY, the recorded scores at ODDS_SCORES_URL (the same JSON shape,
 * file:// or https) instead. *changed
 * events added or changed; *message as for odds_fetch_run. */
enum provider_status odds_fetch_scores(struct pool *p, const char *sport, int days_from,
                                       int *changed, const char **message);

/* The configured method and sharp book. */
enum devig_method odds_method(void);
const char *odds_sharp_book(void);

/* Find the +EV prices of sport's upcoming events (NULL: every sport) by
 * method m with EV at least min_ev and store them as hits. *found hits
 * seen, *created of them new. 0, or -1 on DB failure. */
int odds_find_hits(struct pool *p, const char *sport, enum devig_method m, double min_ev,
                   int *found, int *created);

/* As odds_find_hits, over the latest prices of event event_id, started or
 * not (recorded history: the demo data). */
int odds_find_event_hits(struct pool *p, const char *event_id, enum devig_method m,
                         double min_ev, int *found, int *created);

#endif
