/* backtest_task.c: a backtest of stored prices, run as a task (see
 * backtest_task.h). */
#include "backtest_task.h"

#include <string.h>

#include "err.h"
#include "log.h"
#include "market_store.h"
#include "pool.h"
#include "pool_json.h"
#include "task.h"

static json_object *
symbol_error(const char *symbol, enum err e, const char *message)
{
	json_object *o = json_object_new_object(), *x = json_object_new_object();

	json_object_object_add(x, "code", json_object_new_string(err_info(e)->code));
	json_object_object_add(x, "message", json_object_new_string(message));
	json_object_object_add(o, "symbol", json_object_new_string(symbol));
	json_object_object_add(o, "error", x);
	return o;
}

/* The backtest of one symbol (a new object), or NULL on a database failure. */
static json_object *
one_symbol(struct pool *p, const struct backtest_request *q, const char *symbol)
{
	struct candles c;
	struct analysis_series a;
	struct backtest_result r;
	unsigned char *sig;
	size_t first = 0;
	json_object *o;

	if (market_load_candles(p, symbol, NULL, q->to, &c) < 0)
		return NULL;
	if (c.n == 0)
		return symbol_error(symbol, ERR_NOT_FOUND, "no stored prices for this symbol");
	while (first < c.n && strcmp(c.v[first].date, q->from) < 0)
		first++;
	if (first + 1 >= c.n)
		return symbol_error(symbol, ERR_VALIDATION_FAILED,
		                    "fewer than two stored bars between from and to");
	sig = pool_alloc(p, c.n);
	if (analysis_series(p, &c, &a) < 0) {
		log_kv(LOG_ERROR, "backtest: indicators refused the stored series",
		       "symbol", symbol, NULL);
		return symbol_error(symbol, ERR_INTERNAL, "the stored series could not be analysed");
	}
	backtest_signals(&a, &q->spec, sig);
	if (backtest_run(p, &c, sig, first, c.n - 1, &q->prm, &r) < 0)
		return symbol_error(symbol, ERR_VALIDATION_FAILED, "the parameters are out of range");
	o = backtest_json(&r);
	json_object_object_add(o, "symbol", json_object_new_string(symbol));
	return o;
}

json_object *
backtest_compute(struct pool *p, const struct backtest_request *q)
{
	json_object *o = pool_json_object(p), *list = json_object_new_array();

	json_object_object_add(o, "strategy",
	                       json_object_new_string(q->strategy));
	json_object_object_add(o, "from", json_object_new_string(q->from));
	json_object_object_add(o, "to", json_object_new_string(q->to));
	json_object_object_add(o, "results", list);
	for (size_t i = 0; i < q->nsymbols; i++) {
		json_object *one = one_symbol(p, q, q->symbols[i]);

		if (one == NULL)
			return NULL;
		json_object_array_add(list, one);
	}
	return o;
}

int
backtest_task_run(struct pool *p, const struct task *t, int max_attempts)
{
	json_object *params = json_tokener_parse(t->params), *res;
	struct backtest_request q;
	const char *field, *why;

	if (params != NULL)
		pool_json(p, params);
	if (strcmp(t->kind, BACKTEST_TASK_KIND) != 0 ||
	    backtest_request_parse(p, params, &q, &field, &why) < 0)
		return task_fail(p, t->id, t->attempts, err_info(ERR_VALIDATION_FAILED)->code,
		                 "the task's parameters are not a backtest's", 0, max_attempts);
	if ((res = backtest_compute(p, &q)) == NULL)
		return task_fail(p, t->id, t->attempts, err_info(ERR_DB_UNAVAILABLE)->code,
		                 "the stored prices could not be read", 1, max_attempts);
	return task_complete(p, t->id, t->attempts, json_object_to_json_string_ext(res,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}
