/* analysis.c: strategies and the scoring model (documented in analysis.h);
 * the snapshot it scores comes from analysis_series.c. */
#include "analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pool.h"

/* ---- scoring ----------------------------------------------------------- */

static double
clamp100(double x)
{
	return x < 0 ? 0 : x > 100 ? 100 : x;
}

/* y on the line through (x0, y0) and (x1, y1), clamped to [0, 100]. */
static double
lin(double x, double x0, double y0, double x1, double y1)
{
	return clamp100(y0 + (x - x0) * (y1 - y0) / (x1 - x0));
}

const char *
analysis_recommendation(double score)
{
	if (isnan(score))
		return NULL;
	if (score >= ANALYSIS_BUY_AT)
		return "buy";
	if (score <= ANALYSIS_SELL_AT)
		return "sell";
	return "hold";
}

static const char *explain(struct pool *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An explanation printed into pool p; NULL when p is NULL (no text). */
static const char *
explain(struct pool *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	s = pool_vprintf(p, fmt, ap);
	va_end(ap);
	return s;
}

/* Mark c unavailable for want of input missing. */
static void
unavailable(struct pool *p, struct analysis_component *c, const char *missing,
    const char *what)
{
	c->available = 0;
	c->value = c->score = NAN;
	c->missing = missing;
	c->explanation = explain(p, "%s is not available: the component is left out "
	                             "and its weight goes to the others", what);
}

static const char *
side(double a, double b)
{
	return a > b ? "above" : "below";
}

static void
score_trend(struct pool *p, const struct analysis_snapshot *s, struct analysis_component *c)
{
	int met;

	if (isnan(s->sma20) || isnan(s->sma50) || isnan(s->sma200)) {
		unavailable(p, c, isnan(s->sma20) ? "sma20" : isnan(s->sma50) ? "sma50" : "sma200",
		            "a 200-bar history for the moving averages");
		return;
	}
	met = (s->close > s->sma20) + (s->close > s->sma50) + (s->close > s->sma200) +
	      (s->sma50 > s->sma200);
	c->value = met;
	c->score = 25.0 * met;
	c->explanation = explain(p, "close %.2f is %s SMA20 %.2f, %s SMA50 %.2f and %s "
	    "SMA200 %.2f; SMA50 is %s SMA200: %d of 4 bullish conditions, 25 points each",
	    s->close, side(s->close, s->sma20), s->sma20, side(s->close, s->sma50), s->sma50,
	    side(s->close, s->sma200), s->sma200, side(s->sma50, s->sma200), met);
}

static void
score_rsi(struct pool *p, const struct analysis_snapshot *s, const double *k,
    struct analysis_component *c)
{
	double r = s->rsi14;

	if (isnan(r)) {
		unavailable(p, c, "rsi14", "RSI14 (15 bars)");
		return;
	}
	c->value = r;
	c->score = r <= k[1] ? lin(r, k[0], 0, k[1], 100) : clamp100(100 - 4 * (r - k[1]));
	c->explanation = explain(p, "RSI14 %.2f: strength scores up to RSI %g "
	    "(%g or less: 0), overbought readings above %g lose 4 points per RSI point",
	    r, k[1], k[0], k[1]);
}

static void
score_macd(struct pool *p, const struct analysis_snapshot *s, struct analysis_component *c)
{
	if (isnan(s->macd_signal)) {
		unavailable(p, c, "macd", "MACD 12/26/9 (34 bars)");
		return;
	}
	c->value = s->macd_hist;
	c->score = 50.0 * (s->macd > s->macd_signal) + 50.0 * (s->macd > 0);
	c->explanation = explain(p, "MACD %.2f is %s its signal %.2f (50 points if above) "
	    "and %s zero (50 points if above)", s->macd, side(s->macd, s->macd_signal),
	    s->macd_signal, side(s->macd, 0));
}

static void
score_roc(struct pool *p, const struct analysis_snapshot *s, const double *k,
    struct analysis_component *c)
{
	if (isnan(s->roc10)) {
		unavailable(p, c, "roc10", "ROC10 (11 bars)");
		return;
	}
	c->value = s->roc10;
	c->score = clamp100(50 + k[0] * s->roc10);
	c->explanation = explain(p, "the close moved %.2f%% over 10 bars: 50 points "
	    "plus %g per percent (+%g%% scores 100, -%g%% 0)", s->roc10, k[0],
	    50 / k[0], 50 / k[0]);
}

static void
score_growth(struct pool *p, const struct fund_value *v, const char *name,
    const char *what, const double *k, struct analysis_component *c)
{
	if (v == NULL || !v->present || !isfinite(v->value)) {
		unavailable(p, c, name,
		            explain(p, "the quarterly %s growth (fundamentals)", what));
		return;
	}
	c->value = v->value;
	c->score = clamp100(50 + k[0] * v->value);
	c->explanation = explain(p, "quarterly %s grew %.2f%% year on year: 50 points "
	    "plus %g per percent (+%g%% scores 100, -%g%% 0)", what, 100 * v->value,
	    k[0] / 100, 5000 / k[0], 5000 / k[0]);
}

static void
score_pe(struct pool *p, const struct fund_value *v, const double *k,
    struct analysis_component *c)
{
	if (v == NULL || !v->present || !isfinite(v->value)) {
		unavailable(p, c, "pe", "the P/E ratio (fundamentals)");
		return;
	}
	c->value = v->value;
	c->score = v->value <= 0 ? 0 : lin(v->value, k[0], 100, k[1], 0);
	c->explanation = explain(p, "P/E %.2f: %g or less scores 100, %g or more "
	    "(or losses) 0, linear between", v->value, k[0], k[1]);
}

static void
score_peg(struct pool *p, const struct fund_value *v, const double *k,
    struct analysis_component *c)
{
	if (v == NULL || !v->present || !isfinite(v->value)) {
		unavailable(p, c, "peg", "the PEG ratio (fundamentals)");
		return;
	}
	c->value = v->value;
	c->score = v->value <= 0 ? 0 : lin(v->value, k[0], 100, k[1], 0);
	c->explanation = explain(p, "PEG %.2f: %g or less scores 100, %g or more "
	    "(or negative growth) 0, linear between", v->value, k[0], k[1]);
}

static void
score_reversion(struct pool *p, const struct analysis_snapshot *s, struct analysis_component *c)
{
	if (isnan(s->bb_pctb)) {
		unavailable(p, c, "bollinger", "Bollinger %B (20 bars)");
		return;
	}
	c->value = s->bb_pctb;
	c->score = clamp100(100 * (1 - s->bb_pctb));
	c->explanation = explain(p, "Bollinger %%B %.3f: the nearer the lower band "
	    "(0) the cheaper against the 20-bar mean; 100 * (1 - %%B)", s->bb_pctb);
}

static void
score_yield(struct pool *p, const struct fund_value *v, const double *k,
    struct analysis_component *c)
{
	if (v == NULL || !v->present || !isfinite(v->value)) {
		unavailable(p, c, "dividend_yield", "the dividend yield (fundamentals)");
		return;
	}
	c->value = v->value;
	c->score = clamp100(100 * v->value / k[0]);
	c->explanation = explain(p, "dividend yield %.2f%%: %g%% or more scores 100, "
	    "proportionally less below", 100 * v->value, 100 * k[0]);
}

static void
score_volatility(struct pool *p, const struct analysis_snapshot *s, const double *k,
    struct analysis_component *c)
{
	if (isnan(s->atr_pct)) {
		unavailable(p, c, "atr14", "ATR14 (15 bars)");
		return;
	}
	c->value = s->atr_pct;
	c->score = lin(s->atr_pct, k[0], 100, k[1], 0);
	c->explanation = explain(p, "ATR14 is %.2f%% of the close: %g%% or less scores 100, "
	    "%g%% or more 0, linear between", s->atr_pct, k[0], k[1]);
}

static void
score_stochastic(struct pool *p, const struct analysis_snapshot *s, const double *k,
    struct analysis_component *c)
{
	if (isnan(s->stoch_k)) {
		unavailable(p, c, "stochastic", "stochastic %K 14/3 (16 bars)");
		return;
	}
	c->value = s->stoch_k;
	c->score = lin(s->stoch_k, k[0], 100, k[1], 0);
	c->explanation = explain(p, "stochastic %%K %.2f: %g or less (oversold) scores "
	    "100, %g or more (overbought) 0, linear between", s->stoch_k, k[0], k[1]);
}

static void
score_adx(struct pool *p, const struct analysis_snapshot *s, const double *k,
    struct analysis_component *c)
{
	double strength;

	if (isnan(s->adx14) || isnan(s->plus_di) || isnan(s->minus_di)) {
		unavailable(p, c, "adx14", "ADX14 (28 bars)");
		return;
	}
	strength = lin(s->adx14, k[0], 0, k[1], 100) / 100;
	c->value = s->adx14;
	c->score = clamp100(50 + (s->plus_di >= s->minus_di ? 50 : -50) * strength);
	c->explanation = explain(p, "ADX14 %.2f with +DI %.2f %s -DI %.2f: the trend "
	    "counts from ADX %g, fully at %g", s->adx14, s->plus_di,
	    side(s->plus_di, s->minus_di), s->minus_di, k[0], k[1]);
}

static void
score_obv(struct pool *p, const struct analysis_snapshot *s, struct analysis_component *c)
{
	if (isnan(s->obv_change20)) {
		unavailable(p, c, "obv", "on-balance volume 20 bars back (21 bars)");
		return;
	}
	c->value = s->obv_change20;
	c->score = s->obv_change20 > 0 ? 100 : s->obv_change20 < 0 ? 0 : 50;
	c->explanation = explain(p, "on-balance volume moved %.0f over 20 bars: "
	    "rising scores 100, falling 0, flat 50", s->obv_change20);
}

/* x rounded to 2 decimals. */
static double
round2(double x)
{
	return round(x * 100) / 100;
}

/* How far to trust a score with this coverage (analysis.h). */
static const char *
confidence(double score, double coverage, double buy_at, double sell_at)
{
	if (isnan(score) || coverage < ANALYSIS_MIN_COVERAGE)
		return "insufficient";
	if (coverage < ANALYSIS_HIGH_COVERAGE ||
	    fabs(score - buy_at) < ANALYSIS_NEAR_THRESHOLD ||
	    fabs(score - sell_at) < ANALYSIS_NEAR_THRESHOLD)
		return "low";
	return "high";
}

/* Score part pt of a strategy into c. */
static void
score_part(struct pool *p, const struct analysis_part *pt, const struct analysis_snapshot *s,
    const struct fundamentals *f, struct analysis_component *c)
{
	const double *k = pt->param;

	memset(c, 0, sizeof(*c));
	c->name = analysis_catalogue[pt->kind].name;
	c->available = 1;
	c->base_weight = pt->weight;
	switch (pt->kind) {
	case COMPONENT_TREND: score_trend(p, s, c); break;
	case COMPONENT_RSI: score_rsi(p, s, k, c); break;
	case COMPONENT_MACD: score_macd(p, s, c); break;
	case COMPONENT_ROC: score_roc(p, s, k, c); break;
	case COMPONENT_EARNINGS_GROWTH:
		score_growth(p, f ? &f->earnings_growth : NULL, "earnings_growth",
		             "earnings", k, c);
		break;
	case COMPONENT_REVENUE_GROWTH:
		score_growth(p, f ? &f->revenue_growth : NULL, "revenue_growth",
		             "revenue", k, c);
		break;
	case COMPONENT_PE: score_pe(p, f ? &f->pe : NULL, k, c); break;
	case COMPONENT_PEG: score_peg(p, f ? &f->peg : NULL, k, c); break;
	case COMPONENT_MEAN_REVERSION: score_reversion(p, s, c); break;
	case COMPONENT_DIVIDEND_YIELD:
		score_yield(p, f ? &f->dividend_yield : NULL, k, c);
		break;
	case COMPONENT_VOLATILITY: score_volatility(p, s, k, c); break;
	case COMPONENT_STOCHASTIC: score_stochastic(p, s, k, c); break;
	case COMPONENT_ADX: score_adx(p, s, k, c); break;
	default: score_obv(p, s, c); break;
	}
}

void
analysis_score(struct pool *p, enum analysis_strategy st, const struct analysis_snapshot *s,
    const struct fundamentals *f, struct analysis_score *out)
{
	struct analysis_spec sp;

	analysis_builtin_spec(st, &sp);
	analysis_score_spec(p, &sp, s, f, out);
	out->strategy = st;
}

void
analysis_score_spec(struct pool *p, const struct analysis_spec *sp,
    const struct analysis_snapshot *s, const struct fundamentals *f,
    struct analysis_score *out)
{
	double wsum = 0, base = 0, total = 0;

	memset(out, 0, sizeof(*out));
	out->strategy = (enum analysis_strategy)-1;
	out->name = sp->name;
	out->buy_at = sp->buy_at;
	out->sell_at = sp->sell_at;
	out->n = sp->n;
	for (int i = 0; i < sp->n; i++)
		score_part(p, &sp->part[i], s, f, &out->c[i]);
	for (int i = 0; i < out->n; i++) {
		base += out->c[i].base_weight;
		if (out->c[i].available)
			wsum += out->c[i].base_weight;
	}
	for (int i = 0; i < out->n; i++) {
		struct analysis_component *c = &out->c[i];

		c->weight = c->available ? 100 * c->base_weight / wsum : 0;
		c->contribution = c->available ? round2(c->weight * c->score / 100) : NAN;
		if (c->available)
			total += c->contribution;
	}
	out->score = wsum > 0 ? round2(total) : NAN;
	out->coverage = base > 0 ? wsum / base : 0;
	out->confidence = confidence(out->score, out->coverage, sp->buy_at, sp->sell_at);
	out->recommendation = out->coverage < ANALYSIS_MIN_COVERAGE || isnan(out->score) ?
	    NULL : out->score >= sp->buy_at ? "buy" : out->score <= sp->sell_at ? "sell" :
	    "hold";
}
