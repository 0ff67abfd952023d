/* backtests.c: backtests of a strategy on stored prices, queued as tasks
 * (the engine: common/domain/backtest.h; the worker: cron/run-tasks). */
#include "app.h"

#include <string.h>

#include "analysis.h"
#include "analysis_req.h"
#include "analysis_spec.h"
#include "backtest.h"
#include "backtest_task.h"
#include "buf.h"
#include "task.h"
#include "task_reply.h"

static int post_backtest(struct req *r);
static int get_backtest(struct req *r);
static int get_trades_csv(struct req *r);

static const char *const entries[] = { "buy_signal", NULL };
static const char *const exit_rules[] = {
	"sell_signal", "after_bars", "stop_loss", "take_profit", NULL
};
static const char *const sizings[] = { "fraction", "amount", NULL };

#define DATE_FIELD(n, what) { .name = n, .type = PARAM_STRING, .required = 1, .max = 10, \
	.check = analysis_is_date, .rule = "a calendar date YYYY-MM-DD", .format = "date", \
	.desc = what }

static const struct param post_body[] = {
	{ .name = "symbols", .type = PARAM_LIST, .required = 1, .min = 1,
	  .max = BACKTEST_MAX_SYMBOLS, .check = valid_symbol, .rule = ANALYSIS_SYMBOL_RULE,
	  .upper = 1, .desc = "distinct ticker symbols with stored prices" },
	ANALYSIS_PARAM_ANY_STRATEGY,
	DATE_FIELD("from", "the period's first day"),
	DATE_FIELD("to", "the period's last day (after from)"),
	{ .name = "entry", .type = PARAM_ENUM, .values = entries,
	  .desc = "when to buy: at the open after a buy signal (the default)" },
	{ .name = "exit", .type = PARAM_LIST, .min = 1, .max = 4, .values = exit_rules,
	  .desc = "exit rules, the first met wins (default [sell_signal])" },
	{ .name = "exit_bars", .type = PARAM_INT, .min = 1, .max = BACKTEST_MAX_HOLD_BARS,
	  .desc = "after_bars: bars to hold" },
	{ .name = "stop_loss_pct", .type = PARAM_NUMBER, .min = 0, .max = 100,
	  .desc = "stop_loss: percent below the entry price (above 0, below 100)" },
	{ .name = "take_profit_pct", .type = PARAM_NUMBER, .min = 0, .max = 10000,
	  .desc = "take_profit: percent above the entry price" },
	{ .name = "sizing", .type = PARAM_ENUM, .values = sizings,
	  .desc = "fraction of the equity (default) or a fixed amount" },
	{ .name = "size", .type = PARAM_NUMBER, .min = 0, .max = 10000,
	  .desc = "the fraction (default 1) or the amount (of 10000 initial equity)" },
	{ .name = "fees_bps", .type = PARAM_NUMBER, .min = 0, .max = 1000,
	  .desc = "fees of each fill, basis points of its notional" },
	{ .name = "slippage_bps", .type = PARAM_NUMBER, .min = 0, .max = 1000,
	  .desc = "slippage of each fill, basis points of its price" },
	{ 0 }
};

static const struct route routes[] = {
	{ .method = "POST", .path = "/api/backtests", .handler = post_backtest,
	  .flags = NEED_SCOPE(SCOPE_READ) | NEED_JSON | QUOTA_IN_HANDLER, .quota = "backtest",
	  .body = post_body,
	  .status = 202,
	  .reply = "{id:int, task_id:int, status:str(queued), params:obj}",
	  .summary = "queue a backtest of a strategy over stored prices" },
	{ .method = "GET", .path = "/api/backtests/{id}", .handler = get_backtest,
	  .flags = NEED_SCOPE(SCOPE_READ), .reply = TASK_REPLY_SHAPE,
	  .summary = "a backtest: status, then trades, equity and figures beside buy-and-hold" },
	{ .method = "GET", .path = "/api/backtests/{id}/trades.csv", .handler = get_trades_csv,
	  .flags = NEED_SCOPE(SCOPE_EXPORT), .reply = "str", .media = "text/csv",
	  .summary = "a finished backtest's trades as CSV (RFC 4180)" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* POST /api/backtests: the request checked whole (backtest_request_parse),
 * then the quota charged and the task queued in its canonical form in one
 * transaction (a refused request costs nothing); 202 with the task. */
static int
post_backtest(struct req *r)
{
	struct backtest_request q;
	const char *field, *why, *text;
	json_object *params, *o;
	struct analysis_spec sp;
	int64_t id;

	/* a user's strategy goes into the task as it is now: later changes to
	 * it do not change this backtest */
	if (analysis_strategy_or_reply(r, req_str(r, "strategy"), &sp) < 0)
		return r->status;
	if (analysis_strategy_parse(req_str(r, "strategy")) < 0)
		json_object_object_add(r->json, "spec", analysis_spec_json(&sp));
	if (backtest_request_parse(r->pool, r->json, &q, &field, &why) < 0)
		return reply_error(r, ERR_VALIDATION_FAILED, field, why);
	params = pool_json(r->pool, backtest_request_json(&q));
	text = json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN);
	if (db_begin_or_reply(r) < 0 || quota_charge_or_reply(r, r->route->quota) < 0)
		return r->status;
	if (task_enqueue(r->pool, r->user->id, BACKTEST_TASK_KIND, text, &id) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, "the backtest could not be queued");
	if (db_commit_or_reply(r) < 0)
		return r->status;
	reply_header(r, "Location", pool_printf(r->pool, "/api/backtests/%lld", (long long)id));
	o = pool_json_object(r->pool);
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "task_id", json_object_new_int64(id));
	json_object_object_add(o, "status", json_object_new_string("queued"));
	json_object_object_add(o, "params", json_object_get(params));
	return reply_json(r, 202, o);
}

/* The caller's backtest of path id into *t: 0, or -1 after replying (404
 * for another user's task or one of another kind). */
static int
backtest_or_reply(struct req *r, struct task *t)
{
	int64_t id;
	int found;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return -1;
	if (task_get(r->pool, id, r->user->id, t, &found) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL), -1;
	if (!found || strcmp(t->kind, BACKTEST_TASK_KIND) != 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such backtest"), -1;
	return 0;
}

/* GET /api/backtests/{id}: the task; its result once done. */
static int
get_backtest(struct req *r)
{
	struct task t;

	if (backtest_or_reply(r, &t) < 0)
		return r->status;
	return reply_json(r, 200, task_reply_json(r->pool, &t));
}

/* GET /api/backtests/{id}/trades.csv: every symbol's trades; 409 until
 * the backtest is done. */
static int
get_trades_csv(struct req *r)
{
	struct task t;
	json_object *res, *list;
	struct buf b;

	if (backtest_or_reply(r, &t) < 0)
		return r->status;
	if (t.result == NULL)
		return reply_errorf(r, ERR_CONFLICT, NULL, "the backtest is %s, not done", t.status);
	res = pool_json(r->pool, json_tokener_parse(t.result));
	if (res == NULL || !json_object_object_get_ex(res, "results", &list))
		return reply_error(r, ERR_INTERNAL, NULL, "the stored result does not parse");
	buf_init(&b, r->pool);
	buf_puts(&b, BACKTEST_CSV_HEADER);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *one = json_object_array_get_idx(list, i), *sym;

		if (json_object_object_get_ex(one, "symbol", &sym))
			backtest_csv(&b, json_object_get_string(sym), one);   /* none: an error */
	}
	reply_header(r, "Content-Disposition", pool_printf(r->pool,
	    "attachment; filename=\"backtest-%lld-trades.csv\"", (long long)t.id));
	return reply_raw(r, 200, "text/csv; charset=utf-8; header=present", b.data, b.len);
}
