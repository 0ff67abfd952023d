/* job_status.c: what job_runs and job_schedules say about every job: the
 * last run, the last success, failures, and whether the job is stale. */
#include "job.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "log.h"
#include "pool.h"

/* $1: the schedule table's names, in order; declared jobs follow by name. */
#define SQL_STATUS \
	"WITH names AS (SELECT unnest($1::text[]) AS job UNION SELECT job FROM job_schedules) " \
	"SELECT n.job, coalesce(s.schedule, ''), s.job IS NOT NULL, " \
	"coalesce(" DB_TIME("s.installed_at") ", ''), " \
	"coalesce(extract(epoch FROM now() - s.installed_at)::float8, -1), " \
	"coalesce(" DB_TIME("l.started_at") ", ''), coalesce(" DB_TIME("l.finished_at") ", ''), " \
	"coalesce(l.status, ''), coalesce(l.items, -1), " \
	"coalesce(extract(epoch FROM l.finished_at - l.started_at)::float8, -1), " \
	"coalesce(l.error, ''), coalesce(" DB_TIME("ok.finished_at") ", ''), " \
	"coalesce(extract(epoch FROM ok.finished_at)::float8, -1), " \
	"coalesce(extract(epoch FROM now() - ok.finished_at)::float8, -1), " \
	"(SELECT count(*) FROM job_runs f WHERE f.job = n.job AND f.status = 'failed'), " \
	"(SELECT count(*) FROM job_runs f WHERE f.job = n.job AND f.status = 'failed' " \
	" AND f.started_at > now() - interval '1 day'), " \
	"(SELECT count(*) FROM job_runs f WHERE f.job = n.job AND f.status = 'skipped' " \
	" AND f.started_at > now() - interval '1 day') " \
	"FROM names n LEFT JOIN job_schedules s ON s.job = n.job " \
	"LEFT JOIN LATERAL (SELECT started_at, finished_at, status, items, error " \
	"  FROM job_runs r WHERE r.job = n.job AND r.status <> 'skipped' " \
	"  ORDER BY r.started_at DESC, r.id DESC LIMIT 1) l ON true " \
	"LEFT JOIN LATERAL (SELECT finished_at FROM job_runs r " \
	"  WHERE r.job = n.job AND r.status = 'ok' " \
	"  ORDER BY r.started_at DESC, r.id DESC LIMIT 1) ok ON true " \
	"ORDER BY array_position($1::text[], n.job) NULLS LAST, n.job"

#define SQL_DECLARE \
	"INSERT INTO job_schedules (job, schedule) VALUES ($1, $2) " \
	"ON CONFLICT (job) DO UPDATE SET schedule = EXCLUDED.schedule, installed_at = now()"

/* The schedule table's names as a text[] literal. */
static const char *
names_array(struct pool *p)
{
	struct buf b;

	buf_init(&b, p);
	buf_putc(&b, '{');
	for (const struct job_schedule *s = job_schedules(); s->name != NULL; s++)
		buf_printf(&b, "%s%s", s == job_schedules() ? "" : ",", s->name);
	buf_putc(&b, '}');
	return buf_cstr(&b);
}

/* Staleness and state of j from the columns already read. */
static void
judge(struct job_status *j)
{
	double since = j->since_installed;

	if (j->since_success >= 0 && j->since_success < since)
		since = j->since_success;
	j->stale = j->installed && j->interval > 0 && since > 2.0 * (double)j->interval;
	if (!j->installed)
		j->state = "unscheduled";
	else if (j->stale)
		j->state = "stale";
	else if (strcmp(j->last_status, "failed") == 0)
		j->state = "failing";
	else if (j->last_success_epoch < 0)
		j->state = "pending";
	else
		j->state = "ok";
}

static void
read_row(struct pool *p, PGresult *res, int i, struct job_status *j)
{
	const char *sched;

	j->name = pool_strdup(p, db_text(res, i, 0));
	j->installed = strcmp(db_text(res, i, 2), "t") == 0;
	sched = j->installed ? db_text(res, i, 1) : job_schedule_of(j->name);
	j->schedule = pool_strdup(p, sched ? sched : "");
	if (job_cron_interval(j->schedule, &j->interval) < 0)
		j->interval = -1;
	j->installed_at = pool_strdup(p, db_text(res, i, 3));
	j->since_installed = strtod(db_text(res, i, 4), NULL);
	j->last_started_at = pool_strdup(p, db_text(res, i, 5));
	j->last_finished_at = pool_strdup(p, db_text(res, i, 6));
	j->last_status = pool_strdup(p, db_text(res, i, 7));
	j->last_items = db_int(res, i, 8);
	j->last_duration = strtod(db_text(res, i, 9), NULL);
	j->last_error = pool_strdup(p, db_text(res, i, 10));
	j->last_success_at = pool_strdup(p, db_text(res, i, 11));
	j->last_success_epoch = strtod(db_text(res, i, 12), NULL);
	j->since_success = strtod(db_text(res, i, 13), NULL);
	j->failures = db_int(res, i, 14);
	j->failures_24h = db_int(res, i, 15);
	j->skipped_24h = db_int(res, i, 16);
	judge(j);
}

int
job_status_list(struct pool *p, struct job_status **out)
{
	PGresult *res = db_query(p, SQL_STATUS, DB_ARGS(names_array(p)));
	struct job_status *jobs;
	int n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	jobs = pool_alloc(p, sizeof(*jobs) * (size_t)(n ? n : 1));
	for (int i = 0; i < n; i++)
		read_row(p, res, i, &jobs[i]);
	*out = jobs;
	return n;
}

/* s as a JSON string, null when empty. */
static json_object *
text_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

json_object *
job_status_json(const struct job_status *j)
{
	json_object *o = json_object_new_object(), *last = NULL;

	json_object_object_add(o, "job", json_object_new_string(j->name));
	json_object_object_add(o, "schedule", text_or_null(j->schedule));
	json_object_object_add(o, "interval_seconds",
	                       j->interval > 0 ? json_object_new_int64(j->interval) : NULL);
	json_object_object_add(o, "installed", json_object_new_boolean(j->installed));
	json_object_object_add(o, "installed_at", text_or_null(j->installed_at));
	json_object_object_add(o, "state", json_object_new_string(j->state));
	json_object_object_add(o, "stale", json_object_new_boolean(j->stale));
	if (j->last_status[0] != '\0') {
		last = json_object_new_object();
		json_object_object_add(last, "started_at", text_or_null(j->last_started_at));
		json_object_object_add(last, "finished_at", text_or_null(j->last_finished_at));
		json_object_object_add(last, "status", json_object_new_string(j->last_status));
		json_object_object_add(last, "items",
		                       j->last_items >= 0 ? json_object_new_int64(j->last_items) : NULL);
		json_object_object_add(last, "duration_seconds", j->last_duration >= 0 ?
		                       json_object_new_double(j->last_duration) : NULL);
		json_object_object_add(last, "error", text_or_null(j->last_error));
	}
	json_object_object_add(o, "last_run", last);
	json_object_object_add(o, "last_success_at", text_or_null(j->last_success_at));
	json_object_object_add(o, "failures", json_object_new_int64(j->failures));
	json_object_object_add(o, "failures_24h", json_object_new_int64(j->failures_24h));
	json_object_object_add(o, "skipped_24h", json_object_new_int64(j->skipped_24h));
	return o;
}

int
job_declare(struct pool *p, const char *name, const char *schedule)
{
	long secs;

	if (!job_name_valid(name) || job_cron_interval(schedule, &secs) < 0) {
		log_kv(LOG_ERROR, "not a job or schedule", "job", name ? name : "",
		       "schedule", schedule ? schedule : "", NULL);
		return -1;
	}
	return db_query(p, SQL_DECLARE, DB_ARGS(name, schedule)) ? 0 : -1;
}

int
job_undeclare(struct pool *p, const char *name)
{
	return db_query(p, "DELETE FROM job_schedules WHERE job = $1", DB_ARGS(name)) ? 0 : -1;
}
