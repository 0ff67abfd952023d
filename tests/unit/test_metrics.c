/* test_metrics.c: the shared metrics table: exact totals and distinct
 * slots under concurrent workers, the overflow slot, bucket bounds, label
 * escaping. Reading tables back: test_metrics_files, test_metrics_render. */
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

/* ---- concurrency -------------------------------------------------------- */

static const char *const routes[4] = { "/api/a", "/api/b/{id}", "/api/c", "unmatched" };
static const double durations[5] = { 0.0005, 0.003, 0.07, 2.0, 20.0 };

/* One worker: open the table when the start pipe closes, observe, leave. */
static void
child_work(int start_fd)
{
	struct metrics *m;
	char c;

	while (read(start_fd, &c, 1) < 0 && errno == EINTR)
		;
	m = metrics_open("concur");
	if (m == NULL)
		_exit(2);
	for (int i = 0; i < PER_CHILD; i++) {
		int k = i % 8;
		const char *route = routes[k % 4];
		const char *method = k < 4 ? "GET" : "POST";
		int status = k == 3 || k == 7 ? 404 : 200;

		if (k == 0 && (i / 8) % 2)
			status = 500;   /* /api/a GET: half 200, half 500 */
		metrics_observe(m, method, route, status, durations[i % 5]);
	}
	metrics_close(m);
	_exit(0);
}

static void
test_concurrent_workers_exact_totals(void **state)
{
	struct fixture *f = *state;
	pid_t pids[CHILDREN];
	int pipefd[2], status, copies = 0;
	const char *text;
	char path[PATH_MAX];
	const struct metrics_slot *slots;
	char sum[32];
	void *base;
	int fd;

	assert_int_equal(pipe(pipefd), 0);
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(pipefd[1]);
			child_work(pipefd[0]);
		}
	}
	close(pipefd[0]);
	close(pipefd[1]);               /* all children start together */
	for (int i = 0; i < CHILDREN; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	text = render(f, NULL);
	/* each key: PER_KEY observations, a fifth of them at each duration */
	assert_count(text, REQ("concur", "/api/a", "GET", "200"), PER_KEY / 2);
	assert_count(text, REQ("concur", "/api/a", "GET", "500"), PER_KEY / 2);
	assert_count(text, REQ("concur", "/api/b/{id}", "GET", "200"), PER_KEY);
	assert_count(text, REQ("concur", "unmatched", "POST", "404"), PER_KEY);
	assert_count(text, REQ("concur", "/api/c", "POST", "200"), PER_KEY);
	assert_null(value_of(text, REQ("concur", "other", "other", "other")));
	assert_count(text, BUCKET("concur", "/api/a", "GET", "0.0005"), PER_KEY / 5);
	assert_count(text, BUCKET("concur", "/api/a", "GET", "0.0025"), PER_KEY / 5);
	assert_count(text, BUCKET("concur", "/api/a", "GET", "0.005"), PER_KEY / 5 * 2);
	assert_count(text, BUCKET("concur", "/api/a", "GET", "0.1"), PER_KEY / 5 * 3);
	assert_count(text, BUCKET("concur", "/api/a", "GET", "1"), PER_KEY / 5 * 3);
	assert_count(text, BUCKET("concur", "/api/a", "GET", "2.5"), PER_KEY / 5 * 4);
	assert_count(text, BUCKET("concur", "/api/a", "GET", "10"), PER_KEY / 5 * 4);
	assert_count(text, BUCKET("concur", "/api/a", "GET", "+Inf"), PER_KEY);
	assert_count(text, HIST("count", "concur", "/api/a", "GET"), PER_KEY);
	/* 0.0005 + 0.003 + 0.07 + 2 + 20 = 22073500 us per five */
	snprintf(sum, sizeof(sum), "%lld.%06lld", PER_KEY / 5 * 22073500LL / 1000000,
	         PER_KEY / 5 * 22073500LL % 1000000);
	assert_value(text, HIST("sum", "concur", "/api/a", "GET"), sum);
	assert_count(text, HIST("count", "concur", "unmatched", "POST"), PER_KEY);
	assert_count(text, BUCKET("concur", "unmatched", "POST", "0.05"), PER_KEY / 5 * 2);
	/* statuses merge into one histogram per route and method */
	assert_int_equal(occurrences(text, HIST("count", "concur", "/api/a", "GET")), 1);

	/* every key was claimed exactly once */
	snprintf(path, sizeof(path), "%s/concur.metrics", f->dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	base = mmap(NULL, METRICS_FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(base != MAP_FAILED);
	assert_true(metrics_header_valid(base, METRICS_FILE_SIZE));
	slots = (const struct metrics_slot *)((const char *)base + METRICS_SLOTS_OFFSET);
	for (int i = 0; i < METRICS_SLOTS - 1; i++)
		copies += slots[i].state == METRICS_READY;
	assert_int_equal(copies, 9);
	munmap(base, METRICS_FILE_SIZE);
	close(fd);
}

#define CLAIM_KEYS 120              /* per child; all children: < 511 slots */
#define CLAIM_ROUNDS 20

/* One worker claiming keys no other worker uses, all at the same moment. */
static void
child_claim(int start_fd, int id)
{
	struct metrics *m = metrics_open("claims");
	char route[32], c;

	if (m == NULL)
		_exit(2);
	while (read(start_fd, &c, 1) < 0 && errno == EINTR)
		;
	for (int r = 0; r < CLAIM_ROUNDS; r++) {
		for (int k = 0; k < CLAIM_KEYS; k++) {
			snprintf(route, sizeof(route), "/w%d/k%d", id, k);
			metrics_observe(m, "GET", route, 200, 0.001);
		}
	}
	metrics_close(m);
	_exit(0);
}

static void
test_concurrent_claims_distinct(void **state)
{
	struct fixture *f = *state;
	char series[128], want[16];
	pid_t pids[CHILDREN];
	int pipefd[2], status;
	struct metrics *m;
	const char *text;

	m = metrics_open("claims");         /* the file exists before the race */
	assert_non_null(m);
	assert_int_equal(pipe(pipefd), 0);
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(pipefd[1]);
			child_claim(pipefd[0], i);
		}
	}
	close(pipefd[0]);
	usleep(50000);                     /* let every child reach the start line */
	close(pipefd[1]);
	for (int i = 0; i < CHILDREN; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	text = render(f, NULL);
	snprintf(want, sizeof(want), "%d", CLAIM_ROUNDS);
	for (int i = 0; i < CHILDREN; i++) {
		for (int k = 0; k < CLAIM_KEYS; k++) {
			snprintf(series, sizeof(series), REQ("claims", "/w%d/k%d", "GET", "200"),
			         i, k);
			assert_value(text, series, want);
		}
	}
	assert_int_equal(occurrences(text, "edgescout_http_requests_total{"),
	                 CHILDREN * CLAIM_KEYS);
	metrics_close(m);
}

/* ---- keys, buckets and escaping ----------------------------------------- */

static void
test_overflow_slot(void **state)
{
	struct fixture *f = *state;
	struct metrics *m = metrics_open("ovf");
	char route[64], long_route[200];
	const char *text;

	assert_non_null(m);
	for (int i = 0; i < 600; i++) {
		snprintf(route, sizeof(route), "/r/%d", i);
		metrics_observe(m, "GET", route, 200, 0.001);
	}
	/* keys that do not fit go to "other" too */
	memset(long_route, 'x', sizeof(long_route) - 1);
	long_route[sizeof(long_route) - 1] = '\0';
	metrics_observe(m, "GET", long_route, 200, 0.001);
	metrics_observe(m, "GET\n", "/r/0", 200, 0.001);
	metrics_observe(m, "GET", "/r/0", 1000, 0.001);
	metrics_observe(m, NULL, "/r/0", 200, 0.001);
	text = render(f, NULL);
	/* 511 keyed slots; 89 keys overflow, plus the 4 bad ones */
	assert_value(text, REQ("ovf", "other", "other", "other"), "93");
	assert_value(text, HIST("count", "ovf", "other", "other"), "93");
	assert_value(text, REQ("ovf", "/r/0", "GET", "200"), "1");
	assert_int_equal(occurrences(text, "edgescout_http_requests_total{"), 512);
	/* existing keys still find their slot when the table is full */
	metrics_observe(m, "GET", "/r/5", 200, 0.001);
	text = render(f, NULL);
	assert_value(text, REQ("ovf", "/r/5", "GET", "200"), "2");
	assert_value(text, REQ("ovf", "other", "other", "other"), "93");
	metrics_close(m);
}

static void
test_bucket_bounds(void **state)
{
	struct fixture *f = *state;
	struct metrics *m = metrics_open("bounds");
	const char *text;

	assert_non_null(m);
	metrics_observe(m, "GET", "/edge", 200, 0.0005);
	metrics_observe(m, "GET", "/above", 200, 0.00051);
	metrics_observe(m, "GET", "/ten", 200, 10.0);
	metrics_observe(m, "GET", "/beyond", 200, 10.5);
	metrics_observe(m, "GET", "/neg", 200, -3.0);
	metrics_observe(m, "GET", "/nan", 200, NAN);
	text = render(f, NULL);
	assert_value(text, BUCKET("bounds", "/edge", "GET", "0.0005"), "1");
	assert_value(text, BUCKET("bounds", "/above", "GET", "0.0005"), "0");
	assert_value(text, BUCKET("bounds", "/above", "GET", "0.001"), "1");
	assert_value(text, BUCKET("bounds", "/ten", "GET", "5"), "0");
	assert_value(text, BUCKET("bounds", "/ten", "GET", "10"), "1");
	assert_value(text, BUCKET("bounds", "/beyond", "GET", "10"), "0");
	assert_value(text, BUCKET("bounds", "/beyond", "GET", "+Inf"), "1");
	assert_value(text, HIST("sum", "bounds", "/beyond", "GET"), "10.500000");
	assert_value(text, HIST("sum", "bounds", "/edge", "GET"), "0.000500");
	assert_value(text, BUCKET("bounds", "/neg", "GET", "0.0005"), "1");
	assert_value(text, HIST("sum", "bounds", "/neg", "GET"), "0.000000");
	assert_value(text, BUCKET("bounds", "/nan", "GET", "0.0005"), "1");
	metrics_close(m);
}

static void
test_label_escaping(void **state)
{
	struct fixture *f = *state;
	struct metrics *m;
	struct buf b;
	const char *text;

	buf_init(&b, f->pool);
	metrics_label_value(&b, "a\\b\"c\nd");
	assert_string_equal(buf_cstr(&b), "a\\\\b\\\"c\\nd");

	buf_init(&b, f->pool);
	metrics_family(&b, "x_total", "counter", "line one\nback\\slash");
	assert_string_equal(buf_cstr(&b),
	                    "# HELP x_total line one\\nback\\\\slash\n# TYPE x_total counter\n");

	m = metrics_open("esc");
	assert_non_null(m);
	metrics_observe(m, "GET", "/q/\"x\"\\y", 200, 0.01);
	text = render(f, NULL);
	assert_value(text, REQ("esc", "/q/\\\"x\\\"\\\\y", "GET", "200"), "1");
	metrics_close(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent_workers_exact_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_claims_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_escaping, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
