/* test_app.c: the way of a request through app_handle(). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "harness.h"

static int
echo_item(struct req *r)
{
	json_object *o = pool_json_object(r->pool);
	const char *q = req_query(r, "q");

	json_object_object_add(o, "id", json_object_new_string(req_path(r, "id")));
	json_object_object_add(o, "q", q ? json_object_new_string(q) : NULL);
	return reply_json(r, 200, o);
}

static int
echo_json(struct req *r)
{
	return reply_json(r, 201, r->json);
}

static int
forgets_to_reply(struct req *r)
{
	(void)r;
	return 200;
}

static int
plain(struct req *r)
{
	return reply_raw(r, 200, "text/plain", "hello", 5);
}

static const struct param item_query[] = {
	{ .name = "q", .type = PARAM_TEXT, .max = 64 },
	{ .name = "z", .type = PARAM_INT, .min = 0, .max = 9 },
	{ 0 }
};

static const struct param item_body[] = {
	{ .name = "name", .type = PARAM_STRING, .required = 1, .max = 16 },
	{ .name = "tags", .type = PARAM_LIST, .max = 4 },
	{ 0 }
};

static const struct route routes[] = {
	{ "GET",    "/items/{id}",  echo_item,        0, .query = item_query },
	{ "DELETE", "/items/{id}",  echo_item,        0, .query = item_query },
	{ "POST",   "/items",       echo_json,        NEED_JSON, .body = item_body },
	{ "GET",    "/broken",      forgets_to_reply, 0 },
	{ "GET",    "/internal",    plain,            INTERNAL_ONLY },
	{ "GET",    "/private",     plain,            NEED_AUTH },
	{ "GET",    "/plain",       plain,            0 },
	{ 0 }
};

/* The error code inside the envelope of f's reply ("" when none). */
static const char *
error_code(struct fake *f)
{
	static char code[64];
	json_object *o = json_tokener_parse(f->reply_body), *e, *c;

	code[0] = '\0';
	if (o && json_object_object_get_ex(o, "error", &e) &&
	    json_object_object_get_ex(e, "code", &c))
		snprintf(code, sizeof(code), "%s", json_object_get_string(c));
	json_object_put(o);
	return code;
}

static struct fake *
run(const char *method, const char *uri)
{
	struct fake *f = fake_new(method, uri);

	fake_run(f, routes);
	return f;
}

static struct fake *
run_body(const char *uri, const char *ct, const char *body, size_t len)
{
	struct fake *f = fake_new("POST", uri);

	fake_body(f, ct, body, len);
	fake_run(f, routes);
	return f;
}

static void
test_found_with_params_and_query(void **state)
{
	struct fake *f = run("GET", "/items/a%20b?q=caf%C3%A9+x&z=1");

	(void)state;
	assert_int_equal(f->status, 200);
	assert_string_equal(f->reply_body, "{\"id\":\"a b\",\"q\":\"café x\"}");
	assert_string_equal(fake_header(f, "Content-Type"), "application/json");
	assert_non_null(fake_header(f, "X-Process-Time"));
	fake_free(f);
}

static void
test_not_found_envelope(void **state)
{
	struct fake *f = fake_new("GET", "/nope");
	json_object *o, *e, *rid;

	(void)state;
	fake_param(f, "REQUEST_ID", "0123456789abcdef0123456789abcdef");
	fake_run(f, routes);
	assert_int_equal(f->status, 404);
	assert_string_equal(error_code(f), "NOT_FOUND");
	assert_string_equal(fake_header(f, "X-Request-ID"), "0123456789abcdef0123456789abcdef");
	o = json_tokener_parse(f->reply_body);
	assert_true(json_object_object_get_ex(o, "error", &e));
	assert_true(json_object_object_get_ex(e, "request_id", &rid));
	assert_string_equal(json_object_get_string(rid), "0123456789abcdef0123456789abcdef");
	json_object_put(o);
	fake_free(f);
}

static void
test_method_not_allowed_lists_allow(void **state)
{
	struct fake *f = run("PUT", "/items/7");

	(void)state;
	assert_int_equal(f->status, 405);
	assert_string_equal(error_code(f), "METHOD_NOT_ALLOWED");
	assert_string_equal(fake_header(f, "Allow"), "GET, HEAD, DELETE");
	fake_free(f);
}

static void
test_head_has_length_but_no_body(void **state)
{
	struct fake *f = run("HEAD", "/plain");

	(void)state;
	assert_int_equal(f->status, 200);
	assert_string_equal(fake_header(f, "Content-Length"), "5");
	assert_string_equal(f->reply_body, "");
	fake_free(f);
}

static void
test_bad_path_and_query_encoding(void **state)
{
	struct fake *f = run("GET", "/items/%zz");

	(void)state;
	assert_int_equal(f->status, 400);
	fake_free(f);
	f = run("GET", "/items/%C3%28");           /* invalid UTF-8 */
	assert_int_equal(f->status, 400);
	fake_free(f);
	f = run("GET", "/items/1?q=%e2%82");        /* truncated sequence */
	assert_int_equal(f->status, 400);
	assert_string_equal(error_code(f), "BAD_REQUEST");
	fake_free(f);
	f = run("GET", "/items/1?q=a%00b");         /* encoded NUL */
	assert_int_equal(f->status, 400);
	fake_free(f);
}

static void
test_uri_too_long(void **state)
{
	char uri[REQ_MAX_PATH_LEN + 32] = "/items/";
	struct fake *f;

	(void)state;
	memset(uri + 7, 'a', REQ_MAX_PATH_LEN);
	uri[REQ_MAX_PATH_LEN + 7] = '\0';
	f = run("GET", uri);
	assert_int_equal(f->status, 414);
	assert_string_equal(error_code(f), "URI_TOO_LONG");
	fake_free(f);
}

static void
test_json_body(void **state)
{
	const char *good = "{\"name\":\"x\",\"tags\":[\"a\",\"b\"]}";
	struct fake *f = run_body("/items", "application/json; charset=utf-8", good, strlen(good));

	(void)state;
	assert_int_equal(f->status, 201);
	assert_string_equal(f->reply_body, "{\"name\":\"x\",\"tags\":[\"a\",\"b\"]}");
	fake_free(f);
}

static void
test_json_body_rejections(void **state)
{
	static const struct { const char *ct, *body; int status; const char *code; } cases[] = {
		{ "text/plain", "{}", 415, "UNSUPPORTED_MEDIA_TYPE" },
		{ NULL, "{}", 415, "UNSUPPORTED_MEDIA_TYPE" },
		{ "application/jsonx", "{}", 415, "UNSUPPORTED_MEDIA_TYPE" },
		{ "application/json", "", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":1,}", 400, "INVALID_JSON" },
		{ "application/json", "{'a':1}", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":NaN}", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":Infinity}", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":01}", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":\"x\" /* c */}", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":\"tab\there\"}", 400, "INVALID_JSON" },
		{ "application/json", "[1,2]", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":1,\"a\":2}", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":1,\"\\u0061\":2}", 400, "INVALID_JSON" },
		{ "application/json", "{\"o\":{\"k\":1,\"k\":1}}", 400, "INVALID_JSON" },
		{ "application/json", "\"str\"", 400, "INVALID_JSON" },
		{ "application/json", "{} {}", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":\"\xc3\x28\"}", 400, "INVALID_JSON" },
		{ "application/json", "{\"a\":\"\xed\xa0\x80\"}", 400, "INVALID_JSON" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = run_body("/items", cases[i].ct, cases[i].body, strlen(cases[i].body));

		if (f->status != cases[i].status)
			fail_msg("case %zu (%s): status %d", i, cases[i].body, f->status);
		assert_string_equal(error_code(f), cases[i].code);
		fake_free(f);
	}
}

static void
test_json_nesting_limit(void **state)
{
	char body[200];
	struct fake *f;

	(void)state;
	strcpy(body, "{\"a\":");
	for (int i = 0; i < 60; i++)
		strcat(body, "[");
	f = run_body("/items", "application/json", body, strlen(body));
	assert_int_equal(f->status, 400);
	fake_free(f);
}

static void
test_body_limits(void **state)
{
	struct fake *f = fake_new("POST", "/items");
	char big[32];

	(void)state;
	snprintf(big, sizeof(big), "%d", (1 << 20) + 1);
	fake_param(f, "CONTENT_TYPE", "application/json");
	fake_param(f, "CONTENT_LENGTH", big);
	fake_run(f, routes);
	assert_int_equal(f->status, 413);
	assert_string_equal(error_code(f), "PAYLOAD_TOO_LARGE");
	fake_free(f);

	f = fake_new("POST", "/items");             /* declared more than sent */
	fake_param(f, "CONTENT_TYPE", "application/json");
	fake_param(f, "CONTENT_LENGTH", "10");
	f->body = "{}";
	f->body_len = 2;
	fake_run(f, routes);
	assert_int_equal(f->status, 400);
	fake_free(f);

	f = fake_new("POST", "/items");
	fake_param(f, "CONTENT_LENGTH", "-5");
	fake_run(f, routes);
	assert_int_equal(f->status, 400);
	fake_free(f);
}

static void
test_request_id_generated_when_missing_or_bad(void **state)
{
	struct fake *f = fake_new("GET", "/plain");
	const char *id;

	(void)state;
	fake_param(f, "HTTP_X_REQUEST_ID", "bad id\"<script>");
	fake_run(f, routes);
	id = fake_header(f, "X-Request-ID");
	assert_non_null(id);
	assert_int_equal(strlen(id), 32);
	assert_int_equal(strspn(id, "0123456789abcdef"), 32);
	fake_free(f);
}

static void
test_handler_without_reply_is_500(void **state)
{
	struct fake *f = run("GET", "/broken");

	(void)state;
	assert_int_equal(f->status, 500);
	assert_string_equal(error_code(f), "INTERNAL_ERROR");
	fake_free(f);
}

static void
test_internal_only_hides_from_others(void **state)
{
	struct fake *f = fake_new("GET", "/internal");

	(void)state;
	f->env[2][strlen("REMOTE_ADDR=")] = '\0';
	free(f->env[2]);
	f->env[2] = strdup("REMOTE_ADDR=10.1.2.3");
	fake_run(f, routes);
	assert_int_equal(f->status, 404);
	fake_free(f);
	f = run("GET", "/internal");
	assert_int_equal(f->status, 200);
	fake_free(f);
}

static void
test_auth_required(void **state)
{
	struct fake *f = run("GET", "/private");

	(void)state;
	assert_int_equal(f->status, 401);
	assert_string_equal(error_code(f), "UNAUTHORIZED");
	fake_free(f);
}

static void
test_malformed_method_and_missing_uri(void **state)
{
	struct fake *f = run("g e t", "/plain");

	(void)state;
	assert_int_equal(f->status, 400);
	fake_free(f);
	f = run("BREW", "/plain");
	assert_int_equal(f->status, 405);
	fake_free(f);
	f = run("BREW", "/nothing-here");
	assert_int_equal(f->status, 404);
	fake_free(f);
}

/* X-Process-Time is milliseconds with three decimals, and a failed request
 * leaves one parseable line on stderr with the request's fields. */
static void
test_process_time_and_request_line(void **state)
{
	struct fake *f = fake_new("GET", "/broken");
	const char *pt;
	char line[4096];
	json_object *o, *v;
	FILE *cap = tmpfile();
	int saved;
	size_t n;

	(void)state;
	assert_non_null(cap);
	fake_param(f, "REQUEST_ID", "00112233445566778899aabbccddeeff");
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0 && dup2(fileno(cap), STDERR_FILENO) >= 0);
	fake_run(f, routes);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(cap);
	n = fread(line, 1, sizeof(line) - 1, cap);
	line[n] = '\0';
	fclose(cap);
	assert_int_equal(f->status, 500);
	pt = fake_header(f, "X-Process-Time");
	assert_non_null(pt);
	n = strspn(pt, "0123456789");
	assert_true(n >= 1);
	assert_int_equal(pt[n], '.');
	assert_int_equal(strspn(pt + n + 1, "0123456789"), 3);
	assert_int_equal(pt[n + 4], '\0');
	/* the request line is the last one */
	assert_true(strlen(line) > 0 && line[strlen(line) - 1] == '\n');
	line[strlen(line) - 1] = '\0';
	o = json_tokener_parse(strrchr(line, '\n') ? strrchr(line, '\n') + 1 : line);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "msg", &v));
	assert_string_equal(json_object_get_string(v), "request");
	assert_true(json_object_object_get_ex(o, "level", &v));
	assert_string_equal(json_object_get_string(v), "error");
	assert_true(json_object_object_get_ex(o, "request_id", &v));
	assert_string_equal(json_object_get_string(v), "00112233445566778899aabbccddeeff");
	assert_true(json_object_object_get_ex(o, "route", &v));
	assert_string_equal(json_object_get_string(v), "/broken");
	assert_true(json_object_object_get_ex(o, "path", &v));
	assert_string_equal(json_object_get_string(v), "/broken");
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_int_equal(json_object_get_int(v), 500);
	assert_true(json_object_object_get_ex(o, "error", &v));
	assert_string_equal(json_object_get_string(v), error_code(f));
	assert_true(json_object_object_get_ex(o, "duration_ms", &v));
	assert_true(json_object_is_type(v, json_type_double));
	json_object_put(o);
	fake_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_with_params_and_query),
		cmocka_unit_test(test_not_found_envelope),
		cmocka_unit_test(test_method_not_allowed_lists_allow),
		cmocka_unit_test(test_head_has_length_but_no_body),
		cmocka_unit_test(test_bad_path_and_query_encoding),
		cmocka_unit_test(test_uri_too_long),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_json_body_rejections),
		cmocka_unit_test(test_json_nesting_limit),
		cmocka_unit_test(test_body_limits),
		cmocka_unit_test(test_request_id_generated_when_missing_or_bad),
		cmocka_unit_test(test_handler_without_reply_is_500),
		cmocka_unit_test(test_internal_only_hides_from_others),
		cmocka_unit_test(test_auth_required),
		cmocka_unit_test(test_malformed_method_and_missing_uri),
		cmocka_unit_test(test_process_time_and_request_line),
	};

	setenv("LOG_LEVEL", "error", 1);
	log_init("test_app");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
