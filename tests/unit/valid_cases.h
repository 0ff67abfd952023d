/* valid_cases.h: table-driven checks of the validators (test_valid,
 * test_valid_net): byte-string and string cases, and a check that prints
 * the failing input. Include after unit.h. */
#ifndef EDGESCOUT_TEST_VALID_CASES_H
#define EDGESCOUT_TEST_VALID_CASES_H

#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A byte string with an explicit length (may hold NULs). */
struct bytes {
	const char *s;
	size_t n;
	int ok;
};
#define B(lit, ok) { lit, sizeof(lit) - 1, ok }

/* A NUL-terminated string and whether it is valid. */
struct str_case {
	const char *s;
	int ok;
};

/* Print the failing input before failing, so a table row is easy to find. */
static inline void
check_bool(const char *what, const char *s, int got, int want)
{
	if (got != want)
		print_error("%s(\"%s\") = %d, want %d\n", what, s ? s : "(null)",
		    got, want);
	assert_int_equal(got, want);
}

static inline char *
repeat(char *dst, char c, size_t n)
{
	memset(dst, c, n);
	dst[n] = '\0';
	return dst;
}


#endif
