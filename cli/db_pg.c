/* db_pg.c: the operator's PostgreSQL connections and their error lines. */
#include "db_cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pool.h"

/* The key of the session advisory lock every migrator takes ("edgescou"). */
#define MIGRATION_LOCK_KEY "7306078180927041397"

void
dbcmd_fail(const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "edgescout: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Copy a libpq message into out as one line: line breaks (and the tabs that
 * indent continuation lines) become "; ", trailing space goes. */
static void
one_line(const char *msg, char *out, size_t outlen)
{
	size_t k = 0;

	if (outlen == 0)
		return;
	for (const char *s = msg; *s != '\0' && k + 3 < outlen; s++) {
		if (*s == '\n') {
			while (s[1] == '\n' || s[1] == '\t' || s[1] == ' ')
				s++;
			if (s[1] != '\0') {
				out[k++] = ';';
				out[k++] = ' ';
			}
		} else {
			out[k++] = *s == '\t' ? ' ' : *s;
		}
	}
	while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == ';'))
		k--;
	out[k] = '\0';
}

/* Show server warnings; notices ("already exists, skipping") stay quiet. */
static void
notice_processor(void *arg, const char *message)
{
	char line[1024];

	(void)arg;
	if (strncmp(message, "WARNING:", 8) != 0)
		return;
	one_line(message + 8, line, sizeof(line));
	fprintf(stderr, "edgescout: server warning:%s\n", line);
}

PGconn *
dbcmd_connect(const char *key, const char *dbname, char *err, size_t errlen)
{
	const char *conninfo = config_get(key);
	/* Keys before dbname may be overridden by the conninfo; dbname after. */
	const char *keys[] = { "connect_timeout", "application_name", "dbname",
	                       dbname ? "dbname" : NULL, NULL };
	const char *vals[] = { "5", "edgescout", conninfo, dbname, NULL };
	PGconn *c;

	if (conninfo == NULL || *conninfo == '\0') {
		snprintf(err, errlen, "%s is not set", key);
		return NULL;
	}
	c = PQconnectdbParams(keys, vals, 1);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		char line[1024];

		one_line(PQerrorMessage(c), line, sizeof(line));
		snprintf(err, errlen, "%s: %s", key, line);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, notice_processor, NULL);
	return c;
}

void
dbcmd_result_error(const PGresult *res, const char *sql, char *out, size_t outlen)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	char line[24] = "";
	char msg[1024];

	if (primary == NULL) {
		one_line(PQresultErrorMessage(res), msg, sizeof(msg));
		if (msg[0] == '\0')
			snprintf(msg, sizeof(msg), "%s", PQresStatus(PQresultStatus(res)));
		primary = msg;
	}
	if (sql != NULL && pos != NULL)
		snprintf(line, sizeof(line), "line %d: ", mig_line_of(sql, atol(pos)));
	if (detail != NULL)
		snprintf(out, outlen, "%s%s (%s)", line, primary, detail);
	else
		snprintf(out, outlen, "%s%s", line, primary);
}

PGresult *
dbcmd_exec(PGconn *c, const char *what, const char *sql, int nparams,
           const char *const *params)
{
	PGresult *res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	char msg[1200];

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	if (res == NULL)
		one_line(PQerrorMessage(c), msg, sizeof(msg));
	else
		dbcmd_result_error(res, NULL, msg, sizeof(msg));
	dbcmd_fail(what, "%s", msg);
	PQclear(res);
	return NULL;
}

int
dbcmd_run(PGconn *c, const char *what, const char *sql, int nparams,
          const char *const *params)
{
	PGresult *res = dbcmd_exec(c, what, sql, nparams, params);
	int rc = res != NULL ? 0 : -1;

	PQclear(res);
	return rc;
}

int
dbcmd_lock(PGconn *c, const char *what)
{
	const char *key[] = { MIGRATION_LOCK_KEY };
	PGresult *res;
	int got;

	res = dbcmd_exec(c, what, "SELECT pg_try_advisory_lock($1::bigint)", 1, key);
	if (res == NULL)
		return -1;
	got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (got)
		return 0;
	dbcmd_fail(what, "waiting for another migration to finish");
	return dbcmd_run(c, what, "SELECT pg_advisory_lock($1::bigint)", 1, key);
}

static int
applied_cmp(const void *a, const void *b)
{
	return mig_version_cmp(((const struct applied *)a)->version,
	                       ((const struct applied *)b)->version);
}

int
dbcmd_applied(struct pool *p, PGconn *c, const char *what, struct applied **rows,
              size_t *n)
{
	PGresult *res;
	struct applied *a;
	int exists, i, count;

	*rows = NULL;
	*n = 0;
	res = dbcmd_exec(c, what, "SELECT to_regclass('schema_migrations') IS NOT NULL",
	                 0, NULL);
	if (res == NULL)
		return -1;
	exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!exists)
		return 0;
	res = dbcmd_exec(c, what,
	    "SELECT version, name, checksum, "
	    "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"') "
	    "FROM schema_migrations", 0, NULL);
	if (res == NULL)
		return -1;
	count = PQntuples(res);
	a = pool_alloc(p, ((size_t)count + 1) * sizeof(*a));
	for (i = 0; i < count; i++) {
		a[i].version = pool_strdup(p, PQgetvalue(res, i, 0));
		a[i].name = pool_strdup(p, PQgetvalue(res, i, 1));
		a[i].checksum = pool_strdup(p, PQgetvalue(res, i, 2));
		a[i].applied_at = pool_strdup(p, PQgetvalue(res, i, 3));
	}
	PQclear(res);
	if (count > 1)
		qsort(a, (size_t)count, sizeof(*a), applied_cmp);
	*rows = a;
	*n = (size_t)count;
	return 0;
}

const char *
dbcmd_conninfo_get(struct pool *p, const char *conninfo, const char *keyword, int *bad)
{
	PQconninfoOption *opts;
	const char *v = NULL;
	char *errmsg = NULL;

	if (conninfo == NULL)
		return NULL;
	opts = PQconninfoParse(conninfo, &errmsg);
	if (opts == NULL) {
		PQfreemem(errmsg);
		*bad = 1;
		return NULL;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, keyword) == 0 && o->val != NULL && *o->val != '\0')
			v = pool_strdup(p, o->val);
	PQconninfoFree(opts);
	return v;
}
