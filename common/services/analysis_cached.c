/* analysis_cached.c: a cached analysis in one statement: the data's state,
 * the cache, the caller's quota and search history. */
#include "analysis_db.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "model.h"
#include "pool.h"
#include "pool_json.h"

/* $1 symbol, $2 $3 as ANALYSIS_STATE_CTES, $4 strategy, $5 version, $6
 * tier, $7 quota class, $8 user, $9 the model's feature count (features of
 * another set are not this build's: the analysis is computed again). The
 * cached analysis of the symbol's current data revision, when no refresh
 * is due (one probe of analyses' primary key: the state's values are
 * scalar subqueries); one unit of the quota charged while under the
 * tier's limit (none set: nothing to charge); the call recorded in search
 * history when it is served. Nothing is written when there is no hit or
 * the quota refuses. Its commit does not wait for the WAL flush
 * (DB_ASYNC_COMMIT): what a read writes is bookkeeping. */
static const char SQL_HIT[] =
	"WITH " ANALYSIS_STATE_CTES ", "
	"hit AS (SELECT a.result, a.score, a.recommendation, a.features::text AS features "
	"        FROM analyses a WHERE a.symbol_id = (SELECT symbol_id FROM st) "
	"        AND a.strategy = $4 AND a.data_revision = (SELECT revision FROM st) "
	"        AND a.version = $5 AND NOT (SELECT due FROM st) "
	"        AND (a.features IS NULL OR cardinality(a.features) = $9)), "
	"lim AS (SELECT daily_limit FROM tier_quotas WHERE tier = $6 AND quota_class = $7), "
	"charged AS (INSERT INTO quota_usage (user_id, quota_class, day, used) "
	"  SELECT $8, $7, (now() AT TIME ZONE 'UTC')::date, 1 FROM lim "
	"  WHERE daily_limit > 0 AND EXISTS (SELECT 1 FROM hit) "
	"  ON CONFLICT (user_id, quota_class, day) DO UPDATE SET used = quota_usage.used + 1 "
	"  WHERE quota_usage.used < (SELECT daily_limit FROM lim) RETURNING used), "
	"hist AS (INSERT INTO search_history (user_id, symbol, strategy, mode, status, score, "
	"                                     recommendation, cache) "
	"  SELECT $8, $1, $4, 'sync', 200, hit.score, hit.recommendation, 'HIT' FROM hit "
	"  WHERE NOT EXISTS (SELECT 1 FROM lim) OR EXISTS (SELECT 1 FROM charged) "
	"  RETURNING 1) "
	"SELECT " ANALYSIS_STATE_COLUMNS ", "
	"  (SELECT result FROM hit), (SELECT features FROM hit), "
	"  coalesce((SELECT daily_limit FROM lim), -1), coalesce((SELECT used FROM charged), -1), "
	"  (SELECT count(*) FROM hist), " DB_ASYNC_COMMIT " FROM st";

/* text (a JSON object's text ending in '}') with the freshness and model
 * members added, as analysis_get adds them; NULL when text is not that. */
static const char *
with_members(struct pool *p, const char *text, const char *freshness, const char *model)
{
	size_t n = strlen(text);

	if (n < 3 || text[n - 1] != '}')
		return NULL;
	return pool_printf(p, "%.*s,\"freshness\":%s,\"model\":%s}", (int)(n - 1), text,
	                   freshness, model);
}

int
analysis_cached(struct pool *p, const char *symbol, enum analysis_strategy st,
    int64_t user_id, const char *tier, const char *quota_class,
    struct analysis_cached *out, enum err *err)
{
	const char *refresh = db_i64(p, config_int("ANALYSIS_REFRESH_SECONDS", 21600));
	const char *retry = db_i64(p, config_int("ANALYSIS_RETRY_SECONDS", 300));
	struct analysis_data d;
	const char *model, *freshness;
	PGresult *res;

	memset(out, 0, sizeof(*out));
	res = db_query(p, SQL_HIT, DB_ARGS(symbol, refresh, retry, analysis_strategy_name(st),
	    db_i64(p, ANALYSIS_VERSION), tier, quota_class, db_i64(p, user_id),
	    db_i64(p, (int64_t)model_feature_count())));
	if (res == NULL) {
		*err = ERR_DB_UNAVAILABLE;
		return -1;
	}
	out->limit = db_int(res, 0, 11);
	out->used = db_int(res, 0, 12);
	if (db_int(res, 0, 13) != 1)
		return 0;
	/* served: what was not due a refresh is neither refreshed nor stale */
	memset(&d, 0, sizeof(d));
	snprintf(d.latest, sizeof(d.latest), "%s", db_text(res, 0, 0));
	d.source = db_text(res, 0, 1);
	d.updated_at = db_text(res, 0, 2);
	d.age_days = (long)db_int(res, 0, 3);
	d.note = "";
	freshness = json_object_to_json_string_ext(pool_json(p, analysis_freshness_json(&d)),
	                                           ANALYSIS_JSON_FLAGS);
	model = model_annotation_text(p, db_text(res, 0, 10));
	out->text = model ? with_members(p, db_text(res, 0, 9), freshness, model) : NULL;
	if (out->text == NULL) {
		/* the statement admits only texts and features this build wrote */
		log_kv(LOG_ERROR, "a cached analysis could not be written out", NULL);
		*err = ERR_INTERNAL;
		return -1;
	}
	return 0;
}
