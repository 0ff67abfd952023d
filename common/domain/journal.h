/* journal.h: the measures of a paper-trading journal, from its trades.
 *
 * Days are whole days since 1970-01-01 (UTC). The equity curve runs over the
 * journal's trading days: from the first trade's opening day to the last day
 * a trade opened or closed, Monday to Friday, plus any other day a trade
 * opened or closed on. Equity on a day is the starting capital plus the
 * realised P&L of the trades closed on or before it; a day's return is its
 * change over the day before (the capital before the first day).
 *
 *   win rate        winning closed trades (P&L above 0) / closed trades
 *   profit factor   gross profit / gross loss (NAN without a loss)
 *   expectancy      realised P&L / closed trades
 *   max drawdown    the largest fall of equity from an earlier peak (the
 *                   capital counts as the first peak), in money and as a
 *                   share of that peak
 *   Sharpe          mean / sample standard deviation of the daily returns,
 *                   x sqrt(252)
 *   Sortino         mean / sqrt(mean of min(r, 0)²) of the daily returns,
 *                   x sqrt(252)
 *   exposure        share of the trading days with a trade open (a trade is
 *                   open from its opening day to its closing day, both in)
 * Unknown measures are NAN. */
#ifndef EDGESCOUT_JOURNAL_H
#define EDGESCOUT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct pool;

/* One trade as the measures see it. */
struct journal_trade {
	int64_t opened;    /* opening day */
	int64_t closed;    /* closing day, or -1 while open */
	double pnl;        /* realised P&L once closed */
};

/* One day of the equity curve. */
struct journal_day {
	int64_t day;
	double pnl;        /* realised P&L of the trades closed that day */
	double equity;     /* capital plus the realised P&L up to and with the day */
	double ret;        /* the day's return */
	double drawdown;   /* below the peak so far, in money (0 at a peak) */
	int open;          /* trades open on the day */
	int closes;        /* trades closed on the day */
};

struct journal_stats {
	size_t trades, closed, wins, losses;
	double gross_profit, gross_loss;   /* gross loss as a positive amount */
	double win_rate, profit_factor, expectancy;
	double max_drawdown, max_drawdown_pct;
	double sharpe, sortino, exposure;
	size_t days;                       /* trading days of the curve */
};

/* A run of wins or losses: its kind (1 win, -1 loss, 0 none), length,
 * and the first and last day it covers. */
struct journal_run {
	int kind;
	size_t length;
	int64_t first, last;
};

struct journal_streaks {
	struct journal_run current, best_win, best_loss;
};

/* The trading days of n trades (any order) and their curve at capital
 * (above 0) into *out (pool memory); returns how many (0 without trades). */
size_t journal_curve(struct pool *p, const struct journal_trade *t, size_t n,
                     double capital, struct journal_day **out);

/* The measures of n trades over their curve (days, nd days from
 * journal_curve). */
struct journal_stats journal_measure(const struct journal_trade *t, size_t n,
                                     const struct journal_day *days, size_t nd);

/* Streaks of the closed trades t in closing order (the caller sorts; open
 * ones are skipped): a trade with P&L 0 ends a run and starts none. */
struct journal_streaks journal_trade_streaks(const struct journal_trade *t, size_t n);

/* Streaks of the curve's days with realised P&L (days without any are
 * skipped; a day of exactly 0 ends a run). */
struct journal_streaks journal_day_streaks(const struct journal_day *d, size_t n);

/* day as "YYYY-MM-DD" into out (11 bytes at least). */
void journal_date(int64_t day, char *out);

/* 1 when day is Saturday or Sunday. */
int journal_weekend(int64_t day);

#endif
