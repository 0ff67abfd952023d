/* indicators_osc.c: the stochastic oscillator and ADX, the indicators that
 * look at each bar's high and low against its neighbours'. */
#include <math.h>
#include <stddef.h>

#include "indicators.h"
#include "indicators_int.h"

/* Index of the largest (sign 1) or smallest (sign -1) of x[from .. to]. */
static size_t
extreme_at(const double *x, size_t from, size_t to, int sign)
{
	size_t at = from;

	for (size_t j = from + 1; j <= to; j++)
		if (sign > 0 ? x[j] >= x[at] : x[j] <= x[at])
			at = j;
	return at;
}

int
ind_stoch(const double *high, const double *low, const double *close,
          size_t n, int kperiod, int dperiod, double *k, double *d)
{
	size_t kp = (size_t)kperiod, hi = 0, lo = 0;

	if ((k == NULL || d == NULL) && n > 0) {
		ind_fill_nan(k, 0, n);
		ind_fill_nan(d, 0, n);
		return -1;
	}
	if (!ind_period_ok(kperiod) || !ind_period_ok(dperiod) ||
	    (n > 0 && (high == NULL || low == NULL || close == NULL)) ||
	    !ind_finite(high, n) || !ind_finite(low, n) || !ind_finite(close, n)) {
		ind_fill_nan(k, 0, n);
		ind_fill_nan(d, 0, n);
		return -1;
	}
	if (n < kp) {
		ind_fill_nan(k, 0, n);
		ind_fill_nan(d, 0, n);
		return 0;
	}
	ind_fill_nan(k, 0, kp - 1);
	for (size_t i = kp - 1; i < n; i++) {
		size_t from = i + 1 - kp;
		double den;

		/* the window's extremes move only when one leaves or is beaten */
		if (i == kp - 1 || hi < from)
			hi = extreme_at(high, from, i, 1);
		else if (high[i] >= high[hi])
			hi = i;
		if (i == kp - 1 || lo < from)
			lo = extreme_at(low, from, i, -1);
		else if (low[i] <= low[lo])
			lo = i;
		den = high[hi] - low[lo];
		k[i] = den == 0.0 ? 50.0 : 100.0 * (close[i] - low[lo]) / den;
	}
	ind_fill_nan(d, 0, kp - 1);
	return ind_sma(k + kp - 1, n - kp + 1, dperiod, d + kp - 1);
}

int
ind_adx(const double *high, const double *low, const double *close,
        size_t n, int period, double *plus_di, double *minus_di,
        double *adx)
{
	size_t p = (size_t)period, a0;
	double sp = 0.0, sm = 0.0, st = 0.0, a = 0.0, inv;

	if ((plus_di == NULL || minus_di == NULL || adx == NULL) && n > 0) {
		ind_fill_nan(plus_di, 0, n);
		ind_fill_nan(minus_di, 0, n);
		ind_fill_nan(adx, 0, n);
		return -1;
	}
	if (!ind_period_ok(period) ||
	    (n > 0 && (high == NULL || low == NULL || close == NULL)) ||
	    !ind_finite(high, n) || !ind_finite(low, n) || !ind_finite(close, n)) {
		ind_fill_nan(plus_di, 0, n);
		ind_fill_nan(minus_di, 0, n);
		ind_fill_nan(adx, 0, n);
		return -1;
	}
	a0 = 2 * p - 1;
	ind_fill_nan(plus_di, 0, n < p ? n : p);
	ind_fill_nan(minus_di, 0, n < p ? n : p);
	ind_fill_nan(adx, 0, n < a0 ? n : a0);
	inv = 1.0 / (double)p;
	for (size_t i = 1; i < n; i++) {
		double up = high[i] - high[i - 1], dn = low[i - 1] - low[i];
		double pdm = up > dn && up > 0.0 ? up : 0.0;
		double mdm = dn > up && dn > 0.0 ? dn : 0.0;
		double tr = ind_true_range(high[i], low[i], close[i - 1]);
		double pdi, mdi, dx;

		if (i < p) {
			/* the seed: plain sums of bars 1 .. period-1 */
			sp += pdm;
			sm += mdm;
			st += tr;
			continue;
		}
		sp += pdm - sp * inv;
		sm += mdm - sm * inv;
		st += tr - st * inv;
		pdi = st == 0.0 ? 0.0 : 100.0 * sp / st;
		mdi = st == 0.0 ? 0.0 : 100.0 * sm / st;
		plus_di[i] = pdi;
		minus_di[i] = mdi;
		dx = pdi + mdi == 0.0 ? 0.0 : 100.0 * fabs(pdi - mdi) / (pdi + mdi);
		if (i < a0) {
			a += dx;
		} else if (i == a0) {
			a = (a + dx) * inv;
			adx[i] = a;
		} else {
			a += (dx - a) * inv;
			adx[i] = a;
		}
	}
	return 0;
}
