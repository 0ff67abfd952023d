/* arb.c: arbitrage stakes (arb.h). */
#include "arb.h"

#include <math.h>
#include <string.h>

#include "odds_price.h"

double
arb_book_sum(const double *price, int n)
{
	double s = 0;

	if (n < 2 || n > DEVIG_MAX_OUTCOMES)
		return NAN;
	for (int i = 0; i < n; i++) {
		if (!odds_price_valid(price[i]))
			return NAN;
		s += 1.0 / price[i];
	}
	return s;
}

int
arb_is_arb(const double *price, int n)
{
	double s = arb_book_sum(price, n);

	return isfinite(s) && s < 1.0;
}

/* The index of the lowest return stake[i] * price[i]. */
static int
lowest_return(const double *stake, const double *price, int n)
{
	int lo = 0;

	for (int i = 1; i < n; i++)
		if (stake[i] * price[i] < stake[lo] * price[lo])
			lo = i;
	return lo;
}

int
arb_stakes(const double *price, int n, double bankroll, double unit,
           struct arb_stakes *out)
{
	struct arb_stakes a;
	double units_left;
	int lo;

	if (!arb_is_arb(price, n) || !isfinite(bankroll) || !isfinite(unit) ||
	    bankroll <= 0 || unit <= 0 || bankroll / unit > 1e9)
		return -1;
	memset(&a, 0, sizeof(a));
	a.book_sum = arb_book_sum(price, n);
	a.profit_pct = 100.0 * (1.0 / a.book_sum - 1.0);
	a.profit = bankroll * (1.0 / a.book_sum - 1.0);
	units_left = floor(bankroll / unit + 1e-9);
	for (int i = 0; i < n; i++) {
		a.stake[i] = bankroll * (1.0 / price[i]) / a.book_sum;
		a.rounded[i] = floor(a.stake[i] / unit + 1e-9);
		units_left -= a.rounded[i];
	}
	for (; units_left >= 1; units_left--)
		a.rounded[lowest_return(a.rounded, price, n)] += 1;
	for (int i = 0; i < n; i++) {
		a.rounded[i] *= unit;
		a.rounded_total += a.rounded[i];
	}
	lo = lowest_return(a.rounded, price, n);
	a.rounded_profit = a.rounded[lo] * price[lo] - a.rounded_total;
	a.rounded_guaranteed = a.rounded_profit >= 0;
	*out = a;
	return 0;
}
