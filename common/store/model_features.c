/* model_features.c: feature set 1 of the win-probability model, from an
 * analysis reply or a signal row (model.h lists and explains them). */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "jsonv.h"
#include "pool.h"
#include "pool_json.h"

enum feature {
	F_CLOSE_SMA20, F_CLOSE_SMA50, F_CLOSE_SMA200, F_SMA50_SMA200, F_EMA12_EMA26,
	F_RSI14, F_MACD_HIST, F_BB_PERCENT_B, F_ATR_PERCENT, F_STOCH_K, F_STOCH_D,
	F_ROC10, F_ADX14, F_DI_SPREAD, F_OBV_TREND, F_SCORE,
	F_STRATEGY_GROWTH, F_STRATEGY_VALUE, F_STRATEGY_DIVIDEND, F_STRATEGY_MOMENTUM,
	F_REC_BUY, F_REC_SELL, F_COUNT
};

static const char *const names[F_COUNT] = {
	"close_sma20", "close_sma50", "close_sma200", "sma50_sma200", "ema12_ema26",
	"rsi14", "macd_hist", "bb_percent_b", "atr_percent", "stoch_k", "stoch_d",
	"roc10", "adx14", "di_spread", "obv_trend", "score",
	"strategy_growth", "strategy_value", "strategy_dividend", "strategy_momentum",
	"rec_buy", "rec_sell",
};

size_t
model_feature_count(void)
{
	return F_COUNT;
}

const char *
model_feature_name(size_t i)
{
	return i < F_COUNT ? names[i] : NULL;
}

/* The number at o.key (or o.key.sub when sub is not NULL); NAN when absent,
 * null, not a number or not finite. */
static double
num(json_object *o, const char *key, const char *sub)
{
	json_object *v;
	double x;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return NAN;
	if (sub != NULL && (!json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, sub, &v) || v == NULL))
		return NAN;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return NAN;
	x = json_object_get_double(v);
	return isfinite(x) ? x : NAN;
}

/* a / b - 1; NAN when either is missing or b is not positive. */
static double
ratio(double a, double b)
{
	return isnan(a) || !(b > 0) ? NAN : a / b - 1;
}

static double
is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0 ? 1 : 0;
}

static double
value(const struct model_input *in, enum feature f)
{
	json_object *ind = in->indicators;
	double c = in->close, x;

	switch (f) {
	case F_CLOSE_SMA20: return ratio(c, num(ind, "sma20", NULL));
	case F_CLOSE_SMA50: return ratio(c, num(ind, "sma50", NULL));
	case F_CLOSE_SMA200: return ratio(c, num(ind, "sma200", NULL));
	case F_SMA50_SMA200: return ratio(num(ind, "sma50", NULL), num(ind, "sma200", NULL));
	case F_EMA12_EMA26: return ratio(num(ind, "ema12", NULL), num(ind, "ema26", NULL));
	case F_RSI14: return num(ind, "rsi14", NULL);
	case F_MACD_HIST:
		x = num(ind, "macd", "hist");
		return c > 0 ? 100 * x / c : NAN;
	case F_BB_PERCENT_B: return num(ind, "bollinger", "percent_b");
	case F_ATR_PERCENT: return num(ind, "atr_percent", NULL);
	case F_STOCH_K: return num(ind, "stochastic", "k");
	case F_STOCH_D: return num(ind, "stochastic", "d");
	case F_ROC10: return num(ind, "roc10", NULL);
	case F_ADX14: return num(ind, "adx14", "adx");
	case F_DI_SPREAD: return num(ind, "adx14", "plus_di") - num(ind, "adx14", "minus_di");
	case F_OBV_TREND:
		x = num(ind, "obv", "change20");
		return isnan(x) ? NAN : (x > 0) - (x < 0);
	case F_SCORE: return isfinite(in->score) ? in->score : NAN;
	case F_STRATEGY_GROWTH: return is(in->strategy, "growth");
	case F_STRATEGY_VALUE: return is(in->strategy, "value");
	case F_STRATEGY_DIVIDEND: return is(in->strategy, "dividend");
	case F_STRATEGY_MOMENTUM: return is(in->strategy, "momentum");
	case F_REC_BUY: return is(in->recommendation, "buy");
	case F_REC_SELL: return is(in->recommendation, "sell");
	case F_COUNT: break;
	}
	return NAN;
}

double
model_feature(const struct model_input *in, const char *name)
{
	for (int f = 0; f < F_COUNT; f++)
		if (strcmp(names[f], name) == 0)
			return value(in, (enum feature)f);
	return NAN;
}

void
model_features(const struct model_input *in, double *x)
{
	for (int f = 0; f < F_COUNT; f++)
		x[f] = value(in, (enum feature)f);
}

void
model_input_from_signal(struct pool *p, const char *indicators, const char *close,
    const char *score, const char *strategy, const char *recommendation,
    struct model_input *in)
{
	json_object *ind = json_tokener_parse(indicators);

	memset(in, 0, sizeof(*in));
	if (ind != NULL) {
		pool_json(p, ind);
		in->indicators = ind;
	}
	in->close = strtod(close, NULL);
	in->score = strtod(score, NULL);
	in->strategy = pool_strdup(p, strategy);
	in->recommendation = pool_strdup(p, recommendation);
}

static const char *
str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
model_input_from_analysis(json_object *obj, struct model_input *in)
{
	json_object *ind;

	memset(in, 0, sizeof(*in));
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return -1;
	in->close = num(obj, "close", NULL);
	in->score = num(obj, "score", NULL);
	if (json_object_object_get_ex(obj, "indicators", &ind) &&
	    json_object_is_type(ind, json_type_object))
		in->indicators = ind;
	in->strategy = str(obj, "strategy");
	/* below the coverage a recommendation needs, the reply has none: the
	 * side of its score is what a backfilled signal records (rec_buy,
	 * rec_sell), so the model reads the same from both */
	in->recommendation = str(obj, "recommendation");
	if (in->recommendation == NULL)
		in->recommendation = analysis_recommendation(in->score);
	return isnan(in->close) ? -1 : 0;
}
