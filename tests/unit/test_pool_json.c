/* test_pool_json.c: the one ownership rule of json-c objects (pool_json.h)
 * and reply_json borrowing. Each test holds one reference of its own on
 * the objects it checks: when the pool is reset, json_object_put() of that
 * reference returns 1 exactly when it was the last one, so a leaked or a
 * dropped reference fails the test here, and LeakSanitizer and
 * AddressSanitizer fail the run on a leak or a double free anyway. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

/* Drop our own reference and say whether the object is gone with it. */
static int
last_put(json_object *o)
{
	return json_object_put(o);
}

static void
test_pool_puts_its_objects_once(void **state)
{
	struct pool *p = pool_new();
	json_object *o = pool_json_object(p), *a = pool_json_array(p);
	json_object *parsed = pool_json(p, json_tokener_parse("{\"k\":[1,2]}"));

	(void)state;
	assert_true(json_object_is_type(o, json_type_object));
	assert_true(json_object_is_type(a, json_type_array));
	assert_non_null(parsed);
	json_object_get(o);
	json_object_get(a);
	json_object_get(parsed);
	pool_reset(p);
	assert_int_equal(last_put(o), 1);
	assert_int_equal(last_put(a), 1);
	assert_int_equal(last_put(parsed), 1);
	assert_null(pool_json(p, NULL));     /* a failed parse passes through */
	pool_free(p);
}

static void
test_parts_belong_to_their_parent(void **state)
{
	struct pool *p = pool_new();
	json_object *root = pool_json_object(p), *owned = pool_json_array(p);
	json_object *part = json_object_new_object();

	(void)state;
	/* a new part is put into its parent; a pool's object with its own reference */
	json_object_object_add(root, "part", part);
	json_object_object_add(root, "owned", json_object_get(owned));
	json_object_array_add(owned, json_object_new_int(7));
	json_object_get(part);
	json_object_get(owned);
	pool_reset(p);
	/* the parent put part once, and owned was put by the parent and the pool */
	assert_int_equal(last_put(part), 1);
	assert_int_equal(last_put(owned), 1);
	pool_free(p);
}

static void
test_reply_json_borrows(void **state)
{
	struct fake *f = fake_new("GET", "/x");
	struct req *r = fake_req(f);
	json_object *o = pool_json_object(r->pool);

	(void)state;
	json_object_object_add(o, "n", json_object_new_int(42));
	json_object_get(o);
	assert_int_equal(reply_json(r, 200, o), 200);
	fake_reply(f);
	assert_int_equal(f->status, 200);
	assert_string_equal(f->reply_body, "{\"n\":42}");
	/* still the caller's after the reply: readable, and put by the pool only */
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                    "{\"n\":42}");
	pool_reset(r->pool);
	assert_int_equal(last_put(o), 1);
	fake_free(f);
}

static void
test_reply_json_of_the_request_body(void **state)
{
	struct fake *f = fake_new("POST", "/x");
	struct req *r = fake_req(f);
	const char *why;

	(void)state;
	r->json = req_parse_json(r->pool, "{\"a\":1}", 7, &why);
	assert_non_null(r->json);
	json_object_get(r->json);
	reply_json(r, 201, r->json);        /* the body is the pool's: borrowed again */
	fake_reply(f);
	assert_int_equal(f->status, 201);
	assert_string_equal(f->reply_body, "{\"a\":1}");
	pool_reset(r->pool);
	assert_int_equal(last_put(r->json), 1);
	fake_free(f);
}

/* A handler following the rule, run the whole way many times: nothing
 * survives the requests (LeakSanitizer) and nothing is put twice (ASan). */
static int
nested(struct req *r)
{
	json_object *o = pool_json_object(r->pool), *items = pool_json_array(r->pool);

	for (int i = 0; i < 3; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "i", json_object_new_int(i));
		json_object_array_add(items, e);
	}
	json_object_object_add(o, "items", json_object_get(items));
	json_object_object_add(o, "count", json_object_new_int(3));
	return reply_json(r, 200, o);
}

static int
fails_after_building(struct req *r)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "half", json_object_new_string("built"));
	return reply_error(r, ERR_NOT_FOUND, NULL, NULL);  /* o is never sent */
}

static void
test_handlers_under_the_rule(void **state)
{
	static const struct route routes[] = {
		{ "GET", "/nested", nested, 0 },
		{ "GET", "/fails", fails_after_building, 0 },
		{ 0 }
	};

	(void)state;
	for (int i = 0; i < 50; i++) {
		struct fake *f = fake_new("GET", i % 2 ? "/fails" : "/nested");

		fake_run(f, routes);
		if (i % 2) {
			assert_int_equal(f->status, 404);
			assert_string_equal(fake_error_code(f), "NOT_FOUND");
		} else {
			assert_int_equal(f->status, 200);
			assert_non_null(strstr(f->reply_body, "{\"items\":[{\"i\":0},{\"i\":1},{\"i\":2}]"));
		}
		fake_free(f);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_puts_its_objects_once),
		cmocka_unit_test(test_parts_belong_to_their_parent),
		cmocka_unit_test(test_reply_json_borrows),
		cmocka_unit_test(test_reply_json_of_the_request_body),
		cmocka_unit_test(test_handlers_under_the_rule),
	};

	setenv("LOG_LEVEL", "error", 1);
	log_init("test_pool_json");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
