/* analysis_db.h: a symbol's analysis as an endpoint or a job gets it: the
 * prices refreshed through the provider chain when due, the analysis
 * answered from its cache or computed (analysis.h) and stored, signals,
 * and analyses queued as tasks. */
#ifndef EDGESCOUT_ANALYSIS_DB_H
#define EDGESCOUT_ANALYSIS_DB_H

#include <json-c/json.h>
#include <stdint.h>

#include "analysis.h"
#include "db.h"
#include "err.h"

struct pool;

/* The state of a symbol's data as an analysis reads it, as the CTEs `sym`,
 * `last`, `r` and `st` of a statement whose $1 is the symbol, $2 the
 * seconds after which a refresh is due and $3 those within which a failed
 * attempt stands. st's one row: the latest bar's date, its source, when it
 * was stored and its age in days; whether a refresh is due (no bar, or
 * neither the latest bar was stored nor a refresh succeeded within $2);
 * whether a failed attempt is recent; the last attempt's status and
 * message; the symbol's data revision (0: no such symbol) and id. The
 * latest bar is one backward probe of candles' primary key: the symbol's
 * id is a scalar subquery, so the planner cannot choose to read every bar
 * of the symbol through a join and sort them. */
#define ANALYSIS_STATE_CTES \
	"sym AS (SELECT id, data_revision FROM symbols WHERE symbol = $1), " \
	"last AS (SELECT c.date, c.source, c.updated_at FROM candles c " \
	"         WHERE c.symbol_id = (SELECT id FROM sym) ORDER BY c.date DESC LIMIT 1), " \
	"r AS (SELECT * FROM market_refreshes WHERE symbol = $1), " \
	"st AS (SELECT coalesce((SELECT to_char(date, 'YYYY-MM-DD') FROM last), '') AS latest, " \
	"  coalesce((SELECT source FROM last), '') AS source, " \
	"  coalesce((SELECT " DB_TIME("updated_at") " FROM last), '') AS updated_at, " \
	"  coalesce((SELECT (now() AT TIME ZONE 'UTC')::date - date FROM last), 0) AS age_days, " \
	"  (SELECT date FROM last) IS NULL OR " \
	"  coalesce(greatest((SELECT updated_at FROM last), (SELECT refreshed_at FROM r)), " \
	"           '-infinity') < now() - make_interval(secs => $2::double precision) AS due, " \
	"  coalesce((SELECT status <> 'ok' AND attempted_at > " \
	"            now() - make_interval(secs => $3::double precision) FROM r), false) " \
	"    AS backoff, " \
	"  coalesce((SELECT status FROM r), '') AS status, " \
	"  coalesce((SELECT message FROM r), '') AS message, " \
	"  coalesce((SELECT data_revision FROM sym), 0) AS revision, " \
	"  (SELECT id FROM sym) AS symbol_id)"
/* st's columns in the order read_state reads them. */
#define ANALYSIS_STATE_COLUMNS "st.latest, st.source, st.updated_at, st.age_days, st.due, " \
	"st.backoff, st.status, st.message, st.revision"

/* How an analysis is written as text, in the cache and in replies (the
 * flags of reply_json): a cached analysis is written out as stored. */
#define ANALYSIS_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Make sure symbol has stored prices, refreshing them through the provider
 * chain when there are none, or when neither its latest bar was stored nor
 * a refresh succeeded within ANALYSIS_REFRESH_SECONDS (unless an attempt
 * failed within ANALYSIS_RETRY_SECONDS: that failure stands). Each attempt
 * is recorded. 0 with *d filled (stale when the refresh failed but stored
 * prices remain), or -1 with d->err and d->message: NOT_FOUND when no
 * provider knows the symbol, PROVIDER_UNAVAILABLE when none answered,
 * DB_UNAVAILABLE. */
int analysis_prepare(struct pool *p, const char *symbol, struct analysis_data *d);

/* One analysis as a caller gets it. */
struct analysis_outcome {
	json_object *obj;          /* the reply (owned by the pool): analysis_json
	                              plus "freshness" */
	const char *cache;         /* "HIT" | "MISS" | "STALE" */
	double score;              /* NAN without score */
	const char *recommendation;   /* NULL without score */
	const char *date;          /* latest bar */
	double close;
	enum err err;              /* on failure, as analysis_prepare */
	const char *message;
};

/* Analyse symbol under strategy st: prepare its data, then answer from the
 * analyses cache for (symbol, strategy, latest bar day, ANALYSIS_VERSION) or
 * compute and store it. 0, or -1 with out->err and out->message. */
int analysis_get(struct pool *p, const char *symbol, enum analysis_strategy st,
    struct analysis_outcome *out);

/* The same under strategy spec sp: a built-in one's as analysis_get; a
 * user's computed each time (neither cached nor annotated by the model,
 * which learnt from the built-in strategies). */
int analysis_get_spec(struct pool *p, const char *symbol, const struct analysis_spec *sp,
    struct analysis_outcome *out);

/* A cached analysis answered in one statement (analysis_cached.c). */
struct analysis_cached {
	const char *text;          /* the reply (pool): the cached analysis as
	                              stored, with freshness and model; NULL when
	                              there is none to serve: no fresh cached
	                              analysis, or the quota refused (nothing was
	                              charged or recorded) */
	long long limit;           /* the quota's daily limit; -1: none set */
	long long used;            /* units used today, this call's included */
};

/* The analysis of symbol under st when it is cached and its data are not
 * due a refresh, charging one unit of quota_class to user_id (tier) and
 * recording the call in search history, all in one statement. 0 (out->text
 * NULL when the call must take the usual way), or -1 with *err:
 * DB_UNAVAILABLE when the statement failed (db_sqlstate() says why),
 * INTERNAL when its answer could not be written out (logged). */
int analysis_cached(struct pool *p, const char *symbol, enum analysis_strategy st,
    int64_t user_id, const char *tier, const char *quota_class,
    struct analysis_cached *out, enum err *err);

/* Store a signal of a scored outcome o of symbol (source "run" or "scan"),
 * once per symbol, strategy and day: *id is the signal's id, new or not.
 * 0, or -1 (logged). */
int analysis_store_signal(struct pool *p, const char *symbol,
    enum analysis_strategy st, const struct analysis_outcome *o,
    const char *source, int64_t *id);

/* ---- async tasks (analysis_task.c) ------------------------------------- */

struct task;

#define ANALYSIS_TASK_KIND "analysis"

/* Run claimed task t (kind "analysis", params {symbol, strategy}) as a
 * worker does: complete it with the analysis reply as its result, or fail
 * it with the catalogue code and message a synchronous call would have
 * replied; provider and database failures are retried while attempts
 * remain (max_attempts), bad params never. 0 when finished or requeued, 1
 * when the claim was lost meanwhile, -1 when the outcome could not be
 * written. */
int analysis_task_run(struct pool *p, const struct task *t, int max_attempts);

#endif
