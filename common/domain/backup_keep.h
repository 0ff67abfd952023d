/* backup_keep.h: which backups a retention policy keeps. */
#ifndef EDGESCOUT_BACKUP_KEEP_H
#define EDGESCOUT_BACKUP_KEEP_H

#include <stddef.h>

/* How many of each period's newest backup to keep. */
struct backup_policy {
	int daily;      /* the newest backup of each of the last `daily` days that have one */
	int weekly;     /* ... of each of the last `weekly` ISO weeks */
	int monthly;    /* ... of each of the last `monthly` calendar months */
};

/* For ids (YYYYMMDDTHHMMSSZ, sorted newest first), set keep[i] to 1 for
 * each backup the policy keeps, else 0. The newest backup is always kept. */
void backup_keep(const char *const *ids, size_t n, const struct backup_policy *pol,
                 int *keep);

/* The ISO 8601 week of a date as year * 100 + week (2026-12-31 -> 202653). */
int backup_iso_week(int year, int month, int day);

/* The Unix time of a backup id (YYYYMMDDTHHMMSSZ, UTC); -1 when malformed. */
long long backup_id_epoch(const char *id);

#endif
