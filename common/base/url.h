/* url.h: percent-encoding and -decoding of URL parts (paths, query strings). */
#ifndef EDGESCOUT_URL_H
#define EDGESCOUT_URL_H

#include <stddef.h>

struct pool;

/* Percent-decode s[0..n) into pool memory ('+' as space when plus_space).
 * Returns NULL on bad encoding, an encoded NUL or invalid UTF-8. */
char *url_decode(struct pool *p, const char *s, size_t n, int plus_space);

/* s percent-encoded for a URL query value or path segment (RFC 3986
 * unreserved characters stay; keep_slash also keeps '/'). Pool memory. */
const char *url_encode(struct pool *p, const char *s, int keep_slash);

#endif
