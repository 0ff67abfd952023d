/* test_provider_parse.c: the helpers every market-data parser shares
 * (provider_parse.h): strict numbers, log-safe messages, the strict JSON
 * reader. Run from the repository root. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers.h"

/* ---- shared helpers ----------------------------------------------------- */

static void
test_strict_numbers(void **state)
{
	static const struct { const char *s; double want; } good[] = {
		{ "0", 0 }, { "1", 1 }, { "189.3300", 189.33 }, { "-0.5", -0.5 },
		{ "1.5e3", 1500 }, { "2E-2", 0.02 }, { "1e+2", 100 }, { "52164535", 52164535 },
		{ "2912381304000", 2912381304000.0 },
	};
	static const char *const bad[] = {
		"", "+1", "01", "-01", "1.", ".5", "1e", "1e+", "-", "NaN", "nan", "inf",
		"-Infinity", " 1", "1 ", "0x10", "1e999", "-1e999", "1,5", "1.2.3", "1_000",
		"12345678901234567890123456789012345678901234567890123456789012345",
	};
	double d;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (prov_number(good[i].s, strlen(good[i].s), &d) != 0)
			fail_msg("refused \"%s\"", good[i].s);
		assert_true(d == good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = 42;
		if (prov_number(bad[i], strlen(bad[i]), &d) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(d == 42);
	}
	assert_int_equal(prov_number("12", 1, &d), 0);        /* only n bytes count */
	assert_true(d == 1);
}

static void
test_messages_are_log_safe(void **state)
{
	char long_text[400];
	const char *m;

	(void)state;
	m = prov_text(pool, "said: ", "a\x01" "b\n\n  c\x7f \xc3\xa9t\xc3\xa9", 15);
	assert_string_equal(m, "said: a?b c? ?t?");
	memset(long_text, 'x', sizeof(long_text));
	m = prov_text(pool, "p: ", long_text, sizeof(long_text));
	assert_int_equal(strlen(m), 3 + PROVIDER_MSG_MAX + 3);
	assert_string_equal(m + strlen(m) - 3, "...");
	assert_string_equal(provider_status_name(PROVIDER_OK), "ok");
	assert_string_equal(provider_status_name(PROVIDER_NO_DATA), "no_data");
	assert_string_equal(provider_status_name(PROVIDER_RATE_LIMITED), "rate_limited");
	assert_string_equal(provider_status_name(PROVIDER_FORBIDDEN), "forbidden");
	assert_string_equal(provider_status_name(PROVIDER_BAD_RESPONSE), "bad_response");
	assert_string_equal(provider_status_name(PROVIDER_UNAVAILABLE), "unavailable");
}

static void
test_json_reader_is_strict(void **state)
{
	static const struct { const char *s; const char *msg; } bad[] = {
		{ "", "empty body" },
		{ " \r\n\t", "empty body" },
		{ "<!DOCTYPE html><html></html>", "not JSON (an HTML page?)" },
		{ "  <html>", "not JSON (an HTML page?)" },
		{ "{\"a\":[1,2", "truncated JSON" },
		{ "{\"a\":\"b", "truncated JSON" },
		{ "[1,2]", "not a JSON object" },
		{ "\"text\"", "not a JSON object" },
		{ "{\"a\":NaN}", "not valid JSON: the body is not valid JSON" },
		{ "{\"a\":1}{}", "not valid JSON: the body has data after the JSON value" },
		{ "{'a':1}", "not valid JSON: the body has a malformed object key" },
		{ "{\"a\":1,}", "not valid JSON: the body has a malformed object key" },
		{ "{\"a\":01}", NULL },
		{ "{\"a\":\"\xff\"}", "not JSON (not UTF-8 text)" },
		{ "{\"a\":1,\"a\":2}", "duplicate key a" },
		{ "{\"x\":{\"k\":1,\"b\":[{\"k\":2,\"k\":3}]}}", "duplicate key k" },
		{ "{\"a\":1,\"\\u0061\":2}", "duplicate key a" },
		{ "{\"\\u00e9\":1,\"\xc3\xa9\":2}", "duplicate key ?" },
		{ "{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", "duplicate key ?" },
		{ "{\"a\":[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "not valid JSON: the body is nested too deeply" },
	};
	static const char *const good[] = {
		"{}", " {\"a\":1,\"b\":{\"a\":2},\"c\":[{\"a\":3},{\"a\":4}]} \n",
		"{\"a\\\"b\":1,\"a\\\\b\":2,\"a/b\":3,\"a\\/c\":4}",
	};
	const char *msg, *body;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		body = exact(bad[i].s, &len);
		msg = NULL;
		if (prov_json_object(pool, body, len, &msg) != NULL)
			fail_msg("accepted %s", bad[i].s);
		assert_non_null(msg);
		if (bad[i].msg != NULL && strcmp(msg, bad[i].msg) != 0)
			fail_msg("%s: \"%s\", want \"%s\"", bad[i].s, msg, bad[i].msg);
	}
	body = exact("{\"a\":1,\"a\\u0000\":2}", &len);     /* jsonv refuses \u0000 */
	assert_null(prov_json_object(pool, body, len, &msg));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		body = exact(good[i], &len);
		if (prov_json_object(pool, body, len, &msg) == NULL)
			fail_msg("refused %s: %s", good[i], msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_numbers),
		cmocka_unit_test(test_messages_are_log_safe),
		cmocka_unit_test(test_json_reader_is_strict),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
