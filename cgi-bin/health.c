/* health.c: liveness, readiness and version. */
#include "app.h"

#include <curl/curlver.h>
#include <sodium.h>
#include <string.h>
#include <sys/statvfs.h>

#include "build_info.h"
#include "job.h"

static int health(struct req *r);
static int health_detailed(struct req *r);
static int version(struct req *r);

#define LIVE "{status:str(healthy), service:str, version:str}"
#define CHECK "{status:str(ok|failing|unknown), *:any}"
#define READY "{status:str(healthy|degraded), checks~:{database:" CHECK ", " \
	"migrations:" CHECK ", disk:" CHECK ", jobs:" CHECK "}, " \
	"failing~:[str(database|migrations|disk|jobs)]}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/health", .handler = health, .flags = RL_NONE,
	  .reply = LIVE, .summary = "liveness, no database" },
	{ .method = "GET", .path = "/healthz", .handler = health, .flags = RL_NONE,
	  .reply = LIVE, .summary = "liveness, no database" },
	{ .method = "GET", .path = "/health/detailed", .handler = health_detailed,
	  .reply = READY, .status_also = 503,
	  .summary = "readiness: database, schema, disk and jobs (503 when degraded); "
	             "the checks only to METRICS_ALLOW networks" },
	{ .method = "GET", .path = "/api/version", .handler = version,
	  .reply = "{version:str, commit:str, build_time~:str, schema_version~:str, "
	           "libraries~:{*:str}, postgresql~:str?}",
	  .summary = "version and commit; to an admin also build time, library and "
	             "server versions" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* Liveness: the worker answers; no database. */
static int
health(struct req *r)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "status", json_object_new_string("healthy"));
	json_object_object_add(o, "service", json_object_new_string("edgescout"));
	json_object_object_add(o, "version", json_object_new_string(build_version));
	return reply_json(r, 200, o);
}

static json_object *
check_database(struct req *r, int *ok)
{
	json_object *c = json_object_new_object();
	double t0 = clock_now();
	PGresult *res = db_query(r->pool, "SELECT 1", DB_NOARGS);

	*ok = res != NULL;
	json_object_object_add(c, "status", json_object_new_string(*ok ? "ok" : "failing"));
	if (*ok)
		json_object_object_add(c, "round_trip_ms",
		                       json_object_new_double((clock_now() - t0) * 1000.0));
	return c;
}

static json_object *
check_migrations(struct req *r, int db_ok, int *ok)
{
	json_object *c = json_object_new_object();
	PGresult *res = db_ok ? db_query(r->pool,
		"SELECT version FROM schema_migrations ORDER BY length(version) DESC, "
		"version DESC LIMIT 1", DB_NOARGS) : NULL;
	const char *applied = res && PQntuples(res) ? db_text(res, 0, 0) : NULL;

	*ok = applied != NULL && strcmp(applied, build_schema_version) == 0;
	json_object_object_add(c, "status", json_object_new_string(*ok ? "ok" : "failing"));
	json_object_object_add(c, "expected", json_object_new_string(build_schema_version));
	json_object_object_add(c, "applied", applied ? json_object_new_string(applied) : NULL);
	return c;
}

static json_object *
check_disk(int *ok)
{
	json_object *c = json_object_new_object();
	struct statvfs st;
	long long min_mb = config_int("DISK_FREE_MIN_MB", 100);
	unsigned long long free_bytes = 0;

	*ok = statvfs(config_get("DATA_DIR"), &st) == 0;
	if (*ok) {
		free_bytes = (unsigned long long)st.f_bavail * st.f_frsize;
		*ok = free_bytes >= (unsigned long long)min_mb * 1024 * 1024;
		json_object_object_add(c, "free_bytes", json_object_new_int64((int64_t)free_bytes));
	}
	json_object_object_add(c, "status", json_object_new_string(*ok ? "ok" : "failing"));
	json_object_object_add(c, "min_free_bytes", json_object_new_int64(min_mb * 1024 * 1024));
	return c;
}

/* The scheduled jobs: failing when a job a scheduler declared is stale (no
 * success within twice its interval, counted from its installation until the
 * first success). A fresh stack is fine: its jobs are pending, not stale.
 * Not judged (and not failing) without the database or the schema. */
static json_object *
check_jobs(struct req *r, int db_ok, int mig_ok, int *ok)
{
	json_object *c = json_object_new_object(), *stale = json_object_new_array();
	struct job_status *jobs = NULL;
	int n = db_ok && mig_ok ? job_status_list(r->pool, &jobs) : -1, installed = 0;

	for (int i = 0; i < n; i++) {
		installed += jobs[i].installed;
		if (jobs[i].stale)
			json_object_array_add(stale, json_object_new_string(jobs[i].name));
	}
	*ok = json_object_array_length(stale) == 0;
	json_object_object_add(c, "status", json_object_new_string(
		n < 0 ? "unknown" : *ok ? "ok" : "failing"));
	if (n >= 0)
		json_object_object_add(c, "scheduled", json_object_new_int(installed));
	json_object_object_add(c, "stale", stale);
	return c;
}

/* Readiness: database round trip, schema current, disk free, no stale job;
 * 503 naming the failing components when degraded. The checks and their
 * figures only to METRICS_ALLOW networks; others get the status alone. */
static int
health_detailed(struct req *r)
{
	json_object *o = pool_json_object(r->pool);
	json_object *checks = json_object_new_object();
	json_object *failing = json_object_new_array();
	int db_ok, mig_ok, disk_ok, jobs_ok, status;

	json_object_object_add(checks, "database", check_database(r, &db_ok));
	json_object_object_add(checks, "migrations", check_migrations(r, db_ok, &mig_ok));
	json_object_object_add(checks, "disk", check_disk(&disk_ok));
	json_object_object_add(checks, "jobs", check_jobs(r, db_ok, mig_ok, &jobs_ok));
	if (!db_ok)
		json_object_array_add(failing, json_object_new_string("database"));
	if (!mig_ok)
		json_object_array_add(failing, json_object_new_string("migrations"));
	if (!disk_ok)
		json_object_array_add(failing, json_object_new_string("disk"));
	if (!jobs_ok)
		json_object_array_add(failing, json_object_new_string("jobs"));
	json_object_object_add(o, "status", json_object_new_string(
		json_object_array_length(failing) ? "degraded" : "healthy"));
	status = json_object_array_length(failing) ? 503 : 200;
	if (!net_addr_allowed(req_param(r, "REMOTE_ADDR"), config_get("METRICS_ALLOW"))) {
		json_object_put(checks);
		json_object_put(failing);
		return reply_json(r, status, o);
	}
	json_object_object_add(o, "checks", checks);
	json_object_object_add(o, "failing", failing);
	return reply_json(r, status, o);
}

/* The edgescout version and commit; to a signed-in admin also the build
 * time, schema, library versions and the server's (when reachable). Bad
 * credentials are refused as anywhere else. */
static int
version(struct req *r)
{
	json_object *o = pool_json_object(r->pool);
	json_object *libs;
	PGconn *c;
	int libpq = PQlibVersion();

	json_object_object_add(o, "version", json_object_new_string(build_version));
	json_object_object_add(o, "commit", json_object_new_string(build_commit));
	if ((req_header(r, "Authorization") || req_header(r, "X-API-Key") ||
	     req_cookie(r, AUTH_SESSION_COOKIE)) && auth_request_or_reply(r) != 0)
		return r->status;
	if (r->user == NULL || strcmp(r->user->role, "admin") != 0)
		return reply_json(r, 200, o);
	libs = json_object_new_object();
	c = db_conn();
	json_object_object_add(o, "build_time", json_object_new_string(build_time));
	json_object_object_add(o, "schema_version", json_object_new_string(build_schema_version));
	json_object_object_add(libs, "libpq", json_object_new_string(
		pool_printf(r->pool, "%d.%d", libpq / 10000, libpq % 10000)));
	json_object_object_add(libs, "json-c", json_object_new_string(json_c_version()));
	/* the version built against: asking libcurl at run time would map its
	 * pages into every health worker for one string */
	json_object_object_add(libs, "libcurl", json_object_new_string(LIBCURL_VERSION));
	json_object_object_add(libs, "libsodium", json_object_new_string(sodium_version_string()));
	json_object_object_add(libs, "libfcgi", json_object_new_string(build_libfcgi_version));
	json_object_object_add(o, "libraries", libs);
	json_object_object_add(o, "postgresql", c ? json_object_new_string(
		PQparameterStatus(c, "server_version")) : NULL);
	return reply_json(r, 200, o);
}
