/* indicators.c: moving averages, RSI, MACD, Bollinger bands, ATR, OBV and
 * rate of change. The oscillators with a high/low window (stochastic, ADX)
 * are in indicators_osc.c; the shared checks in indicators_int.h. */
#include <math.h>
#include <stddef.h>

#include "indicators.h"
#include "indicators_int.h"

/* Running sums and moments are rebuilt from the window every this many bars,
 * which bounds their rounding drift on arbitrarily long series. */
#define RESYNC 128

void
ind_fill_nan(double *out, size_t from, size_t to)
{
	if (out == NULL)
		return;
	for (size_t i = from; i < to; i++)
		out[i] = NAN;
}

int
ind_finite(const double *x, size_t n)
{
	double acc = 0.0;

	/* x * 0 is 0 for a finite x and NaN otherwise; one branch at the end */
	for (size_t i = 0; i < n; i++)
		acc += x[i] * 0.0;
	return acc == 0.0;
}

int
ind_period_ok(int period)
{
	return period >= 1 && period <= IND_MAX_PERIOD;
}

int
ind_sma(const double *x, size_t n, int period, double *out)
{
	size_t p = (size_t)period, i;

	if (out == NULL && n > 0)
		return -1;
	if (!ind_period_ok(period) || (n > 0 && x == NULL) || !ind_finite(x, n)) {
		ind_fill_nan(out, 0, n);
		return -1;
	}
	if (n < p) {
		ind_fill_nan(out, 0, n);
		return 0;
	}
	ind_fill_nan(out, 0, p - 1);
	i = p - 1;
	while (i < n) {
		size_t end = i + RESYNC < n ? i + RESYNC : n;
		double base = x[i], s = 0.0;

		/* sums of x - base: small numbers, so little rounding */
		for (size_t j = i + 1 - p; j <= i; j++)
			s += x[j] - base;
		out[i] = base + s / (double)p;
		for (size_t j = i + 1; j < end; j++) {
			s += (x[j] - base) - (x[j - p] - base);
			out[j] = base + s / (double)p;
		}
		i = end;
	}
	return 0;
}

/* EMA of x[0..n-1] with factor k, seeded at p - 1 by the mean of the first
 * p bars; x already checked. */
static void
ema_core(const double *x, size_t n, size_t p, double k, double *out)
{
	double e = 0.0;

	if (n < p) {
		ind_fill_nan(out, 0, n);
		return;
	}
	ind_fill_nan(out, 0, p - 1);
	for (size_t i = 0; i < p; i++)
		e += x[i];
	e /= (double)p;
	out[p - 1] = e;
	for (size_t i = p; i < n; i++) {
		e += k * (x[i] - e);
		out[i] = e;
	}
}

int
ind_ema(const double *x, size_t n, int period, double *out)
{
	if (out == NULL && n > 0)
		return -1;
	if (!ind_period_ok(period) || (n > 0 && x == NULL) || !ind_finite(x, n)) {
		ind_fill_nan(out, 0, n);
		return -1;
	}
	ema_core(x, n, (size_t)period, 2.0 / (period + 1.0), out);
	return 0;
}

int
ind_rsi(const double *close, size_t n, int period, double *out)
{
	size_t p = (size_t)period;
	double up = 0.0, dn = 0.0, inv;

	if (out == NULL && n > 0)
		return -1;
	if (!ind_period_ok(period) || (n > 0 && close == NULL) ||
	    !ind_finite(close, n)) {
		ind_fill_nan(out, 0, n);
		return -1;
	}
	if (n <= p) {
		ind_fill_nan(out, 0, n);
		return 0;
	}
	ind_fill_nan(out, 0, p);
	for (size_t i = 1; i <= p; i++) {
		double d = close[i] - close[i - 1];

		if (d > 0)
			up += d;
		else
			dn -= d;
	}
	inv = 1.0 / (double)p;
	up *= inv;
	dn *= inv;
	out[p] = dn == 0.0 ? 100.0 : 100.0 * up / (up + dn);
	for (size_t i = p + 1; i < n; i++) {
		double d = close[i] - close[i - 1];
		double g = d > 0 ? d : 0.0, l = d < 0 ? -d : 0.0;

		up += (g - up) * inv;
		dn += (l - dn) * inv;
		out[i] = dn == 0.0 ? 100.0 : 100.0 * up / (up + dn);
	}
	return 0;
}

int
ind_macd(const double *close, size_t n, int fast, int slow, int signal,
         double *macd, double *sig, double *hist)
{
	size_t m0, s0;

	if ((macd == NULL || sig == NULL || hist == NULL) && n > 0) {
		ind_fill_nan(macd, 0, n);
		ind_fill_nan(sig, 0, n);
		ind_fill_nan(hist, 0, n);
		return -1;
	}
	if (!ind_period_ok(fast) || !ind_period_ok(slow) ||
	    !ind_period_ok(signal) || (n > 0 && close == NULL) ||
	    !ind_finite(close, n)) {
		ind_fill_nan(macd, 0, n);
		ind_fill_nan(sig, 0, n);
		ind_fill_nan(hist, 0, n);
		return -1;
	}
	m0 = (size_t)(fast > slow ? fast : slow) - 1;
	s0 = m0 + (size_t)signal - 1;
	/* the output arrays double as scratch: fast EMA in macd, slow in sig */
	ema_core(close, n, (size_t)fast, 2.0 / (fast + 1.0), macd);
	ema_core(close, n, (size_t)slow, 2.0 / (slow + 1.0), sig);
	ind_fill_nan(macd, 0, m0 < n ? m0 : n);
	for (size_t i = m0; i < n; i++)
		macd[i] -= sig[i];
	ind_fill_nan(sig, 0, n);
	if (m0 < n)
		ema_core(macd + m0, n - m0, (size_t)signal, 2.0 / (signal + 1.0),
		         sig + m0);
	ind_fill_nan(hist, 0, s0 < n ? s0 : n);
	for (size_t i = s0; i < n; i++)
		hist[i] = macd[i] - sig[i];
	return 0;
}

int
ind_bbands(const double *close, size_t n, int period, double k,
           double *lower, double *mid, double *upper)
{
	size_t p = (size_t)period, i;
	double inv;

	if ((lower == NULL || mid == NULL || upper == NULL) && n > 0) {
		ind_fill_nan(lower, 0, n);
		ind_fill_nan(mid, 0, n);
		ind_fill_nan(upper, 0, n);
		return -1;
	}
	if (!ind_period_ok(period) || !(k >= 0.0 && k < INFINITY) ||
	    (n > 0 && close == NULL) || !ind_finite(close, n)) {
		ind_fill_nan(lower, 0, n);
		ind_fill_nan(mid, 0, n);
		ind_fill_nan(upper, 0, n);
		return -1;
	}
	ind_fill_nan(lower, 0, n < p ? n : p - 1);
	ind_fill_nan(mid, 0, n < p ? n : p - 1);
	ind_fill_nan(upper, 0, n < p ? n : p - 1);
	if (n < p)
		return 0;
	inv = 1.0 / (double)p;
	i = p - 1;
	while (i < n) {
		size_t end = i + RESYNC < n ? i + RESYNC : n;
		double base = close[i], s1 = 0.0, m, m2 = 0.0, sd;

		/* the window two-pass, on d = x - base */
		for (size_t j = i + 1 - p; j <= i; j++)
			s1 += close[j] - base;
		m = s1 * inv;
		for (size_t j = i + 1 - p; j <= i; j++) {
			double d = close[j] - base - m;

			m2 += d * d;
		}
		for (size_t j = i; j < end; j++) {
			if (j > i) {
				/* slide: one value in, one out (Welford), still
				 * on d = x - base, small next to the price level */
				double a = close[j] - base, b = close[j - p] - base;
				double old = m;

				s1 += a - b;
				m = s1 * inv;
				m2 += (a - b) * (a - m + b - old);
				if (m2 < 0.0)
					m2 = 0.0;
			}
			sd = sqrt(m2 * inv);
			mid[j] = base + m;
			upper[j] = mid[j] + k * sd;
			lower[j] = mid[j] - k * sd;
		}
		i = end;
	}
	return 0;
}

int
ind_atr(const double *high, const double *low, const double *close,
        size_t n, int period, double *out)
{
	size_t p = (size_t)period;
	double atr = 0.0, inv;

	if (out == NULL && n > 0)
		return -1;
	if (!ind_period_ok(period) ||
	    (n > 0 && (high == NULL || low == NULL || close == NULL)) ||
	    !ind_finite(high, n) || !ind_finite(low, n) || !ind_finite(close, n)) {
		ind_fill_nan(out, 0, n);
		return -1;
	}
	if (n <= p) {
		ind_fill_nan(out, 0, n);
		return 0;
	}
	ind_fill_nan(out, 0, p);
	for (size_t i = 1; i <= p; i++)
		atr += ind_true_range(high[i], low[i], close[i - 1]);
	inv = 1.0 / (double)p;
	atr *= inv;
	out[p] = atr;
	for (size_t i = p + 1; i < n; i++) {
		atr += (ind_true_range(high[i], low[i], close[i - 1]) - atr) * inv;
		out[i] = atr;
	}
	return 0;
}

int
ind_obv(const double *close, const double *volume, size_t n, double *out)
{
	double obv;

	if (out == NULL && n > 0)
		return -1;
	if ((n > 0 && (close == NULL || volume == NULL)) ||
	    !ind_finite(close, n) || !ind_finite(volume, n)) {
		ind_fill_nan(out, 0, n);
		return -1;
	}
	if (n == 0)
		return 0;
	obv = volume[0];
	out[0] = obv;
	for (size_t i = 1; i < n; i++) {
		if (close[i] > close[i - 1])
			obv += volume[i];
		else if (close[i] < close[i - 1])
			obv -= volume[i];
		out[i] = obv;
	}
	return 0;
}

int
ind_roc(const double *x, size_t n, int period, double *out)
{
	size_t p = (size_t)period;

	if (out == NULL && n > 0)
		return -1;
	if (!ind_period_ok(period) || (n > 0 && x == NULL) || !ind_finite(x, n)) {
		ind_fill_nan(out, 0, n);
		return -1;
	}
	ind_fill_nan(out, 0, n < p ? n : p);
	for (size_t i = p; i < n; i++)
		out[i] = x[i - p] == 0.0 ? NAN : 100.0 * (x[i] / x[i - p] - 1.0);
	return 0;
}
