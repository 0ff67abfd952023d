/* ev.h: expected value and Kelly staking of one bet.
 *
 * For a fair probability p of the outcome and a decimal price o:
 *   EV     = p * o - 1                       (per unit staked)
 *   Kelly  f = (b * p - q) / b, b = o - 1, q = 1 - p
 * Kelly is the share of the bankroll to stake; it is never negative: with
 * no edge (f <= 0) the stake is 0. */
#ifndef EDGESCOUT_EV_H
#define EDGESCOUT_EV_H

/* p * price - 1: what one unit staked returns on average, less the stake. */
double ev_value(double p, double price);

/* The full Kelly fraction (b*p - q)/b, or 0 when that is not above 0 or the
 * inputs are not a probability in [0, 1] and a price above 1. */
double ev_kelly(double p, double price);

/* The stake share at a fraction (0.25, 0.5, 1) of full Kelly, at most cap
 * (a share of the bankroll, 0..1); 0 for a full Kelly of 0 or bad inputs. */
double ev_kelly_stake(double full, double fraction, double cap);

#endif
