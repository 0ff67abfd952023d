/* test_valid.c: unit tests for common/base/valid.h: text, numbers, enums,
 * phones, symbols, HTML escaping (e-mail and URLs: test_valid_net). */
#include "unit.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "valid.h"
#include "valid_cases.h"

/* ---- UTF-8 ---- */

static void
test_utf8(void **state)
{
	static const struct bytes cases[] = {
		B("", 1),
		B("plain ascii", 1),
		B("caf\xc3\xa9", 1),                  /* é */
		B("\xe2\x82\xac", 1),                 /* € */
		B("\xf0\x9f\x98\x80", 1),             /* U+1F600 */
		B("\xc2\x80", 1),                     /* U+0080, smallest 2-byte */
		B("\xdf\xbf", 1),                     /* U+07FF */
		B("\xe0\xa0\x80", 1),                 /* U+0800, smallest 3-byte */
		B("\xed\x9f\xbf", 1),                 /* U+D7FF, just below surrogates */
		B("\xee\x80\x80", 1),                 /* U+E000, just above */
		B("\xef\xbf\xbf", 1),                 /* U+FFFF */
		B("\xf0\x90\x80\x80", 1),             /* U+10000, smallest 4-byte */
		B("\xf4\x8f\xbf\xbf", 1),             /* U+10FFFF, the last */
		B("\x7f", 1),
		B("a\0b", 0),                         /* embedded NUL */
		B("\0", 0),
		B("\xc0\x80", 0),                     /* overlong NUL */
		B("\xc1\xbf", 0),                     /* overlong 2-byte */
		B("\xe0\x80\x80", 0),                 /* overlong 3-byte */
		B("\xe0\x9f\xbf", 0),                 /* overlong U+07FF */
		B("\xf0\x80\x80\x80", 0),             /* overlong 4-byte */
		B("\xf0\x8f\xbf\xbf", 0),             /* overlong U+FFFF */
		B("\xed\xa0\x80", 0),                 /* U+D800 surrogate */
		B("\xed\xbf\xbf", 0),                 /* U+DFFF surrogate */
		B("\xed\xa0\xbd\xed\xb8\x80", 0),     /* CESU-8 pair */
		B("\xf4\x90\x80\x80", 0),             /* U+110000 */
		B("\xf5\x80\x80\x80", 0),
		B("\xff", 0),
		B("\xfe", 0),
		B("\x80", 0),                         /* lone continuation */
		B("a\xbf", 0),
		B("\xc3", 0),                         /* truncated 2-byte */
		B("\xe2\x82", 0),                     /* truncated 3-byte */
		B("\xf0\x9f\x98", 0),                 /* truncated 4-byte */
		B("\xe2\x28\xa1", 0),                 /* bad continuation */
		B("\xc3\xa9\xc3", 0),                 /* truncated at the end */
		B("\xc3(", 0),
	};
	(void)state;

	for (size_t i = 0; i < NELEM(cases); i++) {
		if (valid_utf8(cases[i].s, cases[i].n) != cases[i].ok)
			print_error("utf8 case %zu\n", i);
		assert_int_equal(valid_utf8(cases[i].s, cases[i].n), cases[i].ok);
	}
	/* the length bounds the check: the bad byte after n is not read */
	assert_int_equal(valid_utf8("ab\xff", 2), 1);
	assert_int_equal(valid_utf8("\xc3\xa9", 1), 0);
	assert_int_equal(valid_utf8(NULL, 0), 0);
	assert_int_equal(valid_utf8(NULL, 5), 0);
}

static void
test_utf8_len(void **state)
{
	(void)state;
	assert_int_equal(valid_utf8_len("", 0), 0);
	assert_int_equal(valid_utf8_len("abc", 3), 3);
	assert_int_equal(valid_utf8_len("caf\xc3\xa9", 5), 4);
	assert_int_equal(valid_utf8_len("\xe2\x82\xac\xf0\x9f\x98\x80", 7), 2);
	assert_int_equal(valid_utf8_len("\xf4\x8f\xbf\xbf" "x", 5), 2);
	assert_int_equal(valid_utf8_len("abc", 1), 1);
	assert_int_equal(valid_utf8_len(NULL, 3), 0);
}

static void
test_text(void **state)
{
	char big[301];
	(void)state;

	assert_int_equal(valid_text("hello", 1, 10, 100), 0);
	assert_int_equal(valid_text("", 0, 10, 100), 0);
	assert_int_equal(valid_text("", 1, 10, 100), -1);
	assert_int_equal(valid_text("line\nnext\ttab\r\n", 1, 100, 100), 0);
	/* length in code points, not bytes */
	assert_int_equal(valid_text("\xc3\xa9\xc3\xa9\xc3\xa9", 3, 3, 6), 0);
	assert_int_equal(valid_text("\xc3\xa9\xc3\xa9\xc3\xa9", 4, 10, 100), -1);
	assert_int_equal(valid_text("\xc3\xa9\xc3\xa9\xc3\xa9", 1, 2, 100), -1);
	/* byte cap applies even when the code point count fits */
	assert_int_equal(valid_text("\xc3\xa9\xc3\xa9\xc3\xa9", 1, 3, 5), -1);
	assert_int_equal(valid_text("abc", 1, 10, 3), 0);
	assert_int_equal(valid_text("abcd", 1, 10, 3), -1);
	assert_int_equal(valid_text("abc", 3, 3, 3), 0);
	assert_int_equal(valid_text("abc", 4, 2, 10), -1);          /* min > max */
	/* control characters */
	assert_int_equal(valid_text("a\x01" "b", 0, 10, 10), -1);
	assert_int_equal(valid_text("a\x1b[31m", 0, 10, 10), -1);
	assert_int_equal(valid_text("a\x7f", 0, 10, 10), -1);
	assert_int_equal(valid_text("a\xc2\x85", 0, 10, 10), -1);   /* NEL, C1 */
	assert_int_equal(valid_text("a\xc2\x9f", 0, 10, 10), -1);
	assert_int_equal(valid_text("a\xc2\xa0", 0, 10, 10), 0);    /* NBSP ok */
	assert_int_equal(valid_text("a\x0b", 0, 10, 10), -1);       /* \v */
	/* bad UTF-8 */
	assert_int_equal(valid_text("\xc0\x80", 0, 10, 10), -1);
	assert_int_equal(valid_text("\xed\xa0\x80", 0, 10, 10), -1);
	assert_int_equal(valid_text("ab\xe2\x82", 0, 10, 10), -1);
	assert_int_equal(valid_text(NULL, 0, 10, 10), -1);
	/* long input */
	repeat(big, 'x', 300);
	assert_int_equal(valid_text(big, 1, 300, 300), 0);
	assert_int_equal(valid_text(big, 1, 299, 1000), -1);
	assert_int_equal(valid_text(big, 1, 1000, 299), -1);
	assert_int_equal(valid_text(big, 0, SIZE_MAX, SIZE_MAX), 0);
}

/* ---- integers ---- */

static void
test_i64_accept(void **state)
{
	static const struct {
		const char *s;
		int64_t v;
	} ok[] = {
		{ "0", 0 },
		{ "7", 7 },
		{ "-7", -7 },
		{ "42", 42 },
		{ "1000000", 1000000 },
		{ "9223372036854775807", INT64_MAX },
		{ "9223372036854775806", INT64_MAX - 1 },
		{ "-9223372036854775808", INT64_MIN },
		{ "-9223372036854775807", INT64_MIN + 1 },
	};
	int64_t v;
	(void)state;

	for (size_t i = 0; i < NELEM(ok); i++) {
		v = 12345;
		check_bool("valid_i64", ok[i].s,
		    valid_i64(ok[i].s, INT64_MIN, INT64_MAX, &v), 0);
		assert_true(v == ok[i].v);
	}
	/* out may be NULL */
	assert_int_equal(valid_i64("5", 0, 10, NULL), 0);
}

static void
test_i64_reject(void **state)
{
	static const char *const bad[] = {
		"", "-", "--1", "+1", " 1", "1 ", "1\n", "01", "00", "-0", "-01",
		"0x10", "1e5", "1.0", "1,000", "12a", "a12", "\xef\xbc\x91", /* fullwidth 1 */
		"9223372036854775808", "-9223372036854775809",
		"18446744073709551616", "99999999999999999999999",
		"00000000000000000000001",
	};
	int64_t v = 777;
	(void)state;

	for (size_t i = 0; i < NELEM(bad); i++)
		check_bool("valid_i64", bad[i],
		    valid_i64(bad[i], INT64_MIN, INT64_MAX, &v), -1);
	assert_true(v == 777);          /* untouched on failure */
	assert_int_equal(valid_i64(NULL, 0, 1, &v), -1);
}

static void
test_i64_range(void **state)
{
	int64_t v = 0;
	(void)state;

	assert_int_equal(valid_i64("1", 1, 100, &v), 0);
	assert_true(v == 1);
	assert_int_equal(valid_i64("100", 1, 100, &v), 0);
	assert_true(v == 100);
	assert_int_equal(valid_i64("0", 1, 100, &v), -1);
	assert_int_equal(valid_i64("101", 1, 100, &v), -1);
	assert_int_equal(valid_i64("-1", 0, INT64_MAX, &v), -1);
	assert_int_equal(valid_i64("-5", -5, -5, &v), 0);
	assert_true(v == -5);
	assert_int_equal(valid_i64("5", 10, 1, &v), -1);             /* min > max */
	assert_int_equal(valid_i64("9223372036854775807", 0, INT64_MAX - 1, &v), -1);
	assert_int_equal(valid_i64("-9223372036854775808", INT64_MIN + 1, 0, &v), -1);
}

/* ---- decimals ---- */

static void
test_decimal_accept(void **state)
{
	static const struct {
		const char *s;
		double v;
	} ok[] = {
		{ "0", 0.0 },
		{ "12", 12.0 },
		{ "12.5", 12.5 },
		{ "12.50", 12.5 },
		{ "-0.5", -0.5 },
		{ "0.25", 0.25 },
		{ "0.00", 0.0 },
		{ "-12.75", -12.75 },
		{ "999999", 999999.0 },
		{ "0.1234", 0.1234 },
		{ "-999999.9999", -999999.9999 },
	};
	double v;
	(void)state;

	for (size_t i = 0; i < NELEM(ok); i++) {
		v = 42.0;
		check_bool("valid_decimal", ok[i].s,
		    valid_decimal(ok[i].s, 6, 4, 1, &v), 0);
		assert_true(v == ok[i].v);
	}
	assert_int_equal(valid_decimal("3.14", 1, 2, 0, NULL), 0);
}

static void
test_decimal_reject(void **state)
{
	static const char *const bad[] = {
		"", "-", ".", ".5", "5.", "-.5", "+1", " 1", "1 ", "01", "00.5",
		"-01", "1e5", "1E5", "1.5e2", "inf", "-inf", "nan", "NaN", "0x1p3",
		"1..2", "1.2.3", "1,5", "--1", "-0", "-0.0", "-0.000",
		"1234567", "1.23456", "12a", "\xd9\xa1",  /* Arabic-Indic one */
	};
	double v = 42.0;
	(void)state;

	for (size_t i = 0; i < NELEM(bad); i++)
		check_bool("valid_decimal", bad[i],
		    valid_decimal(bad[i], 6, 4, 1, &v), -1);
	assert_true(v == 42.0);
	/* negatives only when allowed */
	assert_int_equal(valid_decimal("-1", 6, 4, 0, &v), -1);
	assert_int_equal(valid_decimal("-1", 6, 4, 1, &v), 0);
	assert_true(v == -1.0);
	/* digit limits at their edges */
	assert_int_equal(valid_decimal("123", 3, 0, 0, &v), 0);
	assert_true(v == 123.0);
	assert_int_equal(valid_decimal("1234", 3, 0, 0, &v), -1);
	assert_int_equal(valid_decimal("1.5", 3, 0, 0, &v), -1);     /* no fraction */
	assert_int_equal(valid_decimal("1.55", 3, 2, 0, &v), 0);
	assert_int_equal(valid_decimal("1.555", 3, 2, 0, &v), -1);
	/* bad limits */
	assert_int_equal(valid_decimal("1", 0, 2, 0, &v), -1);
	assert_int_equal(valid_decimal("1", 3, -1, 0, &v), -1);
	assert_int_equal(valid_decimal(NULL, 3, 2, 1, &v), -1);
	/* huge limits cannot yield infinity */
	{
		char big[402];

		repeat(big, '9', 400);
		assert_int_equal(valid_decimal(big, 400, 0, 0, &v), -1);
		repeat(big, '9', 300);
		assert_int_equal(valid_decimal(big, 400, 0, 0, &v), 0);
		assert_true(v > 9e299);
	}
}

static void
test_decimal_locale(void **state)
{
	static const char *const names[] = {
		"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", NULL
	};
	const char *got = NULL;
	double v = 0;
	(void)state;

	for (int i = 0; names[i] != NULL && got == NULL; i++)
		got = setlocale(LC_NUMERIC, names[i]);
	if (got == NULL || strcmp(localeconv()->decimal_point, ",") != 0) {
		setlocale(LC_NUMERIC, "C");
		skip();
	}
	assert_int_equal(valid_decimal("12.5", 3, 2, 0, &v), 0);
	assert_true(v == 12.5);
	assert_int_equal(valid_decimal("12,5", 3, 2, 0, &v), -1);
	setlocale(LC_NUMERIC, "C");
}

/* ---- enums ---- */

static void
test_enum(void **state)
{
	static const char *const strategies[] = {
		"growth", "value", "dividend", "momentum", NULL
	};
	static const char *const empty[] = { NULL };
	(void)state;

	assert_int_equal(valid_enum("growth", strategies), 0);
	assert_int_equal(valid_enum("value", strategies), 1);
	assert_int_equal(valid_enum("momentum", strategies), 3);
	assert_int_equal(valid_enum("Growth", strategies), -1);
	assert_int_equal(valid_enum("growth ", strategies), -1);
	assert_int_equal(valid_enum("grow", strategies), -1);
	assert_int_equal(valid_enum("", strategies), -1);
	assert_int_equal(valid_enum(NULL, strategies), -1);
	assert_int_equal(valid_enum("growth", NULL), -1);
	assert_int_equal(valid_enum("growth", empty), -1);
}

/* ---- phone ---- */

static void
test_phone(void **state)
{
	static const struct str_case cases[] = {
		{ "+14155552671", 1 },
		{ "+442071838750", 1 },
		{ "+12345678", 1 },               /* 8 digits */
		{ "+123456789012345", 1 },        /* 15 digits */
		{ "+1234567", 0 },                /* 7 */
		{ "+1234567890123456", 0 },       /* 16 */
		{ "+01234567890", 0 },
		{ "14155552671", 0 },
		{ "++14155552671", 0 },
		{ "+1 415 555 2671", 0 },
		{ "+1-415-555-2671", 0 },
		{ "+1415555267a", 0 },
		{ "+1415555267\n", 0 },
		{ "+", 0 },
		{ "", 0 },
		{ "+\xd9\xa1" "4155552671", 0 },
	};
	(void)state;

	for (size_t i = 0; i < NELEM(cases); i++)
		check_bool("valid_phone", cases[i].s, valid_phone(cases[i].s),
		    cases[i].ok);
	assert_int_equal(valid_phone(NULL), 0);
}

/* ---- symbols ---- */

static void
test_symbol(void **state)
{
	static const struct str_case cases[] = {
		{ "A", 1 },
		{ "AAPL", 1 },
		{ "BRK.B", 1 },
		{ "BF-B", 1 },
		{ "RDS-A.L", 1 },
		{ "ABCDEFGHIJ", 1 },              /* 10 */
		{ "A1234567.9", 1 },
		{ "^GSPC", 1 },
		{ "^N225", 1 },
		{ "^ABCDEFGHI", 1 },              /* '^' + 9 */
		{ "", 0 },
		{ "^", 0 },
		{ "ABCDEFGHIJK", 0 },             /* 11 */
		{ "^ABCDEFGHIJ", 0 },             /* '^' + 10 */
		{ "aapl", 0 },
		{ "Aapl", 0 },
		{ "1AB", 0 },
		{ ".AB", 0 },
		{ "-AB", 0 },
		{ "^^A", 0 },
		{ "A^B", 0 },
		{ "^1", 0 },
		{ "^.A", 0 },
		{ "AB.", 0 },
		{ "AB-", 0 },
		{ "A..B", 0 },
		{ "A.-B", 0 },
		{ "A B", 0 },
		{ " AB", 0 },
		{ "AB\n", 0 },
		{ "A/B", 0 },
		{ "A_B", 0 },
		{ "\xc3\x84" "B", 0 },
	};
	(void)state;

	for (size_t i = 0; i < NELEM(cases); i++)
		check_bool("valid_symbol", cases[i].s, valid_symbol(cases[i].s),
		    cases[i].ok);
	assert_int_equal(valid_symbol(NULL), 0);
}

/* Lower-case letters become upper case, nothing else changes. */
static void
test_symbol_normalise(void **state)
{
	char a[] = "^gspc", b[] = "brk.b", c[] = "Msft-2", d[] = "\xc3\xa4pl";

	(void)state;
	valid_symbol_normalise(a);
	valid_symbol_normalise(b);
	valid_symbol_normalise(c);
	valid_symbol_normalise(d);
	valid_symbol_normalise(NULL);
	assert_string_equal(a, "^GSPC");
	assert_string_equal(b, "BRK.B");
	assert_string_equal(c, "MSFT-2");
	assert_string_equal(d, "\xc3\xa4PL");   /* not ASCII: left for valid_symbol to refuse */
	assert_int_equal(valid_symbol(a) && valid_symbol(b) && valid_symbol(c), 1);
	assert_int_equal(valid_symbol(d), 0);
}

/* ---- HTML escaping ---- */

static void
test_html_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "a & b", "a &amp; b" },
		{ "&amp;", "&amp;amp;" },
		{ "\"quoted\"", "&quot;quoted&quot;" },
		{ "it's", "it&#39;s" },
		{ "<>&\"'", "&lt;&gt;&amp;&quot;&#39;" },
		{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac" },
	};
	struct pool *p = pool_new();
	char big[1001];
	char *out;
	(void)state;

	for (size_t i = 0; i < NELEM(cases); i++)
		assert_string_equal(valid_html_escape(p, cases[i].in), cases[i].out);
	assert_null(valid_html_escape(p, NULL));

	repeat(big, '<', 1000);
	out = valid_html_escape(p, big);
	assert_int_equal(strlen(out), 4000);
	assert_memory_equal(out + 3996, "&lt;", 4);
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_utf8_len),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_i64_accept),
		cmocka_unit_test(test_i64_reject),
		cmocka_unit_test(test_i64_range),
		cmocka_unit_test(test_decimal_accept),
		cmocka_unit_test(test_decimal_reject),
		cmocka_unit_test(test_decimal_locale),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_symbol),
		cmocka_unit_test(test_symbol_normalise),
		cmocka_unit_test(test_html_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
