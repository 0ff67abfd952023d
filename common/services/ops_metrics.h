/* ops_metrics.h: the operations gauges of /metrics that alert rules need
 * beyond requests and jobs: free disk, the newest backup, providers failing
 * in a row. */
#ifndef EDGESCOUT_OPS_METRICS_H
#define EDGESCOUT_OPS_METRICS_H

struct buf;
struct pool;

/* Append the families edgescout_disk_free_bytes and edgescout_disk_size_bytes
 * (dir="data" for DATA_DIR, dir="backup" for BACKUP_DIR, each when statvfs
 * can tell), edgescout_backup_last_timestamp_seconds and
 * edgescout_backup_last_size_bytes (the newest backup in BACKUP_DIR, when
 * this process can read it), and, when db_up, edgescout_provider_consecutive_
 * failures{provider} (failed calls since the last good one, for providers
 * called in the last 24 h). Families with no sample are still declared. */
void ops_metrics_write(struct pool *p, struct buf *out, int db_up);

#endif
