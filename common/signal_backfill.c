/* signal_backfill.c: the signals of a symbol's stored history (see
 * signal_backfill.h). */
#include "signal_backfill.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "db.h"
#include "indicators.h"
#include "log.h"
#include "market_store.h"
#include "pool.h"

static const char SQL_INSERT[] =
	"INSERT INTO signals (symbol_id, strategy, day, close, score, recommendation, "
	"  version, indicators, source) "
	"SELECT $1, r.strategy, r.day, r.close, r.score, r.recommendation, $2, r.indicators, "
	"  'backfill' FROM json_to_recordset($3::json) AS r(strategy text, day date, "
	"  close float8, score numeric, recommendation text, indicators jsonb) "
	"ON CONFLICT (symbol_id, strategy, day) DO NOTHING";

/* The indicators of a whole series, bar by bar. */
struct series_ind {
	double *sma20, *sma50, *sma200, *ema12, *ema26, *rsi14, *macd, *sig, *hist;
	double *bbl, *bbm, *bbu, *atr, *k, *d, *roc, *pdi, *mdi, *adx, *obv;
};

static double *
arr(struct pool *p, size_t n)
{
	return pool_alloc(p, (n ? n : 1) * sizeof(double));
}

/* Compute the indicators of c into a (pool p): 0, or -1 when one refused. */
static int
compute(struct pool *p, const struct candles *c, struct series_ind *a)
{
	size_t n = c->n;
	double *cl = arr(p, n), *h = arr(p, n), *l = arr(p, n), *v = arr(p, n);

	for (size_t i = 0; i < n; i++) {
		cl[i] = c->v[i].close;
		h[i] = c->v[i].high;
		l[i] = c->v[i].low;
		v[i] = (double)c->v[i].volume;
	}
	a->sma20 = arr(p, n), a->sma50 = arr(p, n), a->sma200 = arr(p, n);
	a->ema12 = arr(p, n), a->ema26 = arr(p, n), a->rsi14 = arr(p, n);
	a->macd = arr(p, n), a->sig = arr(p, n), a->hist = arr(p, n);
	a->bbl = arr(p, n), a->bbm = arr(p, n), a->bbu = arr(p, n), a->atr = arr(p, n);
	a->k = arr(p, n), a->d = arr(p, n), a->roc = arr(p, n);
	a->pdi = arr(p, n), a->mdi = arr(p, n), a->adx = arr(p, n), a->obv = arr(p, n);
	return (ind_sma(cl, n, 20, a->sma20) | ind_sma(cl, n, 50, a->sma50) |
	    ind_sma(cl, n, 200, a->sma200) | ind_ema(cl, n, 12, a->ema12) |
	    ind_ema(cl, n, 26, a->ema26) | ind_rsi(cl, n, 14, a->rsi14) |
	    ind_macd(cl, n, 12, 26, 9, a->macd, a->sig, a->hist) |
	    ind_bbands(cl, n, 20, 2.0, a->bbl, a->bbm, a->bbu) |
	    ind_atr(h, l, cl, n, 14, a->atr) | ind_stoch(h, l, cl, n, 14, 3, a->k, a->d) |
	    ind_roc(cl, n, 10, a->roc) | ind_adx(h, l, cl, n, 14, a->pdi, a->mdi, a->adx) |
	    ind_obv(cl, v, n, a->obv)) == 0 ? 0 : -1;
}

/* The snapshot at bar i of c, as analysis_snapshot() computes it for the
 * first i + 1 bars. */
static void
snapshot_at(const struct candles *c, const struct series_ind *a, size_t i,
    struct analysis_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->date, sizeof(s->date), "%s", c->v[i].date);
	s->close = c->v[i].close;
	s->bars = i + 1;
	s->sma20 = a->sma20[i], s->sma50 = a->sma50[i], s->sma200 = a->sma200[i];
	s->ema12 = a->ema12[i], s->ema26 = a->ema26[i], s->rsi14 = a->rsi14[i];
	s->macd = a->macd[i], s->macd_signal = a->sig[i], s->macd_hist = a->hist[i];
	s->bb_lower = a->bbl[i], s->bb_mid = a->bbm[i], s->bb_upper = a->bbu[i];
	if (isnan(s->bb_mid))
		s->bb_pctb = NAN;
	else if (s->bb_upper > s->bb_lower)
		s->bb_pctb = (s->close - s->bb_lower) / (s->bb_upper - s->bb_lower);
	else
		s->bb_pctb = 0.5;
	s->atr14 = a->atr[i];
	s->atr_pct = 100.0 * s->atr14 / s->close;
	s->stoch_k = a->k[i], s->stoch_d = a->d[i], s->roc10 = a->roc[i];
	s->plus_di = a->pdi[i], s->minus_di = a->mdi[i], s->adx14 = a->adx[i];
	s->obv = a->obv[i];
	s->obv_change20 = i + 1 > 20 ? a->obv[i] - a->obv[i - 20] : NAN;
}

/* Append the signal of snapshot s under st (indicators ind) to rows, as
 * analysis_store_signal() would store it; nothing when there is no score. */
static void
add_row(struct pool *scratch, json_object *rows, const struct analysis_snapshot *s,
    enum analysis_strategy st, json_object *ind)
{
	struct analysis_score sc;
	json_object *o;
	char num[40];

	analysis_score(scratch, st, s, NULL, &sc);
	if (isnan(sc.score) || sc.recommendation == NULL)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "strategy", json_object_new_string(analysis_strategy_name(st)));
	json_object_object_add(o, "day", json_object_new_string(s->date));
	jsonv_shortest(num, sizeof(num), s->close);
	json_object_object_add(o, "close", json_object_new_string(num));
	snprintf(num, sizeof(num), "%.2f", sc.score);
	json_object_object_add(o, "score", json_object_new_string(num));
	json_object_object_add(o, "recommendation", json_object_new_string(sc.recommendation));
	json_object_object_add(o, "indicators", json_object_get(ind));
	json_object_array_add(rows, o);
}

/* Insert rows for symbol id sid; adds the new rows to *written. 0 or -1. */
static int
insert(struct pool *p, const char *sid, json_object *rows, int *written)
{
	PGresult *res;

	if (json_object_array_length(rows) == 0)
		return 0;
	res = db_query(p, SQL_INSERT, DB_ARGS(sid, db_i64(p, ANALYSIS_VERSION),
	    json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN)));
	if (res == NULL)
		return -1;
	*written += (int)strtol(PQcmdTuples(res), NULL, 10);
	return 0;
}

/* Store the signals of bars [from, c->n) of c; 0 or -1. */
static int
store_bars(struct pool *p, const char *sid, const struct candles *c,
    const struct series_ind *a, size_t from, int with_value, int *written)
{
	struct pool *scratch = pool_new();
	json_object *rows = json_object_new_array();
	int rc = 0;

	for (size_t i = from; i < c->n && rc == 0; i++) {
		struct analysis_snapshot s;
		struct analysis_score sc;
		json_object *full, *ind;

		snapshot_at(c, a, i, &s);
		/* the indicators object of an analysis: the same for every strategy */
		analysis_score(scratch, STRATEGY_MOMENTUM, &s, NULL, &sc);
		full = analysis_json("", &s, &sc);
		if (json_object_object_get_ex(full, "indicators", &ind)) {
			add_row(scratch, rows, &s, STRATEGY_MOMENTUM, ind);
			if (with_value)
				add_row(scratch, rows, &s, STRATEGY_VALUE, ind);
		}
		json_object_put(full);
		pool_reset(scratch);
		if (json_object_array_length(rows) >= SIGNAL_BACKFILL_BATCH) {
			rc = insert(p, sid, rows, written);
			json_object_put(rows);
			rows = json_object_new_array();
		}
	}
	if (rc == 0)
		rc = insert(p, sid, rows, written);
	json_object_put(rows);
	pool_free(scratch);
	return rc;
}

int
signal_backfill(struct pool *p, const char *symbol, int last_n_bars, int *written)
{
	struct candles c;
	struct fundamentals f;
	struct series_ind a;
	int64_t id;
	size_t from = 0;
	int found = 0;

	*written = 0;
	if (market_load_candles(p, symbol, NULL, NULL, &c) < 0 ||
	    market_load_fundamentals(p, symbol, &f, &found) < 0)
		return -1;
	if (c.n == 0)
		return 1;
	if (market_symbol_id(p, symbol, 0, &id) < 0)
		return -1;
	if (compute(p, &c, &a) < 0) {
		log_kv(LOG_ERROR, "signal backfill: indicators refused the stored series",
		       "symbol", symbol, NULL);
		return -1;
	}
	if (last_n_bars > 0 && (size_t)last_n_bars < c.n)
		from = c.n - (size_t)last_n_bars;
	if (db_begin(p) < 0)
		return -1;
	if (store_bars(p, db_i64(p, id), &c, &a, from, !found, written) < 0 ||
	    db_commit(p) < 0) {
		db_rollback(p);
		*written = 0;
		return -1;
	}
	return 0;
}
