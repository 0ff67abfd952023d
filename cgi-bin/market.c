/* market.c: stock analysis (now, or queued as a task) and batch signals.
 * The scoring model is documented in common/domain/analysis.h. */
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

static const struct param get_query[] = {
	ANALYSIS_PARAM_SYMBOL, ANALYSIS_PARAM_ANY_STRATEGY,
	{ .name = "async", .type = PARAM_BOOL, .desc = "true: queue it, 202 with the task" },
	{ 0 }
};
static const struct param post_body[] = {
	ANALYSIS_PARAM_SYMBOL, ANALYSIS_PARAM_ANY_STRATEGY,
	{ .name = "async", .type = PARAM_BOOL, .desc = "true: queue it, 202 with the task" },
	{ 0 }
};
static const struct param run_body[] = {
	{ .name = "symbols", .type = PARAM_LIST, .required = 1, .min = 1,
	  .max = ANALYSIS_MAX_SYMBOLS, .check = valid_symbol, .rule = ANALYSIS_SYMBOL_RULE, .upper = 1,
	  .desc = "distinct ticker symbols (the tier caps how many)" },
	ANALYSIS_PARAM_ANY_STRATEGY,
	{ 0 }
};

/* The analysis (analysis_json.c, freshness and model added), or the
 * queued task of an async call. */
#define COMPONENT "{name:str, available:bool, value:num?, score:num?, weight:num?, " \
	"contribution:num?, base_weight:num?, explanation:str}"
#define ANALYSIS_REPLY "{symbol:str, strategy:str, date:str, close:num?, bars:int, " \
	"indicators:obj, score:num?, coverage:num, confidence:str(high|low|insufficient), " \
	"recommendation:str(buy|hold|sell)?, " \
	"components:[" COMPONENT "], missing:[str], thresholds:{buy:num, sell:num}, " \
	"version:int, freshness:" ANALYSIS_FRESHNESS_SHAPE ", model:obj?}" \
	" | {task_id:int, status:str(queued), symbol:str, strategy:str}"
#define RUN_REPLY "{strategy:str, count:int, errors:int, signals:[{symbol:str, " \
	"date~:str, close~:num?, score~:num?, recommendation~:str?, signal_id~:int?, " \
	"cache~:str, error~:{code:str, message:str}}]}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/stock-analysis", .handler = analysis_get_q,
	  .flags = NEED_SCOPE(SCOPE_READ) | QUOTA_IN_HANDLER, .quota = "analysis", .query = get_query,
	  .status_also = 202, .reply = ANALYSIS_REPLY,
	  .summary = "a symbol's analysis under a strategy (202 and a task when async)" },
	{ .method = "POST", .path = "/api/stock-analysis", .handler = analysis_post,
	  .flags = NEED_SCOPE(SCOPE_READ) | NEED_JSON | QUOTA_IN_HANDLER, .quota = "analysis",
	  .body = post_body,
	  .status_also = 202, .reply = ANALYSIS_REPLY,
	  .summary = "the same as GET, from a JSON body" },
	{ .method = "POST", .path = "/api/v1/run", .handler = run,
	  .flags = NEED_SCOPE(SCOPE_READ) | NEED_JSON, .quota = "run", .body = run_body,
	  .reply = RUN_REPLY, .summary = "a signal per symbol" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const char SQL_HISTORY[] =
	"INSERT INTO search_history (user_id, symbol, strategy, mode, status, task_id, score, "
	"                            recommendation, error_code, cache) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9, $10)";

/* Record the call in the user's search history: 0, or -1 after replying. */
static int
history_or_reply(struct req *r, const char *symbol, const char *strategy,
    const char *mode, int status, int64_t task_id, const struct analysis_outcome *o)
{
	const char *score = NULL, *code = NULL;

	if (o != NULL && o->obj != NULL && !isnan(o->score))
		score = pool_printf(r->pool, "%.2f", o->score);
	if (status >= 400 && o != NULL)
		code = err_info(o->err)->code;
	return db_exec_or_reply(r, SQL_HISTORY, DB_ARGS(db_i64(r->pool, r->user->id), symbol,
	    strategy, mode, db_i64(r->pool, status),
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
	if (history_or_reply(r, symbol, analysis_strategy_name(st), "async", 202, id, NULL) < 0)
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

/* The cached analysis of symbol under st written out as stored, its
 * quota charged and the call recorded by the same statement: 1 after
 * replying (200, or the statement's failure as db_query_or_reply replies
 * it), 0 when the call must take the usual way
 * (nothing cached or due a refresh, or the quota refused: nothing written). */
static int
served_from_cache(struct req *r, const char *symbol, enum analysis_strategy st)
{
	struct analysis_cached c;
	enum err e;

	if (analysis_cached(r->pool, symbol, st, r->user->id, r->user->tier, r->route->quota,
	                    &c, &e) < 0) {
		if (e == ERR_DB_UNAVAILABLE)
			return db_failure_reply(r), 1;
		return reply_error(r, e, NULL, NULL), 1;
	}
	if (c.text == NULL)
		return 0;
	if (c.limit >= 0)
		quota_headers(r, c.limit, c.used);
	reply_header(r, "X-Cache", "HIT");
	reply_raw(r, 200, "application/json", c.text, strlen(c.text));
	return 1;
}

/* The analysis of symbol under strategy name, now (or queued when async,
 * for a built-in strategy): from the cache in one statement when it can,
 * else with the route's quota charged first. */
static int
analyse(struct req *r, const char *symbol, const char *name, int async)
{
	int st = analysis_strategy_parse(name);
	struct analysis_outcome o;
	struct analysis_spec sp;

	if (analysis_strategy_or_reply(r, name, &sp) < 0)
		return r->status;
	if (async && st < 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "async",
		                   "async analysis takes a built-in strategy");
	if (!async && st >= 0 && served_from_cache(r, symbol, (enum analysis_strategy)st))
		return r->status;
	if (quota_charge_or_reply(r, r->route->quota) != 0)
		return r->status;
	if (async)
		return analyse_later(r, symbol, (enum analysis_strategy)st);
	if (analysis_get_spec(r->pool, symbol, &sp, &o) < 0) {
		int status = err_info(o.err)->status;

		if (history_or_reply(r, symbol, name, "sync", status, 0, &o) < 0)
			return r->status;
		return reply_error(r, o.err, o.err == ERR_NOT_FOUND ? "symbol" : NULL, o.message);
	}
	if (history_or_reply(r, symbol, name, "sync", 200, 0, &o) < 0)
		return r->status;
	reply_header(r, "X-Cache", o.cache);
	return reply_json(r, 200, o.obj);
}

/* GET /api/stock-analysis?symbol=&strategy=&async=: the analysis now, or
 * 202 with a task when async; 404 for a symbol no provider knows. */
static int
analysis_get_q(struct req *r)
{
	return analyse(r, req_str(r, "symbol"), req_str(r, "strategy"), req_bool(r, "async", 0));
}

/* POST /api/stock-analysis {symbol, strategy, async?}: as the GET. */
static int
analysis_post(struct req *r)
{
	return analysis_get_q(r);
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

/* The symbols member (distinct valid symbols: the contract) within the
 * tier's cap. *n of them in *out, or -1 after replying 422. */
static int
run_symbols_or_reply(struct req *r, const char ***out, int *n)
{
	int cap = run_cap(r);

	*n = req_list(r, "symbols", out);
	if (*n > cap)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "symbols",
		                    "the %s tier allows at most %d symbols per call",
		                    r->user->tier, cap), -1;
	return 0;
}

/* One symbol's entry of the run reply; -1 when the whole call must fail. */
static int
run_one(struct req *r, const char *symbol, const struct analysis_spec *sp, json_object *list)
{
	struct analysis_outcome o;
	json_object *e = json_object_new_object(), *err;
	int64_t id = 0;

	json_object_array_add(list, e);
	json_object_object_add(e, "symbol", json_object_new_string(symbol));
	if (analysis_get_spec(r->pool, symbol, sp, &o) < 0) {
		if (o.err == ERR_DB_UNAVAILABLE || o.err == ERR_INTERNAL)
			return reply_error(r, o.err, NULL, o.message), -1;
		err = json_object_new_object();
		json_object_object_add(err, "code", json_object_new_string(err_info(o.err)->code));
		json_object_object_add(err, "message", json_object_new_string(o.message));
		json_object_object_add(e, "error", err);
		return 0;
	}
	/* signals (and the model learning from them) are the built-in strategies' */
	if (o.recommendation != NULL && analysis_strategy_parse(sp->name) >= 0 &&
	    analysis_store_signal(r->pool, symbol, (enum analysis_strategy)
	                          analysis_strategy_parse(sp->name), &o, "run", &id) < 0)
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

/* POST /api/v1/run {symbols, strategy}: a signal or an error per symbol. */
static int
run(struct req *r)
{
	const char **symbols;
	struct analysis_spec sp;
	json_object *o, *list;
	int n, errors = 0;

	if (analysis_strategy_or_reply(r, req_str(r, "strategy"), &sp) < 0 ||
	    run_symbols_or_reply(r, &symbols, &n) < 0)
		return r->status;
	list = pool_json_array(r->pool);
	for (int i = 0; i < n; i++) {
		if (run_one(r, symbols[i], &sp, list) < 0)
			return r->status;
		errors += json_object_object_get_ex(json_object_array_get_idx(list, (size_t)i),
		                                    "error", NULL);
	}
	o = pool_json_object(r->pool);
	json_object_object_add(o, "strategy", json_object_new_string(sp.name));
	json_object_object_add(o, "count", json_object_new_int(n));
	json_object_object_add(o, "errors", json_object_new_int(errors));
	json_object_object_add(o, "signals", json_object_get(list));
	return reply_json(r, 200, o);
}
