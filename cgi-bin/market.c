/* market.c: stock analysis (now, or queued as a task) and batch signals.
 * The scoring model is documented in common/analysis.h. */
#include "app.h"

#include <math.h>
#include <string.h>

#include "analysis.h"
#include "analysis_db.h"
#include "analysis_req.h"
#include "signin.h"
#include "task.h"

static int analysis_get_q(struct req *r);
static int analysis_post(struct req *r);
static int run(struct req *r);

static const struct route routes[] = {
	{ "GET",  "/api/stock-analysis", analysis_get_q, NEED_SCOPE(SCOPE_READ), "analysis" },
	{ "POST", "/api/stock-analysis", analysis_post,
	  NEED_SCOPE(SCOPE_READ) | NEED_JSON, "analysis" },
	{ "POST", "/api/v1/run",         run,
	  NEED_SCOPE(SCOPE_READ) | NEED_JSON, "run" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const char SQL_HISTORY[] =
	"INSERT INTO search_history (user_id, symbol, strategy, mode, status, task_id, score, "
	"                            recommendation, error_code, cache) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9, $10)";

/* Record the call in the user's search history: 0, or -1 after replying. */
static int
history_or_reply(struct req *r, const char *symbol, enum analysis_strategy st,
    const char *mode, int status, int64_t task_id, const struct analysis_outcome *o)
{
	const char *score = NULL, *code = NULL;

	if (o != NULL && o->obj != NULL && !isnan(o->score))
		score = pool_printf(r->pool, "%.2f", o->score);
	if (status >= 400 && o != NULL)
		code = err_info(o->err)->code;
	return db_exec_or_reply(r, SQL_HISTORY, DB_ARGS(db_i64(r->pool, r->user->id), symbol,
	    analysis_strategy_name(st), mode, db_i64(r->pool, status),
	    task_id ? db_i64(r->pool, task_id) : NULL, score,
	    o && o->obj ? o->recommendation : NULL, code,
	    o && o->obj ? o->cache : NULL)) < 0 ? -1 : 0;
}

/* Queue the analysis as a task: 202 with its id and Location. */
static int
analyse_later(struct req *r, const char *symbol, enum analysis_strategy st)
{
	json_object *params = pool_json_object(r->pool), *o;
	const char *text;
	int64_t id;

	json_object_object_add(params, "symbol", json_object_new_string(symbol));
	json_object_object_add(params, "strategy",
	                       json_object_new_string(analysis_strategy_name(st)));
	text = json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN);
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if (task_enqueue(r->pool, r->user->id, ANALYSIS_TASK_KIND, text, &id) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, "the task could not be queued");
	if (history_or_reply(r, symbol, st, "async", 202, id, NULL) < 0)
		return r->status;
	if (db_commit_or_reply(r) < 0)
		return r->status;
	reply_header(r, "Location", pool_printf(r->pool, "/api/tasks/%lld", (long long)id));
	o = pool_json_object(r->pool);
	json_object_object_add(o, "task_id", json_object_new_int64(id));
	json_object_object_add(o, "status", json_object_new_string("queued"));
	json_object_object_add(o, "symbol", json_object_new_string(symbol));
	json_object_object_add(o, "strategy", json_object_new_string(analysis_strategy_name(st)));
	return reply_json(r, 202, o);
}

/* The analysis of symbol under st, now (or queued when async). */
static int
analyse(struct req *r, const char *symbol, enum analysis_strategy st, int async)
{
	struct analysis_outcome o;

	if (async)
		return analyse_later(r, symbol, st);
	if (analysis_get(r->pool, symbol, st, &o) < 0) {
		int status = err_info(o.err)->status;

		if (history_or_reply(r, symbol, st, "sync", status, 0, &o) < 0)
			return r->status;
		return reply_error(r, o.err, o.err == ERR_NOT_FOUND ? "symbol" : NULL, o.message);
	}
	if (history_or_reply(r, symbol, st, "sync", 200, 0, &o) < 0)
		return r->status;
	reply_header(r, "X-Cache", o.cache);
	return reply_json(r, 200, o.obj);
}

static int
analysis_get_q(struct req *r)
{
	static const char *const allowed[] = { "symbol", "strategy", "async", NULL };
	const char *symbol = req_query(r, "symbol"), *async = req_query(r, "async");
	enum analysis_strategy st;

	if (analysis_query_or_reply(r, allowed) < 0 ||
	    analysis_symbol_or_reply(r, "symbol", symbol) < 0 ||
	    analysis_strategy_or_reply(r, req_query(r, "strategy"), &st) < 0)
		return r->status;
	if (async != NULL && strcmp(async, "true") != 0 && strcmp(async, "false") != 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "async",
		                   "async must be true or false");
	return analyse(r, symbol, st, async != NULL && strcmp(async, "true") == 0);
}

static int
analysis_post(struct req *r)
{
	static const struct signin_field fields[] = {
		{ "symbol", json_type_string, 1, 64 },
		{ "strategy", json_type_string, 1, 64 },
		{ "async", json_type_boolean, 0, 0 },
		{ NULL, json_type_null, 0, 0 }
	};
	const char *symbol;
	enum analysis_strategy st;
	json_object *a;

	if (signin_fields_or_reply(r, fields) < 0)
		return r->status;
	symbol = signin_str(r, "symbol");
	if (analysis_symbol_or_reply(r, "symbol", symbol) < 0 ||
	    analysis_strategy_or_reply(r, signin_str(r, "strategy"), &st) < 0)
		return r->status;
	return analyse(r, symbol, st, json_object_object_get_ex(r->json, "async", &a) &&
	                              json_object_get_boolean(a));
}

/* ---- batch signals ----------------------------------------------------- */

/* The tier's symbols per run call: RUN_MAX_SYMBOLS_FREE or _PRO when it is
 * within 1..ANALYSIS_MAX_SYMBOLS, else the tier's default (10, 50). */
static int
run_cap(const struct req *r)
{
	int free_tier = strcmp(r->user->tier, "free") == 0;
	int def = free_tier ? 10 : ANALYSIS_MAX_SYMBOLS;
	long long cap = config_int(free_tier ? "RUN_MAX_SYMBOLS_FREE" : "RUN_MAX_SYMBOLS_PRO", def);

	return cap < 1 || cap > ANALYSIS_MAX_SYMBOLS ? def : (int)cap;
}

/* The symbols member: 1..cap distinct valid symbols. *n of them in *out,
 * or -1 after replying 422. */
static int
run_symbols_or_reply(struct req *r, const char ***out, int *n)
{
	json_object *a;
	size_t len;
	int cap = run_cap(r);
	const char **v;

	json_object_object_get_ex(r->json, "symbols", &a);
	len = json_object_array_length(a);
	if (len == 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "symbols",
		                   "symbols must list at least one symbol"), -1;
	if (len > ANALYSIS_MAX_SYMBOLS)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "symbols",
		                    "at most %d symbols per call", ANALYSIS_MAX_SYMBOLS), -1;
	if (len > (size_t)cap)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "symbols",
		                    "the %s tier allows at most %d symbols per call",
		                    r->user->tier, cap), -1;
	v = pool_alloc(r->pool, sizeof(*v) * len);
	for (size_t i = 0; i < len; i++) {
		json_object *s = json_object_array_get_idx(a, i);

		if (!json_object_is_type(s, json_type_string) ||
		    !valid_symbol(json_object_get_string(s)))
			return reply_errorf(r, ERR_VALIDATION_FAILED, "symbols",
			    "symbols[%zu] must be an upper-case ticker of 1 to 10 "
			    "characters A-Z 0-9 . - (a leading ^ for an index)", i), -1;
		v[i] = json_object_get_string(s);
		for (size_t j = 0; j < i; j++)
			if (strcmp(v[j], v[i]) == 0)
				return reply_errorf(r, ERR_VALIDATION_FAILED, "symbols",
				                    "symbols[%zu] repeats %s", i, v[i]), -1;
	}
	*out = v;
	*n = (int)len;
	return 0;
}

/* One symbol's entry of the run reply; -1 when the whole call must fail. */
static int
run_one(struct req *r, const char *symbol, enum analysis_strategy st, json_object *list)
{
	struct analysis_outcome o;
	json_object *e = json_object_new_object(), *err;
	int64_t id = 0;

	json_object_array_add(list, e);
	json_object_object_add(e, "symbol", json_object_new_string(symbol));
	if (analysis_get(r->pool, symbol, st, &o) < 0) {
		if (o.err == ERR_DB_UNAVAILABLE || o.err == ERR_INTERNAL)
			return reply_error(r, o.err, NULL, o.message), -1;
		err = json_object_new_object();
		json_object_object_add(err, "code", json_object_new_string(err_info(o.err)->code));
		json_object_object_add(err, "message", json_object_new_string(o.message));
		json_object_object_add(e, "error", err);
		return 0;
	}
	if (o.recommendation != NULL &&
	    analysis_store_signal(r->pool, symbol, st, &o, "run", &id) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL), -1;
	json_object_object_add(e, "date", json_object_new_string(o.date ? o.date : ""));
	json_object_object_add(e, "close", jsonv_number(o.close));
	json_object_object_add(e, "score", jsonv_number(o.score));
	json_object_object_add(e, "recommendation", o.recommendation ?
	                       json_object_new_string(o.recommendation) : NULL);
	json_object_object_add(e, "signal_id", id ? json_object_new_int64(id) : NULL);
	json_object_object_add(e, "cache", json_object_new_string(o.cache));
	return 0;
}

static int
run(struct req *r)
{
	static const struct signin_field fields[] = {
		{ "symbols", json_type_array, 1, 0 },
		{ "strategy", json_type_string, 1, 64 },
		{ NULL, json_type_null, 0, 0 }
	};
	const char **symbols;
	enum analysis_strategy st;
	json_object *o, *list;
	int n, errors = 0;

	if (signin_fields_or_reply(r, fields) < 0 ||
	    analysis_strategy_or_reply(r, signin_str(r, "strategy"), &st) < 0 ||
	    run_symbols_or_reply(r, &symbols, &n) < 0)
		return r->status;
	list = pool_json_array(r->pool);
	for (int i = 0; i < n; i++) {
		if (run_one(r, symbols[i], st, list) < 0)
			return r->status;
		errors += json_object_object_get_ex(json_object_array_get_idx(list, (size_t)i),
		                                    "error", NULL);
	}
	o = pool_json_object(r->pool);
	json_object_object_add(o, "strategy", json_object_new_string(analysis_strategy_name(st)));
	json_object_object_add(o, "count", json_object_new_int(n));
	json_object_object_add(o, "errors", json_object_new_int(errors));
	json_object_object_add(o, "signals", json_object_get(list));
	return reply_json(r, 200, o);
}
