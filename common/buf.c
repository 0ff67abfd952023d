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
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *
buf_cstr(struct buf *b)
{
	return b->data ? b->data : "";
}
