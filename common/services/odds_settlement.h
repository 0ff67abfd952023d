/* odds_settlement.h: settling +EV hits once their events are over.
 *
 * Each unsettled hit of a completed event gets its result
 * (common/domain/odds_settle.h), its profit at a flat stake of one unit,
 * its profit at its Kelly stake (a quarter of full Kelly, at most 5 % of
 * the bankroll: the defaults of GET /api/ev/hits; a share of the bankroll)
 * and its closing line value: the hit's price against the closing fair
 * price, 1 / the fair probability of the hit's outcome in the event's
 * closing prices (the last snapshot of each book before the start), devigged
 * by the hit's method with ODDS_SHARP_BOOK's line or the consensus. With no
 * closing line the closing fair price and CLV stay unknown (NULL). */
#ifndef EDGESCOUT_ODDS_SETTLEMENT_H
#define EDGESCOUT_ODDS_SETTLEMENT_H

struct pool;

#define ODDS_SETTLE_KELLY_FRACTION 0.25
#define ODDS_SETTLE_KELLY_CAP 0.05
/* The same, as SQL text. */
#define ODDS_SETTLE_KELLY_FRACTION_SQL "0.25"
#define ODDS_SETTLE_KELLY_CAP_SQL "0.05"

/* Settle at most limit due hits, each in its own statement. *settled hits
 * settled now. 0, or -1 on DB failure (hits settled before it stay). */
int odds_settle_due(struct pool *p, int limit, int *settled);

/* Settle at most limit paper bets of the journal (journal_bets.h) whose
 * events are completed, by the same rules as the hits. *settled bets settled
 * now. 0, or -1 on DB failure (bets settled before it stay). */
int odds_settle_bets(struct pool *p, int limit, int *settled);

#endif
