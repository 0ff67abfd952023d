/* hello.c: a greeting by name, the smallest endpoint group. */
#include "app.h"

static int hello(struct req *r);

static const struct route routes[] = {
	{ "GET",  "/api/hello/{name}", hello, 0 },
	{ "POST", "/api/hello",        hello, NEED_JSON },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* {"hello": name} for the name in the path or in the JSON body; 422 unless
 * it is 1 to 64 characters of text. */
static int
hello(struct req *r)
{
	const char *name = req_path(r, "name");
	json_object *v, *o;

	if (r->json != NULL && json_object_object_get_ex(r->json, "name", &v) &&
	    json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	if (name == NULL || valid_text(name, 1, 64, 256) != 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "name",
		                   "name must be 1 to 64 characters");
	o = pool_json_object(r->pool);
	json_object_object_add(o, "hello", json_object_new_string(name));
	return reply_json(r, 200, o);
}
