/* arb.h: arbitrage: backing every outcome of a market at the best price
 * across books so that every result pays more than was staked.
 *
 * For the best prices o_i of a market's n outcomes, S = sum 1/o_i. When
 * S < 1 the market is an arb: staking s_i = bankroll * (1/o_i) / S on each
 * outcome (stakes in proportion to 1/o_i, summing to the bankroll) returns
 * bankroll / S whatever happens: a guaranteed profit of 1/S - 1 of the
 * bankroll.
 *
 * Stakes are placed in whole units (1 currency unit, or 5, ...): the
 * rounded stakes are the exact ones rounded down to units, then the units
 * left of the bankroll each added to the outcome whose return is lowest.
 * Their guaranteed profit is the lowest return less what they stake; it can
 * fall below 0 when the unit is large against the bankroll, and the result
 * says so (rounded_guaranteed 0). */
#ifndef EDGESCOUT_ARB_H
#define EDGESCOUT_ARB_H

#include "devig.h"

/* The stakes of one market's arb. */
struct arb_stakes {
	double book_sum;                      /* S = sum 1/price */
	double profit_pct;                    /* 100 (1/S - 1) */
	double profit;                        /* bankroll (1/S - 1) */
	double stake[DEVIG_MAX_OUTCOMES];     /* exact, summing to the bankroll */
	double rounded[DEVIG_MAX_OUTCOMES];   /* in whole units */
	double rounded_total;                 /* sum of rounded (<= bankroll) */
	double rounded_profit;                /* lowest return of rounded, less rounded_total */
	int rounded_guaranteed;               /* 1 when rounded_profit >= 0 */
};

/* S = sum 1/price of the n prices; NAN when n is out of
 * 2..DEVIG_MAX_OUTCOMES or a price is not valid (odds_price_valid). */
double arb_book_sum(const double *price, int n);

/* 1 when the n best prices make an arb (S < 1). */
int arb_is_arb(const double *price, int n);

/* The stakes of bankroll (> 0) over the n prices in whole units of unit
 * (> 0) into *out. 0, or -1 (out untouched) when the prices are not valid,
 * make no arb, or bankroll or unit is not above 0 and finite. */
int arb_stakes(const double *price, int n, double bankroll, double unit,
               struct arb_stakes *out);

#endif
