/* fuzz_query.c: url_decode and req_parse_query on arbitrary bytes.
 *
 * Invariants: a decoded string is valid UTF-8 without NUL and no longer
 * than its input, and re-encoding it decodes to the same string; a parsed
 * query has at most REQ_MAX_QUERY_ARGS arguments, each decoded; a refusal
 * always says why. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "req.h"
#include "url.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_query: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static void
check_decoded(struct pool *p, const char *out, size_t in_len)
{
	size_t n = strlen(out);
	char *enc;

	CHECK(n <= in_len);
	CHECK(valid_utf8(out, n));
	/* every byte as %XX decodes back to the same string */
	enc = pool_alloc(p, n * 3 + 1);
	for (size_t i = 0; i < n; i++)
		snprintf(enc + i * 3, 4, "%%%02X", (unsigned char)out[i]);
	CHECK(strcmp(url_decode(p, enc, n * 3, 0), out) == 0);
	CHECK(strcmp(url_decode(p, enc, n * 3, 1), out) == 0);
}

static void
fuzz_decode(struct pool *p, const char *s, size_t n)
{
	const char *plain = url_decode(p, s, n, 0);
	const char *plus = url_decode(p, s, n, 1);

	/* '+' handling never changes whether the input is acceptable */
	CHECK((plain == NULL) == (plus == NULL));
	if (plain == NULL)
		return;
	check_decoded(p, plain, n);
	check_decoded(p, plus, n);
	CHECK(strlen(plain) == strlen(plus));
	CHECK(strchr(plus, '+') == NULL || memchr(s, '%', n) != NULL);
	/* without '%' and '+', decoding is the identity */
	if (memchr(s, '%', n) == NULL && memchr(s, '+', n) == NULL)
		CHECK(strlen(plain) == n && memcmp(plain, s, n) == 0);
}

static void
fuzz_query(struct pool *p, const char *q)
{
	struct query_arg *args = NULL;
	const char *why = NULL;
	int nargs = -1, amps = 0;
	size_t len = strlen(q);

	for (const char *c = q; *c; c++)
		amps += *c == '&';
	if (req_parse_query(p, q, &args, &nargs, &why) != 0) {
		CHECK(why != NULL && *why != '\0');
		CHECK(nargs == 0);
		return;
	}
	CHECK(len <= REQ_MAX_QUERY_LEN);
	CHECK(nargs >= 0 && nargs <= REQ_MAX_QUERY_ARGS && nargs <= amps + 1);
	CHECK(nargs == 0 || args != NULL);
	for (int i = 0; i < nargs; i++) {
		CHECK(args[i].name != NULL && args[i].value != NULL);
		CHECK(valid_utf8(args[i].name, strlen(args[i].name)));
		CHECK(valid_utf8(args[i].value, strlen(args[i].value)));
		CHECK(strlen(args[i].name) + strlen(args[i].value) <= len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool *p;
	char *q;

	if (p == NULL)
		p = pool_new();
	fuzz_decode(p, (const char *)data, size);
	q = pool_strndup(p, (const char *)data, size);   /* stops at a NUL */
	fuzz_query(p, q);
	pool_reset(p);
	return 0;
}
