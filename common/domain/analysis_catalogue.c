/* analysis_catalogue.c: the scoring components a strategy chooses from,
 * with their parameters: defaults are the built-in strategies' constants
 * (analysis.h), bounds keep every formula well defined (a lower bound's
 * range ends below the upper bound's). */
#include "analysis.h"

#include <string.h>

/* The built-in strategies' names: here, below analysis.c, which scores
 * them from this catalogue. */
const char *const analysis_strategies[STRATEGY_COUNT + 1] = {
	"growth", "value", "dividend", "momentum", NULL
};

const char *
analysis_strategy_name(enum analysis_strategy s)
{
	return s >= 0 && s < STRATEGY_COUNT ? analysis_strategies[s] : "";
}

int
analysis_strategy_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < STRATEGY_COUNT; i++)
		if (strcmp(s, analysis_strategies[i]) == 0)
			return i;
	return -1;
}

const struct analysis_component_def analysis_catalogue[COMPONENT_COUNT] = {
	[COMPONENT_TREND] = { "trend", "25 points per bullish condition of: close > "
	    "SMA20, close > SMA50, close > SMA200, SMA50 > SMA200", 0, { { 0 } } },
	[COMPONENT_RSI] = { "rsi", "RSI14 at or below low scores 0, linear to 100 at "
	    "high; above high it loses 4 points per RSI point (overbought)", 2, {
		{ "low", 30, 5, 45, "RSI scoring 0" },
		{ "high", 70, 55, 95, "RSI scoring 100, overbought above" } } },
	[COMPONENT_MACD] = { "macd", "50 points if MACD 12/26/9 is above its signal, "
	    "50 more if above zero", 0, { { 0 } } },
	[COMPONENT_ROC] = { "roc", "50 plus points_per_percent times the 10-bar rate "
	    "of change in percent", 1, {
		{ "points_per_percent", 5, 0.5, 50, "points per percent of ROC10" } } },
	[COMPONENT_EARNINGS_GROWTH] = { "earnings_growth", "50 plus points_per_unit "
	    "times the quarterly earnings growth year on year (a fraction)", 1, {
		{ "points_per_unit", 250, 10, 5000, "points per unit of growth "
		  "(250: +20% scores 100)" } } },
	[COMPONENT_REVENUE_GROWTH] = { "revenue_growth", "50 plus points_per_unit "
	    "times the quarterly revenue growth year on year (a fraction)", 1, {
		{ "points_per_unit", 250, 10, 5000, "points per unit of growth "
		  "(250: +20% scores 100)" } } },
	[COMPONENT_PE] = { "pe", "P/E at or below best scores 100, at or above worst "
	    "(or losses) 0, linear between", 2, {
		{ "best", 10, 1, 19, "P/E scoring 100" },
		{ "worst", 40, 20, 200, "P/E scoring 0" } } },
	[COMPONENT_PEG] = { "peg", "PEG at or below best scores 100, at or above worst "
	    "(or negative) 0, linear between", 2, {
		{ "best", 1, 0.1, 1.9, "PEG scoring 100" },
		{ "worst", 3, 2, 10, "PEG scoring 0" } } },
	[COMPONENT_MEAN_REVERSION] = { "mean_reversion", "100 * (1 - Bollinger %B "
	    "20/2): at the lower band 100, at the upper 0", 0, { { 0 } } },
	[COMPONENT_DIVIDEND_YIELD] = { "dividend_yield", "100 * yield / full_at "
	    "(full_at and more: 100)", 1, {
		{ "full_at", 0.06, 0.005, 0.25, "yield (a fraction) scoring 100" } } },
	[COMPONENT_VOLATILITY] = { "volatility", "ATR14 as a percent of the close: at "
	    "or below best scores 100, at or above worst 0, linear between", 2, {
		{ "best", 1, 0.1, 2.9, "ATR percent scoring 100" },
		{ "worst", 4, 3, 20, "ATR percent scoring 0" } } },
	[COMPONENT_STOCHASTIC] = { "stochastic", "stochastic %K 14/3 at or below "
	    "oversold scores 100, at or above overbought 0, linear between", 2, {
		{ "oversold", 20, 0, 45, "%K scoring 100" },
		{ "overbought", 80, 55, 100, "%K scoring 0" } } },
	[COMPONENT_ADX] = { "adx", "ADX14 with the side of +DI against -DI: 50 below "
	    "weak, then up to 100 (+DI above) or down to 0 (-DI above) at strong", 2, {
		{ "weak", 20, 5, 30, "ADX below which the trend counts for nothing" },
		{ "strong", 40, 31, 80, "ADX at which the trend counts fully" } } },
	[COMPONENT_OBV_TREND] = { "obv_trend", "on-balance volume against 20 bars "
	    "back: rising 100, falling 0, flat 50", 0, { { 0 } } },
};

const char *const analysis_component_names[COMPONENT_COUNT + 1] = {
	"trend", "rsi", "macd", "roc", "earnings_growth", "revenue_growth", "pe", "peg",
	"mean_reversion", "dividend_yield", "volatility", "stochastic", "adx", "obv_trend",
	NULL
};

int
analysis_component_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < COMPONENT_COUNT; i++)
		if (strcmp(s, analysis_catalogue[i].name) == 0)
			return i;
	return -1;
}

/* Append component k with weight w and its default parameters to sp. */
static void
part(struct analysis_spec *sp, enum analysis_component_kind k, double w)
{
	struct analysis_part *pt = &sp->part[sp->n++];

	pt->kind = k;
	pt->weight = w;
	for (int i = 0; i < ANALYSIS_MAX_PARAMS; i++)
		pt->param[i] = i < analysis_catalogue[k].nparams ?
		    analysis_catalogue[k].param[i].def : 0;
}

void
analysis_builtin_spec(enum analysis_strategy st, struct analysis_spec *out)
{
	memset(out, 0, sizeof(*out));
	out->name = analysis_strategy_name(st);
	out->buy_at = ANALYSIS_BUY_AT;
	out->sell_at = ANALYSIS_SELL_AT;
	switch (st) {
	case STRATEGY_MOMENTUM:
		part(out, COMPONENT_TREND, 35);
		part(out, COMPONENT_RSI, 20);
		part(out, COMPONENT_MACD, 25);
		part(out, COMPONENT_ROC, 20);
		break;
	case STRATEGY_GROWTH:
		part(out, COMPONENT_EARNINGS_GROWTH, 35);
		part(out, COMPONENT_REVENUE_GROWTH, 30);
		part(out, COMPONENT_TREND, 35);
		break;
	case STRATEGY_VALUE:
		part(out, COMPONENT_PE, 35);
		part(out, COMPONENT_PEG, 30);
		part(out, COMPONENT_MEAN_REVERSION, 35);
		break;
	default:
		part(out, COMPONENT_DIVIDEND_YIELD, 50);
		part(out, COMPONENT_VOLATILITY, 50);
		break;
	}
}
