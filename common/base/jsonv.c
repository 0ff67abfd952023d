/* jsonv.c: recursive-descent JSON grammar check (RFC 8259). */
#include "jsonv.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	const char *s;
	size_t n, i;
	int depth, max_depth;
	const char *why;
};

static int value(struct scan *sc);

static void
skip_ws(struct scan *sc)
{
	while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
	                         sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
		sc->i++;
}

static int
fail(struct scan *sc, const char *why)
{
	if (sc->why == NULL)
		sc->why = why;
	return -1;
}

static int
peek(const struct scan *sc)
{
	return sc->i < sc->n ? (unsigned char)sc->s[sc->i] : -1;
}

static int
literal(struct scan *sc, const char *word)
{
	size_t len = strlen(word);

	if (sc->n - sc->i < len || memcmp(sc->s + sc->i, word, len) != 0)
		return fail(sc, "the body is not valid JSON");
	sc->i += len;
	return 0;
}

static int
digits(struct scan *sc)
{
	size_t start = sc->i;

	while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
		sc->i++;
	return sc->i > start ? 0 : fail(sc, "the body has a malformed number");
}

static int
number(struct scan *sc)
{
	if (peek(sc) == '-')
		sc->i++;
	if (peek(sc) == '0')
		sc->i++;
	else if (digits(sc) != 0)
		return -1;
	if (peek(sc) == '.') {
		sc->i++;
		if (digits(sc) != 0)
			return -1;
	}
	if (peek(sc) == 'e' || peek(sc) == 'E') {
		sc->i++;
		if (peek(sc) == '+' || peek(sc) == '-')
			sc->i++;
		if (digits(sc) != 0)
			return -1;
	}
	return 0;
}

/* Four hex digits after \u; the code unit, or -1. */
static long
hex4(struct scan *sc)
{
	long v = 0;

	if (sc->n - sc->i < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int c = (unsigned char)sc->s[sc->i++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static int
string(struct scan *sc)
{
	sc->i++;  /* opening quote */
	while (sc->i < sc->n) {
		int c = (unsigned char)sc->s[sc->i++];

		if (c == '"')
			return 0;
		if (c < 0x20)
			return fail(sc, "the body has a control character in a string");
		if (c != '\\')
			continue;
		c = peek(sc);
		sc->i++;
		if (c == 'u') {
			long u = hex4(sc);

			if (u < 0)
				return fail(sc, "the body has a malformed \\u escape");
			if (u == 0)
				return fail(sc, "the body has an escaped NUL");
			if (u >= 0xDC00 && u <= 0xDFFF)
				return fail(sc, "the body has an unpaired surrogate");
			if (u >= 0xD800 && u <= 0xDBFF) {
				long lo;

				if (sc->n - sc->i < 2 || sc->s[sc->i] != '\\' || sc->s[sc->i + 1] != 'u')
					return fail(sc, "the body has an unpaired surrogate");
				sc->i += 2;
				lo = hex4(sc);
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(sc, "the body has an unpaired surrogate");
			}
		} else if (c <= 0 || strchr("\"\\/bfnrt", c) == NULL) {
			return fail(sc, "the body has a malformed escape");
		}
	}
	return fail(sc, "the body has an unterminated string");
}

/* Elements of an array or members of an object, up to the closing char. */
static int
container(struct scan *sc, int close, int is_object)
{
	if (++sc->depth > sc->max_depth)
		return fail(sc, "the body is nested too deeply");
	sc->i++;
	skip_ws(sc);
	if (peek(sc) == close) {
		sc->i++;
		sc->depth--;
		return 0;
	}
	for (;;) {
		skip_ws(sc);
		if (is_object) {
			if (peek(sc) != '"' || string(sc) != 0)
				return fail(sc, "the body has a malformed object key");
			skip_ws(sc);
			if (peek(sc) != ':')
				return fail(sc, "the body is missing a ':' after a key");
			sc->i++;
		}
		if (value(sc) != 0)
			return -1;
		skip_ws(sc);
		if (peek(sc) == ',') {
			sc->i++;
			continue;
		}
		if (peek(sc) == close) {
			sc->i++;
			sc->depth--;
			return 0;
		}
		return fail(sc, "the body is not valid JSON");
	}
}

static int
value(struct scan *sc)
{
	skip_ws(sc);
	switch (peek(sc)) {
	case '{': return container(sc, '}', 1);
	case '[': return container(sc, ']', 0);
	case '"': return string(sc);
	case 't': return literal(sc, "true");
	case 'f': return literal(sc, "false");
	case 'n': return literal(sc, "null");
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return number(sc);
	default:
		return fail(sc, "the body is not valid JSON");
	}
}

int
jsonv_check(const char *s, size_t n, int max_depth, const char **why)
{
	struct scan sc = { s, n, 0, 0, max_depth, NULL };

	if (value(&sc) == 0) {
		skip_ws(&sc);
		if (sc.i == n)
			return 0;
		fail(&sc, "the body has data after the JSON value");
	}
	*why = sc.why;
	return -1;
}

/* The fewest significant digits (1 to 17) with which "%.*e" reads back
 * as v, by bisection: a text that reads back still does with more digits.
 * *exp10 is the decimal exponent of that text. */
static int
fewest_digits(double v, int *exp10)
{
	char s[JSONV_NUMBER_MAX];
	int lo = 1, hi = 17;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		snprintf(s, sizeof(s), "%.*e", mid - 1, v);
		if (strtod(s, NULL) == v)
			hi = mid;
		else
			lo = mid + 1;
	}
	snprintf(s, sizeof(s), "%.*e", lo - 1, v);
	*exp10 = atoi(strchr(s, 'e') + 1);
	return lo;
}

int
jsonv_shortest(char *out, size_t size, double v)
{
	int digits, exp10, decimals;

	assert(size >= JSONV_NUMBER_MAX);
	out[0] = '\0';
	if (!isfinite(v))
		return -1;
	if (v == 0)
		v = 0;   /* no "-0" */
	digits = fewest_digits(v, &exp10);
	/* plain digits where they read well: as many decimals as the digits
	 * need (the same digits as the exponent form, rounded at the same
	 * place), else the exponent form */
	decimals = digits - 1 - exp10;
	if (fabs(v) >= 1e-4 && fabs(v) < 1e15 && decimals <= 20)
		snprintf(out, size, "%.*f", decimals < 0 ? 0 : decimals, v);
	else
		snprintf(out, size, "%.*g", digits, v);
	return 0;
}

json_object *
jsonv_number(double v)
{
	char s[JSONV_NUMBER_MAX];

	if (jsonv_shortest(s, sizeof(s), v) < 0)
		return NULL;
	return json_object_new_double_s(v == 0 ? 0 : v, s);
}
