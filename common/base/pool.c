/* pool.c: bump allocator in chained blocks, plus a cleanup stack. */
#include "pool.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_BLOCK_SIZE 16384
#define POOL_ALIGN _Alignof(max_align_t)

struct pool_block {
	struct pool_block *next;
	size_t size;
	size_t used;
	_Alignas(max_align_t) unsigned char data[];
};

struct pool_cleanup {
	struct pool_cleanup *next;
	void (*fn)(void *);
	void *ptr;
};

struct pool {
	struct pool_block *head;     /* current block, chained to older ones */
	struct pool_cleanup *cleanups;
	size_t used;
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		fputs("edgescout: out of memory\n", stderr);
		abort();
	}
	return p;
}

static struct pool_block *
block_new(size_t min)
{
	size_t size = min > POOL_BLOCK_SIZE ? min : POOL_BLOCK_SIZE;
	struct pool_block *b = xmalloc(sizeof(*b) + size);

	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct pool *
pool_new(void)
{
	struct pool *p = xmalloc(sizeof(*p));

	p->head = block_new(POOL_BLOCK_SIZE);
	p->cleanups = NULL;
	p->used = 0;
	return p;
}

static void
run_cleanups(struct pool *p)
{
	while (p->cleanups != NULL) {
		struct pool_cleanup *c = p->cleanups;

		p->cleanups = c->next;
		c->fn(c->ptr);
	}
}

void
pool_reset(struct pool *p)
{
	struct pool_block *b;

	run_cleanups(p);
	/* keep the oldest block (the tail of the chain), free the others */
	while (p->head->next != NULL) {
		b = p->head;
		p->head = b->next;
		free(b);
	}
	if (p->head->size > POOL_BLOCK_SIZE) {
		free(p->head);
		p->head = block_new(POOL_BLOCK_SIZE);
	}
	p->head->used = 0;
	p->used = 0;
}

void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	pool_reset(p);
	free(p->head);
	free(p);
}

void *
pool_alloc(struct pool *p, size_t n)
{
	size_t need = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
	struct pool_block *b = p->head;
	void *mem;

	if (n > SIZE_MAX / 2)
		abort(); /* no request needs half the address space: a size bug */
	if (b->size - b->used < need) {
		b = block_new(need);
		b->next = p->head;
		p->head = b;
	}
	mem = b->data + b->used;
	b->used += need;
	p->used += need;
	memset(mem, 0, n);
	return mem;
}

char *
pool_strndup(struct pool *p, const char *s, size_t n)
{
	char *d = pool_alloc(p, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
pool_strdup(struct pool *p, const char *s)
{
	return s == NULL ? NULL : pool_strndup(p, s, strlen(s));
}

char *
pool_vprintf(struct pool *p, const char *fmt, va_list ap)
{
	va_list copy;
	int n;
	char *s;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		abort();
	s = pool_alloc(p, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
pool_printf(struct pool *p, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = pool_vprintf(p, fmt, ap);
	va_end(ap);
	return s;
}

void
pool_defer(struct pool *p, void (*fn)(void *), void *ptr)
{
	struct pool_cleanup *c = pool_alloc(p, sizeof(*c));

	c->fn = fn;
	c->ptr = ptr;
	c->next = p->cleanups;
	p->cleanups = c;
}

size_t
pool_used(const struct pool *p)
{
	return p->used;
}
