/* deal_store.h: saved searches, the listings they found with their price
 * history, their deal scores, and the deals rows of the hits table.
 *
 * A scan stores what the provider returned for a search in one statement:
 * new listings are added, known ones updated (a changed price or shipping
 * adds a deal_prices row), and, when the reply was complete, the search's
 * live listings it no longer holds are marked ended. Scoring then rates
 * every live listing of the search against the others (deal.h) and keeps
 * the listings of band good or great as hits (domain 'deals', key
 * "listing:<id>"); a listing that leaves those bands or ends leaves the
 * hits. Storing the same reply and scoring again changes nothing. */
#ifndef EDGESCOUT_DEAL_STORE_H
#define EDGESCOUT_DEAL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "deal_provider.h"

struct pool;

/* A saved search as a scan needs it (pool memory). */
struct deal_search {
	int64_t id, user_id;
	const char *name;
	struct deal_query q;
	int every_minutes;
};

/* What storing one scan's listings did. */
struct deal_stored {
	int added;        /* new listings */
	int changed;      /* known listings whose price or shipping changed */
	int dropped;      /* of them, a lower price */
	int ended;        /* live listings the reply no longer held */
};

/* Load search id into *out. 0, 1 when there is no such search, -1 on DB
 * failure (logged). */
int deal_search_load(struct pool *p, int64_t id, struct deal_search *out);

/* Store the n items of provider ("csv", "ebay") for search id, marking
 * the search's other live listings ended when complete. 0, or -1 (logged;
 * nothing stored). */
int deal_store_items(struct pool *p, int64_t search_id, const char *provider,
    const struct deal_item *items, size_t n, int complete, struct deal_stored *out);

/* Score every live listing of search s against the others, store the
 * scores, and bring the search's deals hits up to date. *scored listings
 * scored, *hits listings of band good or great. 0, or -1 (logged). */
int deal_store_rescore(struct pool *p, const struct deal_search *s, int *scored, int *hits);

/* The id of the demo search (no user, not scanned on schedule) named
 * name, made with keywords_all {keyword} when there is none, into *id. 0,
 * or -1 (logged). */
int deal_demo_search(struct pool *p, const char *name, const char *keyword, int64_t *id);

/* Record a scan of search id: last_scan_at now, next_scan_at now plus its
 * every_minutes, last_error error (NULL: none). 0, or -1 (logged). */
int deal_search_scanned(struct pool *p, int64_t id, const char *error);

/* The ids of the enabled searches due a scan (next_scan_at passed), the
 * longest waiting first, at most max, into *ids (pool memory). The count,
 * or -1 on DB failure. */
int deal_searches_due(struct pool *p, int max, int64_t **ids);

/* The live listings of band great of search search_id that have no second
 * opinion yet, best first, at most max, into *rows: id, title, currency,
 * condition, band, price, shipping, score, median_total, comparables,
 * components (JSON text). The count, or -1 on DB failure. */
int deal_opinions_due(struct pool *p, int64_t search_id, int max, PGresult **rows);

/* Keep model's opinion text of listing listing_id. 0, or -1 (logged). */
int deal_opinion_store(struct pool *p, int64_t listing_id, const char *text,
    const char *model);

/* The calls made to provider (provider_calls) since midnight UTC into
 * *calls. 0, or -1 on DB failure. */
int deal_calls_today(struct pool *p, const char *provider, int64_t *calls);

#endif
