/* backup_cmd.h: what the files of `edgescout backup` share. */
#ifndef EDGESCOUT_BACKUP_CMD_H
#define EDGESCOUT_BACKUP_CMD_H

#include "backup.h"

struct pool;

/* Print "edgescout: backup: msg" and the usage; returns 2. */
int backup_usage_error(const char *msg);

/* The progress display when stderr is a terminal, else NULL. */
backup_progress_fn backup_progress(void);

/* Load the backup key, printing why not: 0 or -1. */
int backup_load_key(struct backup_key *k);

/* `backup verify` and `backup restore`, given the arguments after "backup";
 * each returns the exit status. */
int backup_cmd_verify(struct pool *p, int argc, char **argv);
int backup_cmd_restore(struct pool *p, int argc, char **argv);

/* The off-site side (backup_offsite.c): upload, fetch, list --offsite, and
 * the copy after create and the pruning after prune (both nothing when no
 * store is configured; 0 or -1, printed). */
struct backup_policy;
int backup_cmd_upload(struct pool *p, int argc, char **argv);
int backup_cmd_fetch(struct pool *p, int argc, char **argv);
int backup_cmd_list_offsite(struct pool *p);
int backup_offsite_after_create(struct pool *p, const char *id);
int backup_offsite_prune_cmd(struct pool *p, const struct backup_policy *pol, int dry_run);

#endif
