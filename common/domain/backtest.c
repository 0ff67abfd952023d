/* backtest.c: the replay of signals over a period (rules in backtest.h). */
#include "backtest.h"

#include <math.h>
#include <string.h>

#include "pool.h"

static const char *const reason_names[BACKTEST_REASON_COUNT] = {
	"hold", "entry", "stop_loss", "take_profit", "bars", "sell_signal", "end"
};

const char *
backtest_reason_name(enum backtest_reason r)
{
	return (int)r >= 0 && r < BACKTEST_REASON_COUNT ? reason_names[r] : "";
}

void
backtest_signals(const struct analysis_series *a, const struct analysis_spec *sp,
    unsigned char *sig)
{
	struct analysis_snapshot s;
	struct analysis_score sc;

	for (size_t i = 0; i < a->c->n; i++) {
		analysis_indicators_at(a, i, &s);
		analysis_score_spec(NULL, sp, &s, NULL, &sc);
		if (isnan(sc.score))
			sig[i] = BACKTEST_NONE;
		else if (sc.score >= sp->buy_at)
			sig[i] = BACKTEST_BUY;
		else if (sc.score <= sp->sell_at)
			sig[i] = BACKTEST_SELL;
		else
			sig[i] = BACKTEST_NONE;
	}
}

/* 1 when prm is within its bounds (backtest.h). */
static int
params_valid(const struct backtest_params *prm)
{
	if (prm->hold_bars < 0 || prm->hold_bars > BACKTEST_MAX_HOLD_BARS)
		return 0;
	if (!(prm->stop_loss_pct >= 0 && prm->stop_loss_pct < 100) ||
	    !(prm->take_profit_pct >= 0 && prm->take_profit_pct <= 1e6))
		return 0;
	if (!(prm->fees_bps >= 0 && prm->fees_bps <= BACKTEST_MAX_BPS) ||
	    !(prm->slippage_bps >= 0 && prm->slippage_bps <= BACKTEST_MAX_BPS))
		return 0;
	if (prm->sizing == BACKTEST_FRACTION)
		return prm->size > 0 && prm->size <= 1;
	return prm->sizing == BACKTEST_AMOUNT && prm->size > 0 && isfinite(prm->size);
}

/* The price a decision taken at the previous close fills at: bar b's open,
 * or its close when it has no open. */
static double
next_price(const struct candle *b)
{
	return b->open > 0 && isfinite(b->open) ? b->open : b->close;
}

/* The replay's running state. */
struct book {
	double cash, shares, cost, entry_fees;
	int bars;                   /* closes held */
	struct backtest_trade *open;
};

static void
buy(struct book *k, const struct backtest_params *prm, const struct candle *b,
    double price, struct backtest_trade *t)
{
	double fee = prm->fees_bps / 1e4;
	double fill = price * (1 + prm->slippage_bps / 1e4);
	double spend = prm->sizing == BACKTEST_FRACTION ? prm->size * k->cash :
	               (prm->size < k->cash ? prm->size : k->cash);

	memset(t, 0, sizeof(*t));
	k->shares = spend / (fill * (1 + fee));
	k->entry_fees = k->shares * fill * fee;
	k->cost = k->shares * fill + k->entry_fees;
	k->cash -= k->cost;
	k->bars = 0;
	k->open = t;
	t->entry_date = b->date;
	t->entry_price = fill;
	t->shares = k->shares;
}

static void
sell(struct book *k, const struct backtest_params *prm, const struct candle *b,
    double price, enum backtest_reason why)
{
	struct backtest_trade *t = k->open;
	double fill = price * (1 - prm->slippage_bps / 1e4);
	double gross = k->shares * fill, fee = gross * prm->fees_bps / 1e4;

	k->cash += gross - fee;
	t->exit_date = b->date;
	t->exit_price = fill;
	t->fees = k->entry_fees + fee;
	t->pnl = gross - fee - k->cost;
	t->return_pct = 100 * t->pnl / k->cost;
	t->bars = k->bars;
	t->reason = why;
	k->shares = 0;
	k->open = NULL;
}

/* The decision at the close of bar b with signal s. */
static enum backtest_reason
decide(const struct book *k, const struct backtest_params *prm, const struct candle *b,
    unsigned char s)
{
	double entry;

	if (k->open == NULL)
		return s == BACKTEST_BUY ? BACKTEST_ENTRY : BACKTEST_HOLD;
	entry = k->open->entry_price;
	if (prm->stop_loss_pct > 0 && b->close <= entry * (1 - prm->stop_loss_pct / 100))
		return BACKTEST_STOP_LOSS;
	if (prm->take_profit_pct > 0 && b->close >= entry * (1 + prm->take_profit_pct / 100))
		return BACKTEST_TAKE_PROFIT;
	if (prm->hold_bars > 0 && k->bars >= prm->hold_bars)
		return BACKTEST_BARS;
	if (prm->exit_on_sell && s == BACKTEST_SELL)
		return BACKTEST_SELL_SIGNAL;
	return BACKTEST_HOLD;
}

int
backtest_run(struct pool *p, const struct candles *c, const unsigned char *sig,
    size_t first, size_t last, const struct backtest_params *prm,
    struct backtest_result *out)
{
	struct book k = { BACKTEST_CAPITAL, 0, 0, 0, 0, NULL };
	enum backtest_reason pending = BACKTEST_HOLD;
	size_t n, held = 0;

	memset(out, 0, sizeof(*out));
	if (first > last || last >= c->n || !params_valid(prm))
		return -1;
	n = last - first + 1;
	out->bars = &c->v[first];
	out->n = n;
	out->equity = pool_alloc(p, n * sizeof(double));
	out->hold_equity = pool_alloc(p, n * sizeof(double));
	out->decision = pool_alloc(p, n);
	/* at most one entry every two bars */
	out->trades = pool_alloc(p, (n / 2 + 1) * sizeof(struct backtest_trade));
	for (size_t j = 0; j < n; j++) {
		const struct candle *b = &c->v[first + j];

		if (pending == BACKTEST_ENTRY)
			buy(&k, prm, b, next_price(b), &out->trades[out->ntrades++]);
		else if (pending != BACKTEST_HOLD)
			sell(&k, prm, b, next_price(b), pending);
		if (k.open != NULL) {
			k.bars++;
			held++;
		}
		pending = decide(&k, prm, b, sig[first + j]);
		if (j == n - 1 && k.open != NULL) {
			sell(&k, prm, b, b->close, BACKTEST_END);
			pending = BACKTEST_END;
		}
		out->decision[j] = (unsigned char)pending;
		out->equity[j] = k.cash + k.shares * b->close;
		out->hold_equity[j] = BACKTEST_CAPITAL * (b->close / c->v[first].close);
	}
	backtest_stats(out->bars, out->equity, n, out->trades, out->ntrades, held,
	               &out->strategy);
	backtest_stats(out->bars, out->hold_equity, n, NULL, 0, n, &out->hold);
	out->hold.total_return = c->v[last].close / c->v[first].close - 1;
	return 0;
}
