/* test_account.c: unit tests for common/base/account.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "account.h"
#include "pool.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct email_case {
	const char *in;
	const char *want;   /* NULL: refused */
};

static void
test_normalize_email(void **state)
{
	static const struct email_case cases[] = {
		{ "alice@example.com", "alice@example.com" },
		{ "  Alice@Example.COM\t\r\n", "Alice@example.com" },
		{ "\nBOB.Smith+tag@Mail.Example.ORG ", "BOB.Smith+tag@mail.example.org" },
		{ "x@EXAMPLE.co", "x@example.co" },
		{ "", NULL },
		{ "   ", NULL },
		{ "no-at-sign", NULL },
		{ "a@b", NULL },
		{ "two@@example.com", NULL },
		{ "in side@example.com", NULL },
		{ "a@exa mple.com", NULL },
		{ "\xc3\xa9@example.com", NULL },
		{ "a@example.com\x0b", NULL },
		{ "'; DROP TABLE users; --@example.com", NULL },
	};
	struct pool *p = pool_new();

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char *got = account_normalize_email(p, cases[i].in);

		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0))
			print_error("account_normalize_email(\"%s\") = \"%s\", want \"%s\"\n",
			            cases[i].in, got ? got : "(null)",
			            cases[i].want ? cases[i].want : "(null)");
		if (cases[i].want == NULL)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
	}
	assert_null(account_normalize_email(p, NULL));
	pool_free(p);
}

static void
test_normalize_email_keeps_input(void **state)
{
	char in[] = " Carol@EXAMPLE.net ";
	struct pool *p = pool_new();
	char *got = account_normalize_email(p, in);

	(void)state;
	assert_string_equal(got, "Carol@example.net");
	assert_string_equal(in, " Carol@EXAMPLE.net ");
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_email),
		cmocka_unit_test(test_normalize_email_keeps_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
