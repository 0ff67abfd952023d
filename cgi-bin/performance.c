/* performance.c: request counts, error ratios and latency percentiles per
 * route, from every binary's shared metrics table; for admins only.
 *
 * The tables count since each binary's table was created (the stack's
 * start); percentiles are estimated from the duration histogram of a route
 * (every status together) by linear interpolation inside a bucket, so their
 * resolution is the bucket layout, returned as bucket_bounds_seconds. */
#include "app.h"
#include "jsonv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static int stats(struct req *r);

#define COUNTS "requests:int, client_errors:int, server_errors:int, error_ratio:num?, " \
	"client_error_ratio:num?"
#define ROUTE "{binary:str, method:str, route:str, " COUNTS ", statuses:{*:int}, " \
	"mean_seconds:num?, latency_seconds:{p50:num?, p95:num?, p99:num?}}"
#define CACHE "{counted:bool, window~:str, hits~:int, misses~:int, hit_ratio~:num?, note:str}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/performance/stats", .handler = stats,
	  .flags = NEED_ADMIN | NO_API_KEY, .summary = "requests and latency per route",
	  .reply = "{binaries:int, bucket_bounds_seconds:[num], routes:[" ROUTE "], "
	           "totals:{" COUNTS "}, analysis_cache:" CACHE "}" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const double bounds[METRICS_BUCKETS] = METRICS_BUCKET_BOUNDS;

/* One series as copied out of a table. */
struct row {
	const char *binary;              /* pool copy, shared by a table's rows */
	char method[METRICS_METHOD_LEN];
	char route[METRICS_ROUTE_LEN];
	int status;
	uint64_t count, sum_us, bucket[METRICS_BUCKETS];
};

struct rows {
	struct pool *pool;
	const char *binary;              /* the table being read */
	struct row *v;
	size_t n, cap;
};

/* metrics_each callback: keep a copy of s. */
static int
collect(const struct metrics_series *s, void *ctx)
{
	struct rows *rs = ctx;
	struct row *w;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct row *v = pool_alloc(rs->pool, cap * sizeof(*v));

		if (rs->n > 0)
			memcpy(v, rs->v, rs->n * sizeof(*v));
		rs->v = v;
		rs->cap = cap;
	}
	if (rs->binary == NULL || strcmp(rs->binary, s->binary) != 0)
		rs->binary = pool_strdup(rs->pool, s->binary);
	w = &rs->v[rs->n++];
	w->binary = rs->binary;
	snprintf(w->method, sizeof(w->method), "%s", s->method);
	snprintf(w->route, sizeof(w->route), "%s", s->route);
	w->status = s->status;
	w->count = s->count;
	w->sum_us = s->sum_us;
	memcpy(w->bucket, s->bucket, sizeof(w->bucket));
	return 0;
}

/* Order by binary, route, method, status. */
static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->binary, y->binary);

	if (c == 0)
		c = strcmp(x->route, y->route);
	if (c == 0)
		c = strcmp(x->method, y->method);
	if (c == 0)
		c = (x->status > y->status) - (x->status < y->status);
	return c;
}

static int
same_route(const struct row *x, const struct row *y)
{
	return strcmp(x->binary, y->binary) == 0 && strcmp(x->route, y->route) == 0 &&
	    strcmp(x->method, y->method) == 0;
}

static json_object *
ratio(uint64_t part, uint64_t whole)
{
	return whole ? jsonv_number((double)part / (double)whole) : NULL;
}

/* The aggregate of rows v[0..n) (one binary, route and method) as JSON;
 * adds its requests and errors to the totals. */
static json_object *
route_json(const struct row *v, size_t n, uint64_t *total, uint64_t *client,
    uint64_t *server)
{
	uint64_t count = 0, sum_us = 0, c4 = 0, c5 = 0, one = 0;
	uint64_t bucket[METRICS_BUCKETS] = { 0 };
	json_object *o = json_object_new_object(), *statuses = json_object_new_object();
	json_object *lat = json_object_new_object();
	char key[16];

	for (size_t i = 0; i < n; i++) {
		count += v[i].count;
		sum_us += v[i].sum_us;
		for (int b = 0; b < METRICS_BUCKETS; b++)
			bucket[b] += v[i].bucket[b];
		c4 += v[i].status >= 400 && v[i].status <= 499 ? v[i].count : 0;
		c5 += v[i].status >= 500 && v[i].status <= 599 ? v[i].count : 0;
		/* a status may come twice (see metrics_each): add up */
		one += v[i].count;
		if (i + 1 < n && v[i + 1].status == v[i].status)
			continue;
		if (v[i].status < 0)
			snprintf(key, sizeof(key), "%s", METRICS_OTHER);
		else
			snprintf(key, sizeof(key), "%d", v[i].status);
		json_object_object_add(statuses, key, json_object_new_int64((int64_t)one));
		one = 0;
	}
	*total += count;
	*client += c4;
	*server += c5;
	json_object_object_add(o, "binary", json_object_new_string(v[0].binary));
	json_object_object_add(o, "method", json_object_new_string(v[0].method));
	json_object_object_add(o, "route", json_object_new_string(v[0].route));
	json_object_object_add(o, "requests", json_object_new_int64((int64_t)count));
	json_object_object_add(o, "statuses", statuses);
	json_object_object_add(o, "client_errors", json_object_new_int64((int64_t)c4));
	json_object_object_add(o, "server_errors", json_object_new_int64((int64_t)c5));
	json_object_object_add(o, "error_ratio", ratio(c5, count));
	json_object_object_add(o, "client_error_ratio", ratio(c4, count));
	json_object_object_add(o, "mean_seconds",
	                       jsonv_number((double)sum_us / 1e6 / (double)count));
	json_object_object_add(lat, "p50", jsonv_number(metrics_quantile(0.5, bounds, bucket,
	                       METRICS_BUCKETS, count)));
	json_object_object_add(lat, "p95", jsonv_number(metrics_quantile(0.95, bounds, bucket,
	                       METRICS_BUCKETS, count)));
	json_object_object_add(lat, "p99", jsonv_number(metrics_quantile(0.99, bounds, bucket,
	                       METRICS_BUCKETS, count)));
	json_object_object_add(o, "latency_seconds", lat);
	return o;
}

/* The analysis cache over the last 24 h: every synchronous analysis answer
 * is in search_history with its X-Cache value (HIT, MISS or STALE). History
 * a user has cleared is no longer counted. The request's object. */
static json_object *
analysis_cache(struct req *r)
{
	json_object *o = pool_json_object(r->pool);
	PGresult *res = db_query(r->pool,
		"SELECT count(*) FILTER (WHERE cache = 'HIT'), "
		"count(*) FILTER (WHERE cache IN ('MISS', 'STALE')) FROM search_history "
		"WHERE mode = 'sync' AND status = 200 AND created_at > now() - interval '24 hours'",
		DB_NOARGS);
	int64_t hits, misses;

	json_object_object_add(o, "counted", json_object_new_boolean(res != NULL));
	if (res == NULL) {
		json_object_object_add(o, "note", json_object_new_string("the database is unavailable"));
		return o;
	}
	hits = db_int(res, 0, 0);
	misses = db_int(res, 0, 1);
	json_object_object_add(o, "window", json_object_new_string("24h"));
	json_object_object_add(o, "hits", json_object_new_int64(hits));
	json_object_object_add(o, "misses", json_object_new_int64(misses));
	json_object_object_add(o, "hit_ratio", ratio((uint64_t)hits, (uint64_t)(hits + misses)));
	json_object_object_add(o, "note", json_object_new_string(
		"synchronous analyses of the last 24 h in search history (cleared history is not counted)"));
	return o;
}

/* GET /api/performance/stats */
static int
stats(struct req *r)
{
	struct rows rs = { .pool = r->pool };
	uint64_t total = 0, client = 0, server = 0;
	json_object *o, *list, *totals, *b;
	int tables;

	tables = metrics_each(metrics_dir(r->pool), collect, &rs);
	if (rs.n > 0)
		qsort(rs.v, rs.n, sizeof(*rs.v), row_cmp);
	list = json_object_new_array();
	for (size_t i = 0, j; i < rs.n; i = j) {
		for (j = i + 1; j < rs.n && same_route(&rs.v[i], &rs.v[j]); j++)
			;
		json_object_array_add(list, route_json(&rs.v[i], j - i, &total, &client,
		                                       &server));
	}
	totals = json_object_new_object();
	json_object_object_add(totals, "requests", json_object_new_int64((int64_t)total));
	json_object_object_add(totals, "client_errors", json_object_new_int64((int64_t)client));
	json_object_object_add(totals, "server_errors", json_object_new_int64((int64_t)server));
	json_object_object_add(totals, "error_ratio", ratio(server, total));
	json_object_object_add(totals, "client_error_ratio", ratio(client, total));
	b = json_object_new_array();
	for (int i = 0; i < METRICS_BUCKETS; i++)
		json_object_array_add(b, jsonv_number(bounds[i]));
	o = pool_json_object(r->pool);
	json_object_object_add(o, "binaries", json_object_new_int(tables < 0 ? 0 : tables));
	json_object_object_add(o, "bucket_bounds_seconds", b);
	json_object_object_add(o, "routes", list);
	json_object_object_add(o, "totals", totals);
	json_object_object_add(o, "analysis_cache", json_object_get(analysis_cache(r)));
	return reply_json(r, 200, o);
}
