/* indicators_int.h: helpers shared by indicators.c and indicators_osc.c;
 * not part of the public interface. */
#ifndef EDGESCOUT_INDICATORS_INT_H
#define EDGESCOUT_INDICATORS_INT_H

#include <stddef.h>

/* Set out[from .. to-1] to NAN; out may be NULL. */
void ind_fill_nan(double *out, size_t from, size_t to);

/* 1 when every x[0..n-1] is finite (n == 0 too), else 0. */
int ind_finite(const double *x, size_t n);

/* 1 when 1 <= period <= IND_MAX_PERIOD. */
int ind_period_ok(int period);

/* Wilder's true range of a bar given the previous close. */
static inline double
ind_true_range(double high, double low, double prev_close)
{
	double hi = high > prev_close ? high : prev_close;
	double lo = low < prev_close ? low : prev_close;

	return hi - lo;
}

#endif
