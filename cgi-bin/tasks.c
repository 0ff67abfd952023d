/* tasks.c: the status and outcome of a user's asynchronous task. */
#include "app.h"

#include "analysis.h"
#include "analysis_req.h"
#include "task.h"

static int get_task(struct req *r);

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/tasks/{id}", .handler = get_task,
	  .flags = NEED_SCOPE(SCOPE_READ), .summary = "one of the caller's tasks",
	  .reply = "{id:int, kind:str, status:str(queued|running|done|failed), params:obj?, "
	           "attempts:int, created_at:str, started_at:str?, finished_at:str?, "
	           "result:obj?, error:{code:str, message:str?}?}" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* JSON text stored by the task's code, parsed; NULL when absent. */
static json_object *
stored_json(const char *text)
{
	json_object *o;

	if (text == NULL)
		return NULL;
	if ((o = json_tokener_parse(text)) == NULL)
		log_kv(LOG_ERROR, "tasks: a stored JSON value does not parse", NULL);
	return o;
}

static json_object *
string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* GET /api/tasks/{id}: one of the caller's tasks; 404 for any other id. */
static int
get_task(struct req *r)
{
	struct task t;
	json_object *o, *e = NULL;
	int64_t id;
	int found;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	if (task_get(r->pool, id, r->user->id, &t, &found) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL);
	if (!found)   /* another user's task is no task of this user's */
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such task");
	if (t.error_code != NULL) {
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(t.error_code));
		json_object_object_add(e, "message", string_or_null(t.error));
	}
	o = pool_json_object(r->pool);
	json_object_object_add(o, "id", json_object_new_int64(t.id));
	json_object_object_add(o, "kind", json_object_new_string(t.kind));
	json_object_object_add(o, "status", json_object_new_string(t.status));
	json_object_object_add(o, "params", stored_json(t.params));
	json_object_object_add(o, "attempts", json_object_new_int(t.attempts));
	json_object_object_add(o, "created_at", json_object_new_string(t.created_at));
	json_object_object_add(o, "started_at", string_or_null(t.started_at));
	json_object_object_add(o, "finished_at", string_or_null(t.finished_at));
	json_object_object_add(o, "result", stored_json(t.result));
	json_object_object_add(o, "error", e);
	return reply_json(r, 200, o);
}
