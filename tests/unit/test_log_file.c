/* test_log_file.c: the log file a worker writes (reopened on a signal after
 * a rotation) and the sampling of request lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char dir[64];
static int saved_stderr = -1;

static int
setup(void **state)
{
	(void)state;
	unsetenv("LOG_LEVEL");
	unsetenv("LOG_REQUEST_SAMPLE");
	unsetenv("APP_ENV");
	snprintf(dir, sizeof(dir), "/tmp/test_log_file.XXXXXX");
	assert_non_null(mkdtemp(dir));
	saved_stderr = dup(STDERR_FILENO);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	signal(SIGHUP, SIG_DFL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* The whole of path as a string (static buffer); "" when absent. */
static const char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void
test_lines_follow_the_file_across_a_rotation(void **state)
{
	char path[128], rotated[128];
	struct stat st;

	(void)state;
	log_init("test_log_file");
	snprintf(path, sizeof(path), "%s/worker.log", dir);
	snprintf(rotated, sizeof(rotated), "%s/worker.log.1", dir);
	umask(022);
	assert_int_equal(log_open_file(path, SIGHUP), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	log_kv(LOG_INFO, "before the rotation", NULL);
	assert_int_equal(rename(path, rotated), 0);
	log_kv(LOG_INFO, "still the old file", NULL);
	assert_int_equal(raise(SIGHUP), 0);
	log_kv(LOG_INFO, "after the rotation", NULL);
	assert_non_null(strstr(slurp(rotated), "before the rotation"));
	assert_non_null(strstr(slurp(rotated), "still the old file"));
	assert_null(strstr(slurp(rotated), "after the rotation"));
	assert_non_null(strstr(slurp(path), "after the rotation"));
	assert_null(strstr(slurp(path), "before the rotation"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
}

static void
test_an_unopenable_file_is_refused(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/missing/dir/worker.log", dir);
	assert_int_equal(log_open_file(path, 0), -1);
}

static int
kept_of(int n, int status, double ms)
{
	int kept = 0;

	for (int i = 0; i < n; i++)
		kept += log_request_sampled(status, ms);
	return kept;
}

static void
test_successes_are_sampled_errors_and_slow_requests_never(void **state)
{
	(void)state;
	setenv("LOG_REQUEST_SAMPLE", "4", 1);
	log_init("test_log_file");
	assert_int_equal(kept_of(40, 200, 3.0), 10);
	assert_int_equal(kept_of(40, 304, 3.0), 10);
	assert_int_equal(kept_of(7, 404, 3.0), 7);
	assert_int_equal(kept_of(7, 500, 3.0), 7);
	assert_int_equal(kept_of(7, 200, LOG_SLOW_MS), 7);
	setenv("LOG_REQUEST_SAMPLE", "0", 1);     /* nonsense: every line */
	log_init("test_log_file");
	assert_int_equal(kept_of(9, 200, 1.0), 9);
}

static void
test_production_samples_one_in_ten_by_default(void **state)
{
	(void)state;
	log_init("test_log_file");
	assert_int_equal(kept_of(20, 200, 1.0), 20);
	setenv("APP_ENV", "production", 1);
	log_init("test_log_file");
	assert_int_equal(kept_of(100, 201, 1.0), 10);
	unsetenv("APP_ENV");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lines_follow_the_file_across_a_rotation),
		T(test_an_unopenable_file_is_refused),
		T(test_successes_are_sampled_errors_and_slow_requests_never),
		T(test_production_samples_one_in_ten_by_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
