/* backup_create.c: taking a backup.
 *
 * One REPEATABLE READ transaction on the owner's connection exports its
 * snapshot; pg_dump runs in that snapshot (--snapshot), so the dump, the row
 * counts and the checksums all describe the same moment. The dump streams
 * through a pipe into the encrypted file: the plaintext never touches disk. */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_info.h"
#include "config.h"
#include "pool.h"

#define SQL_BEGIN "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
#define SQL_SNAPSHOT \
	"SELECT pg_export_snapshot(), " \
	"to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"'), " \
	"to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"(SELECT coalesce(max(version), '') FROM schema_migrations)"

/* Open the owner's connection, begin, and fill the snapshot's facts into m;
 * the snapshot id into *snapshot. NULL on failure. */
static PGconn *
open_snapshot(struct pool *p, struct backup_meta *m, const char **snapshot, char *err,
              size_t errlen)
{
	const char *conninfo = config_get("DATABASE_OWNER_URL");
	PGconn *c;
	PGresult *res;

	if (conninfo == NULL || *conninfo == '\0') {
		snprintf(err, errlen, "DATABASE_OWNER_URL is not set");
		return NULL;
	}
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, errlen, "connecting as the owner: %.*s",
		         (int)strcspn(PQerrorMessage(c), "\n"), PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	res = PQexec(c, SQL_BEGIN);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		res = PQexec(c, SQL_SNAPSHOT);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "exporting a snapshot: %.*s",
		         (int)strcspn(PQerrorMessage(c), "\n"), PQerrorMessage(c));
		PQclear(res);
		PQfinish(c);
		return NULL;
	}
	*snapshot = pool_strdup(p, PQgetvalue(res, 0, 0));
	m->id = pool_strdup(p, PQgetvalue(res, 0, 1));
	m->created_at = pool_strdup(p, PQgetvalue(res, 0, 2));
	m->schema_version = pool_strdup(p, PQgetvalue(res, 0, 3));
	PQclear(res);
	return c;
}

/* Run pg_dump in the snapshot and encrypt its output into out_fd. */
static int
dump_into(struct pool *p, const struct backup_key *k, const char *snapshot, int out_fd,
          backup_progress_fn progress, struct backup_meta *m, char *err, size_t errlen)
{
	const char *password;
	char *conninfo = backup_conninfo(p, config_get("DATABASE_OWNER_URL"), NULL, &password);
	char *argv[] = { "pg_dump", "--format=custom", "--no-password",
	                 pool_printf(p, "--snapshot=%s", snapshot),
	                 pool_printf(p, "--dbname=%s", conninfo ? conninfo : ""), NULL };
	char werr[BACKUP_ERR_MAX];
	int in = -1, no_stdin = -2, pid, rc;

	if (conninfo == NULL) {
		snprintf(err, errlen, "DATABASE_OWNER_URL: not a valid connection string");
		return -1;
	}
	if ((pid = backup_spawn(argv, password, &no_stdin, &in, err, errlen)) < 0)
		return -1;
	rc = backup_encrypt_fd(k, in, out_fd, progress, m->sha256, &m->size, err, errlen);
	close(in);      /* pg_dump, if still writing, gets EPIPE and stops */
	if (backup_wait(pid, "pg_dump", werr, sizeof(werr)) < 0 && rc == 0) {
		snprintf(err, errlen, "%s", werr);
		rc = -1;
	}
	return rc;
}

/* fsync the directory holding a renamed file. */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The encrypted file, written under a temporary name and renamed into place
 * when complete and on disk. */
static int
write_dump(struct pool *p, const struct backup_key *k, const char *snapshot,
           backup_progress_fn progress, struct backup_meta *m, char *err, size_t errlen)
{
	const char *path = backup_dump_path(p, m->id);
	const char *tmp = pool_printf(p, "%s.tmp", path);
	int fd, rc;

	if (access(path, F_OK) == 0) {
		snprintf(err, errlen, "backup %s exists already", m->id);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	rc = dump_into(p, k, snapshot, fd, progress, m, err, errlen);
	if (rc == 0 && fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s%s", tmp, strerror(errno),
		         errno == ENOSPC ? " (disk full)" : "");
		rc = -1;
	}
	if (close(fd) < 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc < 0) {
		size_t used = strlen(err);

		unlink(tmp);
		snprintf(err + used, errlen - used, "; nothing was kept of this backup, the "
		         "earlier ones are untouched");
	}
	return rc;
}

int
backup_create(struct pool *p, const struct backup_key *k, backup_progress_fn progress,
              struct backup_meta *m, char *err, size_t errlen)
{
	void (*old_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);   /* a file size limit: EFBIG */
	const char *snapshot;
	PGconn *c;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	m->version = build_version;
	m->key_id = k->fingerprint;
	if (mkdir(backup_dir(), 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", backup_dir(), strerror(errno));
		goto out_signal;
	}
	if ((c = open_snapshot(p, m, &snapshot, err, errlen)) == NULL)
		goto out_signal;
	if (write_dump(p, k, snapshot, progress, m, err, errlen) < 0)
		goto out;
	if (backup_table_stats(p, c, m, err, errlen) < 0 ||
	    backup_meta_write(p, m, err, errlen) < 0) {
		unlink(backup_dump_path(p, m->id));
		goto out;
	}
	sync_dir(backup_dir());
	rc = 0;
out:
	PQfinish(c);
out_signal:
	signal(SIGXFSZ, old_xfsz);
	return rc;
}
