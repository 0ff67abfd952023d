/* market_fetch.h: bringing a symbol's prices up to date from the providers.
 *
 * The chain is MARKET_PROVIDERS: names from alphavantage, finnhub, polygon
 * and csv, comma-separated, tried in order. A provider without its API key
 * is skipped (csv needs MARKET_CSV_URL_TEMPLATE instead). Each call goes
 * through http_get (provider = the chain's name, cache TTL MARKET_CACHE_TTL),
 * so file:// URLs work, calls are logged and replies cached. A series is
 * stored only when the provider's whole reply parses and validates. */
#ifndef EDGESCOUT_MARKET_FETCH_H
#define EDGESCOUT_MARKET_FETCH_H

#include <stddef.h>

#include "provider.h"

struct pool;

/* Bring symbol's candles (and fundamentals when a provider offers them) up
 * to date through the configured provider chain, falling back to the next
 * provider on any failure; force bypasses the HTTP cache TTL. Returns
 * PROVIDER_OK when a provider's series was stored (*used = its name), else
 * the status of the last attempt (PROVIDER_UNAVAILABLE when no provider
 * could be tried or the database failed) with *used = that provider or ""
 * and nothing stored; PROVIDER_NO_DATA without any call for a symbol that
 * valid_symbol() refuses. *message: a short reason to show, naming each
 * provider that failed or was skipped (no secrets, never NULL; on success
 * ending "N candles, M changed"). used and message may be NULL. */
enum provider_status market_refresh(struct pool *p, const char *symbol, int force,
    const char **used, const char **message);

/* The knobs and the outcome of one refresh. */
struct market_refresh {
	/* in */
	const char *chain;         /* provider names; NULL: MARKET_PROVIDERS */
	const char *csv_template;  /* NULL: MARKET_CSV_URL_TEMPLATE */
	int force;                 /* skip fresh cached replies */
	/* out */
	const char *used;          /* provider that succeeded, or the last tried, or "" */
	const char *message;       /* as for market_refresh */
	size_t candles;            /* bars in the stored series */
	int changed;               /* candle rows inserted or updated */
	int stale;                 /* the reply was an expired cached copy served
	                              because the provider failed */
	int fundamentals;          /* a fundamentals snapshot was stored */
};

/* market_refresh with knobs: the outcome is written into *m. */
enum provider_status market_refresh_run(struct pool *p, const char *symbol,
    struct market_refresh *m);

#endif
