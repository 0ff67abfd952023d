/* backup_db.c: what a backup says about the database: every table's row
 * count and content checksum, and the comparison of a restored database with
 * them. Tables come from the catalogue (every ordinary table outside the
 * system schemas), so a table a migration adds is counted with no edit here;
 * their names reach SQL text only as the server quoted them (format %I). */
#include "backup.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "pool.h"

#define SQL_TABLES \
	"SELECT name FROM (SELECT format('%I.%I', n.nspname, c.relname) AS name " \
	"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " \
	"WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') " \
	"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%') t " \
	"ORDER BY name COLLATE \"C\""

/* Row text must not depend on the session: fixed output settings. */
#define SQL_SETTINGS \
	"SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; " \
	"SET extra_float_digits = 3; SET bytea_output = 'hex'; SET statement_timeout = 0"

/* The count and checksum of one table; %s is its quoted name. */
#define SQL_TABLE_SUM \
	"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h COLLATE \"C\"), '')) " \
	"FROM (SELECT md5(t::text) AS h FROM %s t) s"

/* One line from a failed result. */
static void
result_error(PGconn *c, const char *what, char *err, size_t errlen)
{
	const char *msg = PQerrorMessage(c);
	size_t n = strcspn(msg, "\n");

	snprintf(err, errlen, "%s: %.*s", what, (int)n, msg);
}

int
backup_table_stats(struct pool *p, PGconn *c, struct backup_meta *m, char *err,
                   size_t errlen)
{
	PGresult *res = PQexec(c, SQL_SETTINGS);
	int n;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		result_error(c, "session settings", err, errlen);
		return -1;
	}
	PQclear(res);
	res = PQexec(c, SQL_TABLES);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		result_error(c, "listing tables", err, errlen);
		return -1;
	}
	n = PQntuples(res);
	m->tables = pool_alloc(p, ((size_t)n + 1) * sizeof(*m->tables));
	m->ntables = (size_t)n;
	for (int i = 0; i < n; i++)
		m->tables[i].name = pool_strdup(p, PQgetvalue(res, i, 0));
	PQclear(res);
	for (size_t i = 0; i < m->ntables; i++) {
		res = PQexec(c, pool_printf(p, SQL_TABLE_SUM, m->tables[i].name));
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			PQclear(res);
			result_error(c, pool_printf(p, "reading %s", m->tables[i].name), err, errlen);
			return -1;
		}
		m->tables[i].rows = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		m->tables[i].checksum = pool_strdup(p, PQgetvalue(res, 0, 1));
		PQclear(res);
	}
	return 0;
}

/* The first difference between what a backup saw (want) and a database
 * (got), into err; 0 when there is none. */
static int
differs(const struct backup_meta *want, const struct backup_meta *got, char *err,
        size_t errlen)
{
	size_t i;

	for (i = 0; i < want->ntables && i < got->ntables; i++) {
		const struct backup_table *w = &want->tables[i], *g = &got->tables[i];

		if (strcmp(w->name, g->name) != 0) {
			snprintf(err, errlen, "table %s is missing (or %s is extra)",
			         strcmp(w->name, g->name) < 0 ? w->name : g->name,
			         strcmp(w->name, g->name) < 0 ? g->name : w->name);
			return -1;
		}
		if (w->rows != g->rows) {
			snprintf(err, errlen, "table %s: %lld rows, the backup had %lld", w->name,
			         (long long)g->rows, (long long)w->rows);
			return -1;
		}
		if (strcmp(w->checksum, g->checksum) != 0) {
			snprintf(err, errlen, "table %s: contents differ from the backup's", w->name);
			return -1;
		}
	}
	if (i < want->ntables || i < got->ntables) {
		snprintf(err, errlen, "table %s is %s", i < want->ntables ? want->tables[i].name :
		         got->tables[i].name, i < want->ntables ? "missing" : "extra");
		return -1;
	}
	return 0;
}

int
backup_compare(struct pool *p, const char *dbname, const struct backup_meta *m,
               char *err, size_t errlen)
{
	const char *conninfo = config_get("DATABASE_ADMIN_URL");
	const char *keys[] = { "connect_timeout", "application_name", "dbname", "dbname", NULL };
	const char *vals[] = { "5", "edgescout-backup", conninfo, dbname, NULL };
	struct backup_meta got;
	PGconn *c;
	int rc = -1;

	if (conninfo == NULL || *conninfo == '\0') {
		snprintf(err, errlen, "DATABASE_ADMIN_URL is not set");
		return -1;
	}
	c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c) != CONNECTION_OK) {
		result_error(c, pool_printf(p, "connecting to %s", dbname), err, errlen);
		goto out;
	}
	memset(&got, 0, sizeof(got));
	if (backup_table_stats(p, c, &got, err, errlen) == 0)
		rc = differs(m, &got, err, errlen);
out:
	PQfinish(c);
	return rc;
}
