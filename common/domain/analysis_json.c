/* analysis_json.c: an analysis and its freshness as JSON. */
#include "analysis.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* v rounded to d decimals, as a JSON number (null when not finite). */
static json_object *
rounded(double v, int d)
{
	double k = pow(10, d);

	return isfinite(v) ? jsonv_number(round(v * k) / k) : NULL;
}

/* A score, weight or percentage rounded to 2 decimals. */
static json_object *
number2(double v)
{
	return rounded(v, 2);
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
	int d = s->decimals;       /* price-like values: the provider's decimals */

	put(o, "sma20", rounded(s->sma20, d));
	put(o, "sma50", rounded(s->sma50, d));
	put(o, "sma200", rounded(s->sma200, d));
	put(o, "ema12", rounded(s->ema12, d));
	put(o, "ema26", rounded(s->ema26, d));
	put(o, "rsi14", number2(s->rsi14));
	m = json_object_new_object();
	put(m, "macd", rounded(s->macd, d));
	put(m, "signal", rounded(s->macd_signal, d));
	put(m, "hist", rounded(s->macd_hist, d));
	put(o, "macd", m);
	m = json_object_new_object();
	put(m, "upper", rounded(s->bb_upper, d));
	put(m, "mid", rounded(s->bb_mid, d));
	put(m, "lower", rounded(s->bb_lower, d));
	put(m, "percent_b", rounded(s->bb_pctb, 4));
	put(o, "bollinger", m);
	put(o, "atr14", rounded(s->atr14, d));
	put(o, "atr_percent", number2(s->atr_pct));
	m = json_object_new_object();
	put(m, "k", number2(s->stoch_k));
	put(m, "d", number2(s->stoch_d));
	put(o, "stochastic", m);
	put(o, "roc10", number2(s->roc10));
	m = json_object_new_object();
	put(m, "adx", number2(s->adx14));
	put(m, "plus_di", number2(s->plus_di));
	put(m, "minus_di", number2(s->minus_di));
	put(o, "adx14", m);
	m = json_object_new_object();
	put(m, "value", rounded(s->obv, 0));
	put(m, "change20", rounded(s->obv_change20, 0));
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
	put(o, "strategy", json_object_new_string(sc->name ? sc->name : ""));
	put(o, "date", json_object_new_string(s->date));
	put(o, "close", jsonv_number(s->close));
	put(o, "bars", json_object_new_int64((int64_t)s->bars));
	put(o, "indicators", indicators_json(s));
	put(o, "score", number2(sc->score));
	put(o, "coverage", rounded(sc->coverage, 4));
	put(o, "confidence", json_object_new_string(sc->confidence ? sc->confidence :
	                                            "insufficient"));
	put(o, "recommendation", sc->recommendation ?
	    json_object_new_string(sc->recommendation) : NULL);
	for (int i = 0; i < sc->n; i++) {
		const struct analysis_component *c = &sc->c[i];
		json_object *j = json_object_new_object();

		put(j, "name", json_object_new_string(c->name));
		put(j, "available", json_object_new_boolean(c->available));
		put(j, "value", strcmp(c->name, "macd") == 0 ? rounded(c->value, s->decimals) :
		                rounded(c->value, 4));
		put(j, "score", number2(c->score));
		put(j, "weight", number2(c->weight));
		put(j, "contribution", number2(c->contribution));
		put(j, "base_weight", number2(c->base_weight));
		put(j, "explanation", json_object_new_string(c->explanation));
		json_object_array_add(comps, j);
		if (!c->available)
			json_object_array_add(missing, json_object_new_string(c->missing));
	}
	put(o, "components", comps);
	put(o, "missing", missing);
	t = json_object_new_object();
	put(t, "buy", jsonv_number(sc->buy_at));
	put(t, "sell", jsonv_number(sc->sell_at));
	put(o, "thresholds", t);
	put(o, "version", json_object_new_int(ANALYSIS_VERSION));
	return o;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static long
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
analysis_outdated(const char *latest, long age_days)
{
	long day, weekdays = 0;

	if (latest == NULL || !candle_date_valid(latest, strlen(latest)) || age_days <= 1)
		return 0;
	day = days_from_civil(atol(latest), atol(latest + 5), atol(latest + 8));
	/* the weekdays strictly between the bar's day and today (1970-01-01 was
	 * a Thursday: day % 7 == 2 is a Saturday, 3 a Sunday) */
	for (long k = 1; k < age_days && weekdays <= 1; k++) {
		long w = ((day + k) % 7 + 7) % 7;

		weekdays += w != 2 && w != 3;
	}
	return weekdays > 1;
}

json_object *
analysis_freshness_json(const struct analysis_data *d)
{
	json_object *o = json_object_new_object();
	const char *note = d->note ? d->note : "";
	int outdated = analysis_outdated(d->latest, d->age_days);
	char why[600];

	put(o, "latest_bar", json_object_new_string(d->latest));
	put(o, "age_days", json_object_new_int64(d->age_days));
	put(o, "source", json_object_new_string(d->source ? d->source : ""));
	put(o, "updated_at", d->updated_at && *d->updated_at ?
	    json_object_new_string(d->updated_at) : NULL);
	put(o, "refreshed", json_object_new_boolean(d->refreshed));
	if (outdated) {
		snprintf(why, sizeof(why), "%.400s%sthe latest bar is %ld days old: more than "
		         "one weekday passed since", note, *note ? "; " : "", d->age_days);
		note = why;
	}
	put(o, "stale", json_object_new_boolean(d->stale || outdated));
	put(o, "note", json_object_new_string(note));
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
