/* analysis_series.c: the indicator suite of a series, every bar in one
 * pass, and the snapshot at any bar: the one place an analysis' indicators
 * are computed, whether live (the last bar) or backfilled (every bar). */
#include "analysis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "indicators.h"
#include "jsonv.h"
#include "pool.h"

static double *
column(struct pool *p, size_t n)
{
	return pool_alloc(p, sizeof(double) * (n ? n : 1));
}

int
analysis_series(struct pool *p, const struct candles *c, struct analysis_series *a)
{
	size_t n = c->n;
	double *close = column(p, n), *high = column(p, n), *low = column(p, n);
	double *vol = column(p, n);
	double **cols[] = {
		&a->sma20, &a->sma50, &a->sma200, &a->ema12, &a->ema26, &a->rsi14,
		&a->macd, &a->macd_signal, &a->macd_hist, &a->bb_lower, &a->bb_mid,
		&a->bb_upper, &a->atr14, &a->stoch_k, &a->stoch_d, &a->roc10,
		&a->plus_di, &a->minus_di, &a->adx14, &a->obv,
	};
	int rc = 0;

	memset(a, 0, sizeof(*a));
	a->c = c;
	for (size_t j = 0; j < sizeof(cols) / sizeof(cols[0]); j++)
		*cols[j] = column(p, n);
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		close[i] = c->v[i].close;
		high[i] = c->v[i].high;
		low[i] = c->v[i].low;
		vol[i] = (double)c->v[i].volume;
	}
	rc |= ind_sma(close, n, 20, a->sma20);
	rc |= ind_sma(close, n, 50, a->sma50);
	rc |= ind_sma(close, n, 200, a->sma200);
	rc |= ind_ema(close, n, 12, a->ema12);
	rc |= ind_ema(close, n, 26, a->ema26);
	rc |= ind_rsi(close, n, 14, a->rsi14);
	rc |= ind_macd(close, n, 12, 26, 9, a->macd, a->macd_signal, a->macd_hist);
	rc |= ind_bbands(close, n, 20, 2.0, a->bb_lower, a->bb_mid, a->bb_upper);
	rc |= ind_atr(high, low, close, n, 14, a->atr14);
	rc |= ind_stoch(high, low, close, n, 14, 3, a->stoch_k, a->stoch_d);
	rc |= ind_roc(close, n, 10, a->roc10);
	rc |= ind_adx(high, low, close, n, 14, a->plus_di, a->minus_di, a->adx14);
	rc |= ind_obv(close, vol, n, a->obv);
	return rc == 0 ? 0 : -1;
}

/* Decimals of v as the provider wrote it (its shortest exact decimal). */
static int
decimals_of(double v)
{
	char t[40], *dot;

	jsonv_shortest(t, sizeof(t), v);
	if (strpbrk(t, "eE") != NULL)
		return 8;
	return (dot = strchr(t, '.')) == NULL ? 0 : (int)strlen(dot + 1);
}

/* The most decimals of the closes of bars i-19..i, within 2..8. */
static int
price_decimals(const struct candles *c, size_t i)
{
	int d = 2;

	for (size_t j = i + 1 > 20 ? i + 1 - 20 : 0; j <= i; j++) {
		int k = decimals_of(c->v[j].close);

		d = k > d ? k : d;
	}
	return d > 8 ? 8 : d;
}

void
analysis_indicators_at(const struct analysis_series *a, size_t i, struct analysis_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->date, sizeof(s->date), "%s", a->c->v[i].date);
	s->close = a->c->v[i].close;
	s->bars = i + 1;
	s->sma20 = a->sma20[i];
	s->sma50 = a->sma50[i];
	s->sma200 = a->sma200[i];
	s->ema12 = a->ema12[i];
	s->ema26 = a->ema26[i];
	s->rsi14 = a->rsi14[i];
	s->macd = a->macd[i];
	s->macd_signal = a->macd_signal[i];
	s->macd_hist = a->macd_hist[i];
	s->bb_lower = a->bb_lower[i];
	s->bb_mid = a->bb_mid[i];
	s->bb_upper = a->bb_upper[i];
	if (isnan(s->bb_mid))
		s->bb_pctb = NAN;
	else if (s->bb_upper > s->bb_lower)
		s->bb_pctb = (s->close - s->bb_lower) / (s->bb_upper - s->bb_lower);
	else
		s->bb_pctb = 0.5;
	s->atr14 = a->atr14[i];
	s->atr_pct = 100.0 * s->atr14 / s->close;
	s->stoch_k = a->stoch_k[i];
	s->stoch_d = a->stoch_d[i];
	s->roc10 = a->roc10[i];
	s->plus_di = a->plus_di[i];
	s->minus_di = a->minus_di[i];
	s->adx14 = a->adx14[i];
	s->obv = a->obv[i];
	s->obv_change20 = i >= 20 ? a->obv[i] - a->obv[i - 20] : NAN;
}

void
analysis_snapshot_at(const struct analysis_series *a, size_t i, struct analysis_snapshot *s)
{
	analysis_indicators_at(a, i, s);
	s->decimals = price_decimals(a->c, i);
}

int
analysis_snapshot(struct pool *p, const struct candles *c, struct analysis_snapshot *s)
{
	struct analysis_series a;
	int rc;

	memset(s, 0, sizeof(*s));
	if (c->n == 0)
		return -1;
	rc = analysis_series(p, c, &a);
	analysis_snapshot_at(&a, c->n - 1, s);
	return rc;
}
