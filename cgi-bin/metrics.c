/* metrics.c: Prometheus metrics: every binary's requests and workers, the
 * build, and the database. Only for addresses in METRICS_ALLOW. */
#include "app.h"

#include <inttypes.h>

#include "build_info.h"
#include "metrics.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#define SQL_DB_CONNECTIONS \
	"SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity " \
	"WHERE datname = current_database() GROUP BY 1 ORDER BY 1"
#define SQL_DB_SIZE "SELECT pg_database_size(current_database())"

static int metrics_get(struct req *r);

static const struct route routes[] = {
	{ "GET", "/metrics", metrics_get, INTERNAL_ONLY | RL_NONE },
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

/* The database gauges; when it is down, db_up is 0 and the others are empty. */
static void
write_database(struct req *r, struct buf *out)
{
	double t0 = app_now();
	PGresult *conns = db_query(r->pool, SQL_DB_CONNECTIONS, DB_NOARGS);
	PGresult *size = conns ? db_query(r->pool, SQL_DB_SIZE, DB_NOARGS) : NULL;
	double took = app_now() - t0;

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
}

/* GET /metrics: the text exposition format, 200 even when the database is
 * down (edgescout_db_up 0 says so). */
static int
metrics_get(struct req *r)
{
	struct buf out;

	buf_init(&out, r->pool);
	write_build_info(&out);
	metrics_render(&out, metrics_dir(r->pool));   /* failure logged; families empty */
	write_database(r, &out);
	return reply_raw(r, 200, CONTENT_TYPE, buf_cstr(&out), out.len);
}
