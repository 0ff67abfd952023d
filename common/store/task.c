/* task.c: the asynchronous task queue in PostgreSQL. */
#include "task.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "pool.h"

#define TASK_COLUMNS \
	"t.id, t.user_id, t.kind, t.params::text, t.status, t.attempts, t.result::text, " \
	"t.error_code, t.error, t.worker, " DB_TIME("t.created_at") ", " \
	DB_TIME("t.started_at") ", " DB_TIME("t.finished_at")

static const char SQL_ENQUEUE[] =
	"WITH t AS (INSERT INTO tasks (user_id, kind, params) VALUES ($1, $2, $3::jsonb) "
	"           RETURNING id) "
	"SELECT id, pg_notify('" TASK_CHANNEL "', id::text) FROM t";

static const char SQL_GET[] =
	"SELECT " TASK_COLUMNS " FROM tasks t "
	"WHERE t.id = $1 AND ($2::bigint = 0 OR t.user_id = $2::bigint)";

/* The inner SELECT locks the row it returns and skips rows other claimers
 * hold: concurrent claims never wait and never take the same task. */
static const char SQL_CLAIM[] =
	"UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, "
	"  started_at = now(), worker = $1 "
	"WHERE t.id = (SELECT id FROM tasks WHERE status = 'queued' AND run_after <= now() "
	"              AND ($2::text IS NULL OR kind = $2) "
	"              ORDER BY run_after, id FOR UPDATE SKIP LOCKED LIMIT 1) "
	"RETURNING " TASK_COLUMNS;

static const char SQL_COMPLETE[] =
	"UPDATE tasks SET status = 'done', result = $3::json, finished_at = now() "
	"WHERE id = $1 AND attempts = $2 AND status = 'running'";

static const char SQL_FAIL[] =
	"UPDATE tasks SET "
	"  status = CASE WHEN $5 AND attempts < $6 THEN 'queued' ELSE 'failed' END, "
	"  run_after = CASE WHEN $5 AND attempts < $6 "
	"    THEN now() + make_interval(secs => least(power(2, attempts), $7)) "
	"    ELSE run_after END, "
	"  error_code = CASE WHEN $5 AND attempts < $6 THEN NULL ELSE $3 END, "
	"  error = CASE WHEN $5 AND attempts < $6 THEN NULL ELSE left($4, 500) END, "
	"  finished_at = CASE WHEN $5 AND attempts < $6 THEN NULL ELSE now() END "
	"WHERE id = $1 AND attempts = $2 AND status = 'running'";

static const char SQL_STUCK[] =
	"WITH stuck AS (SELECT id FROM tasks WHERE status = 'running' "
	"               AND started_at < now() - make_interval(secs => $1::double precision) "
	"               FOR UPDATE SKIP LOCKED) "
	"UPDATE tasks t SET "
	"  status = CASE WHEN t.attempts >= $2 THEN 'failed' ELSE 'queued' END, "
	"  error_code = CASE WHEN t.attempts >= $2 THEN 'SERVICE_UNAVAILABLE' END, "
	"  error = CASE WHEN t.attempts >= $2 THEN "
	"    format('the task timed out (%s attempts)', t.attempts) END, "
	"  finished_at = CASE WHEN t.attempts >= $2 THEN now() END, "
	"  run_after = now() "
	"FROM stuck WHERE t.id = stuck.id RETURNING t.status";

/* A nullable column as a pool string, or NULL. */
static const char *
text_or_null(struct pool *p, const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : pool_strdup(p, db_text(res, row, col));
}

static void
read_task(struct pool *p, const PGresult *res, struct task *t)
{
	t->id = db_int(res, 0, 0);
	t->user_id = db_int(res, 0, 1);
	t->kind = pool_strdup(p, db_text(res, 0, 2));
	t->params = pool_strdup(p, db_text(res, 0, 3));
	t->status = pool_strdup(p, db_text(res, 0, 4));
	t->attempts = (int)db_int(res, 0, 5);
	t->result = text_or_null(p, res, 0, 6);
	t->error_code = text_or_null(p, res, 0, 7);
	t->error = text_or_null(p, res, 0, 8);
	t->worker = text_or_null(p, res, 0, 9);
	t->created_at = pool_strdup(p, db_text(res, 0, 10));
	t->started_at = text_or_null(p, res, 0, 11);
	t->finished_at = text_or_null(p, res, 0, 12);
}

int
task_enqueue(struct pool *p, int64_t user_id, const char *kind, const char *params,
    int64_t *id)
{
	PGresult *res = db_query(p, SQL_ENQUEUE, DB_ARGS(db_i64(p, user_id), kind, params));

	*id = 0;
	if (res == NULL || PQntuples(res) != 1)
		return -1;
	*id = db_int(res, 0, 0);
	return 0;
}

/* The task of res (a query of at most one row) into out, *found 1 when
 * there was one; 0, or -1 when the query failed (res NULL). */
static int
one_task(struct pool *p, const PGresult *res, struct task *out, int *found)
{
	memset(out, 0, sizeof(*out));
	*found = 0;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		read_task(p, res, out);
		*found = 1;
	}
	return 0;
}

int
task_get(struct pool *p, int64_t id, int64_t user_id, struct task *out, int *found)
{
	return one_task(p, db_query(p, SQL_GET, DB_ARGS(db_i64(p, id), db_i64(p, user_id))),
	                out, found);
}

int
task_claim(struct pool *p, const char *worker, const char *kind, struct task *out,
    int *found)
{
	return one_task(p, db_query(p, SQL_CLAIM, DB_ARGS(worker, kind)), out, found);
}

/* Run an update of one claimed task: 0 done, 1 the claim is gone, -1. */
static int
update_claimed(PGresult *res)
{
	if (res == NULL)
		return -1;
	return atoi(PQcmdTuples(res)) == 1 ? 0 : 1;
}

int
task_complete(struct pool *p, int64_t id, int attempt, const char *result)
{
	return update_claimed(db_query(p, SQL_COMPLETE,
	    DB_ARGS(db_i64(p, id), db_i64(p, attempt), result)));
}

int
task_fail(struct pool *p, int64_t id, int attempt, const char *code, const char *message,
    int retry, int max_attempts)
{
	return update_claimed(db_query(p, SQL_FAIL,
	    DB_ARGS(db_i64(p, id), db_i64(p, attempt), code, message, retry ? "t" : "f",
	            db_i64(p, max_attempts), db_i64(p, TASK_BACKOFF_MAX))));
}

int
task_requeue_stuck(struct pool *p, int timeout_s, int max_attempts, int *requeued,
    int *failed)
{
	PGresult *res = db_query(p, SQL_STUCK, DB_ARGS(db_i64(p, timeout_s),
	                                               db_i64(p, max_attempts)));
	int q = 0, f = 0;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (strcmp(db_text(res, i, 0), "queued") == 0)
			q++;
		else
			f++;
	}
	if (q + f > 0)
		log_kv(LOG_WARN, "tasks: stuck tasks swept", "requeued", db_i64(p, q),
		       "failed", db_i64(p, f), NULL);
	if (requeued)
		*requeued = q;
	if (failed)
		*failed = f;
	return 0;
}
