/* task_reply.h: a task as endpoints show it (GET /api/tasks/{id},
 * GET /api/backtests/{id}). */
#ifndef EDGESCOUT_TASK_REPLY_H
#define EDGESCOUT_TASK_REPLY_H

#include <json-c/json.h>

struct pool;
struct task;

/* The shape of task_reply_json()'s object, for route tables. */
#define TASK_REPLY_SHAPE "{id:int, kind:str, status:str(queued|running|done|failed), " \
	"params:obj?, attempts:int, created_at:str, started_at:str?, finished_at:str?, " \
	"result:obj?, error:{code:str, message:str?}?}"

/* Task t as a JSON object owned by pool p: id, kind, status, params,
 * attempts, created_at, started_at, finished_at, result (the stored JSON,
 * null until done) and error ({code, message} when failed, else null). */
json_object *task_reply_json(struct pool *p, const struct task *t);

#endif
