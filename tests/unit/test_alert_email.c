/* test_alert_email.c: an alert as a MIME message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "alert_email.h"
#include "pool.h"

static int
setup(void **state)
{
	*state = pool_new();
	return 0;
}

static int
teardown(void **state)
{
	pool_free(*state);
	return 0;
}

static struct alert_email
sample(void)
{
	return (struct alert_email){
		.from = "alerts@edgescout.example", .to = "u@example.com",
		.subject = "AAPL buy (growth)", .text = "score 82", .html = "<p>score 82</p>",
		.unsubscribe = "https://x.example/api/alerts/unsubscribe?channel=1&sig=ab",
		.message_id = "<alert-7@edgescout>", .date = 1700000000,
	};
}

static void
test_headers_and_parts(void **state)
{
	struct alert_email e = sample();
	size_t len;
	const char *m = alert_email_build(*state, &e, &len);

	assert_int_equal(strlen(m), len);
	assert_non_null(strstr(m, "From: alerts@edgescout.example\r\nTo: u@example.com\r\n"
	                          "Subject: AAPL buy (growth)\r\n"));
	assert_non_null(strstr(m, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
	assert_non_null(strstr(m, "Message-ID: <alert-7@edgescout>\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(m, "List-Unsubscribe: <https://x.example/api/alerts/unsubscribe?"
	                          "channel=1&sig=ab>\r\n"));
	assert_non_null(strstr(m, "Content-Type: text/plain; charset=utf-8\r\n"
	                          "Content-Transfer-Encoding: base64\r\n\r\nc2NvcmUgODI=\r\n"));
	assert_non_null(strstr(m, "Content-Type: text/html; charset=utf-8\r\n"
	                          "Content-Transfer-Encoding: base64\r\n\r\n"
	                          "PHA+c2NvcmUgODI8L3A+\r\n"));
	assert_null(strstr(m, "\n.\r"));
	for (const char *p = m; (p = strchr(p, '\n')) != NULL; p++)
		assert_true(p[-1] == '\r');
}

static void
test_subject_not_ascii_is_encoded_and_cannot_inject(void **state)
{
	struct alert_email e = sample();
	size_t len;
	const char *m;

	e.subject = "Caf\xc3\xa9\r\nBcc: x@evil.example";
	e.unsubscribe = NULL;
	m = alert_email_build(*state, &e, &len);
	assert_non_null(strstr(m, "Subject: =?UTF-8?B?"
	                          "Q2Fmw6kNCkJjYzogeEBldmlsLmV4YW1wbGU=?=\r\n"));
	assert_null(strstr(m, "Bcc:"));
	assert_null(strstr(m, "List-Unsubscribe"));
}

static void
test_long_parts_wrap_at_76(void **state)
{
	struct alert_email e = sample();
	char text[301];
	size_t len;
	const char *m, *p;

	memset(text, 'a', 300);
	text[300] = '\0';
	e.text = text;
	m = alert_email_build(*state, &e, &len);
	p = strstr(m, "base64\r\n\r\n") + 10;
	assert_int_equal(strchr(p, '\r') - p, 76);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_headers_and_parts),
		T(test_subject_not_ascii_is_encoded_and_cannot_inject),
		T(test_long_parts_wrap_at_76),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
