/* s3.h: the off-site copy of backups in an S3-compatible store, through
 * libcurl with CURLOPT_AWS_SIGV4 (path-style URLs: ENDPOINT/BUCKET/KEY).
 *
 * Settings: BACKUP_S3_ENDPOINT (https://s3.eu-west-1.amazonaws.com, or any
 * S3-compatible server), BACKUP_S3_BUCKET, BACKUP_S3_REGION (us-east-1),
 * BACKUP_S3_ACCESS_KEY, BACKUP_S3_SECRET_KEY, BACKUP_S3_PREFIX ("edgescout/"),
 * BACKUP_S3_PART_MB (files larger than this go up in parts of this size,
 * multipart; 16). Payloads are sent as UNSIGNED-PAYLOAD: their integrity
 * rests on TLS and, for backups, on the SHA-256 in their metadata.
 *
 * Functions return 0, or -1 with a one-line reason in err (never a key). */
#ifndef EDGESCOUT_S3_H
#define EDGESCOUT_S3_H

#include <stddef.h>
#include <stdint.h>

#include "backup.h"

struct pool;

/* 1 when BACKUP_S3_ENDPOINT and BACKUP_S3_BUCKET are set. */
int s3_configured(void);

/* Upload the file at path as object key; multipart above the part size. */
int s3_put_file(struct pool *p, const char *key, const char *path,
                backup_progress_fn progress, char *err, size_t errlen);

/* Download object key into path (written under path.tmp, then renamed). */
int s3_get_file(struct pool *p, const char *key, const char *path,
                backup_progress_fn progress, char *err, size_t errlen);

/* Delete object key (a missing object is no error). */
int s3_delete(struct pool *p, const char *key, char *err, size_t errlen);

/* The keys under prefix, in the store's order, into *keys (pool memory).
 * Returns the count, or -1. */
int s3_list(struct pool *p, const char *prefix, const char ***keys, char *err,
            size_t errlen);

/* The text of the first <tag>...</tag> of an S3 reply from *from on (the
 * five XML entities decoded; pool memory), advancing *from past it; NULL
 * when there is none. */
const char *s3_xml_next(struct pool *p, const char *tag, const char **from);

/* BACKUP_S3_PREFIX followed by name. */
const char *s3_key(struct pool *p, const char *name);

#endif
