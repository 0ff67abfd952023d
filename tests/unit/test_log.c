/* test_log.c: JSON lines on stderr, redaction and level filtering. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* ---- capturing stderr -------------------------------------------------- */

static FILE *cap_file;
static int saved_stderr = -1;
static char captured[65536];

static void
capture_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(cap_file), STDERR_FILENO) >= 0);
}

/* Stop capturing; returns everything written to stderr meanwhile. */
static const char *
capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	rewind(cap_file);
	n = fread(captured, 1, sizeof(captured) - 1, cap_file);
	captured[n] = '\0';
	fclose(cap_file);
	return captured;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Parse the one line in text; fails unless there is exactly one. */
static json_object *
one_line(const char *text)
{
	json_object *o;
	size_t len = strlen(text);

	if (count_lines(text) != 1 || len == 0 || text[len - 1] != '\n')
		fail_msg("expected one line, got: [%s]", text);
	o = json_tokener_parse(text);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		fail_msg("not a JSON object: %s", text);
	return o;
}

static const char *
str_field(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static int
setup(void **state)
{
	(void)state;
	unsetenv("LOG_LEVEL");
	log_init("test_log");
	log_set_request_id(NULL);
	return 0;
}

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

/* ---- the request line and its JSON string escaper ----------------------- */

/* s (n bytes) escaped, as a NUL-terminated string in a static buffer. */
static const char *
esc(const char *s, size_t n)
{
	static char out[4096];
	size_t len;

	assert_true(6 * n + 2 < sizeof(out));
	memset(out, 'Z', sizeof(out));
	len = log_json_escape(out, s, n);
	assert_true(len <= 6 * n + 2);
	out[len] = '\0';
	return out;
}

#define ESC(lit) esc((lit), sizeof(lit) - 1)

static void
test_escape_quote_backslash_and_control_characters(void **state)
{
	(void)state;
	assert_string_equal(ESC(""), "\"\"");
	assert_string_equal(ESC("/api/items?x=1"), "\"/api/items?x=1\"");
	assert_string_equal(ESC("a\"b\\c"), "\"a\\\"b\\\\c\"");
	/* the slash and DEL are legal in a JSON string as they are */
	assert_string_equal(ESC("/\x7f"), "\"/\x7f\"");
	assert_string_equal(ESC("a\nb\rc\td"), "\"a\\u000ab\\u000dc\\u0009d\"");
	assert_string_equal(ESC("\x01\x1f\x1b[31m"), "\"\\u0001\\u001f\\u001b[31m\"");
	/* an embedded NUL is data, not the end */
	assert_string_equal(esc("x\0y", 3), "\"x\\u0000y\"");
}

static void
test_escape_keeps_valid_and_replaces_invalid_utf8(void **state)
{
	char all[256];

	(void)state;
	/* é, €, U+10FFFF, an emoji */
	assert_string_equal(ESC("caf\xc3\xa9 \xe2\x82\xac \xf4\x8f\xbf\xbf \xf0\x9f\x98\x80"),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf4\x8f\xbf\xbf \xf0\x9f\x98\x80\"");
	/* stray continuation, lone lead at the end, bytes that never occur */
	assert_string_equal(ESC("a\x80z"), "\"a\\ufffdz\"");
	assert_string_equal(ESC("a\xc3"), "\"a\\ufffd\"");
	assert_string_equal(ESC("\xff\xfe"), "\"\\ufffd\\ufffd\"");
	/* overlong forms, a UTF-16 surrogate, past U+10FFFF */
	assert_string_equal(ESC("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	assert_string_equal(ESC("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(ESC("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(ESC("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* a sequence cut short by ASCII: the ASCII survives */
	assert_string_equal(ESC("\xe2\x82z"), "\"\\ufffd\\ufffdz\"");
	/* every byte value at once fits the documented room */
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	assert_non_null(esc(all, sizeof(all)));
}

static json_object *
request_line(const struct log_request *lr, const char **text)
{
	capture_begin();
	log_request_line(LOG_INFO, lr);
	*text = capture_end();
	return one_line(*text);
}

static void
test_request_line_keys_in_order(void **state)
{
	struct log_request lr = {
		.method = "GET", .route = "/api/items/{id}", .path = "/api/items/7",
		.status = 404, .duration_ms = 1.23456, .user_id = 42, .error = "not_found",
	};
	static const char *const keys[] = {
		"ts", "level", "bin", "request_id", "msg", "method", "route", "path",
		"status", "duration_ms", "user_id", "error",
	};
	const char *text;
	json_object *o;
	int i = 0;

	(void)state;
	log_set_request_id("00ff");
	o = request_line(&lr, &text);
	assert_int_equal(json_object_object_length(o), 12);
	json_object_object_foreach(o, k, v) {
		(void)v;
		assert_string_equal(k, keys[i]);
		i++;
	}
	assert_string_equal(str_field(o, "bin"), "test_log");
	assert_string_equal(str_field(o, "request_id"), "00ff");
	assert_string_equal(str_field(o, "msg"), "request");
	assert_string_equal(str_field(o, "route"), "/api/items/{id}");
	assert_string_equal(str_field(o, "path"), "/api/items/7");
	assert_string_equal(str_field(o, "error"), "not_found");
	assert_non_null(strstr(text, ",\"status\":404,\"duration_ms\":1.235,\"user_id\":42,"));
	json_object_put(o);
}

static void
test_request_line_optional_fields_absent(void **state)
{
	struct log_request lr = {
		.method = "POST", .route = "unmatched", .path = "",
		.status = 200, .duration_ms = 0.0004,
	};
	const char *text;
	json_object *o;

	(void)state;
	o = request_line(&lr, &text);
	assert_int_equal(json_object_object_length(o), 9);
	assert_null(str_field(o, "request_id"));
	assert_null(str_field(o, "user_id"));
	assert_null(str_field(o, "error"));
	assert_non_null(strstr(text, ",\"path\":\"\",\"status\":200,\"duration_ms\":0.000}\n"));
	json_object_put(o);
	/* below the level: nothing */
	capture_begin();
	log_request_line(LOG_DEBUG, &lr);
	assert_string_equal(capture_end(), "");
}

static void
test_request_line_hostile_path_and_method(void **state)
{
	char method[3001];
	struct log_request lr = {
		.method = "GE\"T\n", .route = "unmatched", .status = 400, .duration_ms = 12,
		.path = "/a\"b\\c\n{\"level\":\"error\"}\x01\xff\xc3\xa9",
	};
	const char *text;
	json_object *o;

	(void)state;
	o = request_line(&lr, &text);
	assert_string_equal(str_field(o, "level"), "info");
	assert_string_equal(str_field(o, "method"), "GE\"T\n");
	assert_string_equal(str_field(o, "path"),
	    "/a\"b\\c\n{\"level\":\"error\"}\x01\xef\xbf\xbd\xc3\xa9");
	assert_non_null(strstr(text, "\"duration_ms\":12.000}"));
	json_object_put(o);
	/* far more than fits the line's stack buffer */
	memset(method, '\n', 3000);
	method[3000] = '\0';
	lr.method = method;
	o = request_line(&lr, &text);
	assert_int_equal(strlen(str_field(o, "method")), 3000);
	json_object_put(o);
}

static void
test_request_line_cuts_path_at_256_bytes_on_a_boundary(void **state)
{
	char path[301];
	struct log_request lr = {
		.method = "GET", .route = "unmatched", .path = path, .status = 404,
	};
	const char *text, *got;
	json_object *o;

	(void)state;
	memset(path, 'p', 300);
	path[300] = '\0';
	o = request_line(&lr, &text);
	got = str_field(o, "path");
	assert_int_equal(strlen(got), LOG_PATH_MAX);
	assert_memory_equal(got, path, LOG_PATH_MAX);
	json_object_put(o);
	/* a euro sign over bytes 255..257 goes whole */
	memcpy(path + 255, "\xe2\x82\xac", 3);
	o = request_line(&lr, &text);
	assert_int_equal(strlen(str_field(o, "path")), 255);
	assert_null(strstr(text, "\\ufffd"));
	json_object_put(o);
}

/* Give stderr back if a failed assertion left it captured. */
static int
teardown(void **state)
{
	(void)state;
	if (saved_stderr >= 0)
		capture_end();
	return 0;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

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
		T(test_escape_quote_backslash_and_control_characters),
		T(test_escape_keeps_valid_and_replaces_invalid_utf8),
		T(test_request_line_keys_in_order),
		T(test_request_line_optional_fields_absent),
		T(test_request_line_hostile_path_and_method),
		T(test_request_line_cuts_path_at_256_bytes_on_a_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
