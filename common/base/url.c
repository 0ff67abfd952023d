/* url.c: percent-decoding of URL parts. */
#include "url.h"

#include "buf.h"
#include "pool.h"
#include "valid.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
url_decode(struct pool *p, const char *s, size_t n, int plus_space)
{
	char *out = pool_alloc(p, n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return NULL;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == '\0')
			return NULL;
		out[j++] = (char)c;
	}
	out[j] = '\0';
	return valid_utf8(out, j) ? out : NULL;
}

const char *
url_encode(struct pool *p, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;

	buf_init(&b, p);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_' ||
		    *c == '~' || (keep_slash && *c == '/')) {
			buf_putc(&b, (char)*c);
		} else {
			buf_putc(&b, '%');
			buf_putc(&b, hex[*c >> 4]);
			buf_putc(&b, hex[*c & 15]);
		}
	}
	return buf_cstr(&b);
}
