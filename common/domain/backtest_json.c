/* backtest_json.c: a backtest's result as JSON, and its trades as CSV. */
#include "backtest.h"

#include <math.h>
#include <string.h>

#include "analysis.h"
#include "buf.h"
#include "jsonv.h"

static void
put(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* Money at a close, to the cent. */
static json_object *
cents(double v)
{
	return isfinite(v) ? jsonv_number(round(v * 100) / 100) : NULL;
}

static json_object *
stats_json(const struct backtest_stats *s)
{
	json_object *o = json_object_new_object();

	put(o, "initial_equity", jsonv_number(s->initial));
	put(o, "final_equity", jsonv_number(s->final));
	put(o, "total_return", jsonv_number(s->total_return));
	put(o, "cagr", jsonv_number(s->cagr));
	put(o, "max_drawdown", jsonv_number(s->max_drawdown));
	put(o, "max_drawdown_peak", str_or_null(s->drawdown_peak));
	put(o, "max_drawdown_trough", str_or_null(s->drawdown_trough));
	put(o, "sharpe", jsonv_number(s->sharpe));
	put(o, "sortino", jsonv_number(s->sortino));
	put(o, "win_rate", jsonv_number(s->win_rate));
	put(o, "profit_factor", jsonv_number(s->profit_factor));
	put(o, "exposure", jsonv_number(s->exposure));
	put(o, "trades", json_object_new_int64((int64_t)s->trades));
	return o;
}

static json_object *
trade_json(const struct backtest_trade *t)
{
	json_object *o = json_object_new_object();

	put(o, "entry_date", json_object_new_string(t->entry_date));
	put(o, "entry_price", jsonv_number(t->entry_price));
	put(o, "exit_date", json_object_new_string(t->exit_date));
	put(o, "exit_price", jsonv_number(t->exit_price));
	put(o, "shares", jsonv_number(t->shares));
	put(o, "fees", jsonv_number(t->fees));
	put(o, "pnl", jsonv_number(t->pnl));
	put(o, "return_pct", jsonv_number(t->return_pct));
	put(o, "bars", json_object_new_int(t->bars));
	put(o, "reason", json_object_new_string(backtest_reason_name(t->reason)));
	return o;
}

json_object *
backtest_json(const struct backtest_result *r)
{
	json_object *o = json_object_new_object(), *tr = json_object_new_array();
	json_object *eq = json_object_new_array();

	put(o, "from", json_object_new_string(r->bars[0].date));
	put(o, "to", json_object_new_string(r->bars[r->n - 1].date));
	put(o, "bars", json_object_new_int64((int64_t)r->n));
	put(o, "strategy", stats_json(&r->strategy));
	put(o, "buy_and_hold", stats_json(&r->hold));
	for (size_t i = 0; i < r->ntrades; i++)
		json_object_array_add(tr, trade_json(&r->trades[i]));
	put(o, "trades", tr);
	for (size_t i = 0; i < r->n; i++) {
		json_object *e = json_object_new_object();

		put(e, "date", json_object_new_string(r->bars[i].date));
		put(e, "equity", cents(r->equity[i]));
		put(e, "buy_and_hold", cents(r->hold_equity[i]));
		json_object_array_add(eq, e);
	}
	put(o, "equity", eq);
	return o;
}

/* Member key of o as its JSON text ("" when absent); strings unquoted. */
static const char *
member_text(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

int
backtest_csv(struct buf *b, const char *symbol, json_object *result)
{
	static const char *const cols[] = {
		"entry_date", "entry_price", "exit_date", "exit_price", "shares", "fees",
		"pnl", "return_pct", "bars", "reason"
	};
	json_object *tr;

	if (!json_object_object_get_ex(result, "trades", &tr) ||
	    !json_object_is_type(tr, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(tr); i++) {
		json_object *t = json_object_array_get_idx(tr, i);

		analysis_csv_field(b, symbol);
		for (size_t j = 0; j < sizeof(cols) / sizeof(cols[0]); j++) {
			buf_putc(b, ',');
			analysis_csv_field(b, member_text(t, cols[j]));
		}
		buf_puts(b, "\r\n");
	}
	return 0;
}
