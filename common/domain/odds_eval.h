/* odds_eval.h: fair probabilities and EV for every price of a set of rows.
 *
 * The rows (odds_provider.h) are one price per book and outcome, the latest
 * of each. They fall into lines: one event's market at one |point| (h2h has
 * none; a total's Over and Under share theirs; a spread's two sides carry
 * opposite points). Each line's fair line comes from odds_fair_line. */
#ifndef EDGESCOUT_ODDS_EVAL_H
#define EDGESCOUT_ODDS_EVAL_H

#include <stddef.h>

#include "devig.h"
#include "odds_provider.h"

struct pool;

/* What one row is worth against its line's fair line. */
struct odds_eval {
	int line;            /* index of the row's line (0, 1, ...) */
	int fair_known;      /* 0: no book priced the whole line; the rest is 0 */
	double fair;         /* fair probability of the row's outcome */
	double fair_price;   /* 1 / fair */
	double ev;           /* fair * price - 1 */
	double kelly;        /* full Kelly fraction, >= 0 */
	const char *source;  /* the sharp book or "consensus" */
	double overround, hold;  /* of the reference */
	int books;           /* books in the fair line */
};

/* Evaluate rows[0..n) by method m with sharp as the sharp book (NULL:
 * consensus only) into out[0..n) (pool memory). Returns the number of
 * lines. */
int odds_evaluate(struct pool *p, const struct odds_row *rows, size_t n,
                  enum devig_method m, const char *sharp, struct odds_eval **out);

#endif
