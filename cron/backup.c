/* backup.c: the daily backup. Takes an encrypted backup of the database into
 * BACKUP_DIR (see `edgescout backup`), copies it to the off-site store when
 * one is set (s3.h), then deletes the backups, here and off-site, that the
 * retention policy no longer keeps. A failed backup keeps every earlier one
 * and fails the run (edgescout_job_failures_total, and the last backup's age
 * in /metrics, say so). --dry-run takes no backup and deletes nothing: it
 * says which backups retention would delete. */
#include <sodium.h>

#include "backup.h"
#include "backup_keep.h"
#include "backup_offsite.h"
#include "job.h"
#include "log.h"
#include "pool.h"
#include "s3.h"

static int backup(struct job_ctx *ctx);

static const struct job job = {
	"backup", backup,
	"Takes an encrypted backup of the database (pg_dump -Fc, encrypted under\n"
	"BACKUP_KEY or BACKUP_KEY_FILE) into BACKUP_DIR with its metadata, copies\n"
	"it off-site when BACKUP_S3_ENDPOINT and BACKUP_S3_BUCKET are set, then\n"
	"deletes, here and off-site, what BACKUP_KEEP_DAILY (30), BACKUP_KEEP_WEEKLY (8) and\n"
	"BACKUP_KEEP_MONTHLY (12) do not keep. Each run is a new backup; retention\n"
	"makes a second run on the same day leave one backup of that day after the\n"
	"daily ones are full."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

/* Delete (or, in a dry run, name) what retention does not keep. */
static int
prune(struct job_ctx *ctx)
{
	struct backup_policy pol;
	const char **gone;
	char err[BACKUP_ERR_MAX];
	int n;

	backup_policy_from_config(&pol);
	if (backup_prune(ctx->pool, &pol, ctx->dry_run, &gone, &n, err, sizeof(err)) < 0)
		return job_fail(ctx, "retention: %s", err);
	for (int i = 0; i < n; i++)
		log_kv(LOG_INFO, ctx->dry_run ? "would delete backup" : "deleted backup",
		       "id", gone[i], NULL);
	if (!s3_configured())
		return 0;
	if (backup_offsite_prune(ctx->pool, &pol, ctx->dry_run, &gone, &n, err, sizeof(err)) < 0)
		return job_fail(ctx, "off-site retention: %s", err);
	for (int i = 0; i < n; i++)
		log_kv(LOG_INFO, ctx->dry_run ? "would delete off-site backup" :
		       "deleted off-site backup", "id", gone[i], NULL);
	return 0;
}

static int
backup(struct job_ctx *ctx)
{
	struct backup_key k;
	struct backup_meta m;
	char err[BACKUP_ERR_MAX];
	int rc;

	if (ctx->dry_run)
		return prune(ctx);
	if (backup_key_load(&k, err, sizeof(err)) < 0)
		return job_fail(ctx, "%s", err);
	rc = backup_create(ctx->pool, &k, NULL, &m, err, sizeof(err));
	sodium_memzero(&k, sizeof(k));
	if (rc < 0)
		return job_fail(ctx, "%s", err);
	ctx->items = 1;
	log_kv(LOG_INFO, "backup taken", "id", m.id, "bytes", pool_printf(ctx->pool, "%lld",
	       (long long)m.size), "schema", m.schema_version, NULL);
	if (s3_configured()) {
		if (backup_offsite_upload(ctx->pool, m.id, NULL, err, sizeof(err)) < 0)
			return job_fail(ctx, "off-site copy of %s failed (the local backup is "
			                "kept): %s", m.id, err);
		log_kv(LOG_INFO, "backup copied off-site", "id", m.id, NULL);
	}
	return prune(ctx);
}
