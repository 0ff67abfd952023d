/* signal_backfill.c: the signals of a symbol's stored history (see
 * signal_backfill.h). */
#include "signal_backfill.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "db.h"
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

/* Append the signal of snapshot s scored sc (indicators ind) to rows, as
 * analysis_store_signal() would store it; nothing when there is no score.
 * Its recommendation is the side of the score (analysis_recommendation),
 * whatever the coverage: a training record of what the score said, not
 * advice (signal_backfill.h). */
static void
add_row(json_object *rows, const struct analysis_snapshot *s,
    const struct analysis_score *sc, json_object *ind)
{
	const char *side = analysis_recommendation(sc->score);
	json_object *o;
	char num[40];

	if (isnan(sc->score) || side == NULL)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "strategy",
	                       json_object_new_string(analysis_strategy_name(sc->strategy)));
	json_object_object_add(o, "day", json_object_new_string(s->date));
	jsonv_shortest(num, sizeof(num), s->close);
	json_object_object_add(o, "close", json_object_new_string(num));
	snprintf(num, sizeof(num), "%.2f", sc->score);
	json_object_object_add(o, "score", json_object_new_string(num));
	json_object_object_add(o, "recommendation", json_object_new_string(side));
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

void
signal_backfill_bar(struct pool *scratch, const struct analysis_series *a, size_t i,
    int with_value, json_object *rows)
{
	struct analysis_snapshot s;
	struct analysis_score sc;
	json_object *full, *ind;

	analysis_snapshot_at(a, i, &s);
	/* the indicators object of an analysis: the same for every strategy */
	analysis_score(scratch, STRATEGY_MOMENTUM, &s, NULL, &sc);
	full = analysis_json("", &s, &sc);
	if (json_object_object_get_ex(full, "indicators", &ind)) {
		add_row(rows, &s, &sc, ind);
		if (with_value) {
			analysis_score(scratch, STRATEGY_VALUE, &s, NULL, &sc);
			add_row(rows, &s, &sc, ind);
		}
	}
	json_object_put(full);
}

/* Store the signals of bars [from, a->c->n) of series a; 0 or -1. */
static int
store_bars(struct pool *p, const char *sid, const struct analysis_series *a,
    size_t from, int with_value, int *written)
{
	struct pool *scratch = pool_new();
	json_object *rows = json_object_new_array();
	int rc = 0;

	for (size_t i = from; i < a->c->n && rc == 0; i++) {
		signal_backfill_bar(scratch, a, i, with_value, rows);
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
	struct analysis_series a;
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
	if (analysis_series(p, &c, &a) < 0) {
		log_kv(LOG_ERROR, "signal backfill: indicators refused the stored series",
		       "symbol", symbol, NULL);
		return -1;
	}
	if (last_n_bars > 0 && (size_t)last_n_bars < c.n)
		from = c.n - (size_t)last_n_bars;
	if (db_begin(p) < 0)
		return -1;
	if (store_bars(p, db_i64(p, id), &a, from, !found, written) < 0 ||
	    db_commit(p) < 0) {
		db_rollback(p);
		*written = 0;
		return -1;
	}
	return 0;
}
