/* test_quantile.c: quantiles estimated from histogram buckets, and the
 * series walk over the shared metrics tables (metrics_read.c). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"

#define NB METRICS_BUCKETS
#define EPS 1e-12

static const double bounds[NB] = METRICS_BUCKET_BOUNDS;

static double
q_of(double q, const uint64_t *bucket, uint64_t count)
{
	return metrics_quantile(q, bounds, bucket, NB, count);
}

static void
assert_close(double got, double want)
{
	if (!(fabs(got - want) <= EPS * (1 + fabs(want))))
		fail_msg("got %.17g, want %.17g", got, want);
}

/* Prometheus' histogram_quantile over cumulative buckets, written out as
 * its source does (for q > 0), to compare against. */
static double
reference(double q, const uint64_t *bucket, uint64_t count)
{
	double cum[NB + 1], ub[NB + 1], rank, start = 0, n;
	uint64_t c = 0;
	int b;

	for (b = 0; b < NB; b++) {
		c += bucket[b];
		cum[b] = (double)c;
		ub[b] = bounds[b];
	}
	cum[NB] = (double)count;
	ub[NB] = INFINITY;
	if (count == 0)
		return NAN;
	rank = q * (double)count;
	for (b = 0; b < NB && !(cum[b] >= rank); b++)
		;
	if (b == NB)
		return ub[NB - 1];
	n = cum[b];
	if (b > 0) {
		start = ub[b - 1];
		n -= cum[b - 1];
		rank -= cum[b - 1];
	}
	return start + (ub[b] - start) * (rank / n);
}

/* ---- the estimator ------------------------------------------------------- */

static void
test_uniform_buckets(void **state)
{
	/* 10 observations in each of the first four buckets */
	uint64_t bucket[NB] = { 10, 10, 10, 10 };

	(void)state;
	assert_close(q_of(0.1, bucket, 40), 0.0005 * 0.4);
	assert_close(q_of(0.25, bucket, 40), 0.0005);
	assert_close(q_of(0.5, bucket, 40), 0.001);
	assert_close(q_of(0.6, bucket, 40), 0.001 + 0.0015 * 0.4);
	assert_close(q_of(0.95, bucket, 40), 0.0025 + 0.0025 * 0.8);
	assert_close(q_of(1, bucket, 40), 0.005);
	assert_close(q_of(0, bucket, 40), 0);
}

static void
test_empty(void **state)
{
	uint64_t bucket[NB] = { 0 };

	(void)state;
	assert_true(isnan(q_of(0.5, bucket, 0)));
	assert_true(isnan(q_of(0, bucket, 0)));
	assert_true(isnan(q_of(1, bucket, 0)));
	assert_true(isnan(metrics_quantile(0.5, bounds, bucket, 0, 3)));
}

/* Every observation above the last bound: the last bound, as Prometheus. */
static void
test_inf_only(void **state)
{
	uint64_t bucket[NB] = { 0 };

	(void)state;
	assert_close(q_of(0.5, bucket, 7), 10);
	assert_close(q_of(0.99, bucket, 7), 10);
	assert_close(q_of(0, bucket, 7), 10);
	assert_close(q_of(1, bucket, 7), 10);
}

static void
test_single_bucket(void **state)
{
	uint64_t bucket[NB] = { 0 };

	(void)state;
	bucket[5] = 4;                   /* (0.01, 0.025] */
	assert_close(q_of(0.5, bucket, 4), 0.01 + 0.015 * 0.5);
	assert_close(q_of(0.95, bucket, 4), 0.01 + 0.015 * 0.95);
	assert_close(q_of(0.99, bucket, 4), 0.01 + 0.015 * 0.99);
	assert_close(q_of(0, bucket, 4), 0.01);
	assert_close(q_of(1, bucket, 4), 0.025);
	bucket[5] = 0;
	bucket[0] = 1;                   /* the first bucket starts at 0 */
	assert_close(q_of(0.5, bucket, 1), 0.00025);
}

/* Half the observations above the last bound. */
static void
test_partly_above(void **state)
{
	uint64_t bucket[NB] = { 0 };

	(void)state;
	bucket[13] = 10;                 /* (5, 10] */
	assert_close(q_of(0.25, bucket, 20), 7.5);
	assert_close(q_of(0.5, bucket, 20), 10);
	assert_close(q_of(0.75, bucket, 20), 10);
}

static void
test_out_of_range(void **state)
{
	uint64_t bucket[NB] = { 3 };

	(void)state;
	assert_true(isinf(q_of(-0.1, bucket, 3)) && q_of(-0.1, bucket, 3) < 0);
	assert_true(isinf(q_of(1.5, bucket, 3)) && q_of(1.5, bucket, 3) > 0);
	assert_true(isnan(q_of(NAN, bucket, 3)));
}

/* A count behind its buckets (a racing reader) counts the buckets. */
static void
test_count_behind_buckets(void **state)
{
	uint64_t bucket[NB] = { 2, 2 };

	(void)state;
	assert_close(q_of(0.5, bucket, 3), 0.0005);
	assert_close(q_of(1, bucket, 0), 0.001);
}

/* Random histograms against Prometheus' algorithm. */
static void
test_matches_prometheus(void **state)
{
	static const double qs[] = { 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1 };
	uint64_t bucket[NB], count;
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		count = 0;
		for (int b = 0; b < NB; b++) {
			seed = seed * 1103515245u + 12345u;
			bucket[b] = (seed >> 16) % 4 == 0 ? 0 : (seed >> 8) % 50;
			count += bucket[b];
		}
		seed = seed * 1103515245u + 12345u;
		count += (seed >> 16) % 3;      /* some above the last bound */
		if (count == 0)
			continue;
		for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
			assert_close(q_of(qs[i], bucket, count), reference(qs[i], bucket, count));
	}
}

/* ---- metrics_each ------------------------------------------------------- */

struct fixture {
	char root[64];
	char dir[96];
};

struct seen {
	int n, stop_after;
	char binary[8][32], method[8][16], route[8][128];
	int status[8];
	uint64_t count[8], sum_us[8], bucket[8][NB];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/test_quantile.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->dir, sizeof(f->dir), "%s/metrics", f->root);
	setenv("RUN_DIR", f->root, 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char path[PATH_MAX];

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	rmdir(f->root);
	free(f);
	return 0;
}

static int
remember(const struct metrics_series *s, void *ctx)
{
	struct seen *w = ctx;
	int i = w->n++;

	assert_true(i < 8);
	snprintf(w->binary[i], sizeof(w->binary[i]), "%s", s->binary);
	snprintf(w->method[i], sizeof(w->method[i]), "%s", s->method);
	snprintf(w->route[i], sizeof(w->route[i]), "%s", s->route);
	w->status[i] = s->status;
	w->count[i] = s->count;
	w->sum_us[i] = s->sum_us;
	memcpy(w->bucket[i], s->bucket, sizeof(s->bucket));
	return w->stop_after > 0 && w->n >= w->stop_after;
}

/* The index of (binary, method, route, status) in w, or -1. */
static int
find(const struct seen *w, const char *binary, const char *method, const char *route,
    int status)
{
	for (int i = 0; i < w->n; i++)
		if (strcmp(w->binary[i], binary) == 0 && strcmp(w->method[i], method) == 0 &&
		    strcmp(w->route[i], route) == 0 && w->status[i] == status)
			return i;
	return -1;
}

static void
test_each_exact(void **state)
{
	struct fixture *f = *state;
	struct metrics *a = metrics_open("alpha"), *b = metrics_open("beta");
	struct seen w = { 0 };
	int i;

	assert_non_null(a);
	assert_non_null(b);
	for (int k = 0; k < 5; k++)
		metrics_observe(a, "GET", "/api/a", 200, 0.003);     /* (0.0025, 0.005] */
	metrics_observe(a, "GET", "/api/a", 500, 0.2);           /* (0.1, 0.25] */
	metrics_observe(a, "GET", "/api/a", 500, 20);            /* above 10 s */
	metrics_observe(b, "POST", "/api/b/{id}", 422, 0.001);   /* exactly a bound */
	assert_int_equal(metrics_each(f->dir, remember, &w), 2);
	assert_int_equal(w.n, 3);

	i = find(&w, "alpha", "GET", "/api/a", 200);
	assert_true(i >= 0);
	assert_int_equal(w.count[i], 5);
	assert_int_equal(w.sum_us[i], 15000);
	assert_int_equal(w.bucket[i][3], 5);
	i = find(&w, "alpha", "GET", "/api/a", 500);
	assert_true(i >= 0);
	assert_int_equal(w.count[i], 2);
	assert_int_equal(w.bucket[i][8], 1);
	for (int k = 0; k < NB; k++)
		assert_int_equal(w.bucket[i][k], k == 8);
	i = find(&w, "beta", "POST", "/api/b/{id}", 422);
	assert_true(i >= 0);
	assert_int_equal(w.count[i], 1);
	assert_int_equal(w.bucket[i][1], 1);
	metrics_close(a);
	metrics_close(b);
}

static void
test_each_overflow_and_stop(void **state)
{
	struct fixture *f = *state;
	struct metrics *a = metrics_open("alpha");
	char long_route[200];
	struct seen w = { 0 };
	int i;

	assert_non_null(a);
	memset(long_route, 'x', sizeof(long_route) - 1);
	long_route[0] = '/';
	long_route[sizeof(long_route) - 1] = '\0';
	metrics_observe(a, "GET", long_route, 200, 0.01);
	metrics_observe(a, "GET", "/api/a", 200, 0.01);
	assert_int_equal(metrics_each(f->dir, remember, &w), 1);
	assert_int_equal(w.n, 2);
	i = find(&w, "alpha", METRICS_OTHER, METRICS_OTHER, -1);
	assert_true(i >= 0);
	assert_int_equal(w.count[i], 1);

	memset(&w, 0, sizeof(w));
	w.stop_after = 1;
	metrics_each(f->dir, remember, &w);
	assert_int_equal(w.n, 1);
	metrics_close(a);
}

static void
test_each_foreign_and_missing(void **state)
{
	struct fixture *f = *state;
	struct metrics *a = metrics_open("alpha");
	struct seen w = { 0 };
	char path[PATH_MAX];
	int fd;

	assert_non_null(a);
	metrics_observe(a, "GET", "/api/a", 200, 0.01);
	snprintf(path, sizeof(path), "%s/junk.metrics", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a table", 11), 11);
	close(fd);
	assert_int_equal(metrics_each(f->dir, remember, &w), 1);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.binary[0], "alpha");

	memset(&w, 0, sizeof(w));
	snprintf(path, sizeof(path), "%s/nowhere", f->root);
	assert_int_equal(metrics_each(path, remember, &w), -1);
	assert_int_equal(w.n, 0);
	metrics_close(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uniform_buckets),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_inf_only),
		cmocka_unit_test(test_single_bucket),
		cmocka_unit_test(test_partly_above),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_count_behind_buckets),
		cmocka_unit_test(test_matches_prometheus),
		cmocka_unit_test_setup_teardown(test_each_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_overflow_and_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_foreign_and_missing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
