/* test_metrics.c: the shared metrics table and its Prometheus rendering. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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

#include "buf.h"
#include "metrics.h"
#include "pool.h"

#define CHILDREN 4
#define PER_CHILD 100000         /* a multiple of 8 keys x 5 durations x 2 */
#define PER_KEY (CHILDREN * PER_CHILD / 8)

struct fixture {
	char root[64];               /* the temporary RUN_DIR */
	char dir[96];                /* root/metrics */
	struct pool *pool;
};

/* ---- helpers ------------------------------------------------------------ */

static void
remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[PATH_MAX];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		remove_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/test_metrics.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->dir, sizeof(f->dir), "%s/metrics", f->root);
	setenv("RUN_DIR", f->root, 1);
	f->pool = pool_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	remove_tree(f->root);
	pool_free(f->pool);
	free(f);
	return 0;
}

/* The whole rendered text of the fixture's directory; *ntables set. */
static const char *
render(struct fixture *f, int *ntables)
{
	struct buf b;
	int n;

	buf_init(&b, f->pool);
	n = metrics_render(&b, f->dir);
	if (ntables)
		*ntables = n;
	return buf_cstr(&b);
}

/* The value of the sample line "series value" in text, or NULL. */
static const char *
value_of(const char *text, const char *series)
{
	static char value[64];
	size_t n = strlen(series);
	const char *line = text;

	while (line && *line) {
		if (strncmp(line, series, n) == 0 && line[n] == ' ') {
			size_t len = strcspn(line + n + 1, "\n");

			snprintf(value, sizeof(value), "%.*s", (int)len, line + n + 1);
			return value;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

static int
occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void
assert_value(const char *text, const char *series, const char *want)
{
	const char *got = value_of(text, series);

	if (got == NULL)
		fail_msg("no sample %s in:\n%s", series, text);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", series, got, want);
}

static void
assert_count(const char *text, const char *series, long long want)
{
	char w[32];

	snprintf(w, sizeof(w), "%lld", want);
	assert_value(text, series, w);
}

#define REQ(bin, route, method, status) \
	"edgescout_http_requests_total{binary=\"" bin "\",route=\"" route \
	"\",method=\"" method "\",status=\"" status "\"}"
#define BUCKET(bin, route, method, le) \
	"edgescout_http_request_duration_seconds_bucket{binary=\"" bin "\",route=\"" \
	route "\",method=\"" method "\",le=\"" le "\"}"
#define HIST(part, bin, route, method) \
	"edgescout_http_request_duration_seconds_" part "{binary=\"" bin "\",route=\"" \
	route "\",method=\"" method "\"}"

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

/* ---- files and workers -------------------------------------------------- */

static void
write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static void
test_foreign_files_rejected(void **state)
{
	struct fixture *f = *state;
	struct metrics *good = metrics_open("good"), *old;
	char path[PATH_MAX], *junk;
	uint32_t version = 0;
	const char *text;
	int fd, n;

	assert_non_null(good);
	metrics_observe(good, "GET", "/ok", 200, 0.01);
	junk = malloc(METRICS_FILE_SIZE);
	assert_non_null(junk);
	for (size_t i = 0; i < METRICS_FILE_SIZE; i++)
		junk[i] = (char)(i * 131 + 7);
	snprintf(path, sizeof(path), "%s/bogus.metrics", f->dir);
	write_file(path, junk, METRICS_FILE_SIZE);
	snprintf(path, sizeof(path), "%s/short.metrics", f->dir);
	write_file(path, METRICS_MAGIC, 8);
	free(junk);

	/* a table of an older version: same name, version field changed */
	old = metrics_open("old");
	assert_non_null(old);
	metrics_observe(old, "GET", "/old", 200, 0.01);
	metrics_close(old);
	snprintf(path, sizeof(path), "%s/old.metrics", f->dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &version, sizeof(version),
	                        offsetof(struct metrics_header, version)), 4);
	close(fd);

	text = render(f, &n);
	assert_int_equal(n, 1);
	assert_value(text, REQ("good", "/ok", "GET", "200"), "1");
	assert_null(strstr(text, "bogus"));
	assert_null(strstr(text, "short"));
	assert_null(strstr(text, "\"old\""));

	/* a writer replaces a table it cannot use with a fresh one */
	old = metrics_open("old");
	assert_non_null(old);
	metrics_observe(old, "GET", "/new", 200, 0.01);
	text = render(f, &n);
	assert_int_equal(n, 2);
	assert_value(text, REQ("old", "/new", "GET", "200"), "1");
	assert_null(value_of(text, REQ("old", "/old", "GET", "200")));
	metrics_close(old);
	metrics_close(good);

	/* unreadable directory: -1, but the families are still there */
	setenv("RUN_DIR", "/nonexistent/run", 1);
	assert_null(metrics_open("nowhere"));
	{
		struct buf b;

		buf_init(&b, f->pool);
		assert_int_equal(metrics_render(&b, "/nonexistent/run/metrics"), -1);
		assert_non_null(strstr(buf_cstr(&b),
		                       "# TYPE edgescout_http_requests_total counter\n"));
	}
	setenv("RUN_DIR", f->root, 1);
}

static void
test_dead_worker_not_reported(void **state)
{
	struct fixture *f = *state;
	char mine[128], theirs[128];
	const char *text;
	struct metrics *m;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		m = metrics_open("dw");
		metrics_observe(m, "GET", "/x", 200, 0.01);
		_exit(m ? 0 : 1);           /* dies without closing */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	m = metrics_open("dw");
	assert_non_null(m);
	snprintf(mine, sizeof(mine),
	         "edgescout_worker_resident_memory_bytes{binary=\"dw\",pid=\"%d\"}",
	         (int)getpid());
	snprintf(theirs, sizeof(theirs),
	         "edgescout_worker_resident_memory_bytes{binary=\"dw\",pid=\"%d\"}",
	         (int)pid);
	text = render(f, NULL);
	assert_non_null(value_of(text, mine));
	assert_true(strtoull(value_of(text, mine), NULL, 10) > 1024 * 1024);
	assert_null(value_of(text, theirs));
	assert_value(text, REQ("dw", "/x", "GET", "200"), "1");   /* its counts stay */
	metrics_close(m);
	/* closed: the entry is released */
	text = render(f, NULL);
	assert_null(value_of(text, mine));
}

static void
test_dead_worker_slots_reclaimed(void **state)
{
	struct fixture *f = *state;
	char mine[128];
	const char *text;
	struct metrics *m;
	int status;

	/* fill every worker entry with a process that then dies */
	for (int i = 0; i < METRICS_WORKERS; i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0)
			_exit(metrics_open("full") ? 0 : 1);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	m = metrics_open("full");
	assert_non_null(m);
	snprintf(mine, sizeof(mine),
	         "edgescout_worker_resident_memory_bytes{binary=\"full\",pid=\"%d\"}",
	         (int)getpid());
	text = render(f, NULL);
	assert_non_null(value_of(text, mine));
	assert_int_equal(occurrences(text, "edgescout_worker_resident_memory_bytes{"), 1);
	metrics_close(m);
}

static void
test_null_table(void **state)
{
	(void)state;
	metrics_observe(NULL, "GET", "/", 200, 0.1);
	metrics_close(NULL);
	assert_null(metrics_open(NULL));
	assert_null(metrics_open("../escape"));
	assert_null(metrics_open(""));
}

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
		cmocka_unit_test_setup_teardown(test_concurrent_workers_exact_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_claims_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bucket_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_files_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_worker_not_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_worker_slots_reclaimed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_families_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promtool_accepts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observe_cost, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
