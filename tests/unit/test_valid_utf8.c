/* test_valid_utf8.c: cutting UTF-8 text to a byte limit (valid.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "pool.h"
#include "valid.h"

static void
test_utf8_cut_never_splits_a_sequence(void **state)
{
	char s[300];

	(void)state;
	assert_int_equal(valid_utf8_cut("abc", 3, 256), 3);
	assert_int_equal(valid_utf8_cut("abcdef", 6, 4), 4);
	/* "é" over bytes 3..4 */
	assert_int_equal(valid_utf8_cut("abc\xc3\xa9xy", 7, 4), 3);
	assert_int_equal(valid_utf8_cut("abc\xc3\xa9xy", 7, 5), 5);
	/* a 4-byte emoji over bytes 2..5 */
	for (size_t max = 3; max <= 5; max++)
		assert_int_equal(valid_utf8_cut("ab\xf0\x9f\x98\x80z", 7, max), 2);
	assert_int_equal(valid_utf8_cut("ab\xf0\x9f\x98\x80z", 7, 6), 6);
	/* stray continuation bytes are no sequence to protect */
	assert_int_equal(valid_utf8_cut("ab\x80\x80\x80\x80\x80", 7, 4), 4);
	memset(s, 'a', sizeof(s));
	memcpy(s + 255, "\xe2\x82\xac", 3);
	assert_int_equal(valid_utf8_cut(s, sizeof(s), 256), 255);
}

/* The copy in a pool when cut, the string itself when it fits. */
static void
test_utf8_trunc(void **state)
{
	struct pool *p = pool_new();
	const char *s = "caf\xc3\xa9s";

	(void)state;
	assert_null(valid_utf8_trunc(p, NULL, 4));
	assert_ptr_equal(valid_utf8_trunc(p, s, 6), s);
	assert_string_equal(valid_utf8_trunc(p, s, 5), "caf\xc3\xa9");
	assert_string_equal(valid_utf8_trunc(p, s, 4), "caf");
	assert_string_equal(valid_utf8_trunc(p, s, 0), "");
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_cut_never_splits_a_sequence),
		cmocka_unit_test(test_utf8_trunc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
