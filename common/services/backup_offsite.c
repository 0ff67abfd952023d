/* backup_offsite.c: the off-site copy of backups in an S3-compatible store
 * (s3.h): each backup is its two files under BACKUP_S3_PREFIX, the metadata
 * uploaded last, so a copy whose metadata is there is complete. */
#include "backup_offsite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup_keep.h"
#include "pool.h"
#include "s3.h"

static const char *
dump_name(struct pool *p, const char *id)
{
	return pool_printf(p, "edgescout-%s.dump.enc", id);
}

static const char *
meta_name(struct pool *p, const char *id)
{
	return pool_printf(p, "edgescout-%s.json", id);
}

int
backup_offsite_upload(struct pool *p, const char *id, backup_progress_fn progress,
                      char *err, size_t errlen)
{
	if (s3_put_file(p, s3_key(p, dump_name(p, id)), backup_dump_path(p, id), progress,
	                err, errlen) < 0 ||
	    s3_put_file(p, s3_key(p, meta_name(p, id)), backup_meta_path(p, id), NULL,
	                err, errlen) < 0)
		return -1;
	return 0;
}

int
backup_offsite_fetch(struct pool *p, const char *id, backup_progress_fn progress,
                     char *err, size_t errlen)
{
	if (!backup_id_valid(id)) {
		snprintf(err, errlen, "'%s' is not a backup id (YYYYMMDDTHHMMSSZ)", id);
		return -1;
	}
	if (access(backup_meta_path(p, id), F_OK) == 0) {
		snprintf(err, errlen, "backup %s is here already", id);
		return -1;
	}
	/* The dump first: the metadata makes the local copy listed. */
	if (s3_get_file(p, s3_key(p, dump_name(p, id)), backup_dump_path(p, id), progress,
	                err, errlen) < 0)
		return -1;
	if (s3_get_file(p, s3_key(p, meta_name(p, id)), backup_meta_path(p, id), NULL,
	                err, errlen) < 0) {
		unlink(backup_dump_path(p, id));
		return -1;
	}
	return 0;
}

static int
newest_first(const void *a, const void *b)
{
	return strcmp(*(const char *const *)b, *(const char *const *)a);
}

int
backup_offsite_list(struct pool *p, const char ***ids, char *err, size_t errlen)
{
	const char **keys, **out;
	const char *prefix = s3_key(p, "edgescout-");
	size_t plen = strlen(prefix);
	int n = s3_list(p, prefix, &keys, err, errlen), k = 0;

	if (n < 0)
		return -1;
	out = pool_alloc(p, ((size_t)n + 1) * sizeof(*out));
	for (int i = 0; i < n; i++) {
		const char *rest = keys[i] + plen;
		const char *id;

		if (strlen(rest) != BACKUP_ID_LEN + 5 || strcmp(rest + BACKUP_ID_LEN, ".json") != 0)
			continue;
		id = pool_strndup(p, rest, BACKUP_ID_LEN);
		if (backup_id_valid(id))
			out[k++] = id;
	}
	qsort(out, (size_t)k, sizeof(*out), newest_first);
	*ids = out;
	return k;
}

int
backup_offsite_prune(struct pool *p, const struct backup_policy *pol, int dry_run,
                     const char ***gone, int *ngone, char *err, size_t errlen)
{
	const char **ids;
	int n = backup_offsite_list(p, &ids, err, errlen), *keep;

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
		/* The metadata first: without it the copy is no longer listed. */
		if (!dry_run && (s3_delete(p, s3_key(p, meta_name(p, ids[i])), err, errlen) < 0 ||
		                 s3_delete(p, s3_key(p, dump_name(p, ids[i])), err, errlen) < 0))
			return -1;
		(*gone)[(*ngone)++] = ids[i];
	}
	return 0;
}
