/* backup_restore.c: checking a backup and restoring it. The decrypted dump
 * streams through a pipe into pg_restore; it never touches disk. */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pool.h"

#define SQL_USER_TABLES \
	"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " \
	"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') " \
	"AND n.nspname NOT IN ('pg_catalog', 'information_schema') " \
	"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"

/* Read id's metadata and check the file against it: the key it was made
 * with, its size and its SHA-256. */
static int
check_file(struct pool *p, const struct backup_key *k, const char *id,
           struct backup_meta *m, char *err, size_t errlen)
{
	char sha[65];

	if (backup_meta_read(p, id, m, err, errlen) < 0)
		return -1;
	if (sodium_memcmp(m->key_id, k->fingerprint, sizeof(k->fingerprint)) != 0) {
		snprintf(err, errlen, "backup %s was made with another key (key id %s; this "
		         "key's id is %s)", id, m->key_id, k->fingerprint);
		return -1;
	}
	if (backup_file_sha256(backup_dump_path(p, id), sha, err, errlen) < 0)
		return -1;
	if (strcmp(sha, m->sha256) != 0) {
		snprintf(err, errlen, "backup %s: the file's SHA-256 is not the one recorded "
		         "(damaged or replaced)", id);
		return -1;
	}
	return 0;
}

/* Decrypt backup id into the stdin of the program argv; 0 when both the
 * decryption and the program succeed. */
static int
decrypt_into(struct pool *p, const struct backup_key *k, const char *id,
             char *const argv[], const char *password, int out_fd,
             backup_progress_fn progress, char *err, size_t errlen)
{
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	const char *path = backup_dump_path(p, id);
	char werr[BACKUP_ERR_MAX];
	int in = open(path, O_RDONLY | O_CLOEXEC), to = -1, pid, rc = -1;

	if (in < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((pid = backup_spawn(argv, password, &to, &out_fd, err, errlen)) < 0)
		goto out;
	rc = backup_decrypt_fd(k, in, to, progress, err, errlen);
	close(to);
	if (backup_wait(pid, argv[0], werr, sizeof(werr)) < 0 && rc == 0) {
		snprintf(err, errlen, "%s", werr);
		rc = -1;
	}
out:
	if (in >= 0)
		close(in);
	signal(SIGPIPE, old_pipe);
	return rc;
}

int
backup_verify(struct pool *p, const struct backup_key *k, const char *id,
              backup_progress_fn progress, char *err, size_t errlen)
{
	char *argv[] = { "pg_restore", "--list", NULL };
	struct backup_meta m;
	int devnull, rc;

	if (check_file(p, k, id, &m, err, errlen) < 0)
		return -1;
	if ((devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		return -1;
	}
	rc = decrypt_into(p, k, id, argv, NULL, devnull, progress, err, errlen);
	close(devnull);
	return rc;
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
		snprintf(err, errlen, "connecting to %s: %.*s", dbname ? dbname : "the server",
		         (int)strcspn(PQerrorMessage(c), "\n"), PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* 1 when the single-value query sql on c returns "t" or a non-zero count;
 * -1 on failure. */
static int
query_flag(PGconn *c, const char *sql, const char *arg, char *err, size_t errlen)
{
	PGresult *res = PQexecParams(c, sql, arg ? 1 : 0, NULL, &arg, NULL, NULL, 0);
	int v = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		v = PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, 0), "0") != 0 &&
		    strcmp(PQgetvalue(res, 0, 0), "f") != 0;
	else
		snprintf(err, errlen, "%.*s", (int)strcspn(PQerrorMessage(c), "\n"),
		         PQerrorMessage(c));
	PQclear(res);
	return v;
}

/* Make sure database dbname exists and may take the backup: created (owned
 * by the owner role) when missing; else *nonempty says whether it holds
 * tables. */
static int
prepare_target(struct pool *p, const char *dbname, int *nonempty, char *err, size_t errlen)
{
	PGconn *c = admin_connect(NULL, err, errlen);
	const char *owner_url = config_get("DATABASE_OWNER_URL"), *owner = NULL;
	PQconninfoOption *opts;
	int exists, rc = -1;

	*nonempty = 0;
	if (c == NULL)
		return -1;
	exists = query_flag(c, "SELECT count(*) FROM pg_database WHERE datname = $1", dbname,
	                    err, errlen);
	if (exists < 0)
		goto out;
	if (!exists) {
		if (owner_url && (opts = PQconninfoParse(owner_url, NULL)) != NULL) {
			for (PQconninfoOption *o = opts; o->keyword; o++)
				if (strcmp(o->keyword, "user") == 0 && o->val)
					owner = pool_strdup(p, o->val);
			PQconninfoFree(opts);
		}
		/* Both names are checked identifiers (^[a-z_][a-z0-9_]*$) or quoted. */
		PQclear(PQexec(c, pool_printf(p, "CREATE DATABASE \"%s\"%s%s%s", dbname,
		                              owner ? " OWNER \"" : "", owner ? owner : "",
		                              owner ? "\"" : "")));
		if (query_flag(c, "SELECT count(*) FROM pg_database WHERE datname = $1", dbname,
		               err, errlen) != 1) {
			snprintf(err, errlen, "cannot create database %s", dbname);
			goto out;
		}
		rc = 0;
		goto out;
	}
	PQfinish(c);
	if ((c = admin_connect(dbname, err, errlen)) == NULL)
		return -1;
	if ((*nonempty = query_flag(c, SQL_USER_TABLES, NULL, err, errlen)) >= 0)
		rc = 0;
out:
	PQfinish(c);
	return rc;
}

int
backup_restore(struct pool *p, const struct backup_key *k, const char *id,
               const char *dbname, int replace, backup_progress_fn progress,
               char *err, size_t errlen)
{
	struct backup_meta m;
	const char *password;
	char *conninfo;
	int nonempty;

	if (check_file(p, k, id, &m, err, errlen) < 0 ||
	    prepare_target(p, dbname, &nonempty, err, errlen) < 0)
		return -1;
	if (nonempty && !replace) {
		snprintf(err, errlen, "database %s holds tables: --force replaces its contents",
		         dbname);
		return -1;
	}
	conninfo = backup_conninfo(p, config_get("DATABASE_ADMIN_URL"), dbname, &password);
	if (conninfo == NULL) {
		snprintf(err, errlen, "DATABASE_ADMIN_URL: not a valid connection string");
		return -1;
	}
	{
		char *argv[] = { "pg_restore", "--single-transaction", "--exit-on-error",
		                 "--no-password", pool_printf(p, "--dbname=%s", conninfo),
		                 nonempty ? "--clean" : NULL, "--if-exists", NULL };

		return decrypt_into(p, k, id, argv, password, -2, progress, err, errlen);
	}
}
