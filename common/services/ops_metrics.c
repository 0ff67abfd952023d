/* ops_metrics.c: disk, backup and provider gauges for /metrics. */
#include "ops_metrics.h"

#include <inttypes.h>
#include <sys/statvfs.h>

#include "backup.h"
#include "backup_keep.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "metrics.h"

/* Failed calls since each recently called provider's last good one. */
#define SQL_PROVIDER_FAILURES \
	"SELECT p.provider, (SELECT count(*) FROM provider_calls c WHERE c.provider = " \
	"p.provider AND NOT c.ok AND c.at > coalesce((SELECT max(o.at) FROM provider_calls o " \
	"WHERE o.provider = p.provider AND o.ok), '-infinity')) FROM (SELECT DISTINCT provider " \
	"FROM provider_calls WHERE at > now() - interval '24 hours') p ORDER BY 1"

static void
write_disk(struct buf *out)
{
	static const struct { const char *label, *key; } dirs[] = {
		{ "data", "DATA_DIR" }, { "backup", "BACKUP_DIR" },
	};
	struct statvfs st[2];
	int ok[2];

	for (int i = 0; i < 2; i++) {
		const char *d = config_get(dirs[i].key);

		ok[i] = d != NULL && *d != '\0' && statvfs(d, &st[i]) == 0;
	}
	metrics_family(out, "edgescout_disk_free_bytes", "gauge",
	               "Bytes free to unprivileged users on the file system of the directory.");
	for (int i = 0; i < 2; i++)
		if (ok[i])
			buf_printf(out, "edgescout_disk_free_bytes{dir=\"%s\"} %llu\n", dirs[i].label,
			           (unsigned long long)st[i].f_bavail * st[i].f_frsize);
	metrics_family(out, "edgescout_disk_size_bytes", "gauge",
	               "Size of the file system of the directory.");
	for (int i = 0; i < 2; i++)
		if (ok[i])
			buf_printf(out, "edgescout_disk_size_bytes{dir=\"%s\"} %llu\n", dirs[i].label,
			           (unsigned long long)st[i].f_blocks * st[i].f_frsize);
}

/* The newest backup's time (from its id) and size. */
static void
write_backup(struct pool *p, struct buf *out)
{
	const char **ids;
	char err[BACKUP_ERR_MAX];
	struct backup_meta m;
	int n = backup_list(p, &ids, err, sizeof(err));
	int have = n > 0 && backup_meta_read(p, ids[0], &m, err, sizeof(err)) == 0;

	metrics_family(out, "edgescout_backup_last_timestamp_seconds", "gauge",
	               "Unix time the newest backup in BACKUP_DIR was taken.");
	if (have)
		buf_printf(out, "edgescout_backup_last_timestamp_seconds %lld\n",
		           backup_id_epoch(m.id));
	metrics_family(out, "edgescout_backup_last_size_bytes", "gauge",
	               "Size of the newest backup's encrypted file.");
	if (have)
		buf_printf(out, "edgescout_backup_last_size_bytes %" PRId64 "\n", m.size);
}

static void
write_providers(struct pool *p, struct buf *out, int db_up)
{
	PGresult *res = db_up ? db_query(p, SQL_PROVIDER_FAILURES, DB_NOARGS) : NULL;

	metrics_family(out, "edgescout_provider_consecutive_failures", "gauge",
	               "Failed calls to the provider since its last good one (providers "
	               "called in the last 24 h).");
	for (int i = 0; res != NULL && i < PQntuples(res); i++) {
		buf_puts(out, "edgescout_provider_consecutive_failures{provider=\"");
		metrics_label_value(out, db_text(res, i, 0));
		buf_printf(out, "\"} %" PRId64 "\n", db_int(res, i, 1));
	}
}

void
ops_metrics_write(struct pool *p, struct buf *out, int db_up)
{
	write_disk(out);
	write_backup(p, out);
	write_providers(p, out, db_up);
}
