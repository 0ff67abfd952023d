/* test_log_request.c: the request's log line and its JSON string escaper:
 * keys in order, optional fields, hostile input, UTF-8-safe cuts. */
#include "unit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_TEST_BIN "test_log_request"
#include "log_capture.h"

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
	assert_string_equal(str_field(o, "bin"), LOG_TEST_BIN);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_escape_quote_backslash_and_control_characters),
		T(test_escape_keeps_valid_and_replaces_invalid_utf8),
		T(test_request_line_keys_in_order),
		T(test_request_line_optional_fields_absent),
		T(test_request_line_hostile_path_and_method),
		T(test_request_line_cuts_path_at_256_bytes_on_a_boundary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
