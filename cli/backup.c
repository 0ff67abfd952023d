/* backup.c: `edgescout backup`: encrypted backups of the database, their
 * list, check, restore and retention. The work is in common/services/
 * backup*.c, shared with the backup job. */
#include "cli.h"
#include "backup_cmd.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "backup_keep.h"
#include "pool.h"
#include "pool_json.h"

static const char backup_usage[] =
	"usage: edgescout backup create | list [--json | --offsite] | verify ID|latest [--full]\n"
	"                        | restore ID|latest --db NAME [--force] | prune [--dry-run]\n"
	"                        | upload ID|latest | fetch ID|latest | keygen\n"
	"\n"
	"create   pg_dump -Fc of the database (as DATABASE_OWNER_URL), encrypted under\n"
	"         the backup key, into BACKUP_DIR with its metadata (row counts and\n"
	"         content checksum of every table, SHA-256 of the file)\n"
	"list     the backups, newest first\n"
	"verify   the file's checksum, that it decrypts, that pg_restore reads it;\n"
	"         --full restores it into a scratch database and compares every\n"
	"         table's rows and checksum with the metadata\n"
	"restore  into database NAME (created when missing, as DATABASE_ADMIN_URL);\n"
	"         a database holding tables, and the live one, only with --force;\n"
	"         scheduled jobs wait meanwhile; then migrates it forward\n"
	"prune    deletes what BACKUP_KEEP_DAILY (30), _WEEKLY (8), _MONTHLY (12)\n"
	"         do not keep, here and off-site\n"
	"upload   copies a backup to the off-site store (BACKUP_S3_*; create does it\n"
	"         when the store is set); fetch brings one back into BACKUP_DIR;\n"
	"         list --offsite lists the store's\n"
	"keygen   prints a new key for BACKUP_KEY (or BACKUP_KEY_FILE)\n"
	"\n"
	"Without the key a backup cannot be read: lose the key and the backups are\n"
	"lost. Exit status: 0 ok, 1 failure, 2 usage.\n";

int
backup_usage_error(const char *msg)
{
	fprintf(stderr, "edgescout: backup: %s\n%s", msg, backup_usage);
	return 2;
}

/* Progress on a terminal: one line rewritten in place. */
static void
show_progress(const char *what, int64_t bytes, int done)
{
	fprintf(stderr, "\r%s: %.1f MB%s", what, (double)bytes / 1e6, done ? "\n" : "   ");
	fflush(stderr);
}

backup_progress_fn
backup_progress(void)
{
	return isatty(2) ? show_progress : NULL;
}

int
backup_load_key(struct backup_key *k)
{
	char err[BACKUP_ERR_MAX];

	if (backup_key_load(k, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup: %s\n", err);
		return -1;
	}
	return 0;
}

static int
do_create(struct pool *p)
{
	struct backup_key k;
	struct backup_meta m;
	char err[BACKUP_ERR_MAX];
	int64_t rows = 0;
	int rc;

	if (backup_load_key(&k) < 0)
		return 1;
	rc = backup_create(p, &k, backup_progress(), &m, err, sizeof(err));
	sodium_memzero(&k, sizeof(k));
	if (rc < 0) {
		fprintf(stderr, "edgescout: backup create: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < m.ntables; i++)
		rows += m.tables[i].rows;
	printf("%s: %zu tables, %lld rows, %lld bytes, schema %s\n", m.id, m.ntables,
	       (long long)rows, (long long)m.size, m.schema_version);
	fflush(stdout);
	return backup_offsite_after_create(p, m.id) < 0 ? 1 : 0;
}

static int
do_list(struct pool *p, int as_json)
{
	json_object *arr = pool_json_array(p);
	struct backup_meta m;
	const char **ids;
	char err[BACKUP_ERR_MAX];
	int n = backup_list(p, &ids, err, sizeof(err));

	if (n < 0) {
		fprintf(stderr, "edgescout: backup list: %s\n", err);
		return 1;
	}
	if (!as_json)
		printf("%-17s %-21s %-6s %12s %s\n", "ID", "CREATED", "SCHEMA", "BYTES", "TABLES");
	for (int i = 0; i < n; i++) {
		if (backup_meta_read(p, ids[i], &m, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgescout: backup list: %s\n", err);
			continue;
		}
		if (as_json)
			json_object_array_add(arr, backup_meta_json(&m));
		else
			printf("%-17s %-21s %-6s %12lld %zu\n", m.id, m.created_at, m.schema_version,
			       (long long)m.size, m.ntables);
	}
	if (as_json)
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
		                                         JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

static int
do_prune(struct pool *p, int dry_run)
{
	struct backup_policy pol;
	const char **gone;
	char err[BACKUP_ERR_MAX];
	int n;

	backup_policy_from_config(&pol);
	if (backup_prune(p, &pol, dry_run, &gone, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup prune: %s\n", err);
		return 1;
	}
	for (int i = 0; i < n; i++)
		printf("%s %s\n", dry_run ? "would delete" : "deleted", gone[i]);
	printf("%d backups %s (keeping %d daily, %d weekly, %d monthly)\n", n,
	       dry_run ? "would go" : "deleted", pol.daily, pol.weekly, pol.monthly);
	return backup_offsite_prune_cmd(p, &pol, dry_run) < 0 ? 1 : 0;
}

static int
do_keygen(void)
{
	unsigned char key[BACKUP_KEY_BYTES];
	char hex[2 * BACKUP_KEY_BYTES + 1];

	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	puts(hex);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	return 0;
}

/* `edgescout backup SUBCOMMAND`: argv[0] is "backup". */
int
cmd_backup(int argc, char **argv)
{
	struct pool *p;
	const char *sub = argc > 1 ? argv[1] : "";
	const char *opt = argc == 3 ? argv[2] : "";
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv, 1)) {
		fputs(backup_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	p = pool_new();
	if (strcmp(sub, "create") == 0 && argc == 2)
		rc = do_create(p);
	else if (strcmp(sub, "list") == 0 && (argc == 2 || strcmp(opt, "--json") == 0))
		rc = do_list(p, argc == 3);
	else if (strcmp(sub, "list") == 0 && strcmp(opt, "--offsite") == 0)
		rc = backup_cmd_list_offsite(p);
	else if (strcmp(sub, "prune") == 0 && (argc == 2 || strcmp(opt, "--dry-run") == 0))
		rc = do_prune(p, argc == 3);
	else if (strcmp(sub, "upload") == 0)
		rc = backup_cmd_upload(p, argc - 1, argv + 1);
	else if (strcmp(sub, "fetch") == 0)
		rc = backup_cmd_fetch(p, argc - 1, argv + 1);
	else if (strcmp(sub, "keygen") == 0 && argc == 2)
		rc = do_keygen();
	else if (strcmp(sub, "verify") == 0)
		rc = backup_cmd_verify(p, argc - 1, argv + 1);
	else if (strcmp(sub, "restore") == 0)
		rc = backup_cmd_restore(p, argc - 1, argv + 1);
	else
		rc = backup_usage_error("unknown subcommand or argument");
	pool_free(p);
	return rc;
}
