/* test_contract.c: the route contract enforced by the app loop, the typed
 * accessors, the list envelope and the reply shapes of the OpenAPI document. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"
#include "openapi.h"

static const char *const colours[] = { "red", "green", NULL };

static int
is_even(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && (s[n - 1] - '0') % 2 == 0;
}

static const struct param find_query[] = {
	{ .name = "n", .type = PARAM_INT, .required = 1, .min = 1, .max = 10 },
	{ .name = "colour", .type = PARAM_ENUM, .values = colours },
	{ .name = "flag", .type = PARAM_BOOL },
	{ .name = "even", .type = PARAM_STRING, .max = 4, .check = is_even, .rule = "even" },
	{ .name = "word", .type = PARAM_TEXT, .min = 2, .max = 3 },
	{ 0 }
};

static const struct param make_body[] = {
	{ .name = "name", .type = PARAM_TEXT, .required = 1, .min = 1, .max = 5 },
	{ .name = "count", .type = PARAM_INT, .min = 0, .max = 3 },
	{ .name = "on", .type = PARAM_BOOL },
	{ .name = "tags", .type = PARAM_LIST, .min = 1, .max = 2, .values = colours },
	{ 0 }
};

/* Echo what the accessors read. */
static int
find(struct req *r)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "n", json_object_new_int64(req_int(r, "n", -1)));
	json_object_object_add(o, "colour", req_has(r, "colour") ?
	                       json_object_new_string(req_str(r, "colour")) : NULL);
	json_object_object_add(o, "flag", json_object_new_boolean(req_bool(r, "flag", 0)));
	return reply_json(r, 200, o);
}

static int
make(struct req *r)
{
	json_object *o = pool_json_object(r->pool);
	const char **tags;
	int n = req_list(r, "tags", &tags);

	json_object_object_add(o, "name", json_object_new_string(req_str(r, "name")));
	json_object_object_add(o, "count", json_object_new_int64(req_int(r, "count", 7)));
	json_object_object_add(o, "on", json_object_new_boolean(req_bool(r, "on", 1)));
	json_object_object_add(o, "tags", json_object_new_int(n));
	json_object_object_add(o, "first", n ? json_object_new_string(tags[0]) : NULL);
	return reply_json(r, 200, o);
}

static int
none(struct req *r)
{
	return reply_raw(r, 204, NULL, "", 0);
}

static const struct route routes[] = {
	{ .method = "GET", .path = "/find", .handler = find, .query = find_query },
	{ .method = "POST", .path = "/make", .handler = make, .flags = NEED_JSON,
	  .body = make_body },
	{ .method = "POST", .path = "/maybe", .handler = make, .body = make_body },
	{ .method = "GET", .path = "/none", .handler = none },
	{ 0 }
};

/* The reply's error field ("" without one) and code. */
static void
expect_422(struct fake *f, const char *field)
{
	json_object *o = json_tokener_parse(f->reply_body), *e, *v;

	assert_int_equal(f->status, 422);
	assert_true(json_object_object_get_ex(o, "error", &e));
	assert_true(json_object_object_get_ex(e, "code", &v));
	assert_string_equal(json_object_get_string(v), "VALIDATION_FAILED");
	if (field == NULL)
		assert_false(json_object_object_get_ex(e, "field", &v));
	else {
		assert_true(json_object_object_get_ex(e, "field", &v));
		assert_string_equal(json_object_get_string(v), field);
	}
	json_object_put(o);
}

static struct fake *
get(const char *uri)
{
	struct fake *f = fake_new("GET", uri);

	fake_run(f, routes);
	return f;
}

static struct fake *
post(const char *uri, const char *body)
{
	struct fake *f = fake_new("POST", uri);

	fake_body(f, "application/json", body, strlen(body));
	fake_run(f, routes);
	return f;
}

static void
test_query_values_are_typed(void **state)
{
	struct fake *f = get("/find?n=3&colour=red&flag=true");

	(void)state;
	assert_int_equal(f->status, 200);
	assert_string_equal(f->reply_body, "{\"n\":3,\"colour\":\"red\",\"flag\":true}");
	fake_free(f);
	f = get("/find?n=10");
	assert_string_equal(f->reply_body, "{\"n\":10,\"colour\":null,\"flag\":false}");
	fake_free(f);
}

static void
test_query_faults_name_the_field(void **state)
{
	static const struct { const char *uri, *field; } cases[] = {
		{ "/find", "n" },                       /* missing required */
		{ "/find?n=0", "n" },                   /* below min */
		{ "/find?n=11", "n" },                  /* above max */
		{ "/find?n=3x", "n" },                  /* not a number */
		{ "/find?n=1&n=2", "n" },               /* repeated */
		{ "/find?n=1&colour=blue", "colour" },  /* not allowed */
		{ "/find?n=1&flag=yes", "flag" },       /* not a boolean */
		{ "/find?n=1&even=3", "even" },         /* fails its check */
		{ "/find?n=1&even=12345", "even" },     /* too many bytes */
		{ "/find?n=1&word=a", "word" },         /* too short text */
		{ "/find?n=1&word=ab%01", "word" },     /* control character */
		{ "/find?n=1&other=1", "other" },       /* unknown */
		{ "/none?x=1", "x" },                   /* takes no query */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = get(cases[i].uri);

		expect_422(f, cases[i].field);
		fake_free(f);
	}
}

static void
test_unknown_names_are_echoed_only_when_they_look_like_names(void **state)
{
	struct fake *f = get("/find?n=1&%3Cscript%3E=1");

	(void)state;
	expect_422(f, NULL);
	fake_free(f);
}

static void
test_body_values_are_typed(void **state)
{
	struct fake *f = post("/make", "{\"name\":\"ada\",\"tags\":[\"green\",\"red\"]}");

	(void)state;
	assert_int_equal(f->status, 200);
	assert_string_equal(f->reply_body,
	                    "{\"name\":\"ada\",\"count\":7,\"on\":true,\"tags\":2,\"first\":\"green\"}");
	fake_free(f);
	f = post("/make", "{\"name\":\"b\",\"count\":3,\"on\":false}");
	assert_string_equal(f->reply_body,
	                    "{\"name\":\"b\",\"count\":3,\"on\":false,\"tags\":0,\"first\":null}");
	fake_free(f);
}

static void
test_body_faults_name_the_field(void **state)
{
	static const struct { const char *body, *field; } cases[] = {
		{ "{}", "name" },
		{ "{\"name\":null}", "name" },
		{ "{\"name\":5}", "name" },
		{ "{\"name\":\"\"}", "name" },
		{ "{\"name\":\"toolong\"}", "name" },
		{ "{\"name\":\"a\",\"count\":\"1\"}", "count" },
		{ "{\"name\":\"a\",\"count\":4}", "count" },
		{ "{\"name\":\"a\",\"count\":1.5}", "count" },
		{ "{\"name\":\"a\",\"on\":1}", "on" },
		{ "{\"name\":\"a\",\"tags\":\"red\"}", "tags" },
		{ "{\"name\":\"a\",\"tags\":[]}", "tags" },
		{ "{\"name\":\"a\",\"tags\":[\"red\",\"green\",\"red\"]}", "tags" },
		{ "{\"name\":\"a\",\"tags\":[\"red\",\"red\"]}", "tags" },
		{ "{\"name\":\"a\",\"tags\":[\"blue\"]}", "tags" },
		{ "{\"name\":\"a\",\"tags\":[1]}", "tags" },
		{ "{\"name\":\"a\",\"extra\":1}", "extra" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = post("/make", cases[i].body);

		expect_422(f, cases[i].field);
		fake_free(f);
	}
}

static void
test_optional_body_of_a_route_without_need_json(void **state)
{
	struct fake *f = fake_new("POST", "/maybe");

	(void)state;
	fake_run(f, routes);
	expect_422(f, "name");   /* no body: the required field is missing */
	fake_free(f);
	f = fake_new("POST", "/maybe");
	fake_body(f, "text/plain", "{}", 2);
	fake_run(f, routes);
	assert_int_equal(f->status, 415);
	fake_free(f);
	f = post("/maybe", "{\"name\":");
	assert_int_equal(f->status, 400);
	fake_free(f);
	f = post("/maybe", "{\"name\":\"x\"}");
	assert_int_equal(f->status, 200);
	fake_free(f);
}

static int
page(struct req *r)
{
	json_object *items = json_object_new_array();

	json_object_array_add(items, json_object_new_int(1));
	return reply_page(r, items, req_has(r, "cursor") ? NULL : "41");
}

static const struct param page_query[] = { PARAM_PAGE(50), { 0 } };

static const struct route page_routes[] = {
	{ .method = "GET", .path = "/page", .handler = page, .query = page_query },
	{ 0 }
};

static void
test_list_envelope_and_paging_parameters(void **state)
{
	struct fake *f = fake_new("GET", "/page?limit=50");

	(void)state;
	fake_run(f, page_routes);
	assert_int_equal(f->status, 200);
	assert_string_equal(f->reply_body, "{\"items\":[1],\"next_cursor\":\"41\"}");
	fake_free(f);
	f = fake_new("GET", "/page?cursor=41");
	fake_run(f, page_routes);
	assert_string_equal(f->reply_body, "{\"items\":[1],\"next_cursor\":null}");
	fake_free(f);
	for (int i = 0; i < 3; i++) {
		static const char *const bad[] = { "/page?limit=51", "/page?cursor=0",
		                                   "/page?cursor=abc" };

		f = fake_new("GET", bad[i]);
		fake_run(f, page_routes);
		expect_422(f, i == 0 ? "limit" : "cursor");
		fake_free(f);
	}
}

static void
test_unknown_quota_classes(void **state)
{
	static const struct route quota_routes[] = {
		{ .method = "GET", .path = "/a", .handler = none, .quota = "analysis" },
		{ .method = "GET", .path = "/b", .handler = none, .quota = "typo" },
		{ .method = "GET", .path = "/c", .handler = none },
		{ 0 }
	};
	static const char *const known[] = { "analysis", "run", NULL };

	(void)state;
	assert_int_equal(contract_unknown_quotas(quota_routes, known, NULL, NULL), 1);
	assert_int_equal(contract_unknown_quotas(routes, known, NULL, NULL), 0);
}

/* The JSON text of shape's schema, or "" when it does not parse. */
static const char *
schema_of(const char *shape)
{
	static char text[2048];
	const char *why = NULL;
	json_object *s = openapi_schema(shape, &why);

	snprintf(text, sizeof(text), "%s", s ? json_object_to_json_string_ext(s,
	         JSON_C_TO_STRING_PLAIN) : "");
	json_object_put(s);
	return text;
}

static void
test_reply_shapes(void **state)
{
	(void)state;
	assert_string_equal(schema_of("{a:int, b~:str?}"),
	    "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
	    "\"b\":{\"type\":[\"string\",\"null\"]}},\"required\":[\"a\"],"
	    "\"additionalProperties\":false}");
	assert_string_equal(schema_of("[str(x|y)]"),
	    "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"x\",\"y\"]}}");
	assert_string_equal(schema_of("{*:num}"),
	    "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":{\"type\":\"number\"}}");
	assert_string_equal(schema_of("{a:bool}?"),
	    "{\"type\":[\"object\",\"null\"],\"properties\":{\"a\":{\"type\":\"boolean\"}},"
	    "\"required\":[\"a\"],\"additionalProperties\":false}");
	assert_string_equal(schema_of("int | str(q)?"),
	    "{\"anyOf\":[{\"type\":\"integer\"},{\"anyOf\":[{\"type\":\"string\",\"enum\":[\"q\"]},"
	    "{\"type\":\"null\"}]}]}");
	assert_string_equal(schema_of("any"), "{}");
	assert_string_equal(schema_of("obj"), "{\"type\":\"object\"}");
	for (int i = 0; i < 7; i++) {
		static const char *const bad[] = { "{a:}", "{a int}", "[int", "strr", "{a:int,}",
		                                   "int |", "int x" };

		assert_string_equal(schema_of(bad[i]), "");
	}
}

static void
test_paths_of_a_table(void **state)
{
	const char *why = NULL;
	json_object *paths = openapi_paths(routes, &why), *op, *v;

	(void)state;
	assert_non_null(paths);
	assert_true(json_object_object_get_ex(paths, "/find", &v));
	assert_true(json_object_object_get_ex(v, "get", &op));
	assert_true(json_object_object_get_ex(op, "parameters", &v));
	assert_int_equal(json_object_array_length(v), 5);
	assert_true(json_object_object_get_ex(op, "security", &v));
	assert_int_equal(json_object_array_length(v), 0);
	json_object_put(paths);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_values_are_typed),
		cmocka_unit_test(test_query_faults_name_the_field),
		cmocka_unit_test(test_unknown_names_are_echoed_only_when_they_look_like_names),
		cmocka_unit_test(test_body_values_are_typed),
		cmocka_unit_test(test_body_faults_name_the_field),
		cmocka_unit_test(test_optional_body_of_a_route_without_need_json),
		cmocka_unit_test(test_list_envelope_and_paging_parameters),
		cmocka_unit_test(test_unknown_quota_classes),
		cmocka_unit_test(test_reply_shapes),
		cmocka_unit_test(test_paths_of_a_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
