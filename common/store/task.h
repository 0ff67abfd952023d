/* task.h: the queue of asynchronous tasks (table tasks, sql/005_analysis.sql).
 *
 * An endpoint enqueues a task (queued) and answers 202 at once; a worker
 * claims the oldest claimable task with FOR UPDATE SKIP LOCKED, so any
 * number of workers on any hosts take distinct tasks without waiting on each
 * other (running, attempts + 1), and completes it (done, with a result) or
 * fails it (failed, with an error; or back to the queue after a backoff
 * while attempts remain). A sweep puts tasks stuck running past a timeout
 * back in the queue, or fails them once they have used max_attempts.
 * Enqueuing NOTIFYs TASK_CHANNEL with the task's id, so a LISTENing worker
 * wakes at once. All functions use the process's database connection. */
#ifndef EDGESCOUT_TASK_H
#define EDGESCOUT_TASK_H

#include <stdint.h>

struct pool;

#define TASK_CHANNEL "edgescout_tasks"
#define TASK_BACKOFF_MAX 300       /* seconds, the longest wait before a retry */

struct task {
	int64_t id;
	int64_t user_id;
	const char *kind;          /* "analysis" */
	const char *params;        /* JSON object text */
	const char *status;        /* "queued" | "running" | "done" | "failed" */
	int attempts;              /* claims so far: the token of the current claim */
	const char *result;        /* JSON text when done, else NULL */
	const char *error_code;    /* catalogue code when failed, else NULL */
	const char *error;         /* message when failed, else NULL */
	const char *worker;        /* who claimed it last, or NULL */
	const char *created_at;    /* RFC 3339; started_at, finished_at NULL when unset */
	const char *started_at;
	const char *finished_at;
};

/* Queue a task of kind for user_id with params (a JSON object's text) and
 * notify TASK_CHANNEL at commit. 0 with *id, or -1 (logged). Joins the
 * caller's transaction when one is open. */
int task_enqueue(struct pool *p, int64_t user_id, const char *kind, const char *params,
    int64_t *id);

/* Task id of user_id (user_id 0: of anyone) into *out (pool memory); *found
 * 0 when there is no such task (or it is another user's). 0, or -1. */
int task_get(struct pool *p, int64_t id, int64_t user_id, struct task *out, int *found);

/* Claim the oldest queued task whose run_after has come (kind NULL: any
 * kind) for worker (a name of at most 100 bytes, e.g. "host:pid"): it
 * becomes running, attempts + 1. Tasks locked by another claimer are
 * skipped, never waited for. *found 0 when none. 0, or -1. */
int task_claim(struct pool *p, const char *worker, const char *kind, struct task *out,
    int *found);

/* Finish claimed task id (attempt = its attempts at the claim) as done with
 * result (JSON text). 0; 1 when the claim is no longer held (requeued or
 * finished meanwhile: nothing written); -1 on failure. */
int task_complete(struct pool *p, int64_t id, int attempt, const char *result);

/* Fail claimed task id with a catalogue code and a message. When retry and
 * attempt < max_attempts it goes back to the queue instead, claimable after
 * 2^attempt seconds (at most TASK_BACKOFF_MAX). 0, 1 (claim no longer
 * held), or -1. */
int task_fail(struct pool *p, int64_t id, int attempt, const char *code,
    const char *message, int retry, int max_attempts);

/* Requeue tasks running for more than timeout_s seconds; those that have
 * used max_attempts fail instead (SERVICE_UNAVAILABLE, "the task timed
 * out"). Counts into *requeued and *failed (either may be NULL). 0, or -1. */
int task_requeue_stuck(struct pool *p, int timeout_s, int max_attempts, int *requeued,
    int *failed);

#endif
