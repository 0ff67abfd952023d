/* valid.c: validators for text, numbers and short codes (the network-shaped
 * ones, e-mail and URL, are in valid_net.c). */
#include "valid.h"

#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

/* Decode the sequence at s[0..n) (n >= 1). Returns its length and stores the
 * code point in *cp, or returns 0 when it is ill-formed or truncated. The
 * second-byte ranges exclude overlongs (E0, F0), surrogates (ED) and code
 * points above U+10FFFF (F4). */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	uint32_t v;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		len = 2;
		v = c & 0x1F;
	} else if (c < 0xF0) {
		len = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		len = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	v = v << 6 | (s[1] & 0x3F);
	for (size_t i = 2; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	*cp = v;
	return len;
}

int
valid_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0, len;

	if (s == NULL)
		return 0;
	while (i < n) {
		if ((len = utf8_next(u + i, n - i, &cp)) == 0 || cp == 0)
			return 0;
		i += len;
	}
	return 1;
}

size_t
valid_utf8_len(const char *s, size_t n)
{
	size_t count = 0;

	if (s == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

size_t
valid_utf8_cut(const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t j = max;
	uint32_t cp;

	if (n <= max)
		return n;
	/* back to the first byte of the sequence byte max belongs to */
	while (j > 0 && max - j < 3 && (u[j] & 0xC0) == 0x80)
		j--;
	if (j < max && j + utf8_next(u + j, n - j, &cp) > max)
		return j;
	return max;
}

const char *
valid_utf8_trunc(struct pool *p, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n <= max)
		return s;
	return pool_strndup(p, s, valid_utf8_cut(s, n, max));
}

int
valid_text(const char *s, size_t min_chars, size_t max_chars, size_t max_bytes)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i = 0, len, chars = 0;
	uint32_t cp;

	if (s == NULL || min_chars > max_chars)
		return -1;
	n = strnlen(s, max_bytes);
	if (s[n] != '\0')
		return -1;
	while (i < n) {
		if ((len = utf8_next(u + i, n - i, &cp)) == 0)
			return -1;
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    (cp >= 0x7F && cp <= 0x9F))
			return -1;
		if (++chars > max_chars)
			return -1;
		i += len;
	}
	return chars >= min_chars ? 0 : -1;
}

int
valid_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *p = s;
	uint64_t mag = 0, limit = INT64_MAX;
	int64_t v;
	int neg = 0;

	if (s == NULL || min > max)
		return -1;
	if (*p == '-') {
		neg = 1;
		limit = (uint64_t)INT64_MAX + 1;
		p++;
	}
	if (!is_digit(*p) || (*p == '0' && (neg || p[1] != '\0')))
		return -1;
	for (; *p != '\0'; p++) {
		unsigned d;

		if (!is_digit(*p))
			return -1;
		d = (unsigned)(*p - '0');
		if (mag > (limit - d) / 10)
			return -1;
		mag = mag * 10 + d;
	}
	if (!neg)
		v = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		v = INT64_MIN;
	else
		v = -(int64_t)mag;
	if (v < min || v > max)
		return -1;
	if (out != NULL)
		*out = v;
	return 0;
}

/* strtod of a string already checked to hold only [-]digits[.digits], with
 * '.' swapped for the locale's decimal point when that differs. */
static double
decimal_to_double(const char *s)
{
	const char *dp = localeconv()->decimal_point;
	size_t n, dpn;
	char *copy, *q;
	const char *dot;
	double v;

	if (dp == NULL || strcmp(dp, ".") == 0 || (dot = strchr(s, '.')) == NULL)
		return strtod(s, NULL);
	n = strlen(s);
	dpn = strlen(dp);
	if ((copy = malloc(n + dpn)) == NULL) {
		fputs("edgescout: out of memory\n", stderr);
		abort();
	}
	q = copy;
	memcpy(q, s, (size_t)(dot - s));
	q += dot - s;
	memcpy(q, dp, dpn);
	q += dpn;
	memcpy(q, dot + 1, n - (size_t)(dot - s));  /* with the NUL */
	v = strtod(copy, NULL);
	free(copy);
	return v;
}

int
valid_decimal(const char *s, int max_int_digits, int max_frac_digits,
    int allow_negative, double *out)
{
	const char *p = s;
	size_t nint = 0, nfrac = 0;
	int neg = 0, nonzero = 0;
	double v;

	if (s == NULL || max_int_digits < 1 || max_frac_digits < 0)
		return -1;
	if (*p == '-') {
		if (!allow_negative)
			return -1;
		neg = 1;
		p++;
	}
	if (!is_digit(*p) || (p[0] == '0' && is_digit(p[1])))
		return -1;
	for (; is_digit(*p); p++) {
		if (++nint > (size_t)max_int_digits)
			return -1;
		nonzero |= *p != '0';
	}
	if (*p == '.') {
		p++;
		for (; is_digit(*p); p++) {
			if (++nfrac > (size_t)max_frac_digits)
				return -1;
			nonzero |= *p != '0';
		}
		if (nfrac == 0)
			return -1;
	}
	if (*p != '\0' || (neg && !nonzero))
		return -1;
	v = decimal_to_double(s);
	if (!isfinite(v))
		return -1;
	if (out != NULL)
		*out = v;
	return 0;
}

int
valid_enum(const char *s, const char *const *allowed)
{
	if (s == NULL || allowed == NULL)
		return -1;
	for (int i = 0; allowed[i] != NULL; i++)
		if (strcmp(s, allowed[i]) == 0)
			return i;
	return -1;
}

int
valid_phone(const char *s)
{
	size_t digits;

	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (digits = 0; s[1 + digits] != '\0'; digits++)
		if (digits == 15 || !is_digit(s[1 + digits]))
			return 0;
	return digits >= 8;
}

int
valid_symbol(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = s[0] == '^';
	if (!is_upper(s[n]))
		return 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];

		if (n == VALID_SYMBOL_MAX)
			return 0;
		if (is_upper(c) || is_digit(c))
			continue;
		if (c != '.' && c != '-')
			return 0;
		if (s[n + 1] == '\0' || s[n + 1] == '.' || s[n + 1] == '-')
			return 0;
	}
	return 1;
}

void
valid_symbol_normalise(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* The entity for c, or NULL when c stands for itself. */
static const char *
html_entity(char c)
{
	switch (c) {
	case '&':  return "&amp;";
	case '<':  return "&lt;";
	case '>':  return "&gt;";
	case '"':  return "&quot;";
	case '\'': return "&#39;";
	default:   return NULL;
	}
}

char *
valid_html_escape(struct pool *p, const char *s)
{
	const char *e;
	size_t n = 0;
	char *out, *q;

	assert(p != NULL);
	if (s == NULL)
		return NULL;
	for (const char *c = s; *c != '\0'; c++) {
		e = html_entity(*c);
		n += e != NULL ? strlen(e) : 1;
		assert(n < SIZE_MAX / 2);
	}
	q = out = pool_alloc(p, n + 1);
	for (const char *c = s; *c != '\0'; c++) {
		if ((e = html_entity(*c)) != NULL) {
			memcpy(q, e, strlen(e));
			q += strlen(e);
		} else
			*q++ = *c;
	}
	*q = '\0';
	return out;
}
