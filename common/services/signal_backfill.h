/* signal_backfill.h: the signals a symbol's stored history would have
 * produced, so labelling and retraining have data from the first day.
 *
 * For each bar, the analysis of the series up to that bar: the indicators
 * of the whole series are computed once by analysis_series(), the suite the
 * live analysis_snapshot() runs too (every indicator is causal, so bar i of
 * it is what the live analysis gives for the first i + 1 bars), scored as
 * the live analysis scores, and stored with the same indicators
 * object as a live signal (source "backfill", ANALYSIS_VERSION), once per
 * symbol, strategy and day: a signal already there, live or backfilled, is
 * left alone. Backfilled signals get no prediction (signal_predictions): a
 * model scoring the past it was trained on says nothing.
 *
 * Strategies: momentum always (prices only). value only for a symbol with
 * no stored fundamentals, scored exactly as the live analysis scores it
 * then (mean reversion; pe and peg missing): only the latest fundamentals
 * are kept, and scoring an old bar with them would use the future. growth
 * and dividend are not backfilled: without fundamentals, most of their
 * weight is missing and what is left (trend, volatility) repeats inputs the
 * model already has. Bars whose score is undefined (too short a history)
 * give no signal. A backfilled signal's recommendation is the side of its
 * score (buy >= 65, sell <= 35, hold) whatever the score's coverage: it is
 * a training record of what the score said, where a live analysis below
 * ANALYSIS_MIN_COVERAGE (value without fundamentals: 35 %) gives no
 * recommendation and so no signal. */
#ifndef EDGESCOUT_SIGNAL_BACKFILL_H
#define EDGESCOUT_SIGNAL_BACKFILL_H

#include <json-c/json.h>
#include <stddef.h>

struct analysis_series;
struct pool;

#define SIGNAL_BACKFILL_BATCH 1000   /* rows of one INSERT */

/* Store the signals of symbol's last last_n_bars bars (all bars when
 * last_n_bars <= 0) in one transaction, in batches; *written is the number
 * of new rows (0 on a second run). 0; 1 when the symbol has no stored
 * prices; -1 on a database failure (logged; nothing written). */
int signal_backfill(struct pool *p, const char *symbol, int last_n_bars, int *written);

/* Append to rows the signal rows of bar i of series a, as signal_backfill()
 * stores them: {strategy, day, close, score, recommendation, indicators}
 * with close and score as the texts stored (the shortest exact decimal;
 * two decimals), momentum then value when with_value; none for a strategy
 * without score. Explanations go to pool scratch. No database. */
void signal_backfill_bar(struct pool *scratch, const struct analysis_series *a, size_t i,
    int with_value, json_object *rows);

#endif
