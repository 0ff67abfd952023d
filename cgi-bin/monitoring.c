/* monitoring.c: the database, the workers and the settings at a glance, for
 * admins only. */
#include "app.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "reply_rows.h"

#define SQL_DATABASE \
	"SELECT pg_database_size(current_database()), " \
	"current_setting('max_connections')::int, current_setting('server_version'), " \
	"to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define SQL_CONNECTIONS \
	"SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity " \
	"WHERE datname = current_database() GROUP BY 1 ORDER BY 1"
/* The planner's estimate, or the statistics system's count for a table that
 * has never been analysed (reltuples -1). */
#define SQL_TABLES \
	"SELECT c.relname, CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint " \
	"ELSE s.n_live_tup END, pg_total_relation_size(c.oid) " \
	"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " \
	"LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid " \
	"WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"

#define RSS_FAMILY "edgescout_worker_resident_memory_bytes{"
#define SHOWN_MAX 1024

static int stats(struct req *r);
static int config(struct req *r);

#define STATS "{database:{size_bytes:int, connections:{*:int}, connections_total:int, " \
	"max_connections:int, server_version:str, started_at:str}, " \
	"tables:[{name:str, row_estimate:int?, size_bytes:int}], " \
	"workers:[{binary:str, pid:int, rss_bytes:int}], workers_rss_bytes:int}"
#define SETTINGS "{app_env:str(development|test|production), " \
	"settings:[{key:str, value:str?, default:str?, help:str}]}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/monitoring/stats", .handler = stats,
	  .flags = NEED_ADMIN | NO_API_KEY, .reply = STATS,
	  .summary = "database size and connections, tables, workers' memory" },
	{ .method = "GET", .path = "/api/monitoring/config", .handler = config,
	  .flags = NEED_ADMIN | NO_API_KEY, .reply = SETTINGS,
	  .summary = "every setting but the secrets" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* The database: size, connections by state, settings (the request's
 * object); NULL after replying. */
static json_object *
database_or_reply(struct req *r)
{
	PGresult *db = db_query_or_reply(r, SQL_DATABASE, DB_NOARGS);
	PGresult *conns = db ? db_query_or_reply(r, SQL_CONNECTIONS, DB_NOARGS) : NULL;
	json_object *o, *by_state;
	int64_t total = 0;

	if (conns == NULL)
		return NULL;
	o = pool_json_object(r->pool);
	by_state = json_object_new_object();
	for (int i = 0; i < PQntuples(conns); i++) {
		json_object_object_add(by_state, db_text(conns, i, 0),
		                       json_object_new_int64(db_int(conns, i, 1)));
		total += db_int(conns, i, 1);
	}
	json_object_object_add(o, "size_bytes", json_object_new_int64(db_int(db, 0, 0)));
	json_object_object_add(o, "connections", by_state);
	json_object_object_add(o, "connections_total", json_object_new_int64(total));
	json_object_object_add(o, "max_connections", json_object_new_int64(db_int(db, 0, 1)));
	json_object_object_add(o, "server_version", json_object_new_string(db_text(db, 0, 2)));
	json_object_object_add(o, "started_at", json_object_new_string(db_text(db, 0, 3)));
	return o;
}

static const struct reply_col TABLE_COLS[] = {
	{ "name",         0, RCOL_TEXT, 0 },
	{ "row_estimate", 1, RCOL_INT,  RCOL_NULLABLE },
	{ "size_bytes",   2, RCOL_INT,  0 },
	{ NULL }
};

/* The tables with their row estimates and sizes (the request's array);
 * NULL after replying. */
static json_object *
tables_or_reply(struct req *r)
{
	PGresult *res = db_query_or_reply(r, SQL_TABLES, DB_NOARGS);

	if (res == NULL)
		return NULL;
	return pool_json(r->pool, reply_rows_json(res, -1, TABLE_COLS));
}

/* One worker line of the rendered metrics:
 * edgescout_worker_resident_memory_bytes{binary="admin",pid="123"} 456 */
static json_object *
worker_from_line(const char *line, uint64_t *rss)
{
	const char *b = strstr(line, "binary=\""), *p = strstr(line, "pid=\""), *v;
	json_object *w;
	size_t blen;

	if (b == NULL || p == NULL || (v = strstr(line, "} ")) == NULL)
		return NULL;
	b += strlen("binary=\"");
	blen = strcspn(b, "\"\\");
	if (b[blen] != '"')
		return NULL;
	*rss = strtoull(v + 2, NULL, 10);
	w = json_object_new_object();
	json_object_object_add(w, "binary", json_object_new_string_len(b, (int)blen));
	json_object_object_add(w, "pid", json_object_new_int64(strtoll(p + 5, NULL, 10)));
	json_object_object_add(w, "rss_bytes", json_object_new_int64((int64_t)*rss));
	return w;
}

/* The live workers of every binary and their resident memory, read from
 * the shared metrics tables (the request's array). */
static json_object *
workers(struct req *r, uint64_t *total)
{
	json_object *a = pool_json_array(r->pool);
	struct buf out;
	const char *s, *next;

	*total = 0;
	buf_init(&out, r->pool);
	if (metrics_render(&out, metrics_dir(r->pool)) < 0)
		return a;
	for (s = buf_cstr(&out); *s != '\0'; s = next) {
		size_t len = strcspn(s, "\n");
		json_object *w;
		uint64_t rss;

		next = s + len + (s[len] == '\n');
		if (strncmp(s, RSS_FAMILY, strlen(RSS_FAMILY)) != 0)
			continue;
		w = worker_from_line(pool_strndup(r->pool, s, len), &rss);
		if (w != NULL) {
			json_object_array_add(a, w);
			*total += rss;
		}
	}
	return a;
}

/* GET /api/monitoring/stats */
static int
stats(struct req *r)
{
	json_object *o, *db, *tables, *w;
	uint64_t total;

	if ((db = database_or_reply(r)) == NULL || (tables = tables_or_reply(r)) == NULL)
		return r->status;
	w = workers(r, &total);
	o = pool_json_object(r->pool);
	json_object_object_add(o, "database", json_object_get(db));
	json_object_object_add(o, "tables", json_object_get(tables));
	json_object_object_add(o, "workers", json_object_get(w));
	json_object_object_add(o, "workers_rss_bytes", json_object_new_int64((int64_t)total));
	return reply_json(r, 200, o);
}

/* The value of a connection string as shown: config_shown's masking, and
 * the password checked to be gone (else only "(set)"). */
static json_object *
dsn_shown(const struct config_item *it, const char *shown)
{
	const char *v = config_get(it->key);
	PQconninfoOption *opts = v ? PQconninfoParse(v, NULL) : NULL;
	int leak = v != NULL && opts == NULL;

	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && *o->val != '\0')
			leak = strstr(shown, o->val) != NULL || strstr(shown, "****") == NULL;
	PQconninfoFree(opts);
	return json_object_new_string(leak ? "(set)" : shown);
}

/* GET /api/monitoring/config: every setting but the secrets, connection
 * strings without their passwords. */
static int
config(struct req *r)
{
	json_object *o, *a;
	char shown[SHOWN_MAX];

	a = json_object_new_array();
	for (const struct config_item *it = config_items(); it->key != NULL; it++) {
		json_object *s;
		const char *v = config_get(it->key);

		if (it->flags & CONFIG_SECRET)
			continue;
		config_shown(it, shown, sizeof(shown));
		s = json_object_new_object();
		json_object_object_add(s, "key", json_object_new_string(it->key));
		json_object_object_add(s, "value", v == NULL ? NULL : (it->flags & CONFIG_DSN)
			? dsn_shown(it, shown) : json_object_new_string(shown));
		json_object_object_add(s, "default", it->def ? json_object_new_string(it->def) : NULL);
		json_object_object_add(s, "help", json_object_new_string(it->help));
		json_object_array_add(a, s);
	}
	o = pool_json_object(r->pool);
	json_object_object_add(o, "app_env", json_object_new_string(config_env_name(config_env())));
	json_object_object_add(o, "settings", a);
	return reply_json(r, 200, o);
}
