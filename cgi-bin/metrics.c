/* metrics.c: Prometheus metrics: every binary's requests and workers, the
 * build, the database and the live stream's subscribers. Only for
 * addresses in METRICS_ALLOW. */
#include "app.h"

#include <inttypes.h>
#include <math.h>

#include "build_info.h"
#include "job.h"
#include "metrics.h"
#include "ops_metrics.h"
#include "stream_pub.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#define SQL_DB_CONNECTIONS \
	"SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity " \
	"WHERE datname = current_database() GROUP BY 1 ORDER BY 1"
#define SQL_DB_SIZE "SELECT pg_database_size(current_database())"

static int metrics_get(struct req *r);

static const struct route routes[] = {
	{ .method = "GET", .path = "/metrics", .handler = metrics_get,
	  .flags = INTERNAL_ONLY | RL_NONE, .reply = "str", .media = "text/plain",
	  .summary = "Prometheus text format, from METRICS_ALLOW networks only" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static void
write_build_info(struct buf *out)
{
	metrics_family(out, "edgescout_build_info", "gauge",
	               "Version, commit and build time of the running build (always 1).");
	buf_puts(out, "edgescout_build_info{version=\"");
	metrics_label_value(out, build_version);
	buf_puts(out, "\",commit=\"");
	metrics_label_value(out, build_commit);
	buf_puts(out, "\",build_time=\"");
	metrics_label_value(out, build_time);
	buf_puts(out, "\"} 1\n");
}

/* The database gauges; when it is down, db_up is 0 and the others are empty.
 * Returns 1 when it answered. */
static int
write_database(struct req *r, struct buf *out)
{
	double t0 = clock_now();
	PGresult *conns = db_query(r->pool, SQL_DB_CONNECTIONS, DB_NOARGS);
	PGresult *size = conns ? db_query(r->pool, SQL_DB_SIZE, DB_NOARGS) : NULL;
	double took = clock_now() - t0;

	metrics_family(out, "edgescout_db_up", "gauge",
	               "1 when the database answered this scrape, else 0.");
	buf_printf(out, "edgescout_db_up %d\n", conns != NULL);

	metrics_family(out, "edgescout_db_connections", "gauge",
	               "Connections to the application database by state.");
	for (int i = 0; conns && i < PQntuples(conns); i++) {
		buf_puts(out, "edgescout_db_connections{state=\"");
		metrics_label_value(out, db_text(conns, i, 0));
		buf_printf(out, "\"} %" PRId64 "\n", db_int(conns, i, 1));
	}

	metrics_family(out, "edgescout_db_size_bytes", "gauge",
	               "Size of the application database on disk.");
	if (size && PQntuples(size) == 1)
		buf_printf(out, "edgescout_db_size_bytes %" PRId64 "\n", db_int(size, 0, 0));

	metrics_family(out, "edgescout_db_scrape_duration_seconds", "gauge",
	               "Time the database queries of this scrape took.");
	buf_printf(out, "edgescout_db_scrape_duration_seconds %.6f\n", took);
	return conns != NULL;
}

/* One gauge or counter family of the jobs, a sample per job where value()
 * has one (>= 0). */
static void
write_job_family(struct buf *out, const struct job_status *jobs, int n, const char *name,
                 const char *type, const char *help, double (*value)(const struct job_status *))
{
	metrics_family(out, name, type, help);
	for (int i = 0; i < n; i++) {
		double v = value(&jobs[i]);

		if (v < 0)
			continue;
		buf_printf(out, "%s{job=\"", name);
		metrics_label_value(out, jobs[i].name);
		buf_printf(out, v == floor(v) ? "\"} %.0f\n" : "\"} %.6f\n", v);
	}
}

static double job_success(const struct job_status *j) { return j->last_success_epoch; }
static double job_duration(const struct job_status *j) { return j->last_duration; }
static double job_items(const struct job_status *j) { return (double)j->last_items; }
static double job_failures(const struct job_status *j) { return (double)j->failures; }
static double job_stale(const struct job_status *j) { return j->installed ? j->stale : -1; }

/* The job gauges from job_runs (empty families when the database is down). */
static void
write_jobs(struct req *r, struct buf *out, int db_up)
{
	struct job_status *jobs = NULL;
	int n = db_up ? job_status_list(r->pool, &jobs) : -1;

	write_job_family(out, jobs, n, "edgescout_job_last_success_timestamp_seconds", "gauge",
	                 "Unix time the job last finished successfully.", job_success);
	write_job_family(out, jobs, n, "edgescout_job_last_duration_seconds", "gauge",
	                 "Duration of the job's last finished run.", job_duration);
	write_job_family(out, jobs, n, "edgescout_job_last_items", "gauge",
	                 "Items the job's last finished run processed.", job_items);
	write_job_family(out, jobs, n, "edgescout_job_failures_total", "counter",
	                 "Failed runs of the job on record.", job_failures);
	write_job_family(out, jobs, n, "edgescout_job_stale", "gauge",
	                 "1 when a scheduled job has not succeeded within twice its interval.",
	                 job_stale);
}

/* The live stream's gauges from nginx (nchan's stub status); stream_up 0
 * and empty families when it does not answer. */
static void
write_stream(struct req *r, struct buf *out)
{
	struct stream_counts c;
	int up = stream_counts(r->pool, &c) == 0;

	metrics_family(out, "edgescout_stream_up", "gauge",
	               "1 when the live stream (nginx's nchan) answered this scrape, else 0.");
	buf_printf(out, "edgescout_stream_up %d\n", up);
	metrics_family(out, "edgescout_stream_subscribers", "gauge",
	               "Subscribers connected to the live stream (WebSocket and SSE).");
	if (up)
		buf_printf(out, "edgescout_stream_subscribers %lld\n", c.subscribers);
	metrics_family(out, "edgescout_stream_channels", "gauge",
	               "Live stream channels that exist now.");
	if (up)
		buf_printf(out, "edgescout_stream_channels %lld\n", c.channels);
}

/* GET /metrics: the text exposition format, 200 even when the database is
 * down (edgescout_db_up 0 says so). */
static int
metrics_get(struct req *r)
{
	struct buf out;
	int db_up;

	buf_init(&out, r->pool);
	write_build_info(&out);
	metrics_render(&out, metrics_dir(r->pool));   /* failure logged; families empty */
	db_up = write_database(r, &out);
	write_jobs(r, &out, db_up);
	ops_metrics_write(r->pool, &out, db_up);
	write_stream(r, &out);
	return reply_raw(r, 200, CONTENT_TYPE, buf_cstr(&out), out.len);
}
