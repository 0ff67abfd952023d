/* backup_offsite.h: backups copied to and fetched from the S3-compatible
 * store of s3.h (when s3_configured()). Functions return 0, or -1 with a
 * one-line reason in err. */
#ifndef EDGESCOUT_BACKUP_OFFSITE_H
#define EDGESCOUT_BACKUP_OFFSITE_H

#include "backup.h"

struct backup_policy;

/* Upload local backup id: its dump, then its metadata. */
int backup_offsite_upload(struct pool *p, const char *id, backup_progress_fn progress,
                          char *err, size_t errlen);

/* Download backup id into BACKUP_DIR (refused when it is there already). */
int backup_offsite_fetch(struct pool *p, const char *id, backup_progress_fn progress,
                         char *err, size_t errlen);

/* The ids of the off-site backups (those with metadata), newest first;
 * the count, or -1. */
int backup_offsite_list(struct pool *p, const char ***ids, char *err, size_t errlen);

/* Delete the off-site backups pol does not keep (dry_run: only name them). */
int backup_offsite_prune(struct pool *p, const struct backup_policy *pol, int dry_run,
                         const char ***gone, int *ngone, char *err, size_t errlen);

#endif
