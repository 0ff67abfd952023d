/* backup_ops.c: what surrounds a backup operation: the jobs held still
 * during a restore, scratch databases, retention and the newest backup. */
#include "backup.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "backup_keep.h"
#include "config.h"
#include "job.h"
#include "pool.h"

/* The same lock job_main takes (job.c). */
#define SQL_JOB_LOCK "SELECT pg_advisory_lock(hashtext('edgescout.job.' || $1))"

struct pg_conn *
backup_hold_jobs(int wait_s, char *err, size_t errlen)
{
	const char *conninfo = config_get("DATABASE_URL");
	char timeout[64];
	PGconn *c;

	if (conninfo == NULL || *conninfo == '\0') {
		snprintf(err, errlen, "DATABASE_URL is not set");
		return NULL;
	}
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, errlen, "holding the jobs: %.*s",
		         (int)strcspn(PQerrorMessage(c), "\n"), PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	snprintf(timeout, sizeof(timeout), "SET lock_timeout = '%ds'", wait_s);
	PQclear(PQexec(c, timeout));
	for (const struct job_schedule *s = job_schedules(); s->name != NULL; s++) {
		const char *arg = s->name;
		PGresult *res = PQexecParams(c, SQL_JOB_LOCK, 1, NULL, &arg, NULL, NULL, 0);
		int ok = PQresultStatus(res) == PGRES_TUPLES_OK;

		PQclear(res);
		if (!ok) {
			snprintf(err, errlen, "job %s is still running after %d s: try again when "
			         "it has finished", s->name, wait_s);
			PQfinish(c);
			return NULL;
		}
	}
	return c;
}

void
backup_release_jobs(struct pg_conn *c)
{
	PQfinish(c);     /* session locks go with the session */
}

int
backup_drop_database(struct pool *p, const char *dbname, char *err, size_t errlen)
{
	const char *conninfo = config_get("DATABASE_ADMIN_URL");
	PGconn *c;
	PGresult *res;
	int rc = -1;

	if (conninfo == NULL || *conninfo == '\0') {
		snprintf(err, errlen, "DATABASE_ADMIN_URL is not set");
		return -1;
	}
	c = PQconnectdb(conninfo);
	if (PQstatus(c) == CONNECTION_OK) {
		res = PQexec(c, pool_printf(p, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)",
		                            dbname));
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
		PQclear(res);
	}
	if (rc < 0)
		snprintf(err, errlen, "dropping database %s: %.*s", dbname,
		         (int)strcspn(PQerrorMessage(c), "\n"), PQerrorMessage(c));
	PQfinish(c);
	return rc;
}

/* key as a count within [0, 10000], else def. */
static int
keep_count(const char *key, int def)
{
	long long v = config_int(key, def);

	return v < 0 || v > 10000 ? def : (int)v;
}

void
backup_policy_from_config(struct backup_policy *pol)
{
	pol->daily = keep_count("BACKUP_KEEP_DAILY", 30);
	pol->weekly = keep_count("BACKUP_KEEP_WEEKLY", 8);
	pol->monthly = keep_count("BACKUP_KEEP_MONTHLY", 12);
}

int
backup_prune(struct pool *p, const struct backup_policy *pol, int dry_run,
             const char ***gone, int *ngone, char *err, size_t errlen)
{
	const char **ids;
	int n = backup_list(p, &ids, err, errlen), *keep;

	*ngone = 0;
	*gone = NULL;
	if (n <= 0)
		return n;
	keep = pool_alloc(p, (size_t)n * sizeof(*keep));
	*gone = pool_alloc(p, (size_t)n * sizeof(**gone));
	backup_keep(ids, (size_t)n, pol, keep);
	for (int i = 0; i < n; i++) {
		if (keep[i])
			continue;
		if (!dry_run && backup_delete(p, ids[i], err, errlen) < 0)
			return -1;
		(*gone)[(*ngone)++] = ids[i];
	}
	return 0;
}

int
backup_latest(struct pool *p, const char **id, char *err, size_t errlen)
{
	const char **ids;
	int n = backup_list(p, &ids, err, errlen);

	if (n < 0)
		return -1;
	if (n == 0) {
		snprintf(err, errlen, "no backup in %s", backup_dir());
		return -1;
	}
	*id = ids[0];
	return 0;
}
