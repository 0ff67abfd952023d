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

/* Read id's metadata and check the file against it: the key it was made
 * with, its size and its SHA-256. */
static int
check_file(struct pool *p, const struct backup_key *k, const char *id,
           struct backup_meta *m, char *err, size_t errlen)
{
	char sha[65];

	if (backup_meta_read(p, id, m, err, errlen) < 0)
		return -1;
	if (strlen(m->key_id) != sizeof(k->fingerprint) - 1 ||
	    sodium_memcmp(m->key_id, k->fingerprint, sizeof(k->fingerprint) - 1) != 0) {
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

/* pg_restore of backup id into the existing database dbname. */
static int
restore_into(struct pool *p, const struct backup_key *k, const char *id, const char *dbname,
             backup_progress_fn progress, char *err, size_t errlen)
{
	const char *password;
	char *conninfo = backup_conninfo(p, config_get("DATABASE_ADMIN_URL"), dbname, &password);
	char *argv[] = { "pg_restore", "--single-transaction", "--exit-on-error", "--no-password",
	                 NULL, NULL };

	if (conninfo == NULL) {
		snprintf(err, errlen, "DATABASE_ADMIN_URL: not a valid connection string");
		return -1;
	}
	argv[4] = pool_printf(p, "--dbname=%s", conninfo);
	return decrypt_into(p, k, id, argv, password, -2, progress, err, errlen);
}

int
backup_restore(struct pool *p, const struct backup_key *k, const char *id,
               const char *dbname, int replace, struct pg_conn **hold,
               backup_progress_fn progress, char *err, size_t errlen)
{
	struct backup_meta m;
	const char *fresh;
	int nonempty;

	if (check_file(p, k, id, &m, err, errlen) < 0 ||
	    backup_target_prepare(p, dbname, &nonempty, err, errlen) < 0)
		return -1;
	if (!nonempty)
		return restore_into(p, k, id, dbname, progress, err, errlen);
	if (!replace) {
		snprintf(err, errlen, "database %s holds tables: --force replaces its contents",
		         dbname);
		return -1;
	}
	/* Into a fresh database first; the old one goes only once that worked. */
	fresh = pool_printf(p, "es_restore_%ld", (long)getpid());
	if (backup_target_prepare(p, fresh, &nonempty, err, errlen) < 0)
		return -1;
	if (nonempty || restore_into(p, k, id, fresh, progress, err, errlen) < 0) {
		char ignored[BACKUP_ERR_MAX];

		backup_drop_database(p, fresh, ignored, sizeof(ignored));
		return -1;
	}
	if (hold != NULL) {          /* its session is in the database being swapped */
		backup_release_jobs(*hold);
		*hold = NULL;
	}
	return backup_target_swap(p, fresh, dbname, err, errlen);
}
