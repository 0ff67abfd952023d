/* odds_fair.h: the fair line of one market across books, and its +EV bets.
 *
 * A market here is one event's market (h2h, spreads or totals) with n
 * outcomes (2..DEVIG_MAX_OUTCOMES) in a fixed order and the prices every
 * book offers for them (0 where a book does not price an outcome). The fair
 * line is the sharp book's devigged probabilities when that book prices
 * every outcome, else the consensus: for each outcome, the median across
 * books (pricing every outcome) of each book's devigged probability, the
 * medians then scaled to sum to 1 (with three outcomes or more they need
 * not). */
#ifndef EDGESCOUT_ODDS_FAIR_H
#define EDGESCOUT_ODDS_FAIR_H

#include "devig.h"

/* One book's prices for the market's outcomes. */
struct odds_book_prices {
	const char *book;                     /* book key ("pinnacle") */
	double price[DEVIG_MAX_OUTCOMES];     /* decimal; 0: not priced */
};

/* The fair line of a market. */
struct odds_fair {
	double p[DEVIG_MAX_OUTCOMES];   /* fair probability per outcome */
	const char *source;             /* the sharp book's key, or "consensus" */
	int books;                      /* books whose lines made it */
	double overround;               /* of the reference: the sharp book, or the
	                                   median of the books' overrounds */
	double hold;                    /* of the same */
};

/* The fair line of n outcomes priced by the nb books of b, by method m,
 * taking sharp's line when it prices every outcome (sharp may be NULL).
 * 0 with *out filled, or -1 when no book prices every outcome with valid
 * prices the method can devig. */
int odds_fair_line(const struct odds_book_prices *b, int nb, int n,
                   enum devig_method m, const char *sharp, struct odds_fair *out);

/* The median of the n values v (reordered in place); NAN when n is 0. */
double odds_median(double *v, int n);

#endif
