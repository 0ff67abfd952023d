/* analysis_db.c: an analysis's data (refreshed when due), the analyses
 * cache and signals. */
#include "analysis_db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "jsonv.h"
#include "log.h"
#include "market_fetch.h"
#include "market_store.h"
#include "model.h"
#include "pool.h"
#include "pool_json.h"
#include "provider_parse.h"
#include "valid.h"

static const char SQL_STATE[] = "WITH " ANALYSIS_STATE_CTES " SELECT " ANALYSIS_STATE_COLUMNS " FROM st";

/* The cached analysis of the data revision the call read ($3). */
static const char SQL_CACHED[] =
	"SELECT a.result FROM analyses a "
	"WHERE a.symbol_id = (SELECT id FROM symbols WHERE symbol = $1) AND a.strategy = $2 "
	"  AND a.data_revision = $3::bigint AND a.version = $4";

/* Stored under the revision read before the data was loaded: data newer
 * than that revision makes the row one that is never found, never a stale
 * answer. */
static const char SQL_CACHE_STORE[] =
	"INSERT INTO analyses (symbol_id, strategy, data_day, data_revision, version, result, "
	"                      score, recommendation, features) "
	"SELECT s.id, $2, $3::date, $8::bigint, $4, $5::json, $6::numeric, $7, "
	"       $9::double precision[] FROM symbols s "
	"WHERE s.symbol = $1 ON CONFLICT DO NOTHING";

static const char SQL_SIGNAL[] =
	"WITH ins AS (INSERT INTO signals (symbol_id, strategy, day, close, score, "
	"             recommendation, version, indicators, source) "
	"  SELECT s.id, $2, $3::date, $4::double precision, $5::numeric, $6, $7, $8::jsonb, $9 "
	"  FROM symbols s WHERE s.symbol = $1 "
	"  ON CONFLICT (symbol_id, strategy, day) DO NOTHING RETURNING id) "
	"SELECT id FROM ins UNION ALL "
	"SELECT g.id FROM signals g JOIN symbols s ON s.id = g.symbol_id "
	"WHERE s.symbol = $1 AND g.strategy = $2 AND g.day = $3::date LIMIT 1";


/* The error of a failed query: 503 when the database is unreachable. */
static enum err
db_err(void)
{
	return strncmp(db_sqlstate(), "08", 2) == 0 ? ERR_DB_UNAVAILABLE : ERR_INTERNAL;
}

/* Fill d's error for a provider outcome (status name as stored) of symbol. */
static int
provider_failed(struct pool *p, struct analysis_data *d, const char *symbol,
    const char *status, const char *why)
{
	if (strcmp(status, "no_data") == 0) {
		d->err = ERR_NOT_FOUND;
		d->message = pool_printf(p, "no market data for %s", symbol);
	} else {
		d->err = ERR_PROVIDER_UNAVAILABLE;
		d->message = pool_printf(p, "no market data provider could serve %s: %s",
		                         symbol, *why ? why : status);
	}
	return -1;
}

/* Read symbol's state into d; *due and *backoff as ANALYSIS_STATE_CTES;
 * the last attempt's status and message. 0 or -1. */
static int
read_state(struct pool *p, const char *symbol, struct analysis_data *d, int *due,
    int *backoff, const char **status, const char **message)
{
	const char *refresh = db_i64(p, config_int("ANALYSIS_REFRESH_SECONDS", 21600));
	const char *retry = db_i64(p, config_int("ANALYSIS_RETRY_SECONDS", 300));
	PGresult *res = db_query(p, SQL_STATE, DB_ARGS(symbol, refresh, retry));

	if (res == NULL)
		return -1;
	snprintf(d->latest, sizeof(d->latest), "%s", db_text(res, 0, 0));
	d->source = pool_strdup(p, db_text(res, 0, 1));
	d->updated_at = pool_strdup(p, db_text(res, 0, 2));
	d->age_days = (long)db_int(res, 0, 3);
	*due = strcmp(db_text(res, 0, 4), "t") == 0;
	*backoff = strcmp(db_text(res, 0, 5), "t") == 0;
	*status = pool_strdup(p, db_text(res, 0, 6));
	*message = pool_strdup(p, db_text(res, 0, 7));
	d->revision = pool_strdup(p, db_text(res, 0, 8));
	return 0;
}

int
analysis_prepare(struct pool *p, const char *symbol, struct analysis_data *d)
{
	struct market_refresh m;
	enum provider_status st;
	const char *status, *message, *msg;
	int due, backoff;

	memset(d, 0, sizeof(*d));
	d->note = "";
	if (read_state(p, symbol, d, &due, &backoff, &status, &message) < 0)
		goto db_fail;
	if (!due)
		return 0;
	if (backoff) {
		/* a recent attempt failed: its outcome stands until the retry time */
		if (d->latest[0] == '\0')
			return provider_failed(p, d, symbol, status, message);
		d->stale = 1;
		d->note = pool_printf(p, "the last refresh failed: %s", message);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	st = market_refresh_run(p, symbol, &m);
	msg = valid_utf8_trunc(p, m.message ? m.message : "", MARKET_MESSAGE_MAX);
	if (market_record_refresh(p, symbol, st, m.used ? m.used : "", msg) < 0)
		goto db_fail;
	if (st == PROVIDER_OK) {
		if (read_state(p, symbol, d, &due, &backoff, &status, &message) < 0)
			goto db_fail;
		d->refreshed = 1;
		d->stale = m.stale;
		d->note = pool_printf(p, "refreshed from %s: %s", m.used, msg);
		if (d->latest[0] != '\0')
			return 0;
		return provider_failed(p, d, symbol, "no_data", msg);
	}
	if (d->latest[0] == '\0')
		return provider_failed(p, d, symbol, provider_status_name(st), msg);
	d->stale = 1;
	d->note = pool_printf(p, "the refresh failed: %s", msg);
	return 0;
db_fail:
	d->err = db_err();
	d->message = d->err == ERR_DB_UNAVAILABLE ? "the database is unavailable" :
	             "the analysis failed";
	return -1;
}

/* Compute the analysis of symbol from its stored data into *obj (owned by
 * the caller) and store it in the cache under data revision revision (read
 * before the data). 0, or -1 with out's error. */
static int
compute(struct pool *p, const char *symbol, const struct analysis_spec *sp,
    const char *revision, struct analysis_outcome *out, json_object **obj)
{
	struct analysis_snapshot snap;
	struct analysis_score sc;
	struct fundamentals f;
	struct candles c;
	char score[16] = "";
	int found;

	if (market_load_candles(p, symbol, NULL, NULL, &c) < 0 ||
	    market_load_fundamentals(p, symbol, &f, &found) < 0) {
		out->err = db_err();
		out->message = "the database is unavailable";
		return -1;
	}
	if (c.n == 0) {
		out->err = ERR_NOT_FOUND;
		out->message = pool_printf(p, "no market data for %s", symbol);
		return -1;
	}
	if (analysis_snapshot(p, &c, &snap) < 0) {
		log_kv(LOG_ERROR, "analysis: indicators refused the stored series", NULL);
		out->err = ERR_INTERNAL;
		out->message = "the analysis failed";
		return -1;
	}
	analysis_score_spec(p, sp, &snap, found ? &f : NULL, &sc);
	*obj = analysis_json(symbol, &snap, &sc);
	if (analysis_strategy_parse(sp->name) < 0)
		return 0;   /* a user's strategy is not cached: it may change any time */
	if (!isnan(sc.score))
		snprintf(score, sizeof(score), "%.2f", sc.score);
	/* a cache that cannot be written only costs the next call a recompute;
	 * the text is the reply's own (reply_json's flags): a hit writes it out
	 * as it is */
	(void)db_query(p, SQL_CACHE_STORE, DB_ARGS(symbol, sp->name,
	    snap.date, db_i64(p, ANALYSIS_VERSION),
	    json_object_to_json_string_ext(*obj, ANALYSIS_JSON_FLAGS),
	    *score ? score : NULL, sc.recommendation, revision, model_features_text(p, *obj)));
	return 0;
}

/* The number member key of o, NAN when absent or null. */
static double
member_number(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NAN;
	return json_object_get_double(v);
}

static const char *
member_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
analysis_get(struct pool *p, const char *symbol, enum analysis_strategy st,
    struct analysis_outcome *out)
{
	struct analysis_spec sp;

	analysis_builtin_spec(st, &sp);
	return analysis_get_spec(p, symbol, &sp, out);
}

int
analysis_get_spec(struct pool *p, const char *symbol, const struct analysis_spec *sp,
    struct analysis_outcome *out)
{
	int builtin = analysis_strategy_parse(sp->name) >= 0;
	struct analysis_data d;
	json_object *obj = NULL;
	PGresult *res = NULL;

	memset(out, 0, sizeof(*out));
	out->score = out->close = NAN;
	if (analysis_prepare(p, symbol, &d) < 0) {
		out->err = d.err;
		out->message = d.message;
		return -1;
	}
	if (builtin)
		res = db_query(p, SQL_CACHED, DB_ARGS(symbol, sp->name, d.revision,
		                                      db_i64(p, ANALYSIS_VERSION)));
	if (builtin && res == NULL) {
		out->err = db_err();
		out->message = "the database is unavailable";
		return -1;
	}
	out->cache = "HIT";
	if (builtin && PQntuples(res) == 1 &&
	    (obj = json_tokener_parse(db_text(res, 0, 0))) != NULL &&
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
	if (obj == NULL) {
		out->cache = "MISS";
		if (compute(p, symbol, sp, d.revision, out, &obj) < 0)
			return -1;
	}
	pool_json(p, obj);
	json_object_object_add(obj, "freshness", analysis_freshness_json(&d));
	if (builtin)   /* after the cache: the model may change any time */
		model_annotate(p, obj);
	else           /* the model learnt from the built-in strategies' signals */
		json_object_object_add(obj, "model", NULL);
	if (d.stale)
		out->cache = "STALE";
	out->obj = obj;
	out->score = member_number(obj, "score");
	out->recommendation = member_string(obj, "recommendation");
	out->date = member_string(obj, "date");
	out->close = member_number(obj, "close");
	return 0;
}

int
analysis_store_signal(struct pool *p, const char *symbol, enum analysis_strategy st,
    const struct analysis_outcome *o, const char *source, int64_t *id)
{
	json_object *ind;
	char close[40], score[16];
	PGresult *res;

	*id = 0;
	if (isnan(o->score) || o->recommendation == NULL || o->date == NULL ||
	    !json_object_object_get_ex(o->obj, "indicators", &ind))
		return -1;
	jsonv_shortest(close, sizeof(close), o->close);
	snprintf(score, sizeof(score), "%.2f", o->score);
	res = db_query(p, SQL_SIGNAL, DB_ARGS(symbol, analysis_strategy_name(st), o->date,
	    close, score, o->recommendation, db_i64(p, ANALYSIS_VERSION),
	    json_object_to_json_string_ext(ind, JSON_C_TO_STRING_PLAIN), source));
	if (res == NULL || PQntuples(res) != 1)
		return -1;
	*id = db_int(res, 0, 0);
	model_record_signal(p, *id);   /* the current model's win probability, once */
	return 0;
}
