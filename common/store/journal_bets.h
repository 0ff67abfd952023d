/* journal_bets.h: the journal's paper bets on odds outcomes
 * (sql/016_journal.sql): the ones whose events are over, and their
 * settlement. Profit is exact: stake x (price - 1) on a win, -stake on a
 * loss, 0 on a push or void. */
#ifndef EDGESCOUT_JOURNAL_BETS_H
#define EDGESCOUT_JOURNAL_BETS_H

#include <stddef.h>

#include "odds_results.h"

struct pool;

/* At most limit unsettled bets of completed events into *out (*n, pool
 * memory; method and kelly unset), oldest event first. 0, or -1 on DB
 * failure. */
int journal_due_bets(struct pool *p, int limit, struct odds_due **out, size_t *n);

/* Settle bet id once with result r; *updated 0 when it was settled before.
 * 0, or -1 (logged). */
int journal_bet_settle(struct pool *p, int64_t id, enum odds_result r, int *updated);

#endif
