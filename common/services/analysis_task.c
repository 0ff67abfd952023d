/* analysis_task.c: an analysis queued as a task, run by a worker. */
#include "analysis_db.h"

#include <string.h>

#include "err.h"
#include "jsonv.h"
#include "pool.h"
#include "pool_json.h"
#include "task.h"
#include "valid.h"

/* The string member key of o, or NULL. */
static const char *
param(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
analysis_task_run(struct pool *p, const struct task *t, int max_attempts)
{
	json_object *params = json_tokener_parse(t->params);
	const char *symbol, *result;
	struct analysis_outcome o;
	int st, retry;

	if (params != NULL)
		pool_json(p, params);
	symbol = param(params, "symbol");
	st = analysis_strategy_parse(param(params, "strategy"));
	if (strcmp(t->kind, ANALYSIS_TASK_KIND) != 0 || symbol == NULL ||
	    !valid_symbol(symbol) || st < 0)
		return task_fail(p, t->id, t->attempts, err_info(ERR_VALIDATION_FAILED)->code,
		                 "the task's parameters are not an analysis's", 0, max_attempts);
	if (analysis_get(p, symbol, (enum analysis_strategy)st, &o) < 0) {
		retry = o.err == ERR_PROVIDER_UNAVAILABLE || o.err == ERR_DB_UNAVAILABLE;
		return task_fail(p, t->id, t->attempts, err_info(o.err)->code, o.message, retry,
		                 max_attempts);
	}
	json_object_object_add(o.obj, "cache", json_object_new_string(o.cache));
	result = json_object_to_json_string_ext(o.obj, JSON_C_TO_STRING_PLAIN |
	                                        JSON_C_TO_STRING_NOSLASHESCAPE);
	return task_complete(p, t->id, t->attempts, result);
}
