/* odds_settle.c: results, profit and closing line value of hits
 * (odds_settle.h). */
#include "odds_settle.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const result_names[] = { "win", "loss", "push", "void" };

const char *
odds_result_name(enum odds_result r)
{
	return result_names[r];
}

/* A whole score ("112") into *v: 0, or -1. */
static int
score(const char *s, double *v)
{
	char *end;
	long n;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n > 100000)
		return -1;
	*v = (double)n;
	return 0;
}

static enum odds_result
sign_result(double margin)
{
	return margin > 0 ? ODDS_WIN : margin < 0 ? ODDS_LOSS : ODDS_PUSH;
}

enum odds_result
odds_settle(const struct odds_settle_in *s)
{
	double home, away, own, other;
	int is_home, is_away;

	if (score(s->home_score, &home) < 0 || score(s->away_score, &away) < 0)
		return ODDS_VOID;
	is_home = strcmp(s->outcome, s->home_team) == 0;
	is_away = strcmp(s->outcome, s->away_team) == 0;
	own = is_home ? home : away;
	other = is_home ? away : home;
	if (strcmp(s->market, "totals") == 0) {
		if (!s->has_point)
			return ODDS_VOID;
		if (strcmp(s->outcome, "Over") == 0)
			return sign_result(home + away - s->point);
		if (strcmp(s->outcome, "Under") == 0)
			return sign_result(s->point - (home + away));
		return ODDS_VOID;
	}
	if (strcmp(s->market, "spreads") == 0)
		return (is_home || is_away) && s->has_point ?
		       sign_result(own + s->point - other) : ODDS_VOID;
	if (strcmp(s->outcome, "Draw") == 0)
		return home == away ? ODDS_WIN : ODDS_LOSS;
	if (!is_home && !is_away)
		return ODDS_VOID;
	if (home == away)
		return s->has_draw ? ODDS_LOSS : ODDS_PUSH;
	return sign_result(own - other);
}

double
odds_settle_profit(enum odds_result r, double price)
{
	return r == ODDS_WIN ? price - 1.0 : r == ODDS_LOSS ? -1.0 : 0.0;
}

double
odds_clv(double price, double closing_fair_price)
{
	if (!isfinite(closing_fair_price) || closing_fair_price <= 1.0)
		return NAN;
	return price / closing_fair_price - 1.0;
}
