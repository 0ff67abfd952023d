/* odds_store.h: sports, books, events, every price snapshot, +EV hits and
 * their cross-domain hits rows, and the provider's quota.
 *
 * Prices are history: a snapshot (event, book, market, outcome, point,
 * observed time) is stored once, so storing the same reply twice changes
 * nothing, and the closing price of each market is the last snapshot before
 * the event started (view odds_closing_prices). */
#ifndef EDGESCOUT_ODDS_STORE_H
#define EDGESCOUT_ODDS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "odds_eval.h"
#include "odds_provider.h"

struct pool;

/* The channel a new hit's id (hits.id) is NOTIFYed on. */
#define ODDS_HITS_CHANNEL "edgescout_hits"

/* Store the rows of r (books and events upserted, new snapshots added) from
 * source ("api" or "csv") in one transaction (joining the caller's): all or
 * nothing. *inserted = new snapshots. 0, or -1 (logged). */
int odds_store_rows(struct pool *p, const struct odds_rows *r, const char *source,
                    int *inserted);

/* Upsert the event of row w and, when book, add its book unless it is
 * known (a known book keeps its title). 0, or -1 (logged). */
int odds_store_event(struct pool *p, const struct odds_row *w, int book);

/* Store the n events of s with their completion and scores (an event not
 * stored before is added). *changed = events added or changed. 0, or -1
 * (logged). */
int odds_store_scores(struct pool *p, const struct odds_score *s, size_t n, int *changed);

/* Upsert the n sports of s. 0, or -1 (logged). */
int odds_store_sports(struct pool *p, const struct odds_sport *s, size_t n);

/* Record the provider's quota as its last reply told it (NULL: unknown).
 * 0, or -1 (logged). */
int odds_store_quota(struct pool *p, const char *provider, const char *remaining,
                     const char *used, const char *last_cost);

/* The provider's remaining requests into *remaining (-1 when unknown).
 * 0, or -1 on DB failure. */
int odds_quota_remaining(struct pool *p, const char *provider, int64_t *remaining);

/* The latest snapshot of every price of sport's events that start after
 * now (sport NULL: every sport; event_id not NULL: that event only, started
 * or not), ordered by event start, in pool memory. 0, or -1 on DB failure. */
int odds_latest_rows(struct pool *p, const char *sport, const char *event_id,
                     struct odds_rows *out);

/* The closing price of every (book, market, outcome, point) of event_id
 * (view odds_closing_prices: the last snapshot before the event started)
 * in pool memory. 0, or -1 on DB failure. */
int odds_closing_rows(struct pool *p, const char *event_id, struct odds_rows *out);

/* Store row r as a +EV hit found by method (evaluation e) from source
 * ("scan" or "ingest", user_id for ingest or 0), and its row in hits.
 * A new hit is NOTIFYed on ODDS_HITS_CHANNEL. Idempotent on (event,
 * market, outcome, point, book, price, observed time): *created 0 and *id the existing hit when it was stored before.
 * 0, or -1 (logged). */
int odds_store_hit(struct pool *p, const struct odds_row *r, const struct odds_eval *e,
                   const char *method, const char *source, int64_t user_id,
                   int64_t *id, int *created);

/* A double as the shortest text that reads back the same (pool memory). */
const char *odds_num(struct pool *p, double v);

#endif
