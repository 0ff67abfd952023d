/* test_log.c: JSON lines on stderr, redaction and level filtering (the
 * request line and its escaper: test_log_request). */
#include "unit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_TEST_BIN "test_log"
#include "log_capture.h"

/* ---- the line ---------------------------------------------------------- */

static void
test_kv_writes_one_line_with_ts_level_bin_request_id(void **state)
{
	json_object *o;
	const char *ts;

	(void)state;
	log_set_request_id("0123456789abcdef");
	capture_begin();
	log_kv(LOG_INFO, "hello", "route", "/api/items", NULL);
	o = one_line(capture_end());
	assert_string_equal(str_field(o, "level"), "info");
	assert_string_equal(str_field(o, "bin"), "test_log");
	assert_string_equal(str_field(o, "request_id"), "0123456789abcdef");
	assert_string_equal(str_field(o, "msg"), "hello");
	assert_string_equal(str_field(o, "route"), "/api/items");
	ts = str_field(o, "ts");
	assert_non_null(ts);
	/* 2024-05-01T12:34:56.789Z */
	assert_int_equal(strlen(ts), 24);
	for (int i = 0; i < 24; i++) {
		char want = "dddd-dd-ddTdd:dd:dd.dddZ"[i];

		if (want == 'd' ? !isdigit((unsigned char)ts[i]) : ts[i] != want)
			fail_msg("ts \"%s\" is malformed at %d", ts, i);
	}
	assert_int_equal(json_object_object_length(o), 6);
	json_object_put(o);
}

static void
test_fixed_fields_come_first(void **state)
{
	(void)state;
	log_set_request_id("rid-12345678");
	capture_begin();
	log_kv(LOG_WARN, "m", NULL);
	assert_true(strncmp(capture_end(),
	                    "{\"ts\":\"", 7) == 0);
	assert_non_null(strstr(captured,
	    "\",\"level\":\"warn\",\"bin\":\"test_log\",\"request_id\":\"rid-12345678\",\"msg\":\"m\"}\n"));
}

static void
test_no_request_id_when_cleared(void **state)
{
	json_object *o;

	(void)state;
	log_set_request_id("abc");
	log_set_request_id(NULL);
	capture_begin();
	log_kv(LOG_ERROR, "x", NULL);
	o = one_line(capture_end());
	assert_null(str_field(o, "request_id"));
	assert_string_equal(str_field(o, "level"), "error");
	json_object_put(o);
}

static void
test_callers_request_id_wins(void **state)
{
	json_object *f = json_object_new_object(), *o;

	(void)state;
	log_set_request_id("from-the-loop");
	json_object_object_add(f, "request_id", json_object_new_string("from-caller"));
	capture_begin();
	log_json(LOG_INFO, f);
	o = one_line(capture_end());
	assert_string_equal(str_field(o, "request_id"), "from-caller");
	json_object_put(o);
}

static void
test_kv_null_value_is_json_null(void **state)
{
	json_object *o, *v;

	(void)state;
	capture_begin();
	log_kv(LOG_INFO, "m", "user", NULL, "email", "a@b.c", NULL);
	o = one_line(capture_end());
	assert_true(json_object_object_get_ex(o, "user", &v));
	assert_null(v);
	assert_string_equal(str_field(o, "email"), "a@b.c");
	json_object_put(o);
}

static void
test_quotes_and_newlines_stay_on_one_line(void **state)
{
	json_object *o;

	(void)state;
	capture_begin();
	log_kv(LOG_INFO, "two\nlines \"quoted\" \\ back\r\x01", "k", "v\nw", NULL);
	o = one_line(capture_end());
	assert_string_equal(str_field(o, "msg"), "two\nlines \"quoted\" \\ back\r\x01");
	assert_string_equal(str_field(o, "k"), "v\nw");
	json_object_put(o);
}

static void
test_msg_formats_and_truncates(void **state)
{
	json_object *o;
	char *big = malloc(5001);

	(void)state;
	capture_begin();
	log_msg(LOG_ERROR, "n=%d s=%s", 5, "x");
	o = one_line(capture_end());
	assert_string_equal(str_field(o, "msg"), "n=5 s=x");
	assert_string_equal(str_field(o, "level"), "error");
	json_object_put(o);

	memset(big, 'b', 5000);
	big[5000] = '\0';
	capture_begin();
	log_msg(LOG_INFO, "%s", big);
	o = one_line(capture_end());
	assert_int_equal(strlen(str_field(o, "msg")), 2047);
	json_object_put(o);
	free(big);
}

/* ---- redaction --------------------------------------------------------- */

static void
test_key_is_secret(void **state)
{
	static const char *const secret[] = {
		"password", "PASSWORD", "new_password", "passwd", "secret", "SECRET_KEY",
		"client_secret", "token", "access_token", "api_key", "apiKey", "Authorization",
		"authorization", "cookie", "Set-Cookie", "credentials", "signature",
		"session", "session_id", NULL
	};
	static const char *const plain[] = {
		"user", "email", "msg", "status", "route", "request_id", "duration_ms",
		"method", "path", "error", "user_id", "symbol", "", NULL
	};

	(void)state;
	for (int i = 0; secret[i]; i++)
		if (!log_key_is_secret(secret[i]))
			fail_msg("\"%s\" is not treated as secret", secret[i]);
	for (int i = 0; plain[i]; i++)
		if (log_key_is_secret(plain[i]))
			fail_msg("\"%s\" is treated as secret", plain[i]);
}

static void
test_kv_redacts_password_and_authorization(void **state)
{
	json_object *o;
	const char *text;

	(void)state;
	capture_begin();
	log_kv(LOG_WARN, "login failed", "user", "bob", "password", "hunter2",
	       "Authorization", "Bearer abc.def", NULL);
	text = capture_end();
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "abc.def"));
	o = one_line(text);
	assert_string_equal(str_field(o, "password"), "[REDACTED]");
	assert_string_equal(str_field(o, "Authorization"), "[REDACTED]");
	assert_string_equal(str_field(o, "user"), "bob");
	json_object_put(o);
}

static void
test_json_redacts_nested_objects_and_arrays(void **state)
{
	const char *in =
		"{\"user\":{\"name\":\"ann\",\"api_key\":\"K1\",\"prefs\":{\"refresh_token\":\"K2\"}},"
		"\"items\":[{\"token\":\"K3\"},{\"ok\":1},[{\"session_id\":\"K4\"}]],"
		"\"credentials\":{\"user\":\"K5\",\"n\":[\"K6\"]},"
		"\"cookie\":null,\"count\":3}";
	const char *want =
		"{\"user\":{\"name\":\"ann\",\"api_key\":\"[REDACTED]\",\"prefs\":{\"refresh_token\":\"[REDACTED]\"}},"
		"\"items\":[{\"token\":\"[REDACTED]\"},{\"ok\":1},[{\"session_id\":\"[REDACTED]\"}]],"
		"\"credentials\":\"[REDACTED]\",\"cookie\":null,\"count\":3}\n";
	const char *text, *tail;

	(void)state;
	capture_begin();
	log_json(LOG_INFO, json_tokener_parse(in));
	text = capture_end();
	for (char k[] = "K1"; k[1] <= '6'; k[1]++)
		if (strstr(text, k) != NULL)
			fail_msg("%s leaked: %s", k, text);
	tail = strstr(text, ",\"user\":");
	assert_non_null(tail);
	assert_string_equal(tail + 1, want + 1);
}

static void
test_json_keeps_unrelated_values_exactly(void **state)
{
	json_object *f = json_tokener_parse("{\"n\":1.5,\"b\":true,\"a\":[1,\"x\"],\"s\":\"\\u00e9/\"}");
	const char *text;

	(void)state;
	capture_begin();
	log_json(LOG_INFO, f);
	text = capture_end();
	assert_non_null(strstr(text, ",\"n\":1.5,\"b\":true,\"a\":[1,\"x\"],\"s\":\"\xc3\xa9/\"}\n"));
}

/* ---- levels ------------------------------------------------------------ */

static void
test_level_filtering_follows_LOG_LEVEL(void **state)
{
	json_object *o;

	(void)state;
	setenv("LOG_LEVEL", "warn", 1);
	log_init("test_log");
	assert_false(log_enabled(LOG_DEBUG));
	assert_false(log_enabled(LOG_INFO));
	assert_true(log_enabled(LOG_WARN));
	assert_true(log_enabled(LOG_ERROR));
	capture_begin();
	log_kv(LOG_INFO, "dropped", NULL);
	log_msg(LOG_DEBUG, "dropped %d", 1);
	log_json(LOG_INFO, json_tokener_parse("{\"dropped\":1}"));
	assert_string_equal(capture_end(), "");
	capture_begin();
	log_kv(LOG_WARN, "kept", NULL);
	o = one_line(capture_end());
	assert_string_equal(str_field(o, "level"), "warn");
	json_object_put(o);

	setenv("LOG_LEVEL", "error", 1);
	log_init("test_log");
	assert_false(log_enabled(LOG_WARN));
	assert_true(log_enabled(LOG_ERROR));

	setenv("LOG_LEVEL", "debug", 1);
	log_init("test_log");
	assert_true(log_enabled(LOG_DEBUG));
	capture_begin();
	log_msg(LOG_DEBUG, "d");
	o = one_line(capture_end());
	assert_string_equal(str_field(o, "level"), "debug");
	json_object_put(o);
}

static void
test_unknown_or_unset_level_means_info(void **state)
{
	(void)state;
	setenv("LOG_LEVEL", "verbose", 1);
	log_init("test_log");
	assert_false(log_enabled(LOG_DEBUG));
	assert_true(log_enabled(LOG_INFO));
	unsetenv("LOG_LEVEL");
	log_init("test_log");
	assert_false(log_enabled(LOG_DEBUG));
	assert_true(log_enabled(LOG_INFO));
}

static void
test_each_call_is_its_own_line(void **state)
{
	const char *text;

	(void)state;
	capture_begin();
	for (int i = 0; i < 100; i++)
		log_msg(LOG_INFO, "line %d", i);
	text = capture_end();
	assert_int_equal(count_lines(text), 100);
	assert_non_null(strstr(text, "\"msg\":\"line 0\"}\n{\"ts\""));
	assert_non_null(strstr(text, "\"msg\":\"line 99\"}\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kv_writes_one_line_with_ts_level_bin_request_id),
		T(test_fixed_fields_come_first),
		T(test_no_request_id_when_cleared),
		T(test_callers_request_id_wins),
		T(test_kv_null_value_is_json_null),
		T(test_quotes_and_newlines_stay_on_one_line),
		T(test_msg_formats_and_truncates),
		T(test_key_is_secret),
		T(test_kv_redacts_password_and_authorization),
		T(test_json_redacts_nested_objects_and_arrays),
		T(test_json_keeps_unrelated_values_exactly),
		T(test_level_filtering_follows_LOG_LEVEL),
		T(test_unknown_or_unset_level_means_info),
		T(test_each_call_is_its_own_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
