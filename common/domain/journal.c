/* journal.c: the equity curve, measures and streaks of a journal (journal.h). */
#include "journal.h"

#include <math.h>
#include <stdio.h>

#include "pool.h"

#define TRADING_DAYS_A_YEAR 252.0

int
journal_weekend(int64_t day)
{
	int64_t w = ((day % 7) + 7 + 3) % 7;     /* 1970-01-01 was a Thursday: 0 Monday */

	return w >= 5;
}

void
journal_date(int64_t day, char *out)
{
	/* days to the civil date, by eras of 400 years from 0000-03-01 */
	int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)((y % 10000 + 10000) % 10000),
	         (unsigned)m % 100u, (unsigned)d % 100u);
}

/* 1 when a trade of t opens or closes on day. */
static int
eventful(const struct journal_trade *t, size_t n, int64_t day)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].opened == day || t[i].closed == day)
			return 1;
	return 0;
}

size_t
journal_curve(struct pool *p, const struct journal_trade *t, size_t n, double capital,
              struct journal_day **out)
{
	int64_t first = INT64_MAX, last = INT64_MIN;
	double equity = capital, peak = capital;
	size_t nd = 0;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		first = t[i].opened < first ? t[i].opened : first;
		last = t[i].opened > last ? t[i].opened : last;
		last = t[i].closed > last ? t[i].closed : last;
	}
	if (n == 0)
		return 0;
	*out = pool_alloc(p, sizeof(**out) * (size_t)(last - first + 1));
	for (int64_t d = first; d <= last; d++) {
		struct journal_day *day = &(*out)[nd];
		double before = equity;

		if (journal_weekend(d) && !eventful(t, n, d))
			continue;
		*day = (struct journal_day){ .day = d };
		for (size_t i = 0; i < n; i++) {
			if (t[i].closed == d) {
				day->pnl += t[i].pnl;
				day->closes++;
			}
			if (t[i].opened <= d && (t[i].closed < 0 || t[i].closed >= d))
				day->open++;
		}
		equity += day->pnl;
		peak = equity > peak ? equity : peak;
		day->equity = equity;
		day->ret = before != 0 ? (equity - before) / before : NAN;
		day->drawdown = peak - equity;
		nd++;
	}
	return nd;
}

/* Sharpe and Sortino of the curve's daily returns into s. */
static void
ratios(const struct journal_day *d, size_t nd, struct journal_stats *s)
{
	double sum = 0, sq = 0, down = 0, mean, sd;

	s->sharpe = s->sortino = NAN;
	if (nd < 2)
		return;
	for (size_t i = 0; i < nd; i++) {
		sum += d[i].ret;
		down += d[i].ret < 0 ? d[i].ret * d[i].ret : 0;
	}
	mean = sum / (double)nd;
	for (size_t i = 0; i < nd; i++)
		sq += (d[i].ret - mean) * (d[i].ret - mean);
	sd = sqrt(sq / (double)(nd - 1));
	down = sqrt(down / (double)nd);
	if (sd > 0)
		s->sharpe = mean / sd * sqrt(TRADING_DAYS_A_YEAR);
	if (down > 0)
		s->sortino = mean / down * sqrt(TRADING_DAYS_A_YEAR);
}

struct journal_stats
journal_measure(const struct journal_trade *t, size_t n, const struct journal_day *days,
                size_t nd)
{
	struct journal_stats s = { .trades = n, .days = nd };
	double total = 0;
	size_t exposed = 0;

	for (size_t i = 0; i < n; i++) {
		if (t[i].closed < 0)
			continue;
		s.closed++;
		total += t[i].pnl;
		if (t[i].pnl > 0) {
			s.wins++;
			s.gross_profit += t[i].pnl;
		} else if (t[i].pnl < 0) {
			s.losses++;
			s.gross_loss -= t[i].pnl;
		}
	}
	s.win_rate = s.closed ? (double)s.wins / (double)s.closed : NAN;
	s.expectancy = s.closed ? total / (double)s.closed : NAN;
	s.profit_factor = s.gross_loss > 0 ? s.gross_profit / s.gross_loss : NAN;
	for (size_t i = 0; i < nd; i++) {
		double peak = days[i].equity + days[i].drawdown;   /* the peak so far */

		if (days[i].drawdown > s.max_drawdown) {
			s.max_drawdown = days[i].drawdown;
			s.max_drawdown_pct = peak > 0 ? days[i].drawdown / peak : NAN;
		}
		exposed += days[i].open > 0;
	}
	s.exposure = nd ? (double)exposed / (double)nd : NAN;
	ratios(days, nd, &s);
	return s;
}

/* Add one result (1 win, -1 loss, 0 neither) on day to the streaks. */
static void
step(struct journal_streaks *s, int kind, int64_t day)
{
	struct journal_run *c = &s->current, *best;

	if (kind == 0) {
		*c = (struct journal_run){ 0 };
		return;
	}
	if (c->kind == kind) {
		c->length++;
		c->last = day;
	} else {
		*c = (struct journal_run){ .kind = kind, .length = 1, .first = day, .last = day };
	}
	best = kind > 0 ? &s->best_win : &s->best_loss;
	if (c->length > best->length)
		*best = *c;
}

static int
sign(double v)
{
	return v > 0 ? 1 : v < 0 ? -1 : 0;
}

struct journal_streaks
journal_trade_streaks(const struct journal_trade *t, size_t n)
{
	struct journal_streaks s = { 0 };

	for (size_t i = 0; i < n; i++)
		if (t[i].closed >= 0)
			step(&s, sign(t[i].pnl), t[i].closed);
	return s;
}

struct journal_streaks
journal_day_streaks(const struct journal_day *d, size_t n)
{
	struct journal_streaks s = { 0 };

	for (size_t i = 0; i < n; i++)
		if (d[i].closes > 0)
			step(&s, sign(d[i].pnl), d[i].day);
	return s;
}
