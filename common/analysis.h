/* analysis.h: stock analysis: the indicators at a symbol's latest bar, a
 * 0-100 score under a strategy, a recommendation, and the cached, data-aware
 * way an endpoint or a job gets one.
 *
 * The scoring model (ANALYSIS_VERSION 1). Each strategy is a weighted mean
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
 * A component whose input is missing (no fundamentals, too few bars) is
 * unavailable: no value or score is invented, its input is listed in
 * `missing`, and the weights of the available components are scaled up to
 * sum to 100. The score is the weighted mean rounded to 2 decimals; with no
 * component available there is no score and no recommendation. The
 * recommendation is buy at 65 or more, sell at 35 or less, hold between. */
#ifndef EDGESCOUT_ANALYSIS_H
#define EDGESCOUT_ANALYSIS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "candle.h"
#include "err.h"
#include "provider.h"

struct pool;

#define ANALYSIS_VERSION 1           /* bumped with any change of the model */
#define ANALYSIS_BUY_AT 65.0         /* score >= : buy */
#define ANALYSIS_SELL_AT 35.0        /* score <= : sell */
#define ANALYSIS_MAX_COMPONENTS 4
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
};

/* Compute the snapshot of series c (closes, highs, lows, volumes; pool p for
 * scratch arrays). 0, or -1 when c is empty or an indicator refused it. */
int analysis_snapshot(struct pool *p, const struct candles *c,
    struct analysis_snapshot *out);

struct analysis_component {
	const char *name;          /* "trend" */
	int available;
	double value;              /* the input scored; NAN when unavailable */
	double score;              /* 0..100; NAN when unavailable */
	double base_weight;        /* the strategy's weight, percent */
	double weight;             /* after redistribution; 0 when unavailable */
	const char *missing;       /* the missing input ("sma200"), or NULL */
	const char *explanation;   /* one sentence (pool memory) */
};

struct analysis_score {
	enum analysis_strategy strategy;
	struct analysis_component c[ANALYSIS_MAX_COMPONENTS];
	int n;
	double score;              /* rounded to 2 decimals; NAN: no component */
	const char *recommendation;   /* "buy" | "hold" | "sell"; NULL without score */
};

/* Score snapshot s under strategy st; f is the latest fundamentals or NULL.
 * Pure but for explanations written into pool p. */
void analysis_score(struct pool *p, enum analysis_strategy st,
    const struct analysis_snapshot *s, const struct fundamentals *f,
    struct analysis_score *out);

/* "buy" (score >= 65), "sell" (<= 35) or "hold"; NULL for NAN. */
const char *analysis_recommendation(double score);

/* The analysis as a JSON object (owned by the caller): symbol, strategy,
 * date, close, bars, indicators, score, recommendation, components,
 * missing, thresholds, version. Doubles print as their shortest exact
 * decimal; NAN as null. */
json_object *analysis_json(const char *symbol, const struct analysis_snapshot *s,
    const struct analysis_score *sc);

/* A JSON number of v printed as the shortest decimal that reads back as v
 * (null for NAN or infinities). Owned by the caller. */
json_object *analysis_number(double v);

/* The shortest decimal that reads back as v ("2874.560059") into out. */
void analysis_shortest(char *out, size_t size, double v);

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

/* ---- data and cache (analysis_db.c) ----------------------------------- */

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
	enum err err;              /* on failure: NOT_FOUND, PROVIDER_UNAVAILABLE,
	                              DB_UNAVAILABLE */
	const char *message;       /* on failure: a reason to show */
};

/* Make sure symbol has stored prices, refreshing them through the provider
 * chain when there are none, or when neither its latest bar was stored nor
 * a refresh succeeded within ANALYSIS_REFRESH_SECONDS (unless an attempt
 * failed within ANALYSIS_RETRY_SECONDS: that failure stands). Each attempt
 * is recorded. 0 with *d filled (stale when the refresh failed but stored
 * prices remain), or -1 with d->err and d->message: NOT_FOUND when no
 * provider knows the symbol, PROVIDER_UNAVAILABLE when none answered,
 * DB_UNAVAILABLE. */
int analysis_prepare(struct pool *p, const char *symbol, struct analysis_data *d);

/* The freshness block of d as a JSON object (owned by the caller). */
json_object *analysis_freshness_json(const struct analysis_data *d);

/* One analysis as a caller gets it. */
struct analysis_outcome {
	json_object *obj;          /* the reply (owned by the pool): analysis_json
	                              plus "freshness" */
	const char *cache;         /* "HIT" | "MISS" | "STALE" */
	double score;              /* NAN without score */
	const char *recommendation;   /* NULL without score */
	const char *date;          /* latest bar */
	double close;
	enum err err;              /* on failure, as analysis_prepare */
	const char *message;
};

/* Analyse symbol under strategy st: prepare its data, then answer from the
 * analyses cache for (symbol, strategy, latest bar day, ANALYSIS_VERSION) or
 * compute and store it. 0, or -1 with out->err and out->message. */
int analysis_get(struct pool *p, const char *symbol, enum analysis_strategy st,
    struct analysis_outcome *out);

/* Store a signal of a scored outcome o of symbol (source "run" or "scan"),
 * once per symbol, strategy and day: *id is the signal's id, new or not.
 * 0, or -1 (logged). */
int analysis_store_signal(struct pool *p, const char *symbol,
    enum analysis_strategy st, const struct analysis_outcome *o,
    const char *source, int64_t *id);

/* ---- async tasks (analysis_task.c) ------------------------------------- */

struct task;

#define ANALYSIS_TASK_KIND "analysis"

/* Run claimed task t (kind "analysis", params {symbol, strategy}) as a
 * worker does: complete it with the analysis reply as its result, or fail
 * it with the catalogue code and message a synchronous call would have
 * replied; provider and database failures are retried while attempts
 * remain (max_attempts), bad params never. 0 when finished or requeued, 1
 * when the claim was lost meanwhile, -1 when the outcome could not be
 * written. */
int analysis_task_run(struct pool *p, const struct task *t, int max_attempts);

/* ---- request input (analysis_req.c) ------------------------------------ */

struct req;

/* Contract entries of the market routes (route.h): a required ticker
 * symbol, a strategy, and an optional calendar date (from, to). */
#define ANALYSIS_SYMBOL_RULE "an upper-case ticker of 1 to 10 characters A-Z 0-9 . - " \
	"(a leading ^ for an index)"
#define ANALYSIS_PARAM_SYMBOL { .name = "symbol", .type = PARAM_STRING, .required = 1, \
	.max = VALID_SYMBOL_MAX, .check = valid_symbol, .rule = ANALYSIS_SYMBOL_RULE, \
	.desc = "the ticker symbol (^GSPC for the S&P 500)" }
#define ANALYSIS_PARAM_STRATEGY { .name = "strategy", .type = PARAM_ENUM, .required = 1, \
	.values = analysis_strategies, .desc = "how to score" }
#define ANALYSIS_PARAM_DATE(n, what) { .name = n, .type = PARAM_STRING, .max = 10, \
	.check = analysis_is_date, .rule = "a calendar date YYYY-MM-DD", .format = "date", \
	.desc = what }

/* The freshness of a reply's prices, as analysis_freshness_json writes it. */
#define ANALYSIS_FRESHNESS_SHAPE "{latest_bar:str, age_days:int, source:str, " \
	"updated_at:str?, refreshed:bool, stale:bool, note:str}"

/* 1 when s is a real calendar date YYYY-MM-DD. */
int analysis_is_date(const char *s);

/* A comma-separated list of 1..ANALYSIS_MAX_SYMBOLS distinct symbols (query
 * argument field) into *out (pool) and *n. 0, or -1 after replying 422. */
int analysis_symbol_list_or_reply(struct req *r, const char *field, const char *list,
    const char ***out, int *n);

/* The optional query arguments from and to (dates: the contract) with
 * from <= to; NULL when absent. 0, or -1 after 422. */
int analysis_range_or_reply(struct req *r, const char **from, const char **to);

#endif
