/* backup_target.c: the databases a restore writes into, on the server of
 * DATABASE_ADMIN_URL. Database and role names reach SQL text only after
 * valid_name() (^[a-z_][a-z0-9_]{0,62}$), quoted. */
#include "backup.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pool.h"

#define SQL_USER_TABLES \
	"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " \
	"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') " \
	"AND n.nspname NOT IN ('pg_catalog', 'information_schema') " \
	"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
#define SQL_DB_EXISTS "SELECT count(*) FROM pg_database WHERE datname = $1"
#define SQL_END_SESSIONS \
	"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity " \
	"WHERE datname = $1 AND pid <> pg_backend_pid()"

static int
valid_name(const char *s)
{
	size_t n = 0;

	if (s == NULL || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n <= 63;
}

/* The first line of c's error into err, after what. */
static void
conn_error(PGconn *c, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %.*s", what, (int)strcspn(PQerrorMessage(c), "\n"),
	         PQerrorMessage(c));
}

/* Connect to database dbname (NULL: the conninfo's own) as the admin. */
static PGconn *
admin_connect(const char *dbname, char *err, size_t errlen)
{
	const char *conninfo = config_get("DATABASE_ADMIN_URL");
	const char *keys[] = { "connect_timeout", "application_name", "dbname",
	                       dbname ? "dbname" : NULL, NULL };
	const char *vals[] = { "5", "edgescout-backup", conninfo, dbname, NULL };
	PGconn *c;

	if (conninfo == NULL || *conninfo == '\0') {
		snprintf(err, errlen, "DATABASE_ADMIN_URL is not set");
		return NULL;
	}
	c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c) != CONNECTION_OK) {
		conn_error(c, dbname ? dbname : "connecting to the server", err, errlen);
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* The count the one-value query sql (with arg as $1, when not NULL)
 * returns, or -1. */
static long
query_count(PGconn *c, const char *sql, const char *arg, char *err, size_t errlen)
{
	PGresult *res = PQexecParams(c, sql, arg ? 1 : 0, NULL, &arg, NULL, NULL, 0);
	long v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	else
		conn_error(c, "query", err, errlen);
	PQclear(res);
	return v;
}

/* Run one statement; 0, or -1 with what into err. */
static int
run(PGconn *c, const char *sql, const char *what, char *err, size_t errlen)
{
	PGresult *res = PQexec(c, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	if (!ok)
		conn_error(c, what, err, errlen);
	return ok ? 0 : -1;
}

/* The user named in the connection string of config key, or NULL. */
static const char *
role_of(struct pool *p, const char *key)
{
	const char *conninfo = config_get(key), *user = NULL;
	PQconninfoOption *opts = conninfo ? PQconninfoParse(conninfo, NULL) : NULL;

	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "user") == 0 && o->val != NULL && valid_name(o->val))
			user = pool_strdup(p, o->val);
	PQconninfoFree(opts);
	return user;
}

/* CREATE DATABASE dbname owned by the owner role, CONNECT for the app role. */
static int
create_target(struct pool *p, PGconn *c, const char *dbname, char *err, size_t errlen)
{
	const char *owner = role_of(p, "DATABASE_OWNER_URL"), *app = role_of(p, "DATABASE_URL");

	if (run(c, pool_printf(p, "CREATE DATABASE \"%s\"%s%s%s", dbname, owner ? " OWNER \"" : "",
	                       owner ? owner : "", owner ? "\"" : ""), "creating the database",
	        err, errlen) < 0 ||
	    run(c, pool_printf(p, "REVOKE ALL ON DATABASE \"%s\" FROM PUBLIC", dbname),
	        "database privileges", err, errlen) < 0)
		return -1;
	if (app != NULL &&
	    run(c, pool_printf(p, "GRANT CONNECT ON DATABASE \"%s\" TO \"%s\"", dbname, app),
	        "database privileges", err, errlen) < 0)
		return -1;
	return 0;
}

int
backup_target_prepare(struct pool *p, const char *dbname, int *nonempty, char *err,
                      size_t errlen)
{
	PGconn *c;
	long exists, tables;

	*nonempty = 0;
	if (!valid_name(dbname)) {
		snprintf(err, errlen, "'%s' is not a database name", dbname);
		return -1;
	}
	if ((c = admin_connect(NULL, err, errlen)) == NULL)
		return -1;
	exists = query_count(c, SQL_DB_EXISTS, dbname, err, errlen);
	if (exists == 0) {
		int rc = create_target(p, c, dbname, err, errlen);

		PQfinish(c);
		return rc;
	}
	PQfinish(c);
	if (exists < 0 || (c = admin_connect(dbname, err, errlen)) == NULL)
		return -1;
	tables = query_count(c, SQL_USER_TABLES, NULL, err, errlen);
	PQfinish(c);
	*nonempty = tables > 0;
	return tables < 0 ? -1 : 0;
}

int
backup_target_swap(struct pool *p, const char *fresh, const char *dbname, char *err,
                   size_t errlen)
{
	const char *old = pool_printf(p, "es_replaced_%s", fresh + strlen("es_restore_"));
	PGconn *c = admin_connect(NULL, err, errlen);
	int rc = -1;

	if (c == NULL)
		return -1;
	if (!valid_name(fresh) || !valid_name(dbname) || !valid_name(old)) {
		snprintf(err, errlen, "not a database name");
		goto out;
	}
	if (run(c, pool_printf(p, "ALTER DATABASE \"%s\" WITH ALLOW_CONNECTIONS false", dbname),
	        "closing the database", err, errlen) < 0)
		goto out;
	if (query_count(c, SQL_END_SESSIONS, dbname, err, errlen) < 0 ||
	    run(c, pool_printf(p, "ALTER DATABASE \"%s\" RENAME TO \"%s\"", dbname, old),
	        "renaming the database away", err, errlen) < 0) {
		char ignored[BACKUP_ERR_MAX];

		run(c, pool_printf(p, "ALTER DATABASE \"%s\" WITH ALLOW_CONNECTIONS true", dbname),
		    "reopening", ignored, sizeof(ignored));
		goto out;
	}
	if (run(c, pool_printf(p, "ALTER DATABASE \"%s\" RENAME TO \"%s\"", fresh, dbname),
	        "renaming the restored database", err, errlen) < 0) {
		char ignored[BACKUP_ERR_MAX];

		run(c, pool_printf(p, "ALTER DATABASE \"%s\" RENAME TO \"%s\"", old, dbname),
		    "renaming back", ignored, sizeof(ignored));
		run(c, pool_printf(p, "ALTER DATABASE \"%s\" WITH ALLOW_CONNECTIONS true", dbname),
		    "reopening", ignored, sizeof(ignored));
		goto out;
	}
	rc = run(c, pool_printf(p, "DROP DATABASE \"%s\"", old), "dropping the replaced database",
	         err, errlen);
out:
	PQfinish(c);
	return rc;
}
