/* stats_ci.c: 95 % intervals (stats_ci.h). */
#include "stats_ci.h"

#include <math.h>

static const struct stats_ci UNKNOWN = { NAN, NAN, NAN };

struct stats_ci
stats_rate(double k, double n)
{
	double z = STATS_Z95, p, centre, half, d;

	if (!(n > 0) || k < 0 || k > n)
		return UNKNOWN;
	p = k / n;
	d = 1 + z * z / n;
	centre = p + z * z / (2 * n);
	half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n));
	return (struct stats_ci){ p, (centre - half) / d, (centre + half) / d };
}

struct stats_ci
stats_mean(double n, double sum, double sumsq)
{
	struct stats_ci c = UNKNOWN;
	double var, half;

	if (!(n > 0))
		return c;
	c.value = sum / n;
	if (n < 2)
		return c;
	var = (sumsq - sum * sum / n) / (n - 1);
	half = STATS_Z95 * sqrt(var > 0 ? var : 0) / sqrt(n);
	c.low = c.value - half;
	c.high = c.value + half;
	return c;
}

struct stats_ci
stats_ratio(double n, double sx, double sy, double sxx, double syy, double sxy)
{
	struct stats_ci c = UNKNOWN;
	double r, s2, half;

	if (!(n > 0) || sx == 0)
		return c;
	r = c.value = sy / sx;
	if (n < 2)
		return c;
	s2 = (syy - 2 * r * sxy + r * r * sxx) / (n - 1);
	half = STATS_Z95 * sqrt((s2 > 0 ? s2 : 0) / n) / (sx / n);
	c.low = r - half;
	c.high = r + half;
	return c;
}
