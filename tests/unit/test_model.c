/* test_model.c: the pure rules of the win-probability model: how an
 * outcome is labelled, when a new model is promoted over the current one,
 * and the features of an analysis (the database part: test_model_db). */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "model_train.h"

/* ---- pure rules ---------------------------------------------------------- */

static void
test_outcome_rule(void **state)
{
	(void)state;
	assert_string_equal(model_outcome("buy", 0.0051, 0.005), "win");
	assert_string_equal(model_outcome("buy", 0.005, 0.005), "flat");
	assert_string_equal(model_outcome("buy", -0.005, 0.005), "flat");
	assert_string_equal(model_outcome("buy", -0.0051, 0.005), "loss");
	assert_string_equal(model_outcome("sell", -0.0051, 0.005), "win");
	assert_string_equal(model_outcome("sell", 0.004, 0.005), "flat");
	assert_string_equal(model_outcome("sell", 0.0051, 0.005), "loss");
	assert_string_equal(model_outcome("hold", 0.005, 0.005), "win");
	assert_string_equal(model_outcome("hold", -0.005, 0.005), "win");
	assert_string_equal(model_outcome("hold", 0.0051, 0.005), "loss");
	assert_string_equal(model_outcome("hold", -0.02, 0.005), "loss");
	assert_string_equal(model_outcome("buy", 0, 0), "flat");
	assert_null(model_outcome("short", 0.1, 0.005));
	assert_null(model_outcome(NULL, 0.1, 0.005));
	assert_null(model_outcome("buy", NAN, 0.005));
}

static void
test_promotion_rule(void **state)
{
	struct model_train_opts o = { .epsilon = 0.001 };
	struct logreg_metrics n = { 100, 40, 0.55, 0.6, 0.68 }, b = n, none = { 0 };
	const char *why;

	(void)state;
	assert_int_equal(model_promote(pool, &o, &n, 0, &b, &why), 1);
	assert_string_equal(why, "promoted: the first model");
	/* equal metrics are no worse */
	assert_int_equal(model_promote(pool, &o, &n, 3, &b, &why), 1);
	assert_non_null(strstr(why, "promoted: holdout AUC 0.5500 >= 0.5500"));
	assert_non_null(strstr(why, "model 3 on the same 100 holdout rows neither trained on"));
	b.auc = 0.5501;
	assert_int_equal(model_promote(pool, &o, &n, 3, &b, &why), 0);
	assert_non_null(strstr(why, "not promoted: holdout AUC 0.5500 < 0.5501"));
	b.auc = 0.5;
	b.log_loss = 0.679;                         /* 0.68 <= 0.679 + 0.001 */
	assert_int_equal(model_promote(pool, &o, &n, 3, &b, &why), 1);
	b.log_loss = 0.6789;
	assert_int_equal(model_promote(pool, &o, &n, 3, &b, &why), 0);
	assert_non_null(strstr(why, "log loss 0.6800 > 0.6789"));
	/* an undefined AUC (one-class holdout): log loss alone decides */
	b.auc = NAN;
	b.log_loss = 0.7;
	assert_int_equal(model_promote(pool, &o, &n, 3, &b, &why), 1);
	n.auc = NAN;
	b.auc = 0.9;
	assert_int_equal(model_promote(pool, &o, &n, 3, &b, &why), 1);
	/* nothing held out: never replaces a model */
	assert_int_equal(model_promote(pool, &o, &none, 3, &b, &why), 0);
	assert_non_null(strstr(why, "no holdout rows that model"));
}

static void
test_features(void **state)
{
	const char *text =
	    "{\"close\":110,\"score\":72.5,\"strategy\":\"momentum\",\"recommendation\":\"buy\","
	    "\"indicators\":{\"sma20\":100,\"sma50\":88,\"sma200\":null,\"ema12\":105,"
	    "\"ema26\":100,\"rsi14\":61.5,\"macd\":{\"macd\":2,\"signal\":1.5,\"hist\":0.55},"
	    "\"bollinger\":{\"percent_b\":0.8},\"atr_percent\":1.25,\"stochastic\":{\"k\":70,"
	    "\"d\":65},\"roc10\":3,\"adx14\":{\"adx\":25,\"plus_di\":30,\"minus_di\":12},"
	    "\"obv\":{\"value\":5,\"change20\":-7}}}";
	json_object *o = json_tokener_parse(text);
	struct model_input in;

	(void)state;
	assert_int_equal(model_input_from_analysis(o, &in), 0);
	assert_int_equal(model_feature_count(), 22);
	assert_string_equal(model_feature_name(0), "close_sma20");
	assert_null(model_feature_name(22));
	assert_true(model_feature(&in, "close_sma20") == 110.0 / 100 - 1);
	assert_true(model_feature(&in, "close_sma50") == 110.0 / 88 - 1);
	assert_true(isnan(model_feature(&in, "close_sma200")));
	assert_true(isnan(model_feature(&in, "sma50_sma200")));
	assert_true(model_feature(&in, "ema12_ema26") == 105.0 / 100 - 1);
	assert_true(model_feature(&in, "rsi14") == 61.5);
	assert_true(model_feature(&in, "macd_hist") == 100 * 0.55 / 110);
	assert_true(model_feature(&in, "bb_percent_b") == 0.8);
	assert_true(model_feature(&in, "atr_percent") == 1.25);
	assert_true(model_feature(&in, "stoch_k") == 70);
	assert_true(model_feature(&in, "stoch_d") == 65);
	assert_true(model_feature(&in, "roc10") == 3);
	assert_true(model_feature(&in, "adx14") == 25);
	assert_true(model_feature(&in, "di_spread") == 18);
	assert_true(model_feature(&in, "obv_trend") == -1);
	assert_true(model_feature(&in, "score") == 72.5);
	assert_true(model_feature(&in, "strategy_momentum") == 1);
	assert_true(model_feature(&in, "strategy_value") == 0);
	assert_true(model_feature(&in, "rec_buy") == 1);
	assert_true(model_feature(&in, "rec_sell") == 0);
	assert_true(isnan(model_feature(&in, "no_such_feature")));
	json_object_put(o);
	o = json_tokener_parse("{\"indicators\":{}}");
	assert_int_equal(model_input_from_analysis(o, &in), -1);   /* no close */
	json_object_put(o);
	assert_int_equal(model_input_from_analysis(NULL, &in), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_rule),
		cmocka_unit_test(test_promotion_rule),
		cmocka_unit_test(test_features),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
