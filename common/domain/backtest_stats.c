/* backtest_stats.c: the figures of an equity curve (defined in
 * backtest.h). */
#include "backtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 of a valid "YYYY-MM-DD" (H. Hinnant's
 * days_from_civil). */
static long
day_number(const char *d)
{
	long y = strtol(d, NULL, 10), m = strtol(d + 5, NULL, 10);
	long dd = strtol(d + 8, NULL, 10), era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The largest peak-to-trough fall of eq, with the peak's and trough's bars. */
static void
drawdown(const struct candle *bars, const double *eq, size_t n, struct backtest_stats *s)
{
	size_t peak = 0;

	s->max_drawdown = 0;
	s->drawdown_peak = s->drawdown_trough = NULL;
	for (size_t i = 1; i < n; i++) {
		double dd;

		if (eq[i] > eq[peak]) {
			peak = i;
			continue;
		}
		dd = (eq[peak] - eq[i]) / eq[peak];
		if (dd > s->max_drawdown) {
			s->max_drawdown = dd;
			s->drawdown_peak = bars[peak].date;
			s->drawdown_trough = bars[i].date;
		}
	}
}

/* Sharpe and Sortino of the daily returns of eq, annualised. */
static void
ratios(const double *eq, size_t n, struct backtest_stats *s)
{
	double sum = 0, mean, var = 0, down = 0;
	size_t m = n > 0 ? n - 1 : 0;

	s->sharpe = s->sortino = NAN;
	if (m < 2)
		return;
	for (size_t i = 1; i < n; i++)
		sum += eq[i] / eq[i - 1] - 1;
	mean = sum / (double)m;
	for (size_t i = 1; i < n; i++) {
		double r = eq[i] / eq[i - 1] - 1;

		var += (r - mean) * (r - mean);
		down += r < 0 ? r * r : 0;
	}
	var /= (double)(m - 1);
	down = sqrt(down / (double)m);
	if (var > 0)
		s->sharpe = mean / sqrt(var) * sqrt(BACKTEST_TRADING_DAYS);
	if (down > 0)
		s->sortino = mean / down * sqrt(BACKTEST_TRADING_DAYS);
}

void
backtest_stats(const struct candle *bars, const double *eq, size_t n,
    const struct backtest_trade *tr, size_t ntrades, size_t held,
    struct backtest_stats *s)
{
	double gains = 0, losses = 0;
	size_t wins = 0;
	long days;

	memset(s, 0, sizeof(*s));
	if (n == 0)
		return;
	s->initial = BACKTEST_CAPITAL;
	s->final = eq[n - 1];
	s->total_return = s->final / s->initial - 1;
	days = day_number(bars[n - 1].date) - day_number(bars[0].date);
	s->cagr = days <= 0 ? NAN : s->final <= 0 ? -1 :
	          pow(s->final / s->initial, 365.25 / (double)days) - 1;
	drawdown(bars, eq, n, s);
	ratios(eq, n, s);
	for (size_t i = 0; i < ntrades; i++) {
		if (tr[i].pnl > 0) {
			wins++;
			gains += tr[i].pnl;
		} else {
			losses -= tr[i].pnl;
		}
	}
	s->trades = ntrades;
	s->win_rate = ntrades ? (double)wins / (double)ntrades : NAN;
	s->profit_factor = losses > 0 ? gains / losses : NAN;
	s->exposure = (double)held / (double)n;
}
