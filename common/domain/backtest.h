/* backtest.h: a strategy's signals replayed over a symbol's history, one
 * position at a time, against buy-and-hold over the same period.
 *
 * No look-ahead, by construction. The signal of bar t is computed from
 * bars 0..t only (every indicator is causal, analysis_series()); every
 * decision is taken at the close of bar t from what is known then (the
 * signal of t, the close of t, the bars held) and acts at the open of bar
 * t + 1 (its close when the bar has no open, i.e. open is not a positive
 * number), never at a price of bar t. Exits, checked at each close while a
 * position is held, in this order:
 *   stop_loss    close <= entry price * (1 - stop_loss_pct / 100)
 *   take_profit  close >= entry price * (1 + take_profit_pct / 100)
 *   bars         the position has been held hold_bars bars
 *   sell_signal  the signal of the bar is sell (when exit_on_sell)
 * and a buy signal while flat enters. A position still open at the last
 * bar of the period is closed at that bar's close (end). A decision taken
 * at the last bar has no next bar and is not acted on.
 *
 * Fills: a buy at price * (1 + slippage_bps / 10^4), a sell at price *
 * (1 - slippage_bps / 10^4); each fill pays fees_bps / 10^4 of its
 * notional. Sizing: a fixed fraction of the equity at entry, or a fixed
 * amount (at most the cash), fees included; shares may be fractional.
 *
 * Figures (backtest_stats): total return (final / initial equity - 1),
 * CAGR over the calendar days from the first to the last bar (365.25 a
 * year), the largest peak-to-trough fall of the daily equity curve (a
 * fraction) with the peak's and the trough's dates, Sharpe and Sortino of
 * the daily returns annualised with sqrt(252) and no risk-free rate
 * (Sortino's downside deviation: sqrt(mean(min(r, 0)^2)) over every day),
 * win rate (trades with P&L > 0 / trades), profit factor (gains / |losses|;
 * NAN without a losing trade), exposure (share of bars holding a position
 * at the close). Buy-and-hold buys at the first bar's close without fees
 * and holds to the last: its total return is exactly last close / first
 * close - 1. Everything is deterministic: the same input gives the same
 * result bit for bit. */
#ifndef EDGESCOUT_BACKTEST_H
#define EDGESCOUT_BACKTEST_H

#include <json-c/json.h>
#include <stddef.h>

#include "analysis.h"
#include "candle.h"

struct buf;
struct pool;

#define BACKTEST_CAPITAL 10000.0   /* initial equity */
#define BACKTEST_MAX_BPS 1000.0    /* fees and slippage: at most 10 % a fill */
#define BACKTEST_MAX_HOLD_BARS 10000
#define BACKTEST_TRADING_DAYS 252  /* a year of daily returns */
#define BACKTEST_MAX_SYMBOLS 10    /* symbols in one backtest */

enum backtest_signal { BACKTEST_NONE = 0, BACKTEST_BUY = 1, BACKTEST_SELL = 2 };

/* Why a decision was taken (the trade's exit reason). */
enum backtest_reason {
	BACKTEST_HOLD = 0,        /* no action */
	BACKTEST_ENTRY,           /* buy signal while flat */
	BACKTEST_STOP_LOSS, BACKTEST_TAKE_PROFIT, BACKTEST_BARS, BACKTEST_SELL_SIGNAL,
	BACKTEST_END,             /* the period ended with the position open */
	BACKTEST_REASON_COUNT
};

enum backtest_sizing { BACKTEST_FRACTION, BACKTEST_AMOUNT };

struct backtest_params {
	int exit_on_sell;          /* exit on a sell signal */
	int hold_bars;             /* exit after this many bars; 0: never */
	double stop_loss_pct;      /* percent below the entry price; 0: none */
	double take_profit_pct;    /* percent above the entry price; 0: none */
	enum backtest_sizing sizing;
	double size;               /* fraction in (0, 1], or an amount > 0 */
	double fees_bps, slippage_bps;
};

struct backtest_trade {
	const char *entry_date, *exit_date;   /* borrowed from the series */
	double entry_price, exit_price;       /* fills, slippage included */
	double shares, fees, pnl;             /* pnl: net of both fills' fees */
	double return_pct;                    /* 100 * pnl / cost at entry (fees in) */
	int bars;                             /* bars held at a close */
	enum backtest_reason reason;
};

struct backtest_stats {
	double initial, final;
	double total_return, cagr;
	double max_drawdown;                  /* fraction, >= 0 */
	const char *drawdown_peak, *drawdown_trough;   /* NULL without a fall */
	double sharpe, sortino;               /* NAN when undefined */
	double win_rate, profit_factor;       /* NAN without (losing) trades */
	double exposure;
	size_t trades;
};

struct backtest_result {
	const struct candle *bars;            /* the period's first bar (borrowed) */
	size_t n;                             /* bars in the period */
	double *equity, *hold_equity;         /* at each close, n each */
	unsigned char *decision;              /* enum backtest_reason at each close */
	struct backtest_trade *trades;
	size_t ntrades;
	struct backtest_stats strategy, hold;
};

/* A backtest as asked for (POST /api/backtests, a task's params). */
struct backtest_request {
	const char **symbols;      /* distinct, valid ticker symbols */
	size_t nsymbols;           /* 1..BACKTEST_MAX_SYMBOLS */
	const char *strategy;      /* "momentum", "user:12" */
	struct analysis_spec spec; /* its components and thresholds */
	const char *from, *to;     /* "YYYY-MM-DD", from < to */
	struct backtest_params prm;
};

/* Read and check request object o: symbols, strategy (a built-in one's
 * name, or "user:<id>" with the strategy itself in member spec
 * {components, buy_at, sell_at}, which the caller puts there from the
 * user's stored strategy: analysis_spec.h), from, to, entry
 * ("buy_signal"), exit (rules of sell_signal, after_bars, stop_loss,
 * take_profit; default sell_signal) with exit_bars, stop_loss_pct and
 * take_profit_pct exactly when their rule is listed, sizing ("fraction",
 * default, with size in (0, 1], default 1; or "amount", size in (0,
 * BACKTEST_CAPITAL]), fees_bps and slippage_bps (0..BACKTEST_MAX_BPS,
 * default 0). 0, or -1 with *field (NULL for the whole) and *why (static
 * text). Strings borrow from o; the symbol list is pool p's. */
int backtest_request_parse(struct pool *p, json_object *o, struct backtest_request *q,
    const char **field, const char **why);

/* q in its canonical form, every default written out: an object (owned by
 * the caller) that backtest_request_parse() reads back as q. */
json_object *backtest_request_json(const struct backtest_request *q);

/* The name of a reason ("stop_loss"), "" for an unknown one. */
const char *backtest_reason_name(enum backtest_reason r);

/* The side of strategy sp's score at every bar of a into sig (a->c->n
 * values): BUY at its buy threshold or more, SELL at its sell threshold or
 * less, NONE between or without a score. Scored without fundamentals (only the latest are stored, and
 * an old bar scored with them would see the future), so coverage is not
 * required, as in the signal backfill. */
void backtest_signals(const struct analysis_series *a, const struct analysis_spec *sp,
    unsigned char *sig);

/* Replay sig (sig[i]: the signal at the close of c->v[i]) over bars
 * first..last of c (inclusive, last < c->n, first <= last) under prm into
 * out (arrays from pool p). 0, or -1 when the parameters are out of range
 * (nothing computed). */
int backtest_run(struct pool *p, const struct candles *c, const unsigned char *sig,
    size_t first, size_t last, const struct backtest_params *prm,
    struct backtest_result *out);

/* The figures of an equity curve eq[0..n) on bars (dates) with trades tr
 * (NULL, 0 for buy-and-hold) and the bars holding a position. */
void backtest_stats(const struct candle *bars, const double *eq, size_t n,
    const struct backtest_trade *tr, size_t ntrades, size_t held,
    struct backtest_stats *out);

/* The result as a JSON object (owned by the caller): period, strategy and
 * buy_and_hold figures, trades, and the daily equity curve [{date,
 * equity, buy_and_hold}]. Figures, prices and P&L as their shortest exact
 * decimals (so buy-and-hold's total return reads back bit for bit), the
 * equity curve to the cent; NAN prints as null. */
json_object *backtest_json(const struct backtest_result *r);

#define BACKTEST_CSV_HEADER "symbol,entry_date,entry_price,exit_date,exit_price," \
	"shares,fees,pnl,return_pct,bars,reason\r\n"

/* Append the trades of one symbol's result object (backtest_json()'s) to b
 * as CSV records (BACKTEST_CSV_HEADER's columns, CRLF-terminated, numbers
 * as the JSON has them). -1 when result has no trades array. */
int backtest_csv(struct buf *b, const char *symbol, json_object *result);

#endif
