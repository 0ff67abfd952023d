/* workers.c: the scheduled jobs as job_runs and job_schedules see them, for
 * admins (the reply carries error texts and timings). Probes without an
 * account have the jobs component of /health/detailed and the job gauges of
 * /metrics. */
#include "app.h"

#include <string.h>

#include "job.h"

static int workers_health(struct req *r);

#define JOB "{job:str, schedule:str?, interval_seconds:int?, installed:bool, " \
	"installed_at:str?, state:str, stale:bool, last_run:{started_at:str?, " \
	"finished_at:str?, status:str, items:int?, duration_seconds:num?, error:str?}?, " \
	"last_success_at:str?, failures:int, failures_24h:int, skipped_24h:int}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/workers/health", .handler = workers_health,
	  .flags = NEED_ADMIN | NO_API_KEY, .status_also = 503,
	  .reply = "{status:str(healthy|degraded), stale:[str], jobs:[" JOB "]}",
	  .summary = "every scheduled job's runs (503 when one is stale)" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* Every job: last start, finish, status, items, duration, error, last
 * success, failures, and stale when overdue against its schedule; 503 with
 * the same body when any job is stale. */
static int
workers_health(struct req *r)
{
	json_object *o, *jobs, *stale;
	struct job_status *list;
	int n;

	if ((n = job_status_list(r->pool, &list)) < 0)
		return reply_error(r, strncmp(db_sqlstate(), "08", 2) == 0 ? ERR_DB_UNAVAILABLE :
		                   ERR_INTERNAL, NULL, NULL);
	o = pool_json_object(r->pool);
	jobs = json_object_new_array();
	stale = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object_array_add(jobs, job_status_json(&list[i]));
		if (list[i].stale)
			json_object_array_add(stale, json_object_new_string(list[i].name));
	}
	json_object_object_add(o, "status", json_object_new_string(
		json_object_array_length(stale) ? "degraded" : "healthy"));
	json_object_object_add(o, "stale", stale);
	json_object_object_add(o, "jobs", jobs);
	return reply_json(r, json_object_array_length(stale) ? 503 : 200, o);
}
