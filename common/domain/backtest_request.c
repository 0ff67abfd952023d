/* backtest_request.c: a backtest's request, checked once and written back
 * in one canonical form (backtest.h). */
#include "backtest.h"

#include <math.h>
#include <string.h>

#include "analysis_spec.h"
#include "jsonv.h"
#include "pool.h"
#include "valid.h"

static const char *const exit_names[] = {
	"sell_signal", "after_bars", "stop_loss", "take_profit", NULL
};

/* Member key of o, or NULL. */
static json_object *
member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *
string_member(json_object *o, const char *key)
{
	json_object *v = member(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Number member key into *out (def when absent): 0, or -1 when not a number. */
static int
number_member(json_object *o, const char *key, double def, double *out)
{
	json_object *v = member(o, key);

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_double(v);
	return isfinite(*out) ? 0 : -1;
}

/* Fail with field f and reason w. */
static int
bad(const char **field, const char **why, const char *f, const char *w)
{
	*field = f;
	*why = w;
	return -1;
}

static int
parse_symbols(struct pool *p, json_object *o, struct backtest_request *q,
    const char **field, const char **why)
{
	json_object *a = member(o, "symbols");
	size_t n = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

	if (n < 1 || n > BACKTEST_MAX_SYMBOLS)
		return bad(field, why, "symbols", "symbols must be a list of 1 to 10 ticker symbols");
	q->symbols = pool_alloc(p, n * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(a, i);
		const char *v = json_object_is_type(s, json_type_string) ?
		                json_object_get_string(s) : NULL;

		if (v == NULL || !valid_symbol(v))
			return bad(field, why, "symbols", "each symbol must be a ticker symbol");
		for (size_t j = 0; j < i; j++)
			if (strcmp(q->symbols[j], v) == 0)
				return bad(field, why, "symbols", "a symbol is listed twice");
		q->symbols[i] = pool_strdup(p, v);
	}
	q->nsymbols = n;
	return 0;
}

/* The strategy: a built-in one, or a user's with its spec member. */
static int
parse_strategy(struct pool *p, json_object *o, struct backtest_request *q,
    const char **field, const char **why)
{
	json_object *spec, *comps, *buy, *sell;
	int st;
	int64_t id;

	q->strategy = string_member(o, "strategy");
	if ((st = analysis_strategy_parse(q->strategy)) >= 0) {
		analysis_builtin_spec((enum analysis_strategy)st, &q->spec);
		return 0;
	}
	if (q->strategy == NULL || !analysis_user_strategy_id(q->strategy, &id) ||
	    !json_object_object_get_ex(o, "spec", &spec) ||
	    !json_object_object_get_ex(spec, "components", &comps) ||
	    !json_object_object_get_ex(spec, "buy_at", &buy) ||
	    !json_object_object_get_ex(spec, "sell_at", &sell))
		return bad(field, why, "strategy", "strategy must be a built-in strategy's "
		           "name or user:<id> of one of yours");
	if (analysis_spec_parse(p, comps, json_object_get_double(buy),
	                        json_object_get_double(sell), &q->spec, field, why) < 0)
		return -1;
	q->spec.name = q->strategy;
	return 0;
}

static int
parse_period(struct pool *p, json_object *o, struct backtest_request *q,
    const char **field, const char **why)
{
	char latest[11];

	if (parse_strategy(p, o, q, field, why) < 0)
		return -1;
	q->from = string_member(o, "from");
	q->to = string_member(o, "to");
	if (q->from == NULL || !candle_date_valid(q->from, strlen(q->from)))
		return bad(field, why, "from", "from must be a calendar date YYYY-MM-DD");
	if (q->to == NULL || !candle_date_valid(q->to, strlen(q->to)))
		return bad(field, why, "to", "to must be a calendar date YYYY-MM-DD");
	if (strcmp(q->from, q->to) >= 0)
		return bad(field, why, "to", "to must come after from");
	candle_date_latest(latest);
	if (strcmp(q->from, latest) > 0)
		return bad(field, why, "from", "from is in the future");
	return 0;
}

/* 1 when rule is in the exit list a. */
static int
has_exit(json_object *a, const char *rule)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), rule) == 0)
			return 1;
	return 0;
}

static int
parse_exit(json_object *o, struct backtest_params *prm, const char **field, const char **why)
{
	json_object *a = member(o, "exit");
	double bars;

	if (a != NULL) {
		size_t n = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

		if (n == 0)
			return bad(field, why, "exit", "exit must list at least one exit rule");
		for (size_t i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(a, i);
			int known = 0;

			for (int k = 0; exit_names[k] && json_object_is_type(s, json_type_string); k++)
				known |= strcmp(json_object_get_string(s), exit_names[k]) == 0;
			if (!known)
				return bad(field, why, "exit", "exit rules are sell_signal, after_bars, "
				           "stop_loss and take_profit");
		}
	}
	prm->exit_on_sell = a == NULL || has_exit(a, "sell_signal");
	if (number_member(o, "exit_bars", 0, &bars) < 0 || bars != floor(bars) ||
	    (has_exit(a, "after_bars") && !(bars >= 1 && bars <= BACKTEST_MAX_HOLD_BARS)) ||
	    (!has_exit(a, "after_bars") && member(o, "exit_bars")))
		return bad(field, why, "exit_bars", "exit_bars (1 to 10000) goes with the "
		           "after_bars exit rule");
	prm->hold_bars = (int)bars;
	if (number_member(o, "stop_loss_pct", 0, &prm->stop_loss_pct) < 0 ||
	    (has_exit(a, "stop_loss") && !(prm->stop_loss_pct > 0 && prm->stop_loss_pct < 100)) ||
	    (!has_exit(a, "stop_loss") && member(o, "stop_loss_pct")))
		return bad(field, why, "stop_loss_pct", "stop_loss_pct (above 0, below 100) goes "
		           "with the stop_loss exit rule");
	if (number_member(o, "take_profit_pct", 0, &prm->take_profit_pct) < 0 ||
	    (has_exit(a, "take_profit") &&
	     !(prm->take_profit_pct > 0 && prm->take_profit_pct <= 10000)) ||
	    (!has_exit(a, "take_profit") && member(o, "take_profit_pct")))
		return bad(field, why, "take_profit_pct", "take_profit_pct (above 0, at most "
		           "10000) goes with the take_profit exit rule");
	return 0;
}

static int
parse_sizing(json_object *o, struct backtest_params *prm, const char **field, const char **why)
{
	const char *sizing = string_member(o, "sizing"), *entry = string_member(o, "entry");

	if (member(o, "entry") && (entry == NULL || strcmp(entry, "buy_signal") != 0))
		return bad(field, why, "entry", "entry must be buy_signal");
	if (sizing == NULL && member(o, "sizing"))
		return bad(field, why, "sizing", "sizing must be fraction or amount");
	prm->sizing = sizing == NULL || strcmp(sizing, "fraction") == 0 ? BACKTEST_FRACTION :
	              strcmp(sizing, "amount") == 0 ? BACKTEST_AMOUNT : -1;
	if ((int)prm->sizing < 0)
		return bad(field, why, "sizing", "sizing must be fraction or amount");
	if (prm->sizing == BACKTEST_FRACTION) {
		if (number_member(o, "size", 1, &prm->size) < 0 || !(prm->size > 0 && prm->size <= 1))
			return bad(field, why, "size", "size must be a fraction above 0, at most 1");
	} else if (number_member(o, "size", NAN, &prm->size) < 0 ||
	           !(prm->size > 0 && prm->size <= BACKTEST_CAPITAL)) {
		return bad(field, why, "size", "size must be an amount above 0, at most 10000 "
		           "(the initial equity)");
	}
	if (number_member(o, "fees_bps", 0, &prm->fees_bps) < 0 ||
	    !(prm->fees_bps >= 0 && prm->fees_bps <= BACKTEST_MAX_BPS))
		return bad(field, why, "fees_bps", "fees_bps must be 0 to 1000");
	if (number_member(o, "slippage_bps", 0, &prm->slippage_bps) < 0 ||
	    !(prm->slippage_bps >= 0 && prm->slippage_bps <= BACKTEST_MAX_BPS))
		return bad(field, why, "slippage_bps", "slippage_bps must be 0 to 1000");
	return 0;
}

int
backtest_request_parse(struct pool *p, json_object *o, struct backtest_request *q,
    const char **field, const char **why)
{
	memset(q, 0, sizeof(*q));
	*field = *why = NULL;
	if (o == NULL || !json_object_is_type(o, json_type_object))
		return bad(field, why, NULL, "the request must be a JSON object");
	if (parse_symbols(p, o, q, field, why) < 0 || parse_period(p, o, q, field, why) < 0 ||
	    parse_exit(o, &q->prm, field, why) < 0 || parse_sizing(o, &q->prm, field, why) < 0)
		return -1;
	return 0;
}

json_object *
backtest_request_json(const struct backtest_request *q)
{
	json_object *o = json_object_new_object(), *s = json_object_new_array();
	json_object *e = json_object_new_array();
	const struct backtest_params *prm = &q->prm;

	for (size_t i = 0; i < q->nsymbols; i++)
		json_object_array_add(s, json_object_new_string(q->symbols[i]));
	json_object_object_add(o, "symbols", s);
	json_object_object_add(o, "strategy", json_object_new_string(q->strategy));
	if (analysis_strategy_parse(q->strategy) < 0)
		json_object_object_add(o, "spec", analysis_spec_json(&q->spec));
	json_object_object_add(o, "from", json_object_new_string(q->from));
	json_object_object_add(o, "to", json_object_new_string(q->to));
	json_object_object_add(o, "entry", json_object_new_string("buy_signal"));
	if (prm->exit_on_sell)
		json_object_array_add(e, json_object_new_string("sell_signal"));
	if (prm->hold_bars > 0)
		json_object_array_add(e, json_object_new_string("after_bars"));
	if (prm->stop_loss_pct > 0)
		json_object_array_add(e, json_object_new_string("stop_loss"));
	if (prm->take_profit_pct > 0)
		json_object_array_add(e, json_object_new_string("take_profit"));
	json_object_object_add(o, "exit", e);
	if (prm->hold_bars > 0)
		json_object_object_add(o, "exit_bars", json_object_new_int(prm->hold_bars));
	if (prm->stop_loss_pct > 0)
		json_object_object_add(o, "stop_loss_pct", jsonv_number(prm->stop_loss_pct));
	if (prm->take_profit_pct > 0)
		json_object_object_add(o, "take_profit_pct", jsonv_number(prm->take_profit_pct));
	json_object_object_add(o, "sizing", json_object_new_string(
	    prm->sizing == BACKTEST_FRACTION ? "fraction" : "amount"));
	json_object_object_add(o, "size", jsonv_number(prm->size));
	json_object_object_add(o, "fees_bps", jsonv_number(prm->fees_bps));
	json_object_object_add(o, "slippage_bps", jsonv_number(prm->slippage_bps));
	return o;
}
