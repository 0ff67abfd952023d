/* test_task_db.c: the task queue (common/store/task.h) on the test stack's
 * database: enqueue and its NOTIFY, claims that skip rows another
 * connection holds, many processes claiming at once, complete, fail with
 * and without retries, and the sweep of stuck tasks with its attempt cap.
 * Tests named *_db get the stack's EDGESCOUT_ENV_FILE. The queue is emptied
 * first: run it against a test stack only. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "analysis_db.h"
#include "app.h"
#include "market_store.h"
#include "task.h"

#define CHILDREN 4
#define MANY 40

static struct pool *pool;
static int64_t user_a, user_b;

static PGresult *
sql(const char *q)
{
	PGresult *res = db_query(pool, q, NULL, 0);

	if (res == NULL)
		fail_msg("query failed: %s", q);
	return res;
}

static int64_t
sql_int(const char *q, int64_t id)
{
	PGresult *res = db_query(pool, q, DB_ARGS(db_i64(pool, id)));

	assert_non_null(res);
	assert_int_equal(PQntuples(res), 1);
	return db_int(res, 0, 0);
}

static int64_t
new_user(const char *tag)
{
	PGresult *res = db_query(pool, "INSERT INTO users (email, password_hash) "
	                         "VALUES ($1 || '-' || md5(random()::text) || '@example.com', 'x') "
	                         "RETURNING id", DB_ARGS(tag));

	assert_non_null(res);
	return db_int(res, 0, 0);
}

static int
setup(void **state)
{
	(void)state;
	pool = pool_new();
	user_a = new_user("task-a");
	user_b = new_user("task-b");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_query(pool, "DELETE FROM users WHERE id IN ($1, $2)",
	         DB_ARGS(db_i64(pool, user_a), db_i64(pool, user_b)));
	pool_free(pool);
	db_close();
	return 0;
}

static int
test_setup(void **state)
{
	(void)state;
	sql("DELETE FROM tasks");
	return 0;
}

static int64_t
enqueue(int64_t user, const char *params)
{
	int64_t id;

	assert_int_equal(task_enqueue(pool, user, "analysis", params, &id), 0);
	assert_true(id > 0);
	return id;
}

/* A second connection of the app role, as another worker would hold. */
static PGconn *
other_conn(void)
{
	PGconn *c = PQconnectdb(config_get("DATABASE_URL"));

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	return c;
}

static void
other_exec(PGconn *c, const char *q)
{
	PGresult *res = PQexec(c, q);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(c));
	PQclear(res);
}

static void
test_enqueue_get_and_notify(void **state)
{
	PGconn *listener = other_conn();
	PGnotify *n = NULL;
	struct task t;
	int64_t id;
	int found;

	(void)state;
	other_exec(listener, "LISTEN " TASK_CHANNEL);
	id = enqueue(user_a, "{\"symbol\":\"AAPL\",\"strategy\":\"momentum\"}");
	for (int i = 0; i < 50 && n == NULL; i++) {
		PQconsumeInput(listener);
		if ((n = PQnotifies(listener)) == NULL)
			nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
	if (n == NULL)
		fail_msg("no notification on " TASK_CHANNEL);
	else {
		assert_string_equal(n->relname, TASK_CHANNEL);
		assert_int_equal(atoll(n->extra), id);
		PQfreemem(n);
	}
	PQfinish(listener);

	assert_int_equal(task_get(pool, id, user_a, &t, &found), 0);
	assert_true(found);
	assert_int_equal(t.id, id);
	assert_int_equal(t.user_id, user_a);
	assert_string_equal(t.kind, "analysis");
	assert_string_equal(t.status, "queued");
	assert_int_equal(t.attempts, 0);
	assert_string_equal(t.params, "{\"symbol\": \"AAPL\", \"strategy\": \"momentum\"}");
	assert_null(t.result);
	assert_null(t.error_code);
	assert_null(t.started_at);
	assert_null(t.finished_at);
	assert_int_equal(strlen(t.created_at), strlen("2024-01-01T00:00:00.000000Z"));
	/* another user's task is no task of theirs; user 0 means anyone's */
	assert_int_equal(task_get(pool, id, user_b, &t, &found), 0);
	assert_false(found);
	assert_int_equal(task_get(pool, id, 0, &t, &found), 0);
	assert_true(found);
	assert_int_equal(task_get(pool, id + 1000, user_a, &t, &found), 0);
	assert_false(found);
	/* params must be a JSON object: nothing is queued otherwise */
	assert_int_equal(task_enqueue(pool, user_a, "analysis", "[1]", &id), -1);
	assert_int_equal(task_enqueue(pool, user_a, "analysis", "{", &id), -1);
	assert_int_equal(task_enqueue(pool, user_a, "Bad Kind", "{}", &id), -1);
	assert_int_equal(sql_int("SELECT count(*) FROM tasks WHERE $1 > 0", 1), 1);
}

static void
test_claim_oldest_first_and_skip_locked(void **state)
{
	int64_t a = enqueue(user_a, "{\"n\":1}"), b = enqueue(user_b, "{\"n\":2}");
	int64_t c = enqueue(user_a, "{\"n\":3}");
	PGconn *other = other_conn();
	struct task t;
	struct timespec t0, t1;
	char lock[128];
	int found;

	(void)state;
	/* another worker, mid-claim, holds the oldest task's row */
	other_exec(other, "BEGIN");
	snprintf(lock, sizeof(lock), "SELECT id FROM tasks WHERE id = %lld FOR UPDATE",
	         (long long)a);
	other_exec(other, lock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(task_claim(pool, "worker-1", NULL, &t, &found), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(found);
	assert_int_equal(t.id, b);              /* skipped, not waited for */
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_string_equal(t.status, "running");
	assert_int_equal(t.attempts, 1);
	assert_string_equal(t.worker, "worker-1");
	assert_non_null(t.started_at);
	assert_string_equal(t.params, "{\"n\": 2}");
	assert_int_equal(task_claim(pool, "worker-1", NULL, &t, &found), 0);
	assert_int_equal(t.id, c);
	/* only the locked one is left: none, at once */
	assert_int_equal(task_claim(pool, "worker-1", NULL, &t, &found), 0);
	assert_false(found);
	other_exec(other, "ROLLBACK");
	PQfinish(other);
	assert_int_equal(task_claim(pool, "worker-2", "other_kind", &t, &found), 0);
	assert_false(found);                    /* a kind filter */
	assert_int_equal(task_claim(pool, "worker-2", "analysis", &t, &found), 0);
	assert_true(found);
	assert_int_equal(t.id, a);
	assert_int_equal(sql_int("SELECT count(*) FROM tasks WHERE status = 'running' "
	                         "AND attempts = $1", 1), 3);
}

/* In a child: claim until the queue is empty, completing each task and
 * writing its id to fd. */
static void
claim_all(int fd, int k)
{
	struct pool *p = pool_new();
	char worker[32];
	struct task t;
	int found;

	snprintf(worker, sizeof(worker), "child-%d", k);
	for (;;) {
		if (task_claim(p, worker, NULL, &t, &found) != 0)
			_exit(2);
		if (!found)
			break;
		if (task_complete(p, t.id, t.attempts, "{\"ok\":true}") != 0 ||
		    write(fd, &t.id, sizeof(t.id)) != (ssize_t)sizeof(t.id))
			_exit(3);
	}
	db_close();
	pool_free(p);
	_exit(0);
}

static void
test_concurrent_claims_take_distinct_tasks(void **state)
{
	int64_t ids[MANY], got[MANY * 2], id;
	int fds[2], n = 0, status;
	pid_t kids[CHILDREN];

	(void)state;
	for (int i = 0; i < MANY; i++)
		ids[i] = enqueue(i % 2 ? user_a : user_b, "{}");
	assert_int_equal(pipe(fds), 0);
	db_close();   /* children must not share the parent's connection */
	for (int k = 0; k < CHILDREN; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			close(fds[0]);
			claim_all(fds[1], k);
		}
	}
	close(fds[1]);
	while (n < MANY * 2 && read(fds[0], &id, sizeof(id)) == (ssize_t)sizeof(id))
		got[n++] = id;
	close(fds[0]);
	for (int k = 0; k < CHILDREN; k++) {
		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(n, MANY);              /* each task exactly once */
	for (int i = 0; i < MANY; i++) {
		int seen = 0;

		for (int j = 0; j < n; j++)
			seen += got[j] == ids[i];
		assert_int_equal(seen, 1);
	}
	assert_int_equal(sql_int("SELECT count(*) FROM tasks WHERE status = 'done' "
	                         "AND attempts = $1 AND result IS NOT NULL", 1), MANY);
}

static void
test_complete(void **state)
{
	int64_t id = enqueue(user_a, "{}");
	struct task t;
	int found;

	(void)state;
	assert_int_equal(task_claim(pool, "w", NULL, &t, &found), 0);
	assert_int_equal(t.id, id);
	assert_int_equal(task_complete(pool, id, 2, "{\"x\":1}"), 1);   /* not this claim */
	assert_int_equal(task_complete(pool, id, 1, "{\"score\":76.18}"), 0);
	assert_int_equal(task_complete(pool, id, 1, "{\"again\":1}"), 1);   /* finished */
	assert_int_equal(task_get(pool, id, user_a, &t, &found), 0);
	assert_string_equal(t.status, "done");
	assert_string_equal(t.result, "{\"score\":76.18}");
	assert_non_null(t.finished_at);
	assert_null(t.error_code);
	assert_int_equal(task_fail(pool, id, 1, "INTERNAL_ERROR", "late", 0, 3), 1);
	assert_int_equal(task_get(pool, id, user_a, &t, &found), 0);
	assert_string_equal(t.status, "done");
}

static void
test_fail_and_retry(void **state)
{
	int64_t id = enqueue(user_a, "{}"), other = enqueue(user_a, "{}");
	struct task t;
	int found;

	(void)state;
	/* no retry: failed for good */
	assert_int_equal(task_claim(pool, "w", NULL, &t, &found), 0);
	assert_int_equal(t.id, id);
	assert_int_equal(task_fail(pool, id, 1, "PROVIDER_UNAVAILABLE", "no provider", 0, 3), 0);
	assert_int_equal(task_get(pool, id, user_a, &t, &found), 0);
	assert_string_equal(t.status, "failed");
	assert_string_equal(t.error_code, "PROVIDER_UNAVAILABLE");
	assert_string_equal(t.error, "no provider");
	assert_non_null(t.finished_at);
	assert_null(t.result);

	/* retry while attempts remain: queued again after a backoff of 2^1 s */
	assert_int_equal(task_claim(pool, "w", NULL, &t, &found), 0);
	assert_int_equal(t.id, other);
	assert_int_equal(task_fail(pool, other, 1, "PROVIDER_UNAVAILABLE", "busy", 1, 2), 0);
	assert_int_equal(task_get(pool, other, user_a, &t, &found), 0);
	assert_string_equal(t.status, "queued");
	assert_null(t.error_code);
	assert_null(t.finished_at);
	assert_int_equal(sql_int("SELECT round(extract(epoch FROM run_after - now()))::int "
	                         "FROM tasks WHERE id = $1", other), 2);
	assert_int_equal(task_claim(pool, "w", NULL, &t, &found), 0);
	assert_false(found);                    /* not before its time */
	db_query(pool, "UPDATE tasks SET run_after = now() WHERE id = $1",
	         DB_ARGS(db_i64(pool, other)));
	assert_int_equal(task_claim(pool, "w", NULL, &t, &found), 0);
	assert_int_equal(t.id, other);
	assert_int_equal(t.attempts, 2);
	/* the last attempt: a retryable failure fails for good */
	assert_int_equal(task_fail(pool, other, 2, "PROVIDER_UNAVAILABLE", "busy", 1, 2), 0);
	assert_int_equal(task_get(pool, other, user_a, &t, &found), 0);
	assert_string_equal(t.status, "failed");
	assert_string_equal(t.error, "busy");
}

static void
test_requeue_stuck_with_attempt_cap(void **state)
{
	int64_t id = enqueue(user_a, "{}"), fresh = enqueue(user_b, "{}");
	struct task t, late;
	int found, requeued, failed;

	(void)state;
	assert_int_equal(task_claim(pool, "w1", NULL, &late, &found), 0);
	assert_int_equal(late.id, id);
	assert_int_equal(task_claim(pool, "w2", NULL, &t, &found), 0);
	assert_int_equal(t.id, fresh);          /* running, but within the timeout */
	for (int attempt = 1; attempt <= 3; attempt++) {
		db_query(pool, "UPDATE tasks SET started_at = now() - interval '10 minutes' "
		         "WHERE id = $1", DB_ARGS(db_i64(pool, id)));
		assert_int_equal(task_requeue_stuck(pool, 300, 3, &requeued, &failed), 0);
		assert_int_equal(task_get(pool, id, user_a, &t, &found), 0);
		if (attempt < 3) {
			assert_int_equal(requeued, 1);
			assert_int_equal(failed, 0);
			assert_string_equal(t.status, "queued");
			assert_int_equal(task_claim(pool, "w3", NULL, &t, &found), 0);
			assert_int_equal(t.id, id);
			assert_int_equal(t.attempts, attempt + 1);
		} else {
			assert_int_equal(requeued, 0);
			assert_int_equal(failed, 1);
			assert_string_equal(t.status, "failed");
			assert_string_equal(t.error_code, "SERVICE_UNAVAILABLE");
			assert_string_equal(t.error, "the task timed out (3 attempts)");
			assert_non_null(t.finished_at);
		}
	}
	/* the first claimer, back too late, cannot finish the task */
	assert_int_equal(task_complete(pool, id, late.attempts, "{}"), 1);
	assert_int_equal(task_get(pool, fresh, user_b, &t, &found), 0);
	assert_string_equal(t.status, "running");
	assert_int_equal(task_requeue_stuck(pool, 300, 3, NULL, NULL), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM tasks WHERE status = 'queued' "
	                         "AND $1 > 0", 1), 0);
}

/* A rising series of n bars from 2024-01-01 stored as symbol. */
static void
store_series(const char *symbol, int n)
{
	struct candles c = { pool_alloc(pool, sizeof(struct candle) * (size_t)n), (size_t)n };
	int changed;

	for (int i = 0; i < n; i++) {
		struct candle *k = &c.v[i];

		snprintf(k->date, sizeof(k->date), "2024-%02d-%02d", 1 + i / 28, 1 + i % 28);
		k->close = k->adjclose = 100 + i;
		k->open = k->close - 0.5;
		k->high = k->close + 1;
		k->low = k->open - 1;
		k->volume = 1000 + i;
	}
	assert_int_equal(market_store_candles(pool, symbol, "csv", &c, &changed), 0);
	assert_int_equal(changed, n);
}

static void
test_analysis_tasks_run_as_a_worker_would(void **state)
{
	char symbol[16], unknown[16], params[128];
	int64_t ok, bad, gone;
	struct task t;
	json_object *res, *v;
	int found;

	(void)state;
	snprintf(symbol, sizeof(symbol), "T%06ld", (long)(time(NULL) % 1000000));
	snprintf(unknown, sizeof(unknown), "U%06ld", (long)(time(NULL) % 1000000));
	store_series(symbol, 60);
	snprintf(params, sizeof(params), "{\"symbol\":\"%s\",\"strategy\":\"momentum\"}", symbol);
	ok = enqueue(user_a, params);
	bad = enqueue(user_a, "{\"symbol\":\"lower\",\"strategy\":\"momentum\"}");
	snprintf(params, sizeof(params), "{\"symbol\":\"%s\",\"strategy\":\"value\"}", unknown);
	gone = enqueue(user_a, params);

	assert_int_equal(task_claim(pool, "w", ANALYSIS_TASK_KIND, &t, &found), 0);
	assert_int_equal(t.id, ok);
	assert_int_equal(analysis_task_run(pool, &t, 2), 0);
	assert_int_equal(task_get(pool, ok, user_a, &t, &found), 0);
	assert_string_equal(t.status, "done");
	res = json_tokener_parse(t.result);
	assert_non_null(res);
	assert_true(json_object_object_get_ex(res, "symbol", &v));
	assert_string_equal(json_object_get_string(v), symbol);
	assert_true(json_object_object_get_ex(res, "date", &v));
	assert_string_equal(json_object_get_string(v), "2024-03-04");
	assert_true(json_object_object_get_ex(res, "bars", &v));
	assert_int_equal(json_object_get_int(v), 60);
	assert_true(json_object_object_get_ex(res, "cache", &v));
	assert_string_equal(json_object_get_string(v), "MISS");
	assert_true(json_object_object_get_ex(res, "freshness", &v));
	assert_true(json_object_object_get_ex(res, "recommendation", &v));
	json_object_put(res);

	/* parameters no analysis takes: failed at once, never retried */
	assert_int_equal(task_claim(pool, "w", ANALYSIS_TASK_KIND, &t, &found), 0);
	assert_int_equal(t.id, bad);
	assert_int_equal(analysis_task_run(pool, &t, 2), 0);
	assert_int_equal(task_get(pool, bad, user_a, &t, &found), 0);
	assert_string_equal(t.status, "failed");
	assert_string_equal(t.error_code, "VALIDATION_FAILED");

	/* no provider can serve the symbol: retried, then failed */
	assert_int_equal(task_claim(pool, "w", ANALYSIS_TASK_KIND, &t, &found), 0);
	assert_int_equal(t.id, gone);
	assert_int_equal(analysis_task_run(pool, &t, 2), 0);
	assert_int_equal(task_get(pool, gone, user_a, &t, &found), 0);
	assert_string_equal(t.status, "queued");
	db_query(pool, "UPDATE tasks SET run_after = now() WHERE id = $1",
	         DB_ARGS(db_i64(pool, gone)));
	assert_int_equal(task_claim(pool, "w", ANALYSIS_TASK_KIND, &t, &found), 0);
	assert_int_equal(t.id, gone);
	assert_int_equal(analysis_task_run(pool, &t, 2), 0);
	assert_int_equal(task_get(pool, gone, user_a, &t, &found), 0);
	assert_string_equal(t.status, "failed");
	assert_string_equal(t.error_code, "PROVIDER_UNAVAILABLE");
	assert_non_null(strstr(t.error, unknown));
	db_query(pool, "DELETE FROM symbols WHERE symbol = $1", DB_ARGS(symbol));
	db_query(pool, "DELETE FROM market_refreshes WHERE symbol = $1", DB_ARGS(unknown));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_enqueue_get_and_notify, test_setup),
		cmocka_unit_test_setup(test_claim_oldest_first_and_skip_locked, test_setup),
		cmocka_unit_test_setup(test_concurrent_claims_take_distinct_tasks, test_setup),
		cmocka_unit_test_setup(test_complete, test_setup),
		cmocka_unit_test_setup(test_fail_and_retry, test_setup),
		cmocka_unit_test_setup(test_requeue_stuck_with_attempt_cap, test_setup),
		cmocka_unit_test_setup(test_analysis_tasks_run_as_a_worker_would, test_setup),
	};
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_task_db: needs EDGESCOUT_ENV_FILE of a migrated stack %s\n",
		        err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	setenv("MARKET_PROVIDERS", "", 1);   /* no provider: refreshes fail */
	log_init("test_task_db");
	return cmocka_run_group_tests(tests, setup, teardown);
}
