/* analysis_json.c: an analysis and its freshness as JSON. */
#include "analysis.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* A score or weight rounded to 2 decimals. */
static json_object *
number2(double v)
{
	return isfinite(v) ? jsonv_number(round(v * 100) / 100) : NULL;
}

static void
put(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static json_object *
indicators_json(const struct analysis_snapshot *s)
{
	json_object *o = json_object_new_object(), *m;

	put(o, "sma20", jsonv_number(s->sma20));
	put(o, "sma50", jsonv_number(s->sma50));
	put(o, "sma200", jsonv_number(s->sma200));
	put(o, "ema12", jsonv_number(s->ema12));
	put(o, "ema26", jsonv_number(s->ema26));
	put(o, "rsi14", jsonv_number(s->rsi14));
	m = json_object_new_object();
	put(m, "macd", jsonv_number(s->macd));
	put(m, "signal", jsonv_number(s->macd_signal));
	put(m, "hist", jsonv_number(s->macd_hist));
	put(o, "macd", m);
	m = json_object_new_object();
	put(m, "upper", jsonv_number(s->bb_upper));
	put(m, "mid", jsonv_number(s->bb_mid));
	put(m, "lower", jsonv_number(s->bb_lower));
	put(m, "percent_b", jsonv_number(s->bb_pctb));
	put(o, "bollinger", m);
	put(o, "atr14", jsonv_number(s->atr14));
	put(o, "atr_percent", jsonv_number(s->atr_pct));
	m = json_object_new_object();
	put(m, "k", jsonv_number(s->stoch_k));
	put(m, "d", jsonv_number(s->stoch_d));
	put(o, "stochastic", m);
	put(o, "roc10", jsonv_number(s->roc10));
	m = json_object_new_object();
	put(m, "adx", jsonv_number(s->adx14));
	put(m, "plus_di", jsonv_number(s->plus_di));
	put(m, "minus_di", jsonv_number(s->minus_di));
	put(o, "adx14", m);
	m = json_object_new_object();
	put(m, "value", jsonv_number(s->obv));
	put(m, "change20", jsonv_number(s->obv_change20));
	put(m, "trend", isnan(s->obv_change20) ? NULL : json_object_new_string(
	    s->obv_change20 > 0 ? "rising" : s->obv_change20 < 0 ? "falling" : "flat"));
	put(o, "obv", m);
	return o;
}

json_object *
analysis_json(const char *symbol, const struct analysis_snapshot *s,
    const struct analysis_score *sc)
{
	json_object *o = json_object_new_object(), *comps = json_object_new_array();
	json_object *missing = json_object_new_array(), *t;

	put(o, "symbol", json_object_new_string(symbol));
	put(o, "strategy", json_object_new_string(analysis_strategy_name(sc->strategy)));
	put(o, "date", json_object_new_string(s->date));
	put(o, "close", jsonv_number(s->close));
	put(o, "bars", json_object_new_int64((int64_t)s->bars));
	put(o, "indicators", indicators_json(s));
	put(o, "score", number2(sc->score));
	put(o, "recommendation", sc->recommendation ?
	    json_object_new_string(sc->recommendation) : NULL);
	for (int i = 0; i < sc->n; i++) {
		const struct analysis_component *c = &sc->c[i];
		json_object *j = json_object_new_object();

		put(j, "name", json_object_new_string(c->name));
		put(j, "available", json_object_new_boolean(c->available));
		put(j, "value", jsonv_number(c->value));
		put(j, "score", number2(c->score));
		put(j, "weight", number2(c->weight));
		put(j, "base_weight", number2(c->base_weight));
		put(j, "explanation", json_object_new_string(c->explanation));
		json_object_array_add(comps, j);
		if (!c->available)
			json_object_array_add(missing, json_object_new_string(c->missing));
	}
	put(o, "components", comps);
	put(o, "missing", missing);
	t = json_object_new_object();
	put(t, "buy", jsonv_number(ANALYSIS_BUY_AT));
	put(t, "sell", jsonv_number(ANALYSIS_SELL_AT));
	put(o, "thresholds", t);
	put(o, "version", json_object_new_int(ANALYSIS_VERSION));
	return o;
}

json_object *
analysis_freshness_json(const struct analysis_data *d)
{
	json_object *o = json_object_new_object();

	put(o, "latest_bar", json_object_new_string(d->latest));
	put(o, "age_days", json_object_new_int64(d->age_days));
	put(o, "source", json_object_new_string(d->source ? d->source : ""));
	put(o, "updated_at", d->updated_at && *d->updated_at ?
	    json_object_new_string(d->updated_at) : NULL);
	put(o, "refreshed", json_object_new_boolean(d->refreshed));
	put(o, "stale", json_object_new_boolean(d->stale));
	put(o, "note", json_object_new_string(d->note ? d->note : ""));
	return o;
}

/* ---- export rows ------------------------------------------------------- */

void
analysis_csv_field(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (strpbrk(s, ",\"\r\n") == NULL && (n == 0 || (s[0] != ' ' && s[n - 1] != ' '))) {
		buf_append(b, s, n);
		return;
	}
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

/* The bar's columns after symbol and date, as texts. */
static void
bar_texts(const struct candle *c, char v[6][40])
{
	jsonv_shortest(v[0], sizeof(v[0]), c->open);
	jsonv_shortest(v[1], sizeof(v[1]), c->high);
	jsonv_shortest(v[2], sizeof(v[2]), c->low);
	jsonv_shortest(v[3], sizeof(v[3]), c->close);
	jsonv_shortest(v[4], sizeof(v[4]), c->adjclose);
	snprintf(v[5], sizeof(v[5]), "%lld", (long long)c->volume);
}

void
analysis_csv_row(struct buf *b, const char *symbol, const struct candle *c)
{
	char v[6][40];

	bar_texts(c, v);
	analysis_csv_field(b, symbol);
	buf_putc(b, ',');
	analysis_csv_field(b, c->date);
	for (int i = 0; i < 6; i++) {
		buf_putc(b, ',');
		analysis_csv_field(b, v[i]);
	}
	buf_puts(b, "\r\n");
}

void
analysis_json_row(struct buf *b, const char *symbol, const struct candle *c)
{
	char v[6][40];

	/* symbols (valid_symbol) and dates need no JSON escaping */
	assert(strpbrk(symbol, "\"\\") == NULL && strpbrk(c->date, "\"\\") == NULL);
	bar_texts(c, v);
	buf_printf(b, "{\"symbol\":\"%s\",\"date\":\"%s\",\"open\":%s,\"high\":%s,"
	           "\"low\":%s,\"close\":%s,\"adjclose\":%s,\"volume\":%s}",
	           symbol, c->date, v[0], v[1], v[2], v[3], v[4], v[5]);
}
