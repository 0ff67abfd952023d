/* odds_settle.h: how a +EV hit turned out once its event is over.
 *
 * A hit backs one outcome of one market at a price. With the final scores:
 *   h2h      the outcome that names the team with more points wins; on a
 *            tie "Draw" wins, and a team is a push where the market had no
 *            Draw (2-way) and a loss where it had one
 *   spreads  the team's score plus the point against the other's: above 0
 *            wins, below loses, level is a push
 *   totals   "Over" wins above the point, "Under" below; level is a push
 * A score that is not a whole number, or an outcome that names neither
 * team (nor Draw, Over, Under), is void: the stake comes back.
 *
 * Profit per unit staked: price - 1 for a win, -1 for a loss, 0 for a push
 * or void. The closing line value of a hit at price o against the closing
 * fair price c (1 / the closing fair probability) is o / c - 1: above 0
 * when the hit beat the market's last word. */
#ifndef EDGESCOUT_ODDS_SETTLE_H
#define EDGESCOUT_ODDS_SETTLE_H

enum odds_result { ODDS_WIN, ODDS_LOSS, ODDS_PUSH, ODDS_VOID };

/* The settled hit: which market, outcome and point, and the final score. */
struct odds_settle_in {
	const char *market;       /* "h2h", "spreads", "totals" */
	const char *outcome;
	int has_point;
	double point;
	const char *home_team, *away_team;
	const char *home_score, *away_score;   /* text, as the provider sends it */
	int has_draw;             /* h2h: the market priced a Draw */
};

/* The result's name: "win", "loss", "push", "void". */
const char *odds_result_name(enum odds_result r);

/* The result of the hit s. */
enum odds_result odds_settle(const struct odds_settle_in *s);

/* Profit of one unit staked at price with result r. */
double odds_settle_profit(enum odds_result r, double price);

/* Closing line value price / closing_fair_price - 1; NAN when the closing
 * fair price is not above 1 or not finite. */
double odds_clv(double price, double closing_fair_price);

#endif
