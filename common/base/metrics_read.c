/* metrics_read.c: the reader side as data: every series of every binary's
 * table handed to a callback, and quantiles estimated from a histogram.
 *
 * Like metrics_render(), each table is mapped read-only only while its
 * slots are copied; a slot is read buckets first (acquire), then its count,
 * so a count is never behind its buckets. */
#define _GNU_SOURCE
#include "metrics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SUFFIX ".metrics"
#define SUFFIX_LEN (sizeof(SUFFIX) - 1)

/* 1 when field (n bytes) is a NUL-terminated, non-empty printable string. */
static int
printable(const char *field, size_t n)
{
	size_t i;

	for (i = 0; i < n && field[i] != '\0'; i++)
		if ((unsigned char)field[i] < 0x20 || (unsigned char)field[i] > 0x7e)
			return 0;
	return i > 0 && i < n;
}

static int
table_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > SUFFIX_LEN &&
	    strcmp(d->d_name + n - SUFFIX_LEN, SUFFIX) == 0 && printable(d->d_name, n + 1);
}

int
metrics_slot_read(const unsigned char *base, int i, struct metrics_series *out,
    char *method, char *route)
{
	const struct metrics_slot *s =
		(const struct metrics_slot *)(base + METRICS_SLOTS_OFFSET) + i;
	int overflow = i == METRICS_SLOTS - 1;

	if (atomic_load_explicit(&s->state, memory_order_acquire) != METRICS_READY ||
	    !printable(s->method, sizeof(s->method)) || !printable(s->route, sizeof(s->route)))
		return 0;
	for (int b = 0; b < METRICS_BUCKETS; b++)
		out->bucket[b] = atomic_load_explicit(&s->bucket[b], memory_order_acquire);
	out->count = atomic_load_explicit(&s->count, memory_order_acquire);
	out->sum_us = atomic_load_explicit(&s->sum_us, memory_order_relaxed);
	if (out->count == 0)
		return 0;
	memcpy(method, s->method, METRICS_METHOD_LEN);
	memcpy(route, s->route, METRICS_ROUTE_LEN);
	out->method = method;
	out->route = route;
	out->status = overflow ? -1 : s->status;
	return 1;
}

/* Map the table name in dfd for fn: 1 when fn asked to stop, 0 when done,
 * -1 (logged) when name is not a table of this version. */
static int
table_map(int dfd, const char *dir, const char *name, metrics_table_fn fn, void *ctx)
{
	char binary[NAME_MAX + 1];
	struct stat st;
	void *base = MAP_FAILED;
	int rc = -1;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((size_t)st.st_size >= METRICS_FILE_SIZE)
		base = mmap(NULL, METRICS_FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED || !metrics_header_valid(base, (size_t)st.st_size))
		goto out;
	memcpy(binary, name, strlen(name) - SUFFIX_LEN);
	binary[strlen(name) - SUFFIX_LEN] = '\0';
	rc = fn(binary, base, ctx) != 0;
out:
	if (rc < 0)
		log_msg(LOG_WARN, "metrics: skipping %s/%s: not a table of this version",
		        dir, name);
	if (base != MAP_FAILED)
		munmap(base, METRICS_FILE_SIZE);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
metrics_tables(const char *dir, metrics_table_fn fn, void *ctx)
{
	struct dirent **names = NULL;
	int n, nt = 0, dfd = -1, rc = 0;

	n = scandir(dir, &names, table_name, alphasort);
	if (n < 0 || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_msg(LOG_WARN, "metrics: cannot read %s: %s", dir, strerror(errno));
		nt = -1;
	}
	for (int i = 0; nt >= 0 && i < n && rc != 1; i++) {
		rc = table_map(dfd, dir, names[i]->d_name, fn, ctx);
		nt += rc >= 0;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (dfd >= 0)
		close(dfd);
	return nt;
}

struct each {
	metrics_each_fn fn;
	void *ctx;
};

/* The series of one table for metrics_each's callback. */
static int
each_series(const char *binary, const unsigned char *base, void *ctx)
{
	const struct each *e = ctx;
	char method[METRICS_METHOD_LEN], route[METRICS_ROUTE_LEN];
	struct metrics_series s;

	for (int i = 0; i < METRICS_SLOTS; i++) {
		memset(&s, 0, sizeof(s));
		s.binary = binary;
		if (metrics_slot_read(base, i, &s, method, route) && e->fn(&s, e->ctx) != 0)
			return 1;
	}
	return 0;
}

int
metrics_each(const char *dir, metrics_each_fn fn, void *ctx)
{
	struct each e = { fn, ctx };

	return metrics_tables(dir, each_series, &e);
}

double
metrics_quantile(double q, const double *bounds, const uint64_t *bucket, int nbuckets,
    uint64_t count)
{
	uint64_t total = 0, cum = 0, prev;
	double rank, lo;

	if (isnan(q) || nbuckets < 1)
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	for (int b = 0; b < nbuckets; b++)
		total += bucket[b];
	if (count > total)
		total = count;       /* the rest lies above the last bound */
	if (total == 0)
		return NAN;
	rank = q * (double)total;
	for (int b = 0; b < nbuckets; b++) {
		prev = cum;
		cum += bucket[b];
		/* the first bucket reaching the rank; for q = 0 the first
		 * non-empty one (so bucket[b] > 0 here) */
		if (cum > 0 && (double)cum >= rank) {
			lo = b > 0 ? bounds[b - 1] : 0;
			return lo + (bounds[b] - lo) * ((rank - (double)prev) / (double)bucket[b]);
		}
	}
	return bounds[nbuckets - 1];
}
