/* backup.h: encrypted backups of the database and their metadata.
 *
 * A backup is two files in BACKUP_DIR (default DATA_DIR/backups) named by its id (the UTC time it was
 * taken, "20261206T051500Z"):
 *   edgescout-ID.dump.enc  `pg_dump -Fc` of the database, encrypted with
 *                          crypto_secretstream_xchacha20poly1305 under the
 *                          backup key (BACKUP_KEY or BACKUP_KEY_FILE);
 *   edgescout-ID.json      its metadata: time, schema and edgescout versions,
 *                          every table's row count and content checksum (read
 *                          in the dump's own snapshot), size and SHA-256 of
 *                          the encrypted file, and the key's fingerprint.
 * The encrypted file is written under a temporary name and renamed into place
 * once complete and synced, so a failure (disk full) leaves the earlier
 * backups as they were and no partial one.
 *
 * Functions return 0, or -1 with a one-line reason in err (never a secret). */
#ifndef EDGESCOUT_BACKUP_H
#define EDGESCOUT_BACKUP_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

struct pg_conn;
struct pool;

#define BACKUP_KEY_BYTES 32
#define BACKUP_ID_LEN 16        /* YYYYMMDDTHHMMSSZ */
#define BACKUP_ERR_MAX 512

/* The backup key and its public fingerprint (16 hex digits). */
struct backup_key {
	unsigned char key[BACKUP_KEY_BYTES];
	char fingerprint[17];
};

/* One table as a backup saw it. */
struct backup_table {
	const char *name;            /* schema.table, quoted where needed */
	int64_t rows;
	const char *checksum;        /* md5 over the sorted md5 of each row's text */
};

/* A backup's metadata (pool memory). */
struct backup_meta {
	const char *id;
	const char *created_at;      /* RFC 3339 UTC */
	const char *schema_version;  /* "012" */
	const char *version;         /* edgescout version */
	const char *key_id;          /* fingerprint of the key it was made with */
	int64_t size;                /* bytes of the encrypted file */
	char sha256[65];             /* hex SHA-256 of the encrypted file */
	struct backup_table *tables;
	size_t ntables;
};

/* Progress of a long copy: called with the bytes done so far. */
typedef void (*backup_progress_fn)(const char *what, int64_t bytes, int done);

/* ---- the key and the stream (backup_crypt.c) ----------------------------- */

/* Load the key from BACKUP_KEY (64 hex digits) or else BACKUP_KEY_FILE (a
 * file holding 64 hex digits). -1 when neither gives a key. The caller
 * sodium_memzero()s it when done. */
int backup_key_load(struct backup_key *k, char *err, size_t errlen);

/* Encrypt everything readable from in_fd into out_fd (header, then chunks);
 * the SHA-256 of what was written into sha256 (hex) and its size into
 * *size. A failed write says whether the disk was full. */
int backup_encrypt_fd(const struct backup_key *k, int in_fd, int out_fd,
                      backup_progress_fn progress, char sha256[65], int64_t *size,
                      char *err, size_t errlen);

/* Decrypt the file at in_fd into out_fd (out_fd -1: decrypt and discard;
 * a pipe whose reader stopped early is let go, the rest still decrypted and
 * checked, and the reader's exit status judges; SIGPIPE must be ignored).
 * -1 for the wrong key, a damaged or truncated file, or a failed write. */
int backup_decrypt_fd(const struct backup_key *k, int in_fd, int out_fd,
                      backup_progress_fn progress, char *err, size_t errlen);

/* Hex SHA-256 of the file at path into out. */
int backup_file_sha256(const char *path, char out[65], char *err, size_t errlen);

/* ---- child processes (backup_proc.c) ------------------------------------- */

/* A libpq connection string without its password, with dbname replaced when
 * dbname is not NULL; the password, if any, into *password (both pool
 * memory). NULL when conninfo does not parse. */
char *backup_conninfo(struct pool *p, const char *conninfo, const char *dbname,
                      const char **password);

/* Start argv[0] (found on PATH) with PGPASSWORD=password when not NULL, its
 * stdin reading *in_fd or its stdout writing *out_fd when that is -1 on
 * entry (the other end of a new pipe is returned there). The child pid, or
 * -1. */
int backup_spawn(char *const argv[], const char *password, int *in_fd, int *out_fd,
                 char *err, size_t errlen);

/* Wait for pid; 0 when it exited 0, else -1 with what into err. */
int backup_wait(int pid, const char *what, char *err, size_t errlen);

/* ---- metadata (backup_meta.c) -------------------------------------------- */

/* BACKUP_DIR (default DATA_DIR/backups), and the paths of a backup's two
 * files (pool memory). */
const char *backup_dir(void);
const char *backup_dump_path(struct pool *p, const char *id);
const char *backup_meta_path(struct pool *p, const char *id);

/* 1 when id has the shape YYYYMMDDTHHMMSSZ. */
int backup_id_valid(const char *id);

/* m as JSON (the caller owns it), and back. */
json_object *backup_meta_json(const struct backup_meta *m);
int backup_meta_read(struct pool *p, const char *id, struct backup_meta *m, char *err,
                     size_t errlen);

/* Write m next to its dump (temporary file, fsync, rename). */
int backup_meta_write(struct pool *p, const struct backup_meta *m, char *err,
                      size_t errlen);

/* The ids of the backups in BACKUP_DIR (those with both files), newest first.
 * Returns the count, or -1. */
int backup_list(struct pool *p, const char ***ids, char *err, size_t errlen);

/* Delete a backup's two files. */
int backup_delete(struct pool *p, const char *id, char *err, size_t errlen);

/* ---- the database side (backup_db.c) ------------------------------------- */

/* Every table's row count and content checksum on connection c (inside the
 * transaction and snapshot it is in), sorted by name, into m. */
int backup_table_stats(struct pool *p, struct pg_conn *c, struct backup_meta *m, char *err,
                       size_t errlen);

/* ---- the operations (backup_create.c, backup_restore.c) ------------------ */

/* Take a backup of the database of DATABASE_OWNER_URL into BACKUP_DIR; its
 * metadata into *m. */
int backup_create(struct pool *p, const struct backup_key *k, backup_progress_fn progress,
                  struct backup_meta *m, char *err, size_t errlen);

/* Check backup id: its checksum, that it decrypts, and that `pg_restore
 * --list` reads it. */
int backup_verify(struct pool *p, const struct backup_key *k, const char *id,
                  backup_progress_fn progress, char *err, size_t errlen);

/* Restore backup id into the database dbname of the server of
 * DATABASE_ADMIN_URL: created when missing (backup_target_prepare); one that
 * holds tables is refused unless replace is 1, and then the backup goes into
 * a fresh database that takes dbname's place only once restored
 * (backup_target_swap), first closing *hold (the jobs' session, in dbname
 * when dbname is the live database; NULL for none). */
int backup_restore(struct pool *p, const struct backup_key *k, const char *id,
                   const char *dbname, int replace, struct pg_conn **hold,
                   backup_progress_fn progress, char *err, size_t errlen);

/* ---- target databases (backup_target.c) ---------------------------------- */

/* Make sure database dbname exists on the server of DATABASE_ADMIN_URL:
 * when missing, created owned by DATABASE_OWNER_URL's role with the
 * privileges `edgescout db init` gives (CONNECT for DATABASE_URL's role
 * only); *nonempty says whether it holds tables. */
int backup_target_prepare(struct pool *p, const char *dbname, int *nonempty, char *err,
                          size_t errlen);

/* Put database fresh in the place of dbname: dbname stops taking
 * connections, its sessions end, it is renamed away, fresh takes its name,
 * and the old one is dropped. On failure dbname is left as it was. */
int backup_target_swap(struct pool *p, const char *fresh, const char *dbname, char *err,
                       size_t errlen);

/* Compare database dbname (server of DATABASE_ADMIN_URL) with m's tables:
 * 0 when every table's rows and checksum match, else -1 naming the first
 * difference. */
int backup_compare(struct pool *p, const char *dbname, const struct backup_meta *m,
                   char *err, size_t errlen);

/* ---- around the operations (backup_ops.c) ------------------------------- */

struct backup_policy;

/* Keep every scheduled job from running: take each job's advisory lock on a
 * session of DATABASE_URL (waiting up to wait_s seconds for a running job),
 * so instances that start meanwhile skip. The session, or NULL. Release
 * with backup_release_jobs(). */
struct pg_conn *backup_hold_jobs(int wait_s, char *err, size_t errlen);
void backup_release_jobs(struct pg_conn *c);

/* Drop database dbname (server of DATABASE_ADMIN_URL). */
int backup_drop_database(struct pool *p, const char *dbname, char *err, size_t errlen);

/* The policy of BACKUP_KEEP_DAILY (30), BACKUP_KEEP_WEEKLY (8) and
 * BACKUP_KEEP_MONTHLY (12). */
void backup_policy_from_config(struct backup_policy *pol);

/* Delete the backups pol does not keep (only count them when dry_run); the
 * ids deleted into *gone (pool memory, newest first), their count into
 * *ngone. */
int backup_prune(struct pool *p, const struct backup_policy *pol, int dry_run,
                 const char ***gone, int *ngone, char *err, size_t errlen);

/* The newest backup's id into *id, or -1 when there is none. */
int backup_latest(struct pool *p, const char **id, char *err, size_t errlen);

#endif
