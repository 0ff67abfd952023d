/* pool.h: a per-request memory pool with deferred cleanups.
 *
 * Everything a request needs is allocated here and released together by
 * pool_reset(). Allocation never fails: on exhaustion of memory the process
 * aborts, so callers never check for NULL. */
#ifndef EDGESCOUT_POOL_H
#define EDGESCOUT_POOL_H

#include <stdarg.h>
#include <stddef.h>

struct pool;

/* Create an empty pool; never returns NULL. Free it with pool_free(). */
struct pool *pool_new(void);

/* Run the deferred cleanups (last registered first) and free every block.
 * pool_free(NULL) is a no-op. */
void pool_free(struct pool *p);

/* Run the cleanups and release all allocations, keeping the first block
 * for the next request. */
void pool_reset(struct pool *p);

/* Zeroed memory of n bytes, aligned for any type, valid until the reset. */
void *pool_alloc(struct pool *p, size_t n);

/* Copy of s (NULL gives NULL) owned by the pool. */
char *pool_strdup(struct pool *p, const char *s);

/* Copy of the first n bytes of s, NUL-terminated, owned by the pool. */
char *pool_strndup(struct pool *p, const char *s, size_t n);

/* printf into pool memory. */
char *pool_printf(struct pool *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *pool_vprintf(struct pool *p, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Call fn(ptr) when the pool is reset or freed (json-c objects, PGresults). */
void pool_defer(struct pool *p, void (*fn)(void *), void *ptr);

/* Bytes currently handed out by the pool (for tests and metrics). */
size_t pool_used(const struct pool *p);

#endif
