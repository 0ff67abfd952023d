/* log_capture.h: the fixture of the log tests (test_log, test_log_request):
 * stderr captured while a block runs, its lines parsed, and per-test
 * set-up and teardown (T(name) registers a test with them). Define
 * LOG_TEST_BIN (the binary name logged) and include after unit.h. */
#ifndef EDGESCOUT_TEST_LOG_CAPTURE_H
#define EDGESCOUT_TEST_LOG_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* ---- capturing stderr -------------------------------------------------- */

static FILE *cap_file;
static int saved_stderr __attribute__((unused)) = -1;
static char captured[65536] __attribute__((unused));

static inline void
capture_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(cap_file), STDERR_FILENO) >= 0);
}

/* Stop capturing; returns everything written to stderr meanwhile. */
static inline const char *
capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	rewind(cap_file);
	n = fread(captured, 1, sizeof(captured) - 1, cap_file);
	captured[n] = '\0';
	fclose(cap_file);
	return captured;
}

static inline int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Parse the one line in text; fails unless there is exactly one. */
static inline json_object *
one_line(const char *text)
{
	json_object *o;
	size_t len = strlen(text);

	if (count_lines(text) != 1 || len == 0 || text[len - 1] != '\n')
		fail_msg("expected one line, got: [%s]", text);
	o = json_tokener_parse(text);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		fail_msg("not a JSON object: %s", text);
	return o;
}

static inline const char *
str_field(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static inline int
setup(void **state)
{
	(void)state;
	unsetenv("LOG_LEVEL");
	log_init(LOG_TEST_BIN);
	log_set_request_id(NULL);
	return 0;
}


/* Give stderr back if a failed assertion left it captured. */
static inline int
teardown(void **state)
{
	(void)state;
	if (saved_stderr >= 0)
		capture_end();
	return 0;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

#endif
