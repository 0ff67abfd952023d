/* backup_restore.c: `edgescout backup verify` and `backup restore`. */
#include "backup_cmd.h"
#include "db_cmd.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build_info.h"
#include "config.h"
#include "pool.h"


/* The id named by arg ("latest" or an id) into *id: 0, or -1 (printed). */
static int
resolve_id(struct pool *p, const char *arg, const char **id)
{
	char err[BACKUP_ERR_MAX];

	if (strcmp(arg, "latest") != 0) {
		*id = arg;
		return 0;
	}
	if (backup_latest(p, id, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup: %s\n", err);
		return -1;
	}
	return 0;
}

/* The metadata of backup id, printing why not. */
static int
read_meta(struct pool *p, const char *id, struct backup_meta *m)
{
	char err[BACKUP_ERR_MAX];

	if (backup_meta_read(p, id, m, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup: %s\n", err);
		return -1;
	}
	return 0;
}

/* Restore id into a scratch database, compare it with m, drop it. */
static int
verify_full(struct pool *p, const struct backup_key *k, const struct backup_meta *m)
{
	const char *scratch = pool_printf(p, "edgescout_verify_%ld", (long)getpid());
	char err[BACKUP_ERR_MAX], derr[BACKUP_ERR_MAX];
	int rc = backup_restore(p, k, m->id, scratch, 0, NULL, backup_progress(), err,
	                        sizeof(err));

	if (rc == 0)
		rc = backup_compare(p, scratch, m, err, sizeof(err));
	if (backup_drop_database(p, scratch, derr, sizeof(derr)) < 0)
		fprintf(stderr, "edgescout: backup verify: %s\n", derr);
	if (rc < 0) {
		fprintf(stderr, "edgescout: backup verify: %s: %s\n", m->id, err);
		return 1;
	}
	printf("%s: restored into a scratch database: %zu tables, every row count and "
	       "checksum matches\n", m->id, m->ntables);
	return 0;
}

int
backup_cmd_verify(struct pool *p, int argc, char **argv)
{
	struct backup_key k;
	struct backup_meta m;
	const char *id;
	char err[BACKUP_ERR_MAX];
	int full = argc == 3 && strcmp(argv[2], "--full") == 0, rc = 1;

	if (argc < 2 || argc > 3 || (argc == 3 && !full))
		return backup_usage_error("verify takes an id (or latest) and --full");
	if (resolve_id(p, argv[1], &id) < 0 || read_meta(p, id, &m) < 0 ||
	    backup_load_key(&k) < 0)
		return 1;
	if (backup_verify(p, &k, id, backup_progress(), err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup verify: %s\n", err);
		goto out;
	}
	printf("%s: checksum ok, decrypts, pg_restore reads it\n", id);
	rc = full ? verify_full(p, &k, &m) : 0;
out:
	sodium_memzero(&k, sizeof(k));
	return rc;
}

/* The live database: DATABASE_URL's dbname. */
static const char *
live_database(struct pool *p)
{
	const char *url = config_get("DATABASE_URL");
	int bad = 0;

	return url ? dbcmd_conninfo_get(p, url, "dbname", &bad) : NULL;
}

/* Parse restore's arguments: ID|latest --db NAME [--force]. */
static int
restore_args(int argc, char **argv, const char **arg, const char **db, int *force)
{
	*arg = *db = NULL;
	*force = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			*force = 1;
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			*db = argv[++i];
		else if (*arg == NULL && argv[i][0] != '-')
			*arg = argv[i];
		else
			return -1;
	}
	return *arg != NULL && *db != NULL ? 0 : -1;
}

/* Seconds a restore waits for running jobs: BACKUP_RESTORE_WAIT_S (300). */
static int
restore_wait(void)
{
	long long s = config_int("BACKUP_RESTORE_WAIT_S", 300);

	return s < 1 || s > 86400 ? 300 : (int)s;
}

/* Migrate database db forward when the backup's schema is older. */
static int
migrate_forward(const struct backup_meta *m, const char *db)
{
	char *argv[] = { "migrate", "--db", (char *)db, NULL };

	if (mig_version_cmp(m->schema_version, build_schema_version) >= 0)
		return 0;
	printf("the backup's schema (%s) is older than this build's (%s): migrating %s\n",
	       m->schema_version, build_schema_version, db);
	return db_cmd_migrate(3, argv) == 0 ? 0 : -1;
}

int
backup_cmd_restore(struct pool *p, int argc, char **argv)
{
	struct backup_key k;
	struct backup_meta m;
	const char *arg, *db, *id, *live = live_database(p);
	struct pg_conn *jobs = NULL;
	char err[BACKUP_ERR_MAX];
	int force, rc = 1;

	if (restore_args(argc, argv, &arg, &db, &force) < 0)
		return backup_usage_error("restore takes an id (or latest) and --db NAME");
	if (!mig_valid_ident(db))
		return backup_usage_error("--db: not a database name (^[a-z_][a-z0-9_]{0,62}$)");
	if (live != NULL && strcmp(db, live) == 0 && !force) {
		fprintf(stderr, "edgescout: backup restore: %s is the live database: --force "
		        "replaces its contents\n", db);
		return 1;
	}
	if (resolve_id(p, arg, &id) < 0 || read_meta(p, id, &m) < 0 || backup_load_key(&k) < 0)
		return 1;
	if ((jobs = backup_hold_jobs(restore_wait(), err, sizeof(err))) == NULL) {
		fprintf(stderr, "edgescout: backup restore: %s\n", err);
		goto out;
	}
	if (backup_restore(p, &k, id, db, force, &jobs, backup_progress(), err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup restore: %s\n", err);
		goto out;
	}
	printf("%s: restored into %s (%zu tables, schema %s)\n", id, db, m.ntables,
	       m.schema_version);
	fflush(stdout);
	rc = migrate_forward(&m, db) == 0 ? 0 : 1;
out:
	backup_release_jobs(jobs);
	sodium_memzero(&k, sizeof(k));
	return rc;
}
