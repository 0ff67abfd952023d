/* hello.c: a greeting by name, the smallest endpoint group. */
#include "app.h"

static int hello(struct req *r);

static const struct param hello_body[] = {
	{ .name = "name", .type = PARAM_TEXT, .required = 1, .min = 1, .max = 64,
	  .desc = "who to greet" },
	{ 0 }
};

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/hello/{name}", .handler = hello,
	  .reply = "{hello:str}", .summary = "a greeting for the name in the path" },
	{ .method = "POST", .path = "/api/hello", .handler = hello, .flags = NEED_JSON,
	  .body = hello_body, .reply = "{hello:str}", .summary = "a greeting from a body" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* {"hello": name} for the name in the JSON body (checked by the contract)
 * or in the path; 422 unless it is 1 to 64 characters of text. */
static int
hello(struct req *r)
{
	const char *name = r->json ? req_str(r, "name") : req_path(r, "name");
	json_object *o;

	if (valid_text(name, 1, 64, 256) != 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "name",
		                   "name must be 1 to 64 characters");
	o = pool_json_object(r->pool);
	json_object_object_add(o, "hello", json_object_new_string(name));
	return reply_json(r, 200, o);
}
