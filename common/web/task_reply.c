/* task_reply.c: a task as endpoints show it. */
#include "task_reply.h"

#include "log.h"
#include "pool_json.h"
#include "task.h"

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

json_object *
task_reply_json(struct pool *p, const struct task *t)
{
	json_object *o = pool_json_object(p), *e = NULL;

	if (t->error_code != NULL) {
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(t->error_code));
		json_object_object_add(e, "message", string_or_null(t->error));
	}
	json_object_object_add(o, "id", json_object_new_int64(t->id));
	json_object_object_add(o, "kind", json_object_new_string(t->kind));
	json_object_object_add(o, "status", json_object_new_string(t->status));
	json_object_object_add(o, "params", stored_json(t->params));
	json_object_object_add(o, "attempts", json_object_new_int(t->attempts));
	json_object_object_add(o, "created_at", json_object_new_string(t->created_at));
	json_object_object_add(o, "started_at", string_or_null(t->started_at));
	json_object_object_add(o, "finished_at", string_or_null(t->finished_at));
	json_object_object_add(o, "result", stored_json(t->result));
	json_object_object_add(o, "error", e);
	return o;
}
