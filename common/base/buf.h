/* buf.h: a growable byte buffer whose memory belongs to a pool. */
#ifndef EDGESCOUT_BUF_H
#define EDGESCOUT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct pool;

struct buf {
	struct pool *pool;
	char *data;      /* always NUL-terminated after any append */
	size_t len;
	size_t cap;
};

/* Start an empty buffer in pool p (no allocation until the first append). */
void buf_init(struct buf *b, struct pool *p);

/* Append n bytes of s. */
void buf_append(struct buf *b, const void *s, size_t n);

/* Append a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);

/* Append one byte. */
void buf_putc(struct buf *b, char c);

/* Append formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Room for any long long in decimal, sign included (no NUL). */
#define BUF_LL_MAX 20

/* v in decimal (what %lld prints) at the end of out[0..BUF_LL_MAX), no NUL;
 * returns where it starts. For writers that cannot use a struct buf. */
char *buf_ll_digits(char out[BUF_LL_MAX], long long v);

/* Append v in decimal (what %lld prints). */
void buf_put_ll(struct buf *b, long long v);

/* Append thousandths/1000 with exactly three decimals ("12.345", "-0.005"). */
void buf_put_fixed3(struct buf *b, long long thousandths);

/* The contents as a C string ("" when empty); owned by the pool. */
const char *buf_cstr(struct buf *b);

#endif
