/* model.h: the win-probability model of signals: its features, the current
 * promoted model (models table, sql/007_models.sql) and predictions.
 *
 * Feature set 1 (MODEL_FEATURE_SET), computed from what an analysis reply
 * and a signal row both hold: the "indicators" object (signals.indicators),
 * the close, the score, the strategy and the recommendation. Price levels
 * enter only as ratios, so a model carries over between symbols:
 *
 *   close_sma20, close_sma50, close_sma200   close / SMA - 1
 *   sma50_sma200, ema12_ema26                 SMA50 / SMA200 - 1, EMA12 / EMA26 - 1
 *   rsi14, bb_percent_b, atr_percent, stoch_k, stoch_d, roc10, adx14
 *                                             as the analysis reports them
 *   macd_hist                                 100 * MACD histogram / close
 *   di_spread                                 +DI - -DI
 *   obv_trend                                 sign of the 20-bar OBV change
 *   score                                     the analysis score, 0..100
 *   strategy_growth, strategy_value, strategy_dividend, strategy_momentum,
 *   rec_buy, rec_sell                         1 or 0
 *
 * A missing input (null: too short a history) gives NAN, which the model
 * reads as the feature's training mean. The model predicts P(outcome =
 * win) (model_train.h says how signals are labelled).
 *
 * How analyses and signals carry the model (for the analysis and signal
 * writers):
 *   - an analysis reply: after reading it from the cache or computing it,
 *     and never into the cached copy, call model_annotate(p, obj): it adds
 *     "model": {"version": 3, "win_probability": 0.5731} (or "model": null
 *     when no model has been promoted yet);
 *   - a stored signal: after analysis_store_signal() gives its id, call
 *     model_record_signal(p, id): it predicts from the stored row with the
 *     current model and writes signal_predictions once (a signal keeps the
 *     prediction it was issued with).
 * Neither fails the caller's work: without a model, or with the database
 * down, they add null or store nothing. */
#ifndef EDGESCOUT_MODEL_H
#define EDGESCOUT_MODEL_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "logreg.h"

struct pool;

#define MODEL_FEATURE_SET 1
#define MODEL_CHECK_SECONDS 30     /* default of MODEL_CHECK_SECONDS */

/* What features are computed from (an analysis reply or a signal row). */
struct model_input {
	json_object *indicators;   /* the analysis' "indicators" object; NULL: none */
	double close;
	double score;              /* NAN when none */
	const char *strategy;      /* "momentum", ... */
	const char *recommendation;   /* "buy" | "hold" | "sell" */
};

/* Features of the current set: their number, and the name of feature i
 * (NULL past the end). */
size_t model_feature_count(void);
const char *model_feature_name(size_t i);

/* The value of feature name for in; NAN when its input is missing or the
 * name is not a feature. */
double model_feature(const struct model_input *in, const char *name);

/* The feature vector of in: model_feature_count() values into x, feature
 * i being model_feature(in, model_feature_name(i)). The one computation of
 * features, for training and for every prediction. */
void model_features(const struct model_input *in, double *x);

/* Fill in from a stored signal's columns as text (indicators JSON, close,
 * score, strategy, recommendation; as PostgreSQL prints them); indicators
 * parsed into pool p (NULL when unparsable), the strings copied there. */
void model_input_from_signal(struct pool *p, const char *indicators, const char *close,
    const char *score, const char *strategy, const char *recommendation,
    struct model_input *in);

/* Fill in from an analysis reply obj (members indicators, close, score,
 * strategy, recommendation: the side of the score when the reply has none
 * for want of coverage); pointers into obj. 0, or -1 when obj is not an
 * object or has no close. */
int model_input_from_analysis(json_object *obj, struct model_input *in);

/* A stored model. */
struct model {
	int version;
	size_t d;
	char **names;              /* d feature names, aligned with lr */
	struct logreg lr;
};

/* The current model (the promoted one with the highest version), cached
 * per process: the database is asked which version is current at most every
 * MODEL_CHECK_SECONDS (config) and the model reloaded when it changed.
 * NULL when none was promoted, or when the database cannot say and nothing
 * is cached. Owned by the cache: valid until the next call. */
const struct model *model_current(struct pool *p);

/* Load model version (any, promoted or not) into *m with pool memory.
 * 1 when found, 0 when there is no such model, -1 on DB failure or a
 * malformed row (logged). */
int model_load(struct pool *p, int version, struct model *m);

/* P(win) for in under m. */
double model_predict(const struct model *m, const struct model_input *in);

/* Add "model": {"version", "win_probability"} to analysis reply obj from the
 * current model, or "model": null when there is none (or no close). */
void model_annotate(struct pool *p, json_object *obj);

/* The model input features of analysis reply obj (model_features, in
 * model_feature_name order) as a PostgreSQL double precision[] literal in
 * p, kept with a cached analysis; NULL when obj has no model input (no
 * close: model_annotate adds "model": null). */
const char *model_features_text(struct pool *p, json_object *obj);

/* The "model" member model_annotate would add, as JSON text in p, from
 * features as model_features_text wrote them ("null" for NULL or ""): the
 * cached analysis need not be parsed. NULL when features cannot be read
 * (another feature set): annotate the parsed analysis instead. */
const char *model_annotation_text(struct pool *p, const char *features);

/* Store the current model's prediction for signal id (read back from the
 * signals table) unless it has one. 1 stored, 0 nothing to do (no model,
 * no such signal, already predicted), -1 on DB failure (logged). */
int model_record_signal(struct pool *p, int64_t signal_id);

#endif
