/* health.c: `edgescout health`: database, schema version, every binary. */
#include "cli.h"
#include "clock.h"
#include "db_cmd.h"
#include "fcgi_client.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "build_info.h"
#include "config.h"
#include "pool.h"

#define PING_TIMEOUT_MS 2000

/* Print one check's line; returns 1 for a failure (to count them). */
static int
line(int ok, const char *check, const char *detail)
{
	printf("%-4s  %-20s  %s\n", ok ? "ok" : "FAIL", check, detail);
	fflush(stdout);
	return !ok;
}

/* DATABASE_URL answers SELECT 1; *out keeps the connection for the next check. */
static int
check_database(struct pool *p, PGconn **out)
{
	PGconn *c;
	PGresult *res;
	char err[1024];
	double t0 = clock_now() * 1e3, t1, t2;
	int bad;

	c = dbcmd_connect("DATABASE_URL", NULL, err, sizeof(err));
	if (c == NULL)
		return line(0, "database", err);
	t1 = clock_now() * 1e3;
	res = PQexec(c, "SELECT 1");
	t2 = clock_now() * 1e3;
	bad = PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	      strcmp(PQgetvalue(res, 0, 0), "1") != 0;
	if (bad)
		dbcmd_result_error(res, NULL, err, sizeof(err));
	PQclear(res);
	if (bad) {
		PQfinish(c);
		return line(0, "database", err);
	}
	*out = c;
	return line(1, "database", pool_printf(p, "connects as %s and answers SELECT 1 "
	            "(%.1f ms, connect %.1f ms)", PQuser(c), t2 - t1, t1 - t0));
}

/* The newest applied version, the newest file and the build agree. */
static int
check_migrations(struct pool *p, PGconn *c)
{
	const char *dir = config_get("MIGRATIONS_DIR");
	const char *db_v = NULL, *file_v = NULL;
	struct migration *files;
	size_t nfiles;
	char err[1024];
	PGresult *res;
	int ok;

	if (c == NULL)
		return line(0, "migrations", "database unreachable");
	res = PQexec(c, "SELECT version FROM schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		int no_table = state != NULL && strcmp(state, "42P01") == 0;

		dbcmd_result_error(res, NULL, err, sizeof(err));
		PQclear(res);
		return line(0, "migrations", no_table ?
		            "no migration applied (run edgescout db migrate)" : err);
	}
	for (int i = 0; i < PQntuples(res); i++)
		if (db_v == NULL || mig_version_cmp(PQgetvalue(res, i, 0), db_v) > 0)
			db_v = pool_strdup(p, PQgetvalue(res, i, 0));
	PQclear(res);
	if (mig_scan(p, dir, &files, &nfiles, err, sizeof(err)) < 0)
		return line(0, "migrations", err);
	if (nfiles > 0)
		file_v = files[nfiles - 1].version;
	if (db_v == NULL)
		db_v = "none";
	if (file_v == NULL)
		file_v = "none";
	ok = mig_version_cmp(db_v, file_v) == 0 &&
	     (build_schema_version[0] == '\0' || mig_version_cmp(db_v, build_schema_version) == 0);
	return line(ok, "migrations", pool_printf(p, "%sdatabase at %s, %s at %s, build at %s%s",
	            ok ? "schema current: " : "", db_v, dir, file_v,
	            build_schema_version[0] ? build_schema_version : "none",
	            ok ? "" : " (run edgescout db status)"));
}

/* Ask one binary for GET /__ping over FastCGI; any Status means it answers. */
static int
ping_binary(struct pool *p, const char *name, const char *path, const char *request_id)
{
	const struct fcgi_param params[] = {
		{ "GATEWAY_INTERFACE", "CGI/1.1" },
		{ "SERVER_PROTOCOL", "HTTP/1.1" },
		{ "REQUEST_METHOD", "GET" },
		{ "REQUEST_URI", "/__ping" },
		{ "DOCUMENT_URI", "/__ping" },
		{ "SCRIPT_NAME", "/__ping" },
		{ "QUERY_STRING", "" },
		{ "SERVER_NAME", "localhost" },
		{ "REMOTE_ADDR", "127.0.0.1" },
		{ "HTTP_X_REQUEST_ID", request_id },
	};
	struct fcgi_response resp;
	const char *check = pool_printf(p, "binary %s", name);
	char err[256];
	double t0 = clock_now() * 1e3;
	int status;

	if (fcgi_request(p, path, params, sizeof(params) / sizeof(params[0]), NULL, 0,
	    PING_TIMEOUT_MS, &resp, err, sizeof(err)) < 0)
		return line(0, check, pool_printf(p, "%s: %s", path, err));
	status = fcgi_response_status(resp.out, resp.out_len);
	if (status == 0)
		return line(0, check, pool_printf(p, "%s: no Status header in the reply", path));
	/* /__ping is no route: a worker that routes it answers 404 */
	if (status != 404)
		return line(0, check, pool_printf(p, "a worker answered GET /__ping with %d, "
		            "not the 404 of a working router (see its log)", status));
	return line(1, check, pool_printf(p, "a worker answers on %s (%.1f ms)", path,
	            clock_now() * 1e3 - t0));
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every RUN_DIR/<name>.sock answers. */
static int
check_binaries(struct pool *p)
{
	const char *dir = config_get("RUN_DIR");
	unsigned char raw[16];
	char request_id[33];
	const char **names;
	size_t n = 0, cap = 64;
	struct dirent *e;
	int failures = 0;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return line(0, "binaries", pool_printf(p, "%s: %s", dir, strerror(errno)));
	names = pool_alloc(p, cap * sizeof(*names));
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		struct stat st;

		if (len <= 5 || strcmp(e->d_name + len - 5, ".sock") != 0 ||
		    stat(pool_printf(p, "%s/%s", dir, e->d_name), &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (n == cap) {
			const char **bigger = pool_alloc(p, 2 * cap * sizeof(*bigger));

			memcpy(bigger, names, cap * sizeof(*bigger));
			names = bigger;
			cap *= 2;
		}
		names[n++] = pool_strndup(p, e->d_name, len - 5);
	}
	closedir(d);
	if (n == 0)
		return line(0, "binaries", pool_printf(p, "no sockets in %s", dir));
	qsort(names, n, sizeof(*names), name_cmp);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(request_id, sizeof(request_id), raw, sizeof(raw));
	for (size_t i = 0; i < n; i++)
		failures += ping_binary(p, names[i], pool_printf(p, "%s/%s.sock", dir, names[i]),
		                        request_id);
	return failures;
}

/* `edgescout health`: argv[0] is "health". */
int
cmd_health(int argc, char **argv)
{
	struct pool *p;
	PGconn *c = NULL;
	int failures = 0;

	if (argc > 1) {
		int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;

		if (!help)
			fprintf(stderr, "edgescout: health: unknown argument '%s'\n", argv[1]);
		fputs("usage: edgescout health\n"
		      "Check that the database answers as the app role (DATABASE_URL), that\n"
		      "the schema matches MIGRATIONS_DIR and this build, and that every\n"
		      "binary with a socket in RUN_DIR answers a FastCGI request (2 s limit:\n"
		      "GET /__ping, which a working worker routes to its 404).\n"
		      "One line per check, then healthy or unhealthy; exit 0 only when all\n"
		      "are ok.\n",
		      help ? stdout : stderr);
		return help ? 0 : 2;
	}
	p = pool_new();
	failures += check_database(p, &c);
	failures += check_migrations(p, c);
	failures += check_binaries(p);
	if (failures == 0)
		puts("healthy: the database answers, its schema is this build's, and every "
		     "binary's workers answer requests");
	else
		printf("unhealthy: %d check%s failed (FAIL lines above)\n", failures,
		       failures == 1 ? "" : "s");
	PQfinish(c);
	pool_free(p);
	return failures ? 1 : 0;
}
