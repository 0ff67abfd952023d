/* analysis.h: stock analysis: the indicators at a symbol's latest bar, a
 * 0-100 score under a strategy, a recommendation: the computation alone
 * (analysis_db.h gets one for a symbol, analysis_req.h reads a request's).
 *
 * The scoring model (ANALYSIS_VERSION 2). Each strategy is a weighted mean
 * of components, each scored 0-100 (clamped; "lin a..b" is linear between):
 *
 *   momentum: trend 35, rsi 20, macd 25, roc 20
 *   growth:   earnings_growth 35, revenue_growth 30, trend 35
 *   value:    pe 35, peg 30, mean_reversion 35
 *   dividend: dividend_yield 50, volatility 50
 *
 *   trend           25 per bullish condition of: close > SMA20, close > SMA50,
 *                   close > SMA200, SMA50 > SMA200 (value: conditions met)
 *   rsi             RSI14 <= 30: 0; 30..70: lin 0..100; above 70 it falls
 *                   4 points per RSI point (overbought; 95 and up: 0)
 *   macd            50 if MACD > signal, plus 50 if MACD > 0 (value: hist)
 *   roc             50 + 5 * ROC10 (in percent: +10% scores 100, -10% 0)
 *   earnings_growth 50 + 250 * quarterly earnings growth YoY (a fraction:
 *   revenue_growth  +20% scores 100, -20% 0); revenue the same
 *   pe              P/E <= 0 (losses): 0; <= 10: 100; 10..40: lin 100..0
 *   peg             PEG <= 0: 0; <= 1: 100; 1..3: lin 100..0
 *   mean_reversion  100 * (1 - Bollinger %B): at the lower band 100, at the
 *                   upper 0 (%B is 0.5 when the bands are flat)
 *   dividend_yield  100 * yield / 6% (6% and more: 100)
 *   volatility      ATR14 as a percent of the close: <= 1%: 100; 1..4%:
 *                   lin 100..0
 *
 * The numbers above are the defaults of the components' parameters
 * (analysis_catalogue.c lists them with their bounds). A user's strategy
 * (analysis_spec.h) chooses components, weights, parameters and its own
 * buy/sell thresholds, also among three more components:
 *
 *   stochastic      %K 14/3 <= oversold (20): 100; .. overbought (80): lin 100..0
 *   adx             50 while ADX14 <= weak (20); up to strong (40) it moves
 *                   linearly to 100 when +DI >= -DI, to 0 otherwise
 *   obv_trend       on-balance volume against 20 bars back: up 100, down 0,
 *                   flat 50
 *
 * A component whose input is missing (no fundamentals, too few bars) is
 * unavailable: no value or score is invented, its input is listed in
 * `missing`, and the weights of the available components are scaled up to
 * sum to 100. Each available component contributes weight * score / 100
 * points, rounded to 2 decimals, and the score is the sum of those
 * contributions (so the parts shown add up to it exactly); with no
 * component available there is no score and no recommendation.
 *
 * Coverage is the share of the strategy's base weight whose inputs were
 * there (0..1). The recommendation is buy at 65 or more, sell at 35 or
 * less, hold between, and only when coverage is at least
 * ANALYSIS_MIN_COVERAGE (60 %): below it there is a score but no
 * recommendation (growth or value without fundamentals: 35 %, dividend
 * without them: 50 %). Confidence says how far to trust it:
 *   insufficient  coverage below 60 %: no recommendation
 *   low           coverage below 85 %, or the score within 5 points of a
 *                 threshold (35 or 65)
 *   high          otherwise */
#ifndef EDGESCOUT_ANALYSIS_H
#define EDGESCOUT_ANALYSIS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "candle.h"
#include "err.h"
#include "jsonv.h"
#include "provider.h"

struct pool;

#define ANALYSIS_VERSION 2           /* bumped with any change of the model or the reply */
#define ANALYSIS_MIN_COVERAGE 0.60   /* below: no recommendation */
#define ANALYSIS_HIGH_COVERAGE 0.85  /* below: low confidence */
#define ANALYSIS_NEAR_THRESHOLD 5.0  /* points from 35 or 65: low confidence */
#define ANALYSIS_BUY_AT 65.0         /* score >= : buy */
#define ANALYSIS_SELL_AT 35.0        /* score <= : sell */
#define ANALYSIS_MAX_COMPONENTS 12   /* in one strategy, built-in or a user's */
#define ANALYSIS_MAX_PARAMS 2        /* of one component */
#define ANALYSIS_MAX_SYMBOLS 50      /* symbols in one run or export call */

enum analysis_strategy {
	STRATEGY_GROWTH, STRATEGY_VALUE, STRATEGY_DIVIDEND, STRATEGY_MOMENTUM,
	STRATEGY_COUNT
};

/* The strategies' names in enum order, NULL-ended. */
extern const char *const analysis_strategies[STRATEGY_COUNT + 1];

/* The strategy's name ("momentum"). */
const char *analysis_strategy_name(enum analysis_strategy s);

/* The strategy named s, or -1 when s is NULL or no strategy's name. */
int analysis_strategy_parse(const char *s);

/* The indicators at the last bar of a series; NAN where the series is too
 * short for the indicator. */
struct analysis_snapshot {
	char date[11];
	double close;
	size_t bars;
	double sma20, sma50, sma200, ema12, ema26, rsi14;
	double macd, macd_signal, macd_hist;           /* 12/26/9 */
	double bb_upper, bb_mid, bb_lower, bb_pctb;    /* 20, 2 */
	double atr14, atr_pct;                         /* atr_pct: 100 * ATR / close */
	double stoch_k, stoch_d;                       /* 14/3 */
	double roc10;
	double adx14, plus_di, minus_di;
	double obv, obv_change20;                      /* OBV minus OBV 20 bars back */
	int decimals;              /* of the provider's prices: the most decimals of
	                              the last 20 closes, 2..8; price-like values
	                              are shown rounded to it */
};

/* The indicator suite of every bar of a series (analysis_series.c): the
 * one computation behind every snapshot, live or backfilled. Each indicator
 * is causal, so bar i of each column is what the series' first i + 1 bars
 * give. Columns hold c->n values (pool memory); NAN before a lookback. */
struct analysis_series {
	const struct candles *c;                       /* borrowed */
	double *sma20, *sma50, *sma200, *ema12, *ema26, *rsi14;
	double *macd, *macd_signal, *macd_hist;        /* 12/26/9 */
	double *bb_lower, *bb_mid, *bb_upper;          /* 20, 2 */
	double *atr14, *stoch_k, *stoch_d, *roc10;
	double *plus_di, *minus_di, *adx14, *obv;
};

/* Compute the suite of every bar of c in one pass (columns from pool p; c
 * must outlive out). 0, or -1 when c is empty or an indicator refused it
 * (then every column is NAN). */
int analysis_series(struct pool *p, const struct candles *c,
    struct analysis_series *out);

/* The snapshot at bar i (< a->c->n) of a: the same, bit for bit, as
 * analysis_snapshot() of the series' first i + 1 bars. */
void analysis_snapshot_at(const struct analysis_series *a, size_t i,
    struct analysis_snapshot *out);

/* The snapshot at bar i without its price decimals (0): every value that
 * scoring reads, without the cost of finding how the provider wrote its
 * prices (a backtest scores every bar). */
void analysis_indicators_at(const struct analysis_series *a, size_t i,
    struct analysis_snapshot *out);

/* The snapshot of series c at its last bar: analysis_series() then
 * analysis_snapshot_at(). 0, or -1 when c is empty or an indicator refused
 * it. Scratch arrays come from pool p. */
int analysis_snapshot(struct pool *p, const struct candles *c,
    struct analysis_snapshot *out);

/* The scoring components (analysis_catalogue.c lists each with its
 * parameters, their defaults (the built-in strategies' constants) and
 * bounds). A strategy is a weighted choice of them. */
enum analysis_component_kind {
	COMPONENT_TREND, COMPONENT_RSI, COMPONENT_MACD, COMPONENT_ROC,
	COMPONENT_EARNINGS_GROWTH, COMPONENT_REVENUE_GROWTH, COMPONENT_PE,
	COMPONENT_PEG, COMPONENT_MEAN_REVERSION, COMPONENT_DIVIDEND_YIELD,
	COMPONENT_VOLATILITY, COMPONENT_STOCHASTIC, COMPONENT_ADX,
	COMPONENT_OBV_TREND, COMPONENT_COUNT
};

/* One parameter of a component: its name, default, inclusive bounds. */
struct analysis_param_def {
	const char *name;
	double def, min, max;
	const char *description;
};

/* One component of the catalogue. */
struct analysis_component_def {
	const char *name;          /* "rsi" */
	const char *description;   /* how it scores, in one sentence */
	int nparams;
	struct analysis_param_def param[ANALYSIS_MAX_PARAMS];
};

/* The catalogue, in enum analysis_component_kind order. */
extern const struct analysis_component_def analysis_catalogue[COMPONENT_COUNT];

/* The components' names in enum order, NULL-ended. */
extern const char *const analysis_component_names[COMPONENT_COUNT + 1];

/* The component named s, or -1. */
int analysis_component_parse(const char *s);

/* One chosen component: its kind, its weight (> 0) and parameters. */
struct analysis_part {
	enum analysis_component_kind kind;
	double weight;
	double param[ANALYSIS_MAX_PARAMS];
};

/* A strategy as a list of parts and its buy/sell thresholds (sell_at <
 * buy_at): a built-in one (analysis_builtin_spec) or a user's. */
struct analysis_spec {
	const char *name;          /* "momentum", "user:12" */
	int n;
	struct analysis_part part[ANALYSIS_MAX_COMPONENTS];
	double buy_at, sell_at;
};

/* The spec of built-in strategy st: its components with their default
 * parameters, thresholds ANALYSIS_BUY_AT and ANALYSIS_SELL_AT. */
void analysis_builtin_spec(enum analysis_strategy st, struct analysis_spec *out);

struct analysis_component {
	const char *name;          /* "trend" */
	int available;
	double value;              /* the input scored; NAN when unavailable */
	double score;              /* 0..100; NAN when unavailable */
	double base_weight;        /* the strategy's weight, percent */
	double weight;             /* after redistribution; 0 when unavailable */
	double contribution;       /* weight * score / 100 rounded to 2 decimals;
	                              NAN when unavailable */
	const char *missing;       /* the missing input ("sma200"), or NULL */
	const char *explanation;   /* one sentence (pool memory) */
};

struct analysis_score {
	enum analysis_strategy strategy;   /* built-in ones; -1 for a user's */
	const char *name;          /* the strategy's name (the spec's, borrowed) */
	double buy_at, sell_at;    /* its thresholds */
	struct analysis_component c[ANALYSIS_MAX_COMPONENTS];
	int n;
	double score;              /* the sum of the contributions; NAN: no component */
	double coverage;           /* share of the base weight available, 0..1 */
	const char *confidence;    /* "high" | "low" | "insufficient" */
	const char *recommendation;   /* "buy" | "hold" | "sell"; NULL without score
	                                 or below ANALYSIS_MIN_COVERAGE */
};

/* Score snapshot s under strategy st; f is the latest fundamentals or NULL.
 * Pure but for explanations written into pool p; with p NULL no
 * explanation is written (each is NULL): the same numbers, faster. */
void analysis_score(struct pool *p, enum analysis_strategy st,
    const struct analysis_snapshot *s, const struct fundamentals *f,
    struct analysis_score *out);

/* Score snapshot s under strategy spec sp (analysis_score's rules, with
 * the spec's thresholds); out->strategy is -1 and out->name sp->name. */
void analysis_score_spec(struct pool *p, const struct analysis_spec *sp,
    const struct analysis_snapshot *s, const struct fundamentals *f,
    struct analysis_score *out);

/* "buy" (score >= 65), "sell" (<= 35) or "hold"; NULL for NAN. The side
 * of a score alone, whatever its coverage. */
const char *analysis_recommendation(double score);

/* The analysis as a JSON object (owned by the caller): symbol, strategy,
 * date, close, bars, indicators, score, coverage, confidence,
 * recommendation, components, missing, thresholds, version. Numbers are
 * rounded to what they mean: price-like indicators to the provider's
 * decimals (s->decimals), percentages, RSI, stochastic and ADX to 2,
 * %B, coverage and component values to 4, scores and weights to 2; NAN
 * prints as null. */
json_object *analysis_json(const char *symbol, const struct analysis_snapshot *s,
    const struct analysis_score *sc);

/* ---- export rows (analysis_json.c) ------------------------------------- */

struct buf;

#define ANALYSIS_CSV_HEADER "symbol,date,open,high,low,close,adjclose,volume\r\n"

/* Append s to b as one RFC 4180 field: quoted (with quotes doubled) when it
 * holds a comma, a double quote, CR or LF, or starts or ends with a space. */
void analysis_csv_field(struct buf *b, const char *s);

/* Append bar c of symbol to b as one CSV record (ANALYSIS_CSV_HEADER's
 * columns, CRLF-terminated), prices as their shortest exact decimals. */
void analysis_csv_row(struct buf *b, const char *symbol, const struct candle *c);

/* Append bar c of symbol to b as a JSON object with the same columns and
 * the very same number texts as analysis_csv_row. */
void analysis_json_row(struct buf *b, const char *symbol, const struct candle *c);

/* ---- freshness of stored prices (analysis_json.c) -------------------- */

/* How fresh a symbol's stored prices are, after analysis_prepare(). */
struct analysis_data {
	char latest[11];           /* date of the latest stored bar */
	const char *source;        /* who sent that bar ("csv", "alphavantage") */
	const char *updated_at;    /* RFC 3339: when the latest bar was stored */
	long age_days;             /* today (UTC) minus latest */
	int refreshed;             /* a provider refreshed the prices in this call */
	int stale;                 /* the prices were due a refresh that failed (or
	                              came from a provider's stale cached copy) */
	const char *note;          /* why stale, or the refresh's outcome; "" */
	const char *revision;      /* the symbol's data revision these data were
	                              read at, as text ("0": no symbol) */
	enum err err;              /* on failure: NOT_FOUND, PROVIDER_UNAVAILABLE,
	                              DB_UNAVAILABLE */
	const char *message;       /* on failure: a reason to show */
};

/* 1 when a daily bar of date latest, age_days old (today UTC minus latest),
 * is older than the market calendar allows: more than one weekday (one
 * holiday, or today's bar not published yet) between it and today. A bar
 * dated after today is not outdated. */
int analysis_outdated(const char *latest, long age_days);

/* The freshness block of d as a JSON object (owned by the caller): stale
 * when d->stale (a refresh failed) or analysis_outdated(d->latest,
 * d->age_days), with a note why; the cached and the computed replies both
 * come through here, so they agree. */
json_object *analysis_freshness_json(const struct analysis_data *d);

#endif
