/* backup_offsite.c: `edgescout backup upload | fetch | list --offsite`,
 * and the off-site side of create and prune. */
#include "backup_cmd.h"

#include <stdio.h>
#include <string.h>

#include "backup_keep.h"
#include "backup_offsite.h"
#include "pool.h"
#include "s3.h"

/* 0 when the store is configured, else -1 (printed). */
static int
need_store(const char *what)
{
	if (s3_configured())
		return 0;
	fprintf(stderr, "edgescout: backup %s: no off-site store (set BACKUP_S3_ENDPOINT and "
	        "BACKUP_S3_BUCKET)\n", what);
	return -1;
}

int
backup_offsite_after_create(struct pool *p, const char *id)
{
	char err[BACKUP_ERR_MAX];

	if (!s3_configured())
		return 0;
	if (backup_offsite_upload(p, id, backup_progress(), err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup create: off-site copy failed (the local backup "
		        "is kept; `edgescout backup upload %s` tries again): %s\n", id, err);
		return -1;
	}
	printf("%s: copied off-site\n", id);
	return 0;
}

int
backup_cmd_upload(struct pool *p, int argc, char **argv)
{
	const char *id;
	char err[BACKUP_ERR_MAX];

	if (argc != 2)
		return backup_usage_error("upload takes an id (or latest)");
	if (need_store("upload") < 0)
		return 1;
	id = argv[1];
	if (strcmp(id, "latest") == 0 && backup_latest(p, &id, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup upload: %s\n", err);
		return 1;
	}
	if (!backup_id_valid(id)) {
		fprintf(stderr, "edgescout: backup upload: '%s' is not a backup id\n", id);
		return 1;
	}
	if (backup_offsite_upload(p, id, backup_progress(), err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup upload: %s\n", err);
		return 1;
	}
	printf("%s: copied off-site\n", id);
	return 0;
}

int
backup_cmd_fetch(struct pool *p, int argc, char **argv)
{
	const char **ids, *id;
	char err[BACKUP_ERR_MAX];
	int n;

	if (argc != 2)
		return backup_usage_error("fetch takes an id (or latest)");
	if (need_store("fetch") < 0)
		return 1;
	id = argv[1];
	if (strcmp(id, "latest") == 0) {
		if ((n = backup_offsite_list(p, &ids, err, sizeof(err))) <= 0) {
			fprintf(stderr, "edgescout: backup fetch: %s\n", n < 0 ? err :
			        "no backup off-site");
			return 1;
		}
		id = ids[0];
	}
	if (backup_offsite_fetch(p, id, backup_progress(), err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup fetch: %s\n", err);
		return 1;
	}
	printf("%s: fetched into %s\n", id, backup_dir());
	return 0;
}

int
backup_cmd_list_offsite(struct pool *p)
{
	const char **ids;
	char err[BACKUP_ERR_MAX];
	int n;

	if (need_store("list") < 0)
		return 1;
	if ((n = backup_offsite_list(p, &ids, err, sizeof(err))) < 0) {
		fprintf(stderr, "edgescout: backup list: %s\n", err);
		return 1;
	}
	for (int i = 0; i < n; i++)
		puts(ids[i]);
	return 0;
}

int
backup_offsite_prune_cmd(struct pool *p, const struct backup_policy *pol, int dry_run)
{
	const char **gone;
	char err[BACKUP_ERR_MAX];
	int n;

	if (!s3_configured())
		return 0;
	if (backup_offsite_prune(p, pol, dry_run, &gone, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgescout: backup prune: off-site: %s\n", err);
		return -1;
	}
	for (int i = 0; i < n; i++)
		printf("%s %s off-site\n", dry_run ? "would delete" : "deleted", gone[i]);
	return 0;
}
