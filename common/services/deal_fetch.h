/* deal_fetch.h: scanning a saved search: listings in from the provider,
 * stored, scored, and the search's hits brought up to date.
 *
 * The provider: recorded listings (deal_provider.h's CSV) at DEALS_CSV_URL
 * (file:// or http(s)), read through http_get (cached DEALS_CACHE_TTL
 * seconds, default 300) and filtered by the search's query here. Listings
 * the reply no longer holds are marked ended; a changed price is a new
 * price-history row; the whole search is scored again on every scan. */
#ifndef EDGESCOUT_DEAL_FETCH_H
#define EDGESCOUT_DEAL_FETCH_H

#include <stdint.h>

#include "deal_store.h"
#include "provider.h"

struct pool;

/* One scan of a search: what came of it. */
struct deal_scan {
	int64_t search_id;       /* in */
	int refresh;             /* in: skip a fresh cached reply */
	const char *url;         /* in: recorded listings to read instead of
	                            DEALS_CSV_URL (the demo), or NULL */
	const char *provider;    /* "csv" */
	const char *message;     /* a short reason to show (no secrets) */
	int fetched;             /* listings in the reply */
	int matched;             /* of them, passing the search's query */
	struct deal_stored stored;
	int scored;              /* live listings scored */
	int hits;                /* of them, band good or great */
};

/* The provider's calls left today under DEALS_DAILY_CALLS (default 5000)
 * into *left (0 when spent). 0, or -1 on DB failure. */
int deal_budget_left(struct pool *p, int64_t *left);

/* 1 when a listing provider is configured (DEALS_CSV_URL). */
int deal_provider_configured(void);

/* Scan search s->search_id in one transaction (all or nothing) and record
 * the scan on the search (its next scan, its last error). PROVIDER_OK;
 * PROVIDER_NO_DATA when there is no such search; else the provider's or
 * the database's failure (PROVIDER_UNAVAILABLE), with s->message. */
enum provider_status deal_scan_run(struct pool *p, struct deal_scan *s);

#endif
