/* buf.c: growable pool-backed buffer. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

void
buf_init(struct buf *b, struct pool *p)
{
	b->pool = p;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static void
buf_reserve(struct buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 256;
	char *d;

	if (b->len + extra + 1 <= b->cap)
		return;
	while (cap < b->len + extra + 1) {
		if (cap > ((size_t)-1) / 2)
			abort();
		cap *= 2;
	}
	d = pool_alloc(b->pool, cap);
	if (b->len)
		memcpy(d, b->data, b->len);
	b->data = d;
	b->cap = cap;
}

void
buf_append(struct buf *b, const void *s, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	/* format once into the spare room; only a line that did not fit is
	 * formatted again, after growing */
	if (b->cap - b->len < 64)
		buf_reserve(b, 64);
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if ((size_t)n >= room) {
		buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

char *
buf_ll_digits(char out[BUF_LL_MAX], long long v)
{
	char *s = out + BUF_LL_MAX;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--s = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--s = '-';
	return s;
}

void
buf_put_ll(struct buf *b, long long v)
{
	char tmp[BUF_LL_MAX], *s = buf_ll_digits(tmp, v);

	buf_append(b, s, (size_t)(tmp + BUF_LL_MAX - s));
}

void
buf_put_fixed3(struct buf *b, long long thousandths)
{
	char frac[4];
	unsigned long long u;

	if (thousandths < 0) {
		buf_putc(b, '-');
		u = 0ULL - (unsigned long long)thousandths;
	} else
		u = (unsigned long long)thousandths;
	buf_put_ll(b, (long long)(u / 1000));
	frac[0] = '.';
	frac[1] = (char)('0' + u % 1000 / 100);
	frac[2] = (char)('0' + u % 100 / 10);
	frac[3] = (char)('0' + u % 10);
	buf_append(b, frac, sizeof(frac));
}

const char *
buf_cstr(struct buf *b)
{
	return b->data ? b->data : "";
}
