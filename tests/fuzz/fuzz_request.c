/* fuzz_request.c: the whole of app_handle() on a request built from the
 * input, one field per line: method, URI, Content-Type, a cookie, then the
 * body (the rest). A missing or empty method or URI leaves it out.
 *
 * Invariants: exactly one reply, starting with a Status line, whose
 * Content-Length is the length of what follows the head (none for HEAD);
 * its status is 2xx or 4xx, never 5xx; every 4xx body is the error envelope
 * {"error":{"code","message","field"?,"request_id"}} with a catalogue code of
 * that status and the request id of the X-Request-ID header; 405 has Allow. */
#include <stdint.h>

#include "../unit/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_request: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* ---- a small realistic binary ----------------------------------------- */

static int
list_items(struct req *r)
{
	json_object *o = pool_json_object(r->pool);
	const char *q = req_query(r, "q");

	json_object_object_add(o, "q", q ? json_object_new_string(q) : NULL);
	json_object_object_add(o, "items", json_object_new_array());
	return reply_json(r, 200, o);
}

static int
add_item(struct req *r)
{
	json_object *name;

	if (!json_object_object_get_ex(r->json, "name", &name) ||
	    !json_object_is_type(name, json_type_string))
		return reply_error(r, ERR_VALIDATION_FAILED, "name", "name is required");
	if (valid_text(json_object_get_string(name), 1, 100, 400) != 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "name", "name must be 1 to 100 characters");
	return reply_json(r, 201, r->json);
}

static int
get_item(struct req *r)
{
	int64_t id;
	json_object *o;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "id", json_object_new_int64(id));
	return reply_json(r, 200, o);
}

static int
delete_item(struct req *r)
{
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	return reply_raw(r, 204, NULL, "", 0);
}

static int
item_history(struct req *r)
{
	json_object *o = pool_json_object(r->pool);
	const char *session = req_cookie(r, "session");

	json_object_object_add(o, "id", json_object_new_string(req_path(r, "id")));
	json_object_object_add(o, "day", json_object_new_string(req_path(r, "day")));
	json_object_object_add(o, "session", json_object_new_boolean(session != NULL));
	return reply_json(r, 200, o);
}

static int
login(struct req *r)
{
	json_object *email;

	if (!json_object_object_get_ex(r->json, "email", &email) ||
	    !valid_email(json_object_get_string(email)))
		return reply_error(r, ERR_VALIDATION_FAILED, "email", "email is not a valid address");
	return reply_json(r, 200, pool_json_object(r->pool));
}

static int
plain(struct req *r)
{
	return reply_raw(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

static const struct route routes[] = {
	{ "GET",    "/api/items",                     list_items,   0 },
	{ "POST",   "/api/items",                     add_item,     NEED_JSON },
	{ "GET",    "/api/items/{id}",                get_item,     0 },
	{ "PUT",    "/api/items/{id}",                get_item,     NEED_JSON },
	{ "DELETE", "/api/items/{id}",                delete_item,  0 },
	{ "GET",    "/api/items/{id}/history/{day}",  item_history, 0 },
	{ "POST",   "/api/auth/login",                login,        NEED_JSON | RL_LOGIN },
	{ "GET",    "/api/me",                        plain,        NEED_AUTH },
	{ "GET",    "/api/admin",                     plain,        NEED_ADMIN },
	{ "GET",    "/metrics",                       plain,        INTERNAL_ONLY },
	{ "GET",    "/health",                        plain,        RL_NONE },
	{ 0 }
};

/* ---- carving the input ------------------------------------------------- */

/* The next line of [*at, end) as a NUL-terminated pool string (cut at a NUL). */
static char *
next_line(struct pool *p, const char **at, const char *end)
{
	const char *nl = memchr(*at, '\n', (size_t)(end - *at));
	const char *stop = nl ? nl : end;
	char *s = pool_strndup(p, *at, (size_t)(stop - *at));

	*at = nl ? nl + 1 : end;
	return s;
}

/* ---- checking the reply ------------------------------------------------ */

static void
check_envelope(struct fake *f, const char *rid)
{
	json_object *o = json_tokener_parse(f->reply_body), *e, *v;
	const struct err_info *info;

	CHECK(o != NULL && json_object_is_type(o, json_type_object));
	CHECK(json_object_object_length(o) == 1);
	CHECK(json_object_object_get_ex(o, "error", &e) && json_object_is_type(e, json_type_object));
	CHECK(json_object_object_get_ex(e, "code", &v) && json_object_is_type(v, json_type_string));
	info = err_by_code(json_object_get_string(v));
	CHECK(info != NULL && info->status == f->status);
	CHECK(json_object_object_get_ex(e, "message", &v) && json_object_is_type(v, json_type_string));
	CHECK(json_object_get_string_len(v) > 0);
	CHECK(json_object_object_get_ex(e, "request_id", &v) && json_object_is_type(v, json_type_string));
	CHECK(rid != NULL && strcmp(json_object_get_string(v), rid) == 0);
	if (json_object_object_get_ex(e, "field", &v))
		CHECK(json_object_is_type(v, json_type_string));
	CHECK(json_object_object_length(e) == 3 + json_object_object_get_ex(e, "field", NULL));
	json_object_put(o);
}

static void
check_reply(struct fake *f, int is_head)
{
	const char *head_end = strstr(f->out, "\r\n\r\n");
	const char *cl, *rid, *ct;
	char rid_copy[1024];
	size_t body_len;

	CHECK(f->out_len > 0);
	CHECK(strncmp(f->out, "Status: ", 8) == 0);
	CHECK(head_end != NULL);
	CHECK(f->req.replied == 1 && f->req.status == f->status);
	CHECK((f->status >= 200 && f->status <= 299) || (f->status >= 400 && f->status <= 499));
	/* one head: no second Status line in it */
	for (const char *s = strstr(f->out, "\r\nStatus:"); s != NULL; s = strstr(s + 1, "\r\nStatus:"))
		CHECK(s > head_end);
	body_len = f->out_len - (size_t)(head_end + 4 - f->out);
	cl = fake_header(f, "Content-Length");
	CHECK(cl != NULL);
	if (is_head)
		CHECK(body_len == 0);
	else
		CHECK(strtoull(cl, NULL, 10) == body_len);
	rid = fake_header(f, "X-Request-ID");
	CHECK(rid != NULL);
	snprintf(rid_copy, sizeof(rid_copy), "%s", rid);
	if (f->status == 405) {
		const char *allow = fake_header(f, "Allow");

		CHECK(allow != NULL && allow[0] != '\0');
	}
	if (f->status >= 400) {
		ct = fake_header(f, "Content-Type");
		CHECK(ct != NULL && strcmp(ct, "application/json") == 0);
		if (!is_head)
			check_envelope(f, rid_copy);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool *scratch;
	static struct fake *f;
	const char *at = (const char *)data, *end = at + size;
	char *method, *uri, *ct, *cookie;

	if (scratch == NULL) {
		setenv("LOG_LEVEL", "error", 1);
		log_init("fuzz_request");
		scratch = pool_new();
		f = calloc(1, sizeof(*f));
		CHECK(f != NULL);
	}
	method = next_line(scratch, &at, end);
	uri = next_line(scratch, &at, end);
	ct = next_line(scratch, &at, end);
	cookie = next_line(scratch, &at, end);

	if (*method)
		fake_param(f, "REQUEST_METHOD", method);
	if (*uri)
		fake_param(f, "REQUEST_URI", uri);
	fake_param(f, "REMOTE_ADDR", (size & 1) ? "127.0.0.1" : "203.0.113.9");
	if (*cookie)
		fake_param(f, "HTTP_COOKIE", cookie);
	fake_body(f, *ct ? ct : NULL, at, (size_t)(end - at));
	fake_run(f, routes);
	check_reply(f, strcmp(method, "HEAD") == 0 && f->req.method != NULL);
	fake_reset(f);
	pool_reset(scratch);
	return 0;
}
