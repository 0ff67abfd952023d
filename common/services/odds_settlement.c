/* odds_settlement.c: results, profit and CLV of due hits
 * (odds_settlement.h). */
#include "odds_settlement.h"

#include <math.h>
#include <string.h>

#include "devig.h"
#include "ev.h"
#include "journal_bets.h"
#include "odds_eval.h"
#include "odds_fetch.h"
#include "odds_results.h"
#include "odds_settle.h"
#include "odds_store.h"
#include "pool.h"

/* The closing fair price of hit d's outcome: NAN when no book's closing
 * prices make a fair line for it. -1 on DB failure. */
static int
closing_fair_price(struct pool *p, const struct odds_due *d, double *price)
{
	struct odds_rows rows;
	struct odds_eval *e;
	int m = devig_method_parse(d->method);

	*price = NAN;
	if (odds_closing_rows(p, d->event_id, &rows) < 0)
		return -1;
	odds_evaluate(p, rows.v, rows.n, m < 0 ? odds_method() : (enum devig_method)m,
	              odds_sharp_book(), &e);
	for (size_t i = 0; i < rows.n; i++) {
		const struct odds_row *w = &rows.v[i];

		if (e[i].fair_known && strcmp(w->market, d->market) == 0 &&
		    strcmp(w->outcome, d->outcome) == 0 && w->has_point == d->has_point &&
		    (!d->has_point || w->point == d->point)) {
			*price = e[i].fair_price;
			return 0;
		}
	}
	return 0;
}

int
odds_settle_due(struct pool *p, int limit, int *settled)
{
	struct odds_due *d;
	size_t n;

	*settled = 0;
	if (odds_due_hits(p, limit, &d, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct odds_settle_in in = {
			.market = d[i].market, .outcome = d[i].outcome, .has_point = d[i].has_point,
			.point = d[i].point, .home_team = d[i].home_team, .away_team = d[i].away_team,
			.home_score = d[i].home_score, .away_score = d[i].away_score,
			.has_draw = d[i].has_draw,
		};
		enum odds_result r = odds_settle(&in);
		double flat = odds_settle_profit(r, d[i].price), close;
		double stake = ev_kelly_stake(d[i].kelly, ODDS_SETTLE_KELLY_FRACTION,
		                              ODDS_SETTLE_KELLY_CAP);
		int updated;

		if (closing_fair_price(p, &d[i], &close) < 0 ||
		    odds_hit_settle(p, d[i].id, r, flat, stake * flat, close,
		                    odds_clv(d[i].price, close), &updated) < 0)
			return -1;
		*settled += updated;
	}
	return 0;
}

int
odds_settle_bets(struct pool *p, int limit, int *settled)
{
	struct odds_due *d;
	size_t n;

	*settled = 0;
	if (journal_due_bets(p, limit, &d, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct odds_settle_in in = {
			.market = d[i].market, .outcome = d[i].outcome, .has_point = d[i].has_point,
			.point = d[i].point, .home_team = d[i].home_team, .away_team = d[i].away_team,
			.home_score = d[i].home_score, .away_score = d[i].away_score,
			.has_draw = d[i].has_draw,
		};
		int updated;

		if (journal_bet_settle(p, d[i].id, odds_settle(&in), &updated) < 0)
			return -1;
		*settled += updated;
	}
	return 0;
}
