/* jsonv_dup.c: finding a repeated key in a JSON object. json-c keeps the
 * last of two equal keys silently, which would hide a repeated date in a
 * provider's reply or let a request body say two things at once. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonv.h"
#include "pool.h"

/* A walk over text jsonv_check has accepted, so its syntax is known good. */
struct dscan {
	struct pool *p;
	const char *s;
	size_t n, i;
	const char *dup;          /* the first duplicate key found */
	size_t dup_len;
};

struct key {
	const char *k;
	size_t n;
};

static void
dskip_ws(struct dscan *sc)
{
	while (sc->i < sc->n && strchr(" \t\r\n", sc->s[sc->i]) != NULL && sc->s[sc->i] != '\0')
		sc->i++;
}

static unsigned
hex4(const char *s)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* The string starting at sc->i ('"'), decoded when it has escapes; moves
 * past its closing quote. */
static struct key
dstring(struct dscan *sc)
{
	struct key k;
	size_t start = ++sc->i, esc = 0;
	struct buf b;

	while (sc->s[sc->i] != '"') {
		if (sc->s[sc->i] == '\\') {
			esc = 1;
			sc->i++;
		}
		sc->i++;
	}
	k.k = sc->s + start;
	k.n = sc->i - start;
	sc->i++;
	if (!esc)
		return k;
	buf_init(&b, sc->p);
	for (size_t j = 0; j < k.n; j++) {
		const char *e = k.k + j;
		unsigned cp;

		if (*e != '\\') {
			buf_putc(&b, *e);
			continue;
		}
		j++;
		switch (e[1]) {
		case 'b': buf_putc(&b, '\b'); continue;
		case 'f': buf_putc(&b, '\f'); continue;
		case 'n': buf_putc(&b, '\n'); continue;
		case 'r': buf_putc(&b, '\r'); continue;
		case 't': buf_putc(&b, '\t'); continue;
		case 'u': break;
		default: buf_putc(&b, e[1]); continue;
		}
		cp = hex4(e + 2);
		j += 4;
		if (cp >= 0xd800 && cp < 0xdc00) {        /* jsonv: a pair follows */
			cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(e + 8) - 0xdc00);
			j += 6;
		}
		if (cp < 0x80) {
			buf_putc(&b, (char)cp);
		} else if (cp < 0x800) {
			buf_putc(&b, (char)(0xc0 | cp >> 6));
			buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
		} else if (cp < 0x10000) {
			buf_putc(&b, (char)(0xe0 | cp >> 12));
			buf_putc(&b, (char)(0x80 | (cp >> 6 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
		} else {
			buf_putc(&b, (char)(0xf0 | cp >> 18));
			buf_putc(&b, (char)(0x80 | (cp >> 12 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (cp >> 6 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
		}
	}
	k.k = buf_cstr(&b);
	k.n = b.len;
	return k;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->n < y->n ? x->n : y->n);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

static int dvalue(struct dscan *sc);

static int
dobject(struct dscan *sc)
{
	struct key *keys = NULL, *grown;
	size_t nk = 0, cap = 0;
	int rc = -1;

	sc->i++;
	dskip_ws(sc);
	while (sc->s[sc->i] != '}') {
		if (nk == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(keys, cap * sizeof(*keys));
			if (grown == NULL)
				abort();
			keys = grown;
		}
		keys[nk++] = dstring(sc);
		dskip_ws(sc);
		sc->i++;                  /* ':' */
		dskip_ws(sc);
		if (dvalue(sc) < 0)
			goto out;
		dskip_ws(sc);
		if (sc->s[sc->i] == ',') {
			sc->i++;
			dskip_ws(sc);
		}
	}
	sc->i++;
	if (nk > 1)
		qsort(keys, nk, sizeof(*keys), key_cmp);
	for (size_t j = 1; j < nk; j++) {
		if (key_cmp(&keys[j - 1], &keys[j]) == 0) {
			sc->dup = keys[j].k;
			sc->dup_len = keys[j].n;
			goto out;
		}
	}
	rc = 0;
out:
	free(keys);
	return rc;
}

static int
dvalue(struct dscan *sc)
{
	switch (sc->s[sc->i]) {
	case '{':
		return dobject(sc);
	case '[':
		sc->i++;
		dskip_ws(sc);
		while (sc->s[sc->i] != ']') {
			if (dvalue(sc) < 0)
				return -1;
			dskip_ws(sc);
			if (sc->s[sc->i] == ',') {
				sc->i++;
				dskip_ws(sc);
			}
		}
		sc->i++;
		return 0;
	case '"':
		(void)dstring(sc);
		return 0;
	default:                          /* number or literal */
		while (sc->i < sc->n && strchr(",]} \t\r\n", sc->s[sc->i]) == NULL)
			sc->i++;
		return 0;
	}
}

int
jsonv_duplicate_key(struct pool *p, const char *s, size_t n, const char **key, size_t *key_len)
{
	struct dscan sc = { p, s, n, 0, NULL, 0 };

	dskip_ws(&sc);
	if (dvalue(&sc) == 0)
		return 0;
	*key = sc.dup;
	*key_len = sc.dup_len;
	return 1;
}
