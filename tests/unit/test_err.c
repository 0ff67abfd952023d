/* test_err.c: the error catalogue and the error envelope. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void
test_catalogue_entries_are_well_formed(void **state)
{
	(void)state;
	for (int e = 0; e < ERR_COUNT; e++) {
		const struct err_info *i = err_info((enum err)e);
		size_t n;

		assert_non_null(i->code);
		assert_non_null(i->message);
		assert_true(strlen(i->code) > 0);
		assert_int_equal(strspn(i->code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"), strlen(i->code));
		if (i->status < 400 || i->status > 599)
			fail_msg("%s has status %d", i->code, i->status);
		n = strlen(i->message);
		/* short, factual, lower case, no trailing period */
		if (n == 0 || n > 80 || !islower((unsigned char)i->message[0]) ||
		    i->message[n - 1] == '.')
			fail_msg("%s has message \"%s\"", i->code, i->message);
	}
}

static void
test_codes_are_unique_and_found_by_code(void **state)
{
	(void)state;
	for (int e = 0; e < ERR_COUNT; e++) {
		const struct err_info *i = err_info((enum err)e);

		for (int f = 0; f < e; f++)
			if (strcmp(err_info((enum err)f)->code, i->code) == 0)
				fail_msg("%s is listed twice", i->code);
		assert_ptr_equal(err_by_code(i->code), i);
	}
	assert_null(err_by_code("NO_SUCH_CODE"));
	assert_null(err_by_code("not_found"));
	assert_null(err_by_code("NOT_FOUND "));
	assert_null(err_by_code(""));
}

static void
test_statuses_of_each_code(void **state)
{
	static const struct { enum err e; const char *code; int status; } want[] = {
		{ ERR_BAD_REQUEST, "BAD_REQUEST", 400 },
		{ ERR_VALIDATION_FAILED, "VALIDATION_FAILED", 422 },
		{ ERR_INVALID_JSON, "INVALID_JSON", 400 },
		{ ERR_UNAUTHORIZED, "UNAUTHORIZED", 401 },
		{ ERR_FORBIDDEN, "FORBIDDEN", 403 },
		{ ERR_NOT_FOUND, "NOT_FOUND", 404 },
		{ ERR_METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", 405 },
		{ ERR_CONFLICT, "CONFLICT", 409 },
		{ ERR_PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", 413 },
		{ ERR_URI_TOO_LONG, "URI_TOO_LONG", 414 },
		{ ERR_UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", 415 },
		{ ERR_RATE_LIMITED, "RATE_LIMITED", 429 },
		{ ERR_QUOTA_EXCEEDED, "QUOTA_EXCEEDED", 429 },
		{ ERR_INTERNAL, "INTERNAL_ERROR", 500 },
		{ ERR_PROVIDER_UNAVAILABLE, "PROVIDER_UNAVAILABLE", 502 },
		{ ERR_SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", 503 },
		{ ERR_DB_UNAVAILABLE, "DATABASE_UNAVAILABLE", 503 },
	};

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), ERR_COUNT);
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		const struct err_info *i = err_info(want[k].e);

		assert_string_equal(i->code, want[k].code);
		assert_int_equal(i->status, want[k].status);
	}
}

static void
out_of_range(void)
{
	err_info(ERR_COUNT);
}

static void
test_err_info_asserts_on_out_of_range(void **state)
{
	pid_t pid;
	int st = 0;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		out_of_range();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
}

/* ---- the envelope ------------------------------------------------------ */

static struct fake *
replying(const char *request_id)
{
	struct fake *f = fake_new("GET", "/x");
	struct req *r = fake_req(f);

	r->request_id = request_id;
	return f;
}

static void
test_envelope_with_field_and_message(void **state)
{
	struct fake *f = replying("0123456789abcdef");
	int status;

	(void)state;
	status = reply_error(&f->req, ERR_VALIDATION_FAILED, "email", "email is not a valid address");
	fake_reply(f);
	assert_int_equal(status, 422);
	assert_int_equal(f->status, 422);
	assert_true(strncmp(f->out, "Status: 422 Unprocessable Content\r\n", 35) == 0);
	assert_string_equal(fake_header(f, "Content-Type"), "application/json");
	assert_string_equal(fake_header(f, "X-Request-ID"), "0123456789abcdef");
	assert_string_equal(f->reply_body,
		"{\"error\":{\"code\":\"VALIDATION_FAILED\",\"message\":\"email is not a valid address\","
		"\"field\":\"email\",\"request_id\":\"0123456789abcdef\"}}");
	assert_int_equal(atoi(fake_header(f, "Content-Length")), strlen(f->reply_body));
	assert_string_equal(f->req.error_code, "VALIDATION_FAILED");
	assert_int_equal(f->req.status, 422);
	assert_true(f->req.replied);
	fake_free(f);
}

static void
test_envelope_defaults_message_and_omits_absent_parts(void **state)
{
	struct fake *f = replying(NULL);

	(void)state;
	assert_int_equal(reply_error(&f->req, ERR_CONFLICT, NULL, NULL), 409);
	fake_reply(f);
	assert_string_equal(f->reply_body,
		"{\"error\":{\"code\":\"CONFLICT\",\"message\":\"the resource already exists or has changed\"}}");
	assert_null(fake_header(f, "X-Request-ID"));
	fake_free(f);
}

static void
test_envelope_escapes_message_and_formats(void **state)
{
	struct fake *f = replying("rid-00000001");
	json_object *o, *e, *m;

	(void)state;
	assert_int_equal(reply_errorf(&f->req, ERR_BAD_REQUEST, "q", "bad \"%s\" at %d", "a\nb", 3), 400);
	fake_reply(f);
	o = json_tokener_parse(f->reply_body);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "error", &e));
	assert_true(json_object_object_get_ex(e, "message", &m));
	assert_string_equal(json_object_get_string(m), "bad \"a\nb\" at 3");
	assert_string_equal(fake_error_code(f), "BAD_REQUEST");
	json_object_put(o);
	fake_free(f);
}

static void
test_every_code_replies_with_its_status_and_reason(void **state)
{
	(void)state;
	for (int e = 0; e < ERR_COUNT; e++) {
		struct fake *f = replying("rid-00000002");
		const struct err_info *i = err_info((enum err)e);
		char line[64];

		reply_error(&f->req, (enum err)e, NULL, NULL);
		fake_reply(f);
		assert_int_equal(f->status, i->status);
		assert_string_equal(fake_error_code(f), i->code);
		/* a reason phrase, not the generic fallback */
		snprintf(line, sizeof(line), "Status: %d Error\r\n", i->status);
		if (strncmp(f->out, line, strlen(line)) == 0)
			fail_msg("%d has no reason phrase", i->status);
		fake_free(f);
	}
}

static void
test_head_error_has_length_but_no_body(void **state)
{
	struct fake *f = replying("rid-00000003");

	(void)state;
	f->req.is_head = 1;
	reply_error(&f->req, ERR_NOT_FOUND, NULL, NULL);
	fake_reply(f);
	assert_int_equal(f->status, 404);
	assert_string_equal(f->reply_body, "");
	assert_true(atoi(fake_header(f, "Content-Length")) > 0);
	fake_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_entries_are_well_formed),
		cmocka_unit_test(test_codes_are_unique_and_found_by_code),
		cmocka_unit_test(test_statuses_of_each_code),
		cmocka_unit_test(test_err_info_asserts_on_out_of_range),
		cmocka_unit_test(test_envelope_with_field_and_message),
		cmocka_unit_test(test_envelope_defaults_message_and_omits_absent_parts),
		cmocka_unit_test(test_envelope_escapes_message_and_formats),
		cmocka_unit_test(test_every_code_replies_with_its_status_and_reason),
		cmocka_unit_test(test_head_error_has_length_but_no_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
