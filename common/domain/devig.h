/* devig.h: a bookmaker's margin taken out of its prices: fair probabilities.
 *
 * For the prices o_i of one market's outcomes (every outcome, 2 to
 * DEVIG_MAX_OUTCOMES), r_i = 1/o_i are the implied probabilities and
 * B = sum r_i their book; the overround is B - 1 and the hold (the share of
 * all money staked the book keeps when its book is balanced) 1 - 1/B. A
 * negative margin (B < 1) is accepted: every method then raises the
 * probabilities to sum to 1.
 *
 *   multiplicative  p_i = r_i / B
 *   additive        p_i = r_i - (B - 1) / n; fails when a p_i is not above 0
 *   power           p_i = r_i^k, k solved so that sum p_i = 1
 *   shin            p_i = (sqrt(z^2 + 4 (1 - z) r_i^2 / B) - z) / (2 (1 - z)),
 *                   z solved so that sum p_i = 1 (z < 0 for a negative margin)
 *   worst_case      p_i = the lowest p_i of the four above (those that apply):
 *                   the least favourable for a bettor on outcome i; these do
 *                   not sum to 1
 *
 * Power and Shin are solved until |sum p_i - 1| <= DEVIG_TOLERANCE. */
#ifndef EDGESCOUT_DEVIG_H
#define EDGESCOUT_DEVIG_H

#define DEVIG_MAX_OUTCOMES 16
#define DEVIG_TOLERANCE 1e-12

enum devig_method {
	DEVIG_MULTIPLICATIVE,
	DEVIG_ADDITIVE,
	DEVIG_POWER,
	DEVIG_SHIN,
	DEVIG_WORST_CASE,
};

/* Method names as the API spells them, NULL-ended, in enum order. */
extern const char *const devig_method_names[];

/* The name of m ("multiplicative", ..., "worst_case"). */
const char *devig_method_name(enum devig_method m);

/* The method called name, or -1. */
int devig_method_parse(const char *name);

/* B - 1 for the n prices (the overround; negative for a negative margin). */
double devig_overround(const double *price, int n);

/* 1 - 1/B for the n prices: the book's hold. */
double devig_hold(const double *price, int n);

/* The fair probabilities of the n outcomes priced price[] into fair[] by
 * method m. 0, or -1 (fair untouched) when n is out of 2..DEVIG_MAX_OUTCOMES,
 * a price is not valid (odds_price_valid) or the method cannot apply. */
int devig(enum devig_method m, const double *price, int n, double *fair);

#endif
