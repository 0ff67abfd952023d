/* tasks.c: the status and outcome of a user's asynchronous task. */
#include "app.h"

#include "task.h"
#include "task_reply.h"

static int get_task(struct req *r);

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/tasks/{id}", .handler = get_task,
	  .flags = NEED_SCOPE(SCOPE_READ), .summary = "one of the caller's tasks",
	  .reply = TASK_REPLY_SHAPE },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* GET /api/tasks/{id}: one of the caller's tasks; 404 for any other id. */
static int
get_task(struct req *r)
{
	struct task t;
	int64_t id;
	int found;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	if (task_get(r->pool, id, r->user->id, &t, &found) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL);
	if (!found)   /* another user's task is no task of this user's */
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such task");
	return reply_json(r, 200, task_reply_json(r->pool, &t));
}
