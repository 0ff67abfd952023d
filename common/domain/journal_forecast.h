/* journal_forecast.h: the equity path of a journal forecast by a seeded
 * bootstrap of its own daily returns, and a backtest of that forecast.
 *
 * Each of JOURNAL_PATHS paths draws horizon returns with replacement from
 * the past returns (a splitmix64 stream from the seed) and compounds them
 * from the last equity; each day's quantiles (5, 25, 50, 75, 95 %, linear
 * between order statistics) give the median and the 50 % and 90 % bands.
 * The same returns, equity, horizon and seed give the same numbers. */
#ifndef EDGESCOUT_JOURNAL_FORECAST_H
#define EDGESCOUT_JOURNAL_FORECAST_H

#include <stddef.h>
#include <stdint.h>

struct pool;

#define JOURNAL_PATHS 1000
#define JOURNAL_BACKTEST_PATHS 200
#define JOURNAL_BACKTEST_MIN 10     /* past returns a backtest forecast needs */
#define JOURNAL_BACKTEST_MAX 250    /* the most recent origins a backtest checks */

/* One forecast day: the quantiles of equity. */
struct journal_band {
	double p05, p25, p50, p75, p95;
};

/* The bands of days 1..horizon after equity, from n returns r (n >= 1),
 * with paths paths, into out[0..horizon) (the caller's). */
void journal_forecast(struct pool *p, const double *r, size_t n, double equity,
                      size_t horizon, size_t paths, uint64_t seed, struct journal_band *out);

/* The backtest over the past: at every day t from JOURNAL_BACKTEST_MIN on
 * with t + horizon <= n (the last JOURNAL_BACKTEST_MAX such days), forecast
 * from the returns before t and check that the equity horizon days later
 * lies in the 90 % band. equity[i] is the
 * equity after return i. *checked counts the checks; returns the share
 * inside (NAN when none). */
double journal_backtest(struct pool *p, const double *r, const double *equity, size_t n,
                        size_t horizon, uint64_t seed, size_t *checked);

/* The q-quantile (0..1) of n sorted values, linear between order statistics. */
double journal_quantile(const double *sorted, size_t n, double q);

#endif
