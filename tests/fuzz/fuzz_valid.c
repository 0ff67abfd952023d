/* fuzz_valid.c: libFuzzer harness for common/base/valid.h.
 *
 * Feeds each input to every validator and checks properties that must hold
 * for any input: UTF-8 and integer answers agree with independent reference
 * checks, accepted values have the shape their contract promises, and HTML
 * escaping leaves no raw markup and can be undone. Any violation aborts. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {                                                \
	if (!(cond)) {                                                  \
		fprintf(stderr, "fuzz_valid: %s:%d: %s\n", __FILE__,    \
		    __LINE__, #cond);                                   \
		abort();                                                \
	}                                                               \
} while (0)

/* Reference UTF-8 check written the textbook way: decode any 2-4 byte
 * shape, then reject overlongs, surrogates and values past U+10FFFF. Stores
 * the number of code points in *count. */
static int
ref_utf8(const uint8_t *s, size_t n, size_t *count)
{
	static const uint32_t min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t i = 0, len;
	uint32_t cp;

	*count = 0;
	while (i < n) {
		uint8_t c = s[i];

		if (c == 0)
			return 0;
		if (c < 0x80) {
			len = 1;
			cp = c;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2;
			cp = c & 0x1Fu;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3;
			cp = c & 0x0Fu;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4;
			cp = c & 0x07u;
		} else
			return 0;
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3Fu);
		}
		if (len > 1 && (cp < min_cp[len] || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF)))
			return 0;
		i += len;
		(*count)++;
	}
	return 1;
}

/* 1 if the valid UTF-8 string s[0..n) holds a control character other
 * than \t \n \r (C0, DEL, or C1, which is C2 80..C2 9F). */
static int
has_control(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') ||
		    s[i] == 0x7F)
			return 1;
		if (s[i] == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
			return 1;
	}
	return 0;
}

static void
fuzz_utf8(const uint8_t *data, size_t size, const char *s, size_t slen)
{
	size_t count;
	int ok = valid_utf8((const char *)data, size);

	CHECK(ok == ref_utf8(data, size, &count));
	if (ok) {
		CHECK(memchr(data, 0, size) == NULL);
		CHECK(valid_utf8_len((const char *)data, size) == count);
		CHECK(count <= size);
	}

	/* valid_text on the string up to the first NUL */
	ok = valid_text(s, 0, SIZE_MAX, SIZE_MAX) == 0;
	CHECK(ok == (ref_utf8((const uint8_t *)s, slen, &count) &&
	    !has_control((const uint8_t *)s, slen)));
	if (ok) {
		CHECK(valid_text(s, count, count, slen) == 0);
		CHECK(valid_text(s, count + 1, SIZE_MAX, SIZE_MAX) == -1);
		if (count > 0)
			CHECK(valid_text(s, 0, count - 1, SIZE_MAX) == -1);
		if (slen > 0)
			CHECK(valid_text(s, 0, SIZE_MAX, slen - 1) == -1);
	}
}

static void
fuzz_i64(const char *s)
{
	char back[32];
	int64_t v = 0, w;
	long long ref;
	char *end;
	int ok = valid_i64(s, INT64_MIN, INT64_MAX, &v) == 0;
	int ref_ok;

	/* reference: strtoll accepts all of it and prints it back unchanged */
	errno = 0;
	ref = strtoll(s, &end, 10);
	snprintf(back, sizeof(back), "%lld", ref);
	ref_ok = end != s && *end == '\0' && errno == 0 && strcmp(back, s) == 0;
	CHECK(ok == ref_ok);
	if (!ok)
		return;
	CHECK(v == ref);
	snprintf(back, sizeof(back), "%" PRId64, v);
	CHECK(strcmp(back, s) == 0);
	CHECK(valid_i64(s, v, v, &w) == 0 && w == v);
	if (v > INT64_MIN)
		CHECK(valid_i64(s, INT64_MIN, v - 1, NULL) == -1);
	if (v < INT64_MAX)
		CHECK(valid_i64(s, v + 1, INT64_MAX, NULL) == -1);
}

static void
fuzz_decimal(const char *s)
{
	const char *p = s, *dot;
	size_t nint, nfrac;
	double d = 0;

	if (valid_decimal(s, 30, 30, 1, &d) != 0) {
		CHECK(valid_decimal(s, 30, 30, 0, &d) != 0);
		return;
	}
	CHECK(isfinite(d));
	CHECK(d == strtod(s, NULL));
	if (*p == '-') {
		CHECK(d < 0);
		CHECK(valid_decimal(s, 30, 30, 0, NULL) == -1);
		p++;
	} else
		CHECK(d >= 0);
	CHECK(p[0] >= '0' && p[0] <= '9');
	CHECK(!(p[0] == '0' && p[1] >= '0' && p[1] <= '9'));
	CHECK(strspn(p, "0123456789.") == strlen(p));
	dot = strchr(p, '.');
	nint = dot != NULL ? (size_t)(dot - p) : strlen(p);
	nfrac = dot != NULL ? strlen(dot + 1) : 0;
	CHECK(nint >= 1 && nint <= 30 && nfrac <= 30);
	CHECK(dot == NULL || (nfrac >= 1 && strchr(dot + 1, '.') == NULL));
	/* the limits are exact */
	CHECK(valid_decimal(s, (int)nint, (int)nfrac, 1, NULL) == 0);
	CHECK(valid_decimal(s, (int)nint - 1 > 0 ? (int)nint - 1 : 0,
	    (int)nfrac, 1, NULL) == -1);
	if (nfrac > 0)
		CHECK(valid_decimal(s, (int)nint, (int)nfrac - 1, 1, NULL) == -1);
}

static int
all_in(const char *s, const char *set_or_null, int lo, int hi)
{
	for (; *s != '\0'; s++) {
		int c = (unsigned char)*s;

		if ((c < lo || c > hi) &&
		    (set_or_null == NULL || strchr(set_or_null, c) == NULL))
			return 0;
	}
	return 1;
}

static void
fuzz_shapes(const char *s, size_t slen)
{
	static const char *const list[] = { "growth", "value", "dividend",
	    "momentum", "", NULL };
	const char *at;
	int i;

	if (valid_email(s)) {
		CHECK(slen >= 6 && slen <= VALID_EMAIL_MAX);
		CHECK(all_in(s, NULL, 0x21, 0x7E));
		CHECK((at = strchr(s, '@')) != NULL && strchr(at + 1, '@') == NULL);
		CHECK(at > s && at - s <= 64 && s[0] != '.' && at[-1] != '.');
		CHECK(strstr(s, "..") == NULL && strchr(at, '.') != NULL);
		CHECK(all_in(at + 1, "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 'a', 'z'));
		CHECK((s[slen - 1] | 0x20) >= 'a' && (s[slen - 1] | 0x20) <= 'z');
	}

	if (valid_url(s, 1))
		CHECK(valid_url(s, 0) && (s[4] | 0x20) == 's');
	if (valid_url(s, 0)) {
		size_t off = (s[4] | 0x20) == 's' ? 8 : 7;

		CHECK(slen > off && slen <= VALID_URL_MAX);
		CHECK(all_in(s, NULL, 0x21, 0x7E));
		CHECK(strpbrk(s, "<>\"\\{}|^` ") == NULL);
		CHECK(memchr(s + off, '@', strcspn(s + off, "/?#")) == NULL);
		CHECK(s[off] != '/' && s[off] != '?' && s[off] != '#');
	}

	if (valid_phone(s)) {
		CHECK(slen >= 9 && slen <= 16 && s[0] == '+' && s[1] != '0');
		CHECK(all_in(s + 1, NULL, '0', '9'));
	}

	if (valid_symbol(s)) {
		const char *body = s[0] == '^' ? s + 1 : s;

		CHECK(slen >= 1 && slen <= VALID_SYMBOL_MAX);
		CHECK(body[0] >= 'A' && body[0] <= 'Z');
		CHECK(all_in(body, ".-0123456789", 'A', 'Z'));
	}

	i = valid_enum(s, list);
	if (i >= 0)
		CHECK(i < 5 && strcmp(list[i], s) == 0);
	else
		for (int k = 0; list[k] != NULL; k++)
			CHECK(strcmp(list[k], s) != 0);
}

/* Undo the five entities; NULL if anything else follows an '&'. */
static char *
html_unescape(const char *s)
{
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	static const char raw[] = "&<>\"'";
	char *out = malloc(strlen(s) + 1), *q = out;

	CHECK(out != NULL);
	while (*s != '\0') {
		size_t k;

		if (*s != '&') {
			*q++ = *s++;
			continue;
		}
		for (k = 0; k < 5; k++)
			if (strncmp(s, ent[k], strlen(ent[k])) == 0)
				break;
		if (k == 5) {
			free(out);
			return NULL;
		}
		*q++ = raw[k];
		s += strlen(ent[k]);
	}
	*q = '\0';
	return out;
}

static void
fuzz_html(const char *s)
{
	struct pool *p = pool_new();
	char *e = valid_html_escape(p, s), *back;

	CHECK(e != NULL);
	CHECK(strpbrk(e, "<>\"'") == NULL);
	CHECK(strlen(e) >= strlen(s) && strlen(e) <= 6 * strlen(s));
	back = html_unescape(e);
	CHECK(back != NULL && strcmp(back, s) == 0);
	free(back);
	pool_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t slen;

	if (s == NULL)
		return 0;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	slen = strlen(s);

	fuzz_utf8(data, size, s, slen);
	fuzz_i64(s);
	fuzz_decimal(s);
	fuzz_shapes(s, slen);
	fuzz_html(s);
	free(s);
	return 0;
}
