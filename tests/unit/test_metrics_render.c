/* test_metrics_render.c: the whole Prometheus text: each family once,
 * promtool accepts it, and what an observation costs. */
#define _GNU_SOURCE
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "metrics_fixture.h"

/* ---- the whole text ----------------------------------------------------- */

static void
test_families_once(void **state)
{
	struct fixture *f = *state;
	struct metrics *a = metrics_open("alpha"), *b = metrics_open("beta");
	const char *text;
	int n;

	metrics_observe(a, "GET", "/api/x", 200, 0.01);
	metrics_observe(b, "GET", "/api/x", 200, 0.02);
	metrics_observe(b, "POST", "/api/y", 201, 0.03);
	text = render(f, &n);
	assert_int_equal(n, 2);
	assert_int_equal(occurrences(text, "# TYPE edgescout_http_requests_total counter\n"), 1);
	assert_int_equal(occurrences(text,
	    "# TYPE edgescout_http_request_duration_seconds histogram\n"), 1);
	assert_int_equal(occurrences(text,
	    "# TYPE edgescout_worker_resident_memory_bytes gauge\n"), 1);
	assert_int_equal(occurrences(text, "# HELP "), 3);
	assert_value(text, REQ("alpha", "/api/x", "GET", "200"), "1");
	assert_value(text, REQ("beta", "/api/y", "POST", "201"), "1");
	/* every requests sample sits between its TYPE line and the next family */
	assert_true(strstr(text, REQ("beta", "/api/y", "POST", "201")) <
	            strstr(text, "# HELP edgescout_http_request_duration_seconds"));
	metrics_close(a);
	metrics_close(b);
}

static void
test_promtool_accepts(void **state)
{
	static const char *const bins[] = { "auth", "markets", "metrics", "we\"ird" };
	static const char *const paths[] = {
		"/api/login", "/api/watchlists/{id}", "/api/watchlists/{id}/symbols",
		"/metrics", "unmatched"
	};
	static const char *const methods[] = { "GET", "POST", "DELETE" };
	static const int statuses[] = { 200, 201, 400, 404, 422, 500, 503 };
	struct fixture *f = *state;
	struct metrics *m[4];
	char file[PATH_MAX], cmd[PATH_MAX + 64], out[4096];
	struct buf b;
	FILE *fp, *pp;
	size_t got;
	int rc;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		print_message("promtool not installed: skipping the promtool check\n");
		skip();
	}
	for (int i = 0; i < 4; i++) {
		m[i] = metrics_open(bins[i]);
		assert_non_null(m[i]);
	}
	for (int i = 0; i < 5000; i++)
		metrics_observe(m[i % 4], methods[i % 3], paths[i % 5], statuses[i % 7],
		                (double)(i % 997) / 250.0);
	for (int i = 0; i < 700; i++) {      /* overflow the last binary */
		char route[32];

		snprintf(route, sizeof(route), "/r/%d", i);
		metrics_observe(m[3], "GET", route, 200, 0.002);
	}

	buf_init(&b, f->pool);
	metrics_family(&b, "edgescout_build_info", "gauge", "Version of the running build.");
	buf_puts(&b, "edgescout_build_info{version=\"1.0.0\",commit=\"abc\",build_time=\"x\"} 1\n");
	assert_true(metrics_render(&b, f->dir) == 4);
	snprintf(file, sizeof(file), "%s/rendered.prom", f->root);
	fp = fopen(file, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf_cstr(&b), 1, b.len, fp), b.len);
	fclose(fp);

	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 2>&1", file);
	pp = popen(cmd, "r");
	assert_non_null(pp);
	got = fread(out, 1, sizeof(out) - 1, pp);
	out[got] = '\0';
	rc = pclose(pp);
	if (got != 0 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
		fail_msg("promtool check metrics (status %d) said: %s", rc, out);
	for (int i = 0; i < 4; i++)
		metrics_close(m[i]);
}

/* Not a check of correctness: prints the steady-state cost of one call. */
static void
test_observe_cost(void **state)
{
	struct fixture *f = *state;
	struct metrics *m = metrics_open("cost");
	struct timespec t0, t1;
	const int n = 1000000;
	double ns;

	(void)f;
	assert_non_null(m);
	metrics_observe(m, "GET", "/api/watchlists/{id}", 200, 0.003);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		metrics_observe(m, "GET", "/api/watchlists/{id}", 200, 0.003);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / n;
	print_message("metrics_observe: %.0f ns per call\n", ns);
	assert_true(ns < 10000);         /* generous: sanitizer builds are slow */
	metrics_close(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_families_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promtool_accepts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observe_cost, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
