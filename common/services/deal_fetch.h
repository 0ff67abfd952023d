/* deal_fetch.h: scanning a saved search: listings in from the provider,
 * stored, scored, and the search's hits brought up to date.
 *
 * The providers, both through http_get:
 *   ebay  eBay's Browse API with EBAY_CLIENT_ID and EBAY_CLIENT_SECRET: an
 *         OAuth client-credentials token (POST /identity/v1/oauth2/token,
 *         Basic id:secret; kept for the process until 60 s before it
 *         expires, renewed on a 401, never logged), then GET
 *         /buy/browse/v1/item_summary/search with the search's keywords
 *         (q: AND words, (a,b) for OR, -word for NOT), price and country
 *         filters and X-EBAY-C-MARKETPLACE-ID (EBAY_MARKETPLACE, EBAY_US),
 *         following next up to EBAY_MAX_PAGES pages (5) of EBAY_PAGE_SIZE
 *         (200). Base URL by EBAY_ENV (production or sandbox) or
 *         EBAY_API_URL. No call once the day's calls reach EBAY_DAILY_CALLS
 *         (5000): the budget shows in provider health as 'ebay'.
 *   csv   recorded listings (deal_provider.h's CSV) at DEALS_CSV_URL
 *         (file:// or http(s)), cached DEALS_CACHE_TTL seconds (300), used
 *         when no eBay key is set.
 * Either way the search's query is applied here too. Listings a complete
 * reply no longer holds are marked ended (a reply cut at the page cap ends
 * none); a changed price is a new price-history row; the whole search is
 * scored again on every scan. */
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
	const char *provider;    /* "ebay" or "csv" */
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

/* 1 when a listing provider is configured (eBay keys or DEALS_CSV_URL). */
int deal_provider_configured(void);

/* 1 when EBAY_CLIENT_ID and EBAY_CLIENT_SECRET are set. */
int deal_ebay_configured(void);

/* Fetch the listings of query q from eBay into *items; *complete when the
 * last page was reached. PROVIDER_OK, or the failure with *msg
 * (RATE_LIMITED: the daily budget or eBay's 429; FORBIDDEN: the keys). */
enum provider_status deal_ebay_fetch(struct pool *p, const struct deal_query *q,
    struct deal_items *items, int *complete, const char **msg);

/* 1 when DEALS_OPINION_URL is set (second opinions are off without it). */
int deal_opinion_configured(void);

/* Ask DEALS_OPINION_URL's chat completions (DEALS_OPINION_MODEL, Bearer
 * DEALS_OPINION_KEY) for a second opinion on the great deals of search
 * search_id that have none, at most DEALS_OPINION_MAX (3), and keep each.
 * Failures are logged and leave the listing without one. Returns how many
 * were kept. */
int deal_opinion_run(struct pool *p, int64_t search_id);

/* Forget the process's eBay token (the next call asks for a new one). */
void deal_ebay_forget_token(void);

/* Scan search s->search_id in one transaction (all or nothing) and record
 * the scan on the search (its next scan, its last error). PROVIDER_OK;
 * PROVIDER_NO_DATA when there is no such search; else the provider's or
 * the database's failure (PROVIDER_UNAVAILABLE), with s->message. */
enum provider_status deal_scan_run(struct pool *p, struct deal_scan *s);

#endif
