/* stats_ci.h: 95 % intervals of a rate, a mean and a ratio of sums.
 *
 *   rate   Wilson score interval of k successes in n trials:
 *          (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), p = k/n
 *   mean   normal approximation: m ± z s / sqrt(n), s the sample standard
 *          deviation (n - 1); needs n >= 2
 *   ratio  R = sum y / sum x, normal approximation by the delta method:
 *          R ± z sqrt(sum (y - R x)² / (n - 1) / n) / mean x; needs n >= 2
 * with z = 1.959963984540054. Unknown parts are NAN. */
#ifndef EDGESCOUT_STATS_CI_H
#define EDGESCOUT_STATS_CI_H

#define STATS_Z95 1.959963984540054

/* An estimate and its interval. */
struct stats_ci {
	double value, low, high;
};

/* The rate k/n with its Wilson interval; all NAN when n is 0. */
struct stats_ci stats_rate(double k, double n);

/* The mean of n values from their sum and sum of squares, with its normal
 * interval (NAN bounds when n < 2; all NAN when n is 0). */
struct stats_ci stats_mean(double n, double sum, double sumsq);

/* sum y / sum x of n pairs from the sums of x, y, x², y² and xy, with its
 * delta-method interval (NAN bounds when n < 2; all NAN when sum x is 0). */
struct stats_ci stats_ratio(double n, double sx, double sy, double sxx, double syy,
                            double sxy);

#endif
