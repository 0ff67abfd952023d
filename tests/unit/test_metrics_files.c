/* test_metrics_files.c: the tables as files the reader meets: foreign
 * files refused, dead workers not reported and their slots reclaimed, a
 * NULL table. */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_foreign_files_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_worker_not_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_worker_slots_reclaimed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_table, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
