/* arbs.c: arbitrage across books: for each upcoming market line, the best
 * price per outcome across books; an arb when sum 1/price < 1, with the
 * stakes of a bankroll and the guaranteed profit (common/domain/arb.h). */
#include "app.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arb.h"
#include "config.h"
#include "jsonv.h"
#include "odds_eval.h"
#include "odds_fetch.h"
#include "odds_store.h"

static int list_arbs(struct req *r);

static const char *const market_names[] = { "h2h", "spreads", "totals", NULL };

static int
sport_key(const char *s)
{
	return *s && strlen(s) <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static const struct param arbs_query[] = {
	{ .name = "sport", .type = PARAM_STRING, .check = sport_key,
	  .rule = "a sport key (lower case letters, digits, _)", .desc = "only this sport" },
	{ .name = "market", .type = PARAM_ENUM, .values = market_names, .desc = "only this market" },
	{ .name = "bankroll", .type = PARAM_NUMBER, .min = 1, .max = 1e9,
	  .desc = "the money to stake across the outcomes (default 100)" },
	{ .name = "unit", .type = PARAM_NUMBER, .min = 0.01, .max = 1e6,
	  .desc = "stakes are rounded to whole units of this (default 1)" },
	{ 0 }
};

#define LEG "{outcome:str, point:num?, book:str, book_title:str, price:num, " \
	"observed_at:str, stake:num, rounded_stake:num}"
#define ARB "{event_id:str, sport:str, commence_time:str, home_team:str, away_team:str, " \
	"market:str, point:num?, book_sum:num, profit_pct:num, profit:num, legs:[" LEG "], " \
	"rounded_total:num, rounded_profit:num, rounded_guaranteed:bool, note:str}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/arbs", .handler = list_arbs,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = arbs_query,
	  .reply = "{bankroll:num, unit:num, arbs:[" ARB "]}",
	  .summary = "arbitrage across books: best prices, stakes and guaranteed profit" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* One line's outcomes: the best price of each across books. */
struct line {
	const struct odds_row *first;
	int n;
	const struct odds_row *best[DEVIG_MAX_OUTCOMES];
	struct arb_stakes a;
	int arb;
};

static int
same_outcome(const struct odds_row *a, const struct odds_row *b)
{
	return strcmp(a->outcome, b->outcome) == 0 && a->has_point == b->has_point &&
	       (!a->has_point || a->point == b->point);
}

/* Row w into its line l: a new outcome, or a better price for a known one. */
static void
line_add(struct line *l, const struct odds_row *w)
{
	int o;

	if (l->first == NULL)
		l->first = w;
	for (o = 0; o < l->n && !same_outcome(l->best[o], w); o++)
		;
	if (o == l->n) {
		if (l->n == DEVIG_MAX_OUTCOMES)
			return;
		l->best[l->n++] = w;
	} else if (w->price > l->best[o]->price) {
		l->best[o] = w;
	}
}

/* 1 when line l has the outcomes its market cannot do without: both teams
 * (h2h, spreads; a draw too when a book priced one, which puts it in the
 * line), or over and under (totals). A line missing one is no arb, however
 * low its sum: the missing result would pay nothing. */
static int
line_complete(const struct line *l)
{
	const char *need[2];
	int found = 0;

	if (l->first == NULL)
		return 0;
	if (strcmp(l->first->market, "totals") == 0) {
		need[0] = "Over";
		need[1] = "Under";
	} else {
		need[0] = l->first->home_team;
		need[1] = l->first->away_team;
	}
	for (int k = 0; k < 2; k++)
		for (int o = 0; o < l->n; o++)
			if (strcasecmp(l->best[o]->outcome, need[k]) == 0) {
				found++;
				break;
			}
	return found == 2;
}

static int
by_profit(const void *x, const void *y)
{
	const struct line *a = x, *b = y;

	return a->a.book_sum < b->a.book_sum ? -1 : a->a.book_sum > b->a.book_sum;
}

static json_object *
leg_json(const struct odds_row *w, double stake, double rounded)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "outcome", json_object_new_string(w->outcome));
	json_object_object_add(o, "point", w->has_point ? jsonv_number(w->point) : NULL);
	json_object_object_add(o, "book", json_object_new_string(w->book));
	json_object_object_add(o, "book_title", json_object_new_string(w->book_title));
	json_object_object_add(o, "price", jsonv_number(w->price));
	json_object_object_add(o, "observed_at", json_object_new_string(w->observed_at));
	json_object_object_add(o, "stake", jsonv_number(stake));
	json_object_object_add(o, "rounded_stake", jsonv_number(rounded));
	return o;
}

static json_object *
arb_json(struct pool *p, const struct line *l, double unit)
{
	const struct odds_row *w = l->first;
	json_object *o = json_object_new_object(), *legs = json_object_new_array();

	json_object_object_add(o, "event_id", json_object_new_string(w->event_id));
	json_object_object_add(o, "sport", json_object_new_string(w->sport));
	json_object_object_add(o, "commence_time", json_object_new_string(w->commence_time));
	json_object_object_add(o, "home_team", json_object_new_string(w->home_team));
	json_object_object_add(o, "away_team", json_object_new_string(w->away_team));
	json_object_object_add(o, "market", json_object_new_string(w->market));
	json_object_object_add(o, "point", w->has_point ? jsonv_number(w->point < 0 ? -w->point :
	                       w->point) : NULL);
	json_object_object_add(o, "book_sum", jsonv_number(l->a.book_sum));
	json_object_object_add(o, "profit_pct", jsonv_number(l->a.profit_pct));
	json_object_object_add(o, "profit", jsonv_number(l->a.profit));
	for (int i = 0; i < l->n; i++)
		json_object_array_add(legs, leg_json(l->best[i], l->a.stake[i], l->a.rounded[i]));
	json_object_object_add(o, "legs", legs);
	json_object_object_add(o, "rounded_total", jsonv_number(l->a.rounded_total));
	json_object_object_add(o, "rounded_profit", jsonv_number(l->a.rounded_profit));
	json_object_object_add(o, "rounded_guaranteed",
	                       json_object_new_boolean(l->a.rounded_guaranteed));
	json_object_object_add(o, "note", json_object_new_string(l->a.rounded_guaranteed ? "" :
	    pool_printf(p, "rounding to whole units of %s breaks the guarantee: "
	                "stake the exact amounts", odds_num(p, unit))));
	return o;
}

/* GET /api/arbs?sport=&market=&bankroll=&unit=: every upcoming market line
 * with all its outcomes priced (line_complete) whose best prices across
 * books sum (in 1/price) below 1, best first,
 * with the exact stakes of bankroll (default 100), the stakes rounded to
 * whole units (default 1) and whether the rounded stakes still guarantee
 * a profit (note says when not). */
static int
list_arbs(struct req *r)
{
	const char *market = req_str(r, "market");
	double bankroll = req_number(r, "bankroll", 100), unit = req_number(r, "unit", 1);
	struct odds_rows rows;
	struct odds_eval *e;
	struct line *lines;
	json_object *o, *list;
	int nlines, found = 0;

	if (odds_latest_rows(r->pool, req_str(r, "sport"), NULL, &rows) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL);
	nlines = odds_evaluate(r->pool, rows.v, rows.n, odds_method(), odds_sharp_book(), &e);
	lines = pool_alloc(r->pool, ((size_t)nlines + 1) * sizeof(*lines));
	memset(lines, 0, ((size_t)nlines + 1) * sizeof(*lines));
	for (size_t i = 0; i < rows.n; i++)
		if (market == NULL || strcmp(rows.v[i].market, market) == 0)
			line_add(&lines[e[i].line], &rows.v[i]);
	for (int i = 0; i < nlines; i++) {
		double price[DEVIG_MAX_OUTCOMES];

		for (int k = 0; k < lines[i].n; k++)
			price[k] = lines[i].best[k]->price;
		if (lines[i].n >= 2 && line_complete(&lines[i]) &&
		    arb_stakes(price, lines[i].n, bankroll, unit, &lines[i].a) == 0)
			lines[found++] = lines[i];
	}
	qsort(lines, (size_t)found, sizeof(*lines), by_profit);
	list = json_object_new_array();
	for (int i = 0; i < found; i++)
		json_object_array_add(list, arb_json(r->pool, &lines[i], unit));
	o = pool_json_object(r->pool);
	json_object_object_add(o, "bankroll", jsonv_number(bankroll));
	json_object_object_add(o, "unit", jsonv_number(unit));
	json_object_object_add(o, "arbs", list);
	return reply_json(r, 200, o);
}
