/* journal_forecast.c: bootstrap forecast and its backtest (journal_forecast.h). */
#include "journal_forecast.h"

#include <math.h>
#include <stdlib.h>

#include "pool.h"

/* splitmix64: the next value of the stream in *s. */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
journal_quantile(const double *sorted, size_t n, double q)
{
	double h = q * (double)(n - 1);
	size_t lo = (size_t)floor(h);

	if (n == 0)
		return NAN;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

/* The quantiles of the n values of col (sorted here) as a band. */
static struct journal_band
band_of(double *col, size_t n)
{
	qsort(col, n, sizeof(*col), cmp_double);
	return (struct journal_band){
		.p05 = journal_quantile(col, n, 0.05), .p25 = journal_quantile(col, n, 0.25),
		.p50 = journal_quantile(col, n, 0.50), .p75 = journal_quantile(col, n, 0.75),
		.p95 = journal_quantile(col, n, 0.95),
	};
}

/* Compound paths paths of horizon draws from r[0..n) after equity, a day
 * at a time (every path's draw of a day before the next day's), into
 * path[]; the band of each day into out[] unless out is NULL. */
static void
simulate(struct pool *p, const double *r, size_t n, double equity, size_t horizon,
         size_t paths, uint64_t seed, double *path, struct journal_band *out)
{
	double *col = out ? pool_alloc(p, sizeof(*col) * paths) : NULL;
	uint64_t s = seed;

	for (size_t k = 0; k < paths; k++)
		path[k] = equity;
	for (size_t d = 0; d < horizon; d++) {
		for (size_t k = 0; k < paths; k++)
			path[k] *= 1 + r[next(&s) % n];
		if (out) {
			for (size_t k = 0; k < paths; k++)
				col[k] = path[k];
			out[d] = band_of(col, paths);
		}
	}
}

void
journal_forecast(struct pool *p, const double *r, size_t n, double equity, size_t horizon,
                 size_t paths, uint64_t seed, struct journal_band *out)
{
	double *path = pool_alloc(p, sizeof(*path) * paths);

	simulate(p, r, n, equity, horizon, paths, seed, path, out);
}

double
journal_backtest(struct pool *p, const double *r, const double *equity, size_t n,
                 size_t horizon, uint64_t seed, size_t *checked)
{
	double *path = pool_alloc(p, sizeof(*path) * JOURNAL_BACKTEST_PATHS);
	size_t inside = 0, t = JOURNAL_BACKTEST_MIN;

	*checked = 0;
	if (horizon > 0 && n >= horizon + JOURNAL_BACKTEST_MIN + JOURNAL_BACKTEST_MAX)
		t = n - horizon - JOURNAL_BACKTEST_MAX + 1;
	for (; horizon > 0 && t + horizon <= n; t++) {
		double real = equity[t + horizon - 1];
		struct journal_band b;

		/* only the last day's band: the paths are sorted once */
		simulate(p, r, t, equity[t - 1], horizon, JOURNAL_BACKTEST_PATHS, seed + t, path,
		         NULL);
		b = band_of(path, JOURNAL_BACKTEST_PATHS);
		inside += real >= b.p05 && real <= b.p95;
		(*checked)++;
	}
	return *checked ? (double)inside / (double)*checked : NAN;
}
