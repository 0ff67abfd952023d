/* test_jsonv.c: the strict RFC 8259 syntax check. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <stdlib.h>
#include <string.h>

#include "jsonv.h"

/* Check exactly n bytes in a buffer of that size, so that any read past the
 * end is caught by AddressSanitizer. */
static int
check_n(const char *s, size_t n, int depth, const char **why)
{
	char *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, s, n);
	*why = NULL;
	rc = jsonv_check(copy, n, depth, why);
	free(copy);
	return rc;
}

static int
check(const char *s, const char **why)
{
	return check_n(s, strlen(s), 32, why);
}

static void
test_accepts_valid_documents(void **state)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "7", "-12", "1.5", "0.0", "-0.25", "1e10", "1E10",
		"1e+5", "1e-5", "2.5E-3", "123456789012345678901234567890", "\"\"", "\"x\"",
		"true", "false", "null",
		" \t\r\n{ \"a\" : [ 1 , 2.0 , { \"b\" : null } ] } \n",
		"{\"a\":1,\"a\":2}",
		"[[[[]]]]",
		"[{}, [], \"\", 0, true]",
		"\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
		"\"\\u0041\\u00e9\\u20AC\\uFFFF\"",
		"\"\\ud83d\\ude00\"",                   /* a surrogate pair */
		"\"\\uDBFF\\uDFFF\"",
		"\"\xc3\xa9 \xff\"",                    /* bytes are not checked here */
		"\"\x7f\"",
		NULL
	};
	const char *why;

	(void)state;
	for (int i = 0; good[i]; i++)
		if (check(good[i], &why) != 0)
			fail_msg("rejected %s: %s", good[i], why);
}

static void
test_rejects_with_a_reason(void **state)
{
	static const struct { const char *s; const char *why; } bad[] = {
		{ "", "the body is not valid JSON" },
		{ "   ", "the body is not valid JSON" },
		{ "{", "the body has a malformed object key" },
		{ "[", "the body is not valid JSON" },
		{ "[1", "the body is not valid JSON" },
		{ "[1,]", "the body is not valid JSON" },
		{ "[,1]", "the body is not valid JSON" },
		{ "[1 2]", "the body is not valid JSON" },
		{ "{\"a\":1,}", "the body has a malformed object key" },
		{ "{\"a\" 1}", "the body is missing a ':' after a key" },
		{ "{\"a\":}", "the body is not valid JSON" },
		{ "{a:1}", "the body has a malformed object key" },
		{ "{'a':1}", "the body has a malformed object key" },
		{ "{1:1}", "the body has a malformed object key" },
		{ "{\"a\":1]", "the body is not valid JSON" },
		{ "01", "the body has data after the JSON value" },
		{ "-01", "the body has data after the JSON value" },
		{ "1.", "the body has a malformed number" },
		{ ".5", "the body is not valid JSON" },
		{ "-", "the body has a malformed number" },
		{ "-a", "the body has a malformed number" },
		{ "1e", "the body has a malformed number" },
		{ "1e+", "the body has a malformed number" },
		{ "1.e5", "the body has a malformed number" },
		{ "+1", "the body is not valid JSON" },
		{ "0x10", "the body has data after the JSON value" },
		{ "NaN", "the body is not valid JSON" },
		{ "Infinity", "the body is not valid JSON" },
		{ "-Infinity", "the body has a malformed number" },
		{ "tru", "the body is not valid JSON" },
		{ "True", "the body is not valid JSON" },
		{ "nul", "the body is not valid JSON" },
		{ "nulll", "the body has data after the JSON value" },
		{ "\"abc", "the body has an unterminated string" },
		{ "\"", "the body has an unterminated string" },
		{ "\"a\tb\"", "the body has a control character in a string" },
		{ "\"a\nb\"", "the body has a control character in a string" },
		{ "\"\x1f\"", "the body has a control character in a string" },
		{ "\"\\x41\"", "the body has a malformed escape" },
		{ "\"\\'\"", "the body has a malformed escape" },
		{ "\"\\", "the body has a malformed escape" },
		{ "\"\\u12\"", "the body has a malformed \\u escape" },
		{ "\"\\u12G4\"", "the body has a malformed \\u escape" },
		{ "\"\\u", "the body has a malformed \\u escape" },
		{ "\"\\ud800\"", "the body has an unpaired surrogate" },
		{ "\"\\udc00\"", "the body has an unpaired surrogate" },
		{ "\"\\ud800\\u0041\"", "the body has an unpaired surrogate" },
		{ "\"\\ud800\\ud800\"", "the body has an unpaired surrogate" },
		{ "\"\\ud800x\"", "the body has an unpaired surrogate" },
		{ "\"\\ud800\\", "the body has an unpaired surrogate" },
		{ "{} {}", "the body has data after the JSON value" },
		{ "{}x", "the body has data after the JSON value" },
		{ "/* c */ {}", "the body is not valid JSON" },
		{ "{} // c", "the body has data after the JSON value" },
		{ "\f{}", "the body is not valid JSON" },
		{ "{}\v", "the body has data after the JSON value" },
		{ "\xef\xbb\xbf{}", "the body is not valid JSON" },   /* a BOM */
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (check(bad[i].s, &why) != -1)
			fail_msg("accepted %s", bad[i].s);
		if (why == NULL || strcmp(why, bad[i].why) != 0)
			fail_msg("%s: why \"%s\", want \"%s\"", bad[i].s, why ? why : "(null)", bad[i].why);
	}
}

static void
test_raw_nul_in_string_is_a_control_character(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(check_n("\"a\0b\"", 5, 32, &why), -1);
	assert_string_equal(why, "the body has a control character in a string");
	assert_int_equal(check_n("{}\0", 3, 32, &why), -1);
	assert_string_equal(why, "the body has data after the JSON value");
}

/* Known bug: string() looks the escape character up with strchr(), which
 * also finds the terminating NUL, so a backslash followed by a NUL byte is
 * taken as a valid escape. */
static void
test_backslash_nul_is_a_malformed_escape(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(check_n("\"\\\0\"", 4, 32, &why), -1);
	assert_string_equal(why, "the body has a malformed escape");
}

/* depth nested arrays, or objects {"k":{"k":...0}}, into s; returns length. */
static size_t
nest(char *s, int depth, int objects)
{
	size_t k = 0;

	for (int i = 0; i < depth; i++) {
		if (objects) {
			memcpy(s + k, "{\"k\":", 5);
			k += 5;
		} else {
			s[k++] = '[';
		}
	}
	if (objects)
		s[k++] = '0';
	for (int i = 0; i < depth; i++)
		s[k++] = objects ? '}' : ']';
	return k;
}

static void
test_depth_limit_counts_containers(void **state)
{
	char s[512];
	const char *why;

	(void)state;
	for (int objects = 0; objects <= 1; objects++) {
		for (int depth = 1; depth <= 40; depth++) {
			size_t k = nest(s, depth, objects);
			int rc = check_n(s, k, 32, &why);

			if (rc != (depth <= 32 ? 0 : -1))
				fail_msg("depth %d: %.*s (%s)", depth, (int)k, s, why ? why : "accepted");
			if (depth > 32)
				assert_string_equal(why, "the body is nested too deeply");
		}
	}
}

static void
test_small_depth_limits(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(check_n("1", 1, 0, &why), 0);
	assert_int_equal(check_n("\"s\"", 3, 0, &why), 0);
	assert_int_equal(check_n("[]", 2, 0, &why), -1);
	assert_string_equal(why, "the body is nested too deeply");
	assert_int_equal(check_n("[1,[]]", 6, 1, &why), -1);
	assert_int_equal(check_n("[1,{}]", 6, 2, &why), 0);
	/* siblings do not add up */
	assert_int_equal(check_n("[[],[],[]]", 10, 2, &why), 0);
}

static void
test_reads_only_n_bytes(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(jsonv_check("{}garbage", 2, 32, &why), 0);
	assert_int_equal(jsonv_check("[1]", 2, 32, &why), -1);
	assert_int_equal(jsonv_check("true", 3, 32, &why), -1);
	assert_int_equal(jsonv_check("\"ab\"", 3, 32, &why), -1);
	assert_string_equal(why, "the body has an unterminated string");
	assert_int_equal(jsonv_check("12345", 2, 32, &why), 0);
}

static void
test_number_is_shortest_exact(void **state)
{
	static const struct { double v; const char *text; } cases[] = {
		{ 0.0, "0" }, { -0.0, "0" }, { 50.0, "50" }, { 0.1, "0.1" },
		{ 2874.560059, "2874.560059" }, { -1.5, "-1.5" }, { 0.9, "0.9" },
		{ 1e-5, "1e-05" }, { 1e20, "1e+20" }, { 123456789012.25, "123456789012.25" },
	};
	json_object *o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o = jsonv_number(cases[i].v);
		assert_non_null(o);
		assert_string_equal(json_object_to_json_string(o), cases[i].text);
		assert_true(strtod(json_object_to_json_string(o), NULL) == cases[i].v);
		json_object_put(o);
	}
	assert_null(jsonv_number(NAN));
	assert_null(jsonv_number(INFINITY));
}

/* Significant digits of a number's text: no sign, exponent, point, leading
 * zeros, nor the trailing zeros of a whole number. */
static int
significant_digits(const char *s)
{
	int n = 0, lead = 1, zeros = 0, point = strchr(s, '.') != NULL;

	for (; *s != '\0' && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (lead && *s == '0')
			continue;
		lead = 0;
		n++;
		zeros = *s == '0' ? zeros + 1 : 0;
	}
	return point ? n : n - zeros;
}

/* Where a second formatter printed whole numbers from 1e15 to 1e17 with all
 * their digits (94947577054799008): one more digit than reads back. */
static void
test_shortest_whole_numbers_and_csv_text(void **state)
{
	static const struct { double v; const char *text; } cases[] = {
		{ 94947577054799008.0, "9.4947577054799e+16" },
		{ -1554888158956780.0, "-1.55488815895678e+15" },
		{ 1e15, "1e+15" }, { 1e16, "1e+16" },
		{ 999999999999999.0, "999999999999999" },
		{ 1104100670000.0, "1104100670000" }, { 2806.51001, "2806.51001" },
		{ 57.362695991425745, "57.362695991425745" }, { 1e-7, "1e-07" },
		{ 0.0001, "0.0001" },
	};
	char out[JSONV_NUMBER_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(jsonv_shortest(out, sizeof(out), cases[i].v), 0);
		assert_string_equal(out, cases[i].text);
		assert_true(strtod(out, NULL) == cases[i].v);
	}
	assert_int_equal(jsonv_shortest(out, sizeof(out), NAN), -1);
	assert_string_equal(out, "");
	assert_int_equal(jsonv_shortest(out, sizeof(out), -INFINITY), -1);
}

/* Over many doubles of every magnitude: the text reads back exactly and no
 * text with one significant digit fewer does. */
static void
test_shortest_is_exact_and_minimal(void **state)
{
	char out[JSONV_NUMBER_MAX], less[320];
	unsigned long long x = 88172645463325252ULL;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		double v;
		int k;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;     /* xorshift64 */
		v = ldexp((double)(x >> 11) / 9007199254740992.0, (int)(x % 160) - 80);
		if (i % 3 == 0)
			v = floor(v * 1e6);
		if (i % 2)
			v = -v;
		assert_int_equal(jsonv_shortest(out, sizeof(out), v), 0);
		assert_true(strtod(out, NULL) == v);
		k = significant_digits(out);
		if (k > 1) {
			snprintf(less, sizeof(less), "%.*g", k - 1, v);
			assert_false(strtod(less, NULL) == v);
		}
	}
}

/* The formatter as first written: plain decimals tried from none upwards,
 * then significant digits from one upwards, each read back. Slow (up to
 * 38 prints) but plainly right: jsonv_shortest must print what it prints. */
static void
reference_shortest(char *out, size_t size, double v)
{
	int found = 0;

	if (v == 0)
		v = 0;
	for (int d = 0; !found && fabs(v) >= 1e-4 && fabs(v) < 1e15 && d <= 20; d++) {
		snprintf(out, size, "%.*f", d, v);
		found = strtod(out, NULL) == v;
	}
	for (int prec = 1; !found && prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, v);
		found = strtod(out, NULL) == v;
	}
}

/* Prices, probabilities, whole numbers, values at the edges of the plain
 * range and random doubles of every magnitude: the same text as the
 * reference formatter. */
static void
test_shortest_matches_the_reference(void **state)
{
	static const double edges[] = { 1e-4, 9.9999999999999e-5, 1e15, 999999999999999.9,
		0.00012345678901234567, 100, 9.5, 0.95, 1.005, 2.675, 1e-300, 1.7976931348623157e308,
		5e-324, 123456.7890123456 };
	char got[JSONV_NUMBER_MAX], want[JSONV_NUMBER_MAX];
	unsigned long long x = 0x9E3779B97F4A7C15ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		for (int sign = 1; sign >= -1; sign -= 2) {
			reference_shortest(want, sizeof(want), sign * edges[i]);
			assert_int_equal(jsonv_shortest(got, sizeof(got), sign * edges[i]), 0);
			assert_string_equal(got, want);
		}
	}
	for (int i = 0; i < 100000; i++) {
		double v;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;     /* xorshift64 */
		v = ldexp((double)(x >> 11) / 9007199254740992.0, (int)(x % 120) - 60);
		if (i % 4 == 1)
			v = round(v * 1e4) / 1e4;                /* a price */
		else if (i % 4 == 2)
			v = floor(v * 1e6);                      /* a whole number */
		reference_shortest(want, sizeof(want), v);
		assert_int_equal(jsonv_shortest(got, sizeof(got), v), 0);
		assert_string_equal(got, want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_valid_documents),
		cmocka_unit_test(test_rejects_with_a_reason),
		cmocka_unit_test(test_raw_nul_in_string_is_a_control_character),
		cmocka_unit_test(test_backslash_nul_is_a_malformed_escape),
		cmocka_unit_test(test_depth_limit_counts_containers),
		cmocka_unit_test(test_small_depth_limits),
		cmocka_unit_test(test_reads_only_n_bytes),
		cmocka_unit_test(test_number_is_shortest_exact),
		cmocka_unit_test(test_shortest_whole_numbers_and_csv_text),
		cmocka_unit_test(test_shortest_is_exact_and_minimal),
		cmocka_unit_test(test_shortest_matches_the_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
