/* provider_health.c: how the outside data providers are doing, from the
 * provider_calls log that every outbound call writes.
 *
 * Any signed-in user may look: a user whose analysis came back stale wants
 * to know that market data is degraded, and nothing here is private (counts,
 * latencies, and the fixed, URL-free failure reasons of common/services/http.c; no
 * endpoints, hosts or keys). Anonymous callers are refused. */
#include "app.h"
#include "jsonv.h"
#include "reply_rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOWN_AFTER 3          /* consecutive failed calls: down */
#define DEGRADED_MIN_CALLS 5  /* calls in the window before a rate judges */
#define DEGRADED_NUM 9        /* success rate under NUM/DEN: degraded */
#define DEGRADED_DEN 10

/* Every provider with a call on record (a loose index scan of
 * provider_calls_provider_at_idx), its calls in the window ($1), its last
 * success, its last failure, and the failures since its last success; each
 * per provider through the same index. Then the quota a provider reported
 * (odds_quota: The Odds API's x-requests-remaining and -used; else the last
 * X-Ratelimit-Remaining a call recorded, as Finnhub sends). */
#define SQL_HEALTH \
	"WITH RECURSIVE names (provider) AS (" \
	"  (SELECT provider FROM provider_calls ORDER BY provider LIMIT 1) " \
	"  UNION ALL " \
	"  SELECT (SELECT c.provider FROM provider_calls c WHERE c.provider > n.provider " \
	"          ORDER BY c.provider LIMIT 1) FROM names n WHERE n.provider IS NOT NULL) " \
	"SELECT n.provider, w.calls, w.ok_calls, w.p50, w.p95, w.attempts_avg, " \
	"  " DB_TIME("s.at") ", " DB_TIME("e.at") ", e.error, e.status, " \
	"  (SELECT count(*) FROM provider_calls c WHERE c.provider = n.provider " \
	"   AND c.at > coalesce(s.at, '-infinity') AND NOT c.ok), " \
	"  coalesce(e.at >= now() - $1::interval, false), " \
	"  coalesce(q.remaining, (SELECT c.quota_remaining FROM provider_calls c " \
	"   WHERE c.provider = n.provider AND c.quota_remaining IS NOT NULL " \
	"   ORDER BY c.at DESC, c.id DESC LIMIT 1)), q.used " \
	"FROM names n " \
	"CROSS JOIN LATERAL (SELECT count(*) AS calls, count(*) FILTER (WHERE c.ok) AS ok_calls, " \
	"  percentile_cont(0.5) WITHIN GROUP (ORDER BY c.latency_ms) AS p50, " \
	"  percentile_cont(0.95) WITHIN GROUP (ORDER BY c.latency_ms) AS p95, " \
	"  avg(c.attempts)::float8 AS attempts_avg FROM provider_calls c " \
	"  WHERE c.provider = n.provider AND c.at >= now() - $1::interval) w " \
	"LEFT JOIN LATERAL (SELECT c.at FROM provider_calls c WHERE c.provider = n.provider " \
	"  AND c.ok ORDER BY c.at DESC LIMIT 1) s ON true " \
	"LEFT JOIN LATERAL (SELECT c.at, c.error, c.status FROM provider_calls c " \
	"  WHERE c.provider = n.provider AND NOT c.ok ORDER BY c.at DESC, c.id DESC LIMIT 1) " \
	"  e ON true " \
	"LEFT JOIN odds_quota q ON q.provider = n.provider AND q.remaining IS NOT NULL " \
	"WHERE n.provider IS NOT NULL ORDER BY n.provider"

static int provider_health(struct req *r);

static const char *const windows[] = { "1h", "24h", "7d", NULL };

static const struct param health_query[] = {
	{ .name = "window", .type = PARAM_ENUM, .values = windows,
	  .desc = "the period looked at (default 24h)" },
	{ 0 }
};

#define PROVIDER "{provider:str, status:str(healthy|degraded|down|idle), calls:int, " \
	"ok:int, failed:int, success_rate:num?, latency_ms:{p50:num?, p95:num?}, " \
	"attempts_avg:num?, last_success_at:str?, " \
	"last_error:{at:str?, message:str?, status:int?}?, consecutive_failures:int, " \
	"quota:{remaining:int?, used~:int, status:str(reported|unknown|not_reported)}}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/provider-health", .handler = provider_health,
	  .flags = NEED_AUTH, .query = health_query,
	  .reply = "{status:str(healthy|degraded|down), window:str(1h|24h|7d), "
	           "thresholds:{down_after_failures:int, degraded_min_calls:int, "
	           "degraded_below:num}, providers:[" PROVIDER "]}",
	  .summary = "each market-data provider's calls, latency and status" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }
static const char *const intervals[] = { "1 hour", "24 hours", "7 days" };

/* Whether a provider tells its remaining quota, when no call recorded it:
 * Finnhub sends X-Ratelimit-Remaining (recorded with each call: "reported");
 * the others (Alpha Vantage, Polygon's free plan, files) send nothing. */
static const char *
quota_status(const char *provider)
{
	static const char *const silent[] = { "alphavantage", "polygon", "csv", NULL };

	return valid_enum(provider, silent) >= 0 ? "not_reported" : "unknown";
}

/* Columns of SQL_HEALTH that go to the reply as they are. */
static const struct reply_col LATENCY_COLS[] = {
	{ "p50", 3, RCOL_NUMBER, RCOL_NULLABLE },
	{ "p95", 4, RCOL_NUMBER, RCOL_NULLABLE },
	{ NULL }
};

static const struct reply_col ERROR_COLS[] = {
	{ "at",      7, RCOL_TEXT, RCOL_NULLABLE },
	{ "message", 8, RCOL_TEXT, RCOL_NULLABLE },
	{ "status",  9, RCOL_INT,  RCOL_NULLABLE },
	{ NULL }
};

/* The status of row i: down, idle, degraded or healthy. */
static const char *
judge(const PGresult *res, int i)
{
	int64_t calls = db_int(res, i, 1), ok = db_int(res, i, 2);

	if (db_int(res, i, 10) >= DOWN_AFTER && strcmp(db_text(res, i, 11), "t") == 0)
		return "down";
	if (calls == 0)
		return "idle";
	if (calls >= DEGRADED_MIN_CALLS && ok * DEGRADED_DEN < calls * DEGRADED_NUM)
		return "degraded";
	return "healthy";
}

/* Row i of SQL_HEALTH as the provider's JSON. */
static json_object *
provider_json(const PGresult *res, int i, const char *status)
{
	json_object *o = json_object_new_object(), *quota = json_object_new_object();
	int64_t calls = db_int(res, i, 1), ok = db_int(res, i, 2);
	const char *name = db_text(res, i, 0);

	json_object_object_add(o, "provider", json_object_new_string(name));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "calls", json_object_new_int64(calls));
	json_object_object_add(o, "ok", json_object_new_int64(ok));
	json_object_object_add(o, "failed", json_object_new_int64(calls - ok));
	json_object_object_add(o, "success_rate",
	                       calls ? jsonv_number((double)ok / (double)calls) : NULL);
	json_object_object_add(o, "latency_ms", reply_row_json(res, i, LATENCY_COLS));
	json_object_object_add(o, "attempts_avg",
	                       reply_col_json(res, i, 5, RCOL_NUMBER, RCOL_NULLABLE));
	json_object_object_add(o, "last_success_at",
	                       reply_col_json(res, i, 6, RCOL_TEXT, RCOL_NULLABLE));
	json_object_object_add(o, "last_error",
	                       PQgetisnull(res, i, 7) ? NULL : reply_row_json(res, i, ERROR_COLS));
	json_object_object_add(o, "consecutive_failures",
	                       json_object_new_int64(db_int(res, i, 10)));
	if (!PQgetisnull(res, i, 12)) {
		json_object_object_add(quota, "remaining", json_object_new_int64(db_int(res, i, 12)));
		if (!PQgetisnull(res, i, 13))   /* The Odds API says how many it used */
			json_object_object_add(quota, "used",
			                       json_object_new_int64(db_int(res, i, 13)));
		json_object_object_add(quota, "status", json_object_new_string("reported"));
	} else {
		json_object_object_add(quota, "remaining", NULL);
		json_object_object_add(quota, "status", json_object_new_string(quota_status(name)));
	}
	json_object_object_add(o, "quota", quota);
	return o;
}

/* Overall: down when every provider called in the window is down,
 * degraded when any is down or degraded, else healthy. */
static const char *
overall(int active, int down, int degraded)
{
	if (active > 0 && down == active)
		return "down";
	return down + degraded > 0 ? "degraded" : "healthy";
}

/* GET /api/provider-health?window=1h|24h|7d */
static int
provider_health(struct req *r)
{
	json_object *o, *list, *th;
	int w = req_has(r, "window") ? valid_enum(req_str(r, "window"), windows) : 1;
	int active = 0, down = 0, degraded = 0;
	PGresult *res;

	if ((res = db_query_or_reply(r, SQL_HEALTH, DB_ARGS(intervals[w]))) == NULL)
		return r->status;
	list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		const char *status = judge(res, i);

		active += strcmp(status, "idle") != 0;
		down += strcmp(status, "down") == 0;
		degraded += strcmp(status, "degraded") == 0;
		json_object_array_add(list, provider_json(res, i, status));
	}
	th = json_object_new_object();
	json_object_object_add(th, "down_after_failures", json_object_new_int(DOWN_AFTER));
	json_object_object_add(th, "degraded_min_calls", json_object_new_int(DEGRADED_MIN_CALLS));
	json_object_object_add(th, "degraded_below", jsonv_number((double)DEGRADED_NUM / DEGRADED_DEN));
	o = pool_json_object(r->pool);
	json_object_object_add(o, "status", json_object_new_string(overall(active, down,
	                       degraded)));
	json_object_object_add(o, "window", json_object_new_string(windows[w]));
	json_object_object_add(o, "thresholds", th);
	json_object_object_add(o, "providers", list);
	return reply_json(r, 200, o);
}
