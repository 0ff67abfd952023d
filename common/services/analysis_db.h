/* analysis_db.h: a symbol's analysis as an endpoint or a job gets it: the
 * prices refreshed through the provider chain when due, the analysis
 * answered from its cache or computed (analysis.h) and stored, signals,
 * and analyses queued as tasks. */
#ifndef EDGESCOUT_ANALYSIS_DB_H
#define EDGESCOUT_ANALYSIS_DB_H

#include <json-c/json.h>
#include <stdint.h>

#include "analysis.h"
#include "err.h"

struct pool;

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
