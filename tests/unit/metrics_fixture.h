/* metrics_fixture.h: the fixture of the metrics tests (test_metrics,
 * test_metrics_files, test_metrics_render): a temporary RUN_DIR per test
 * (setup / teardown), the rendered text of its tables, and looking series
 * up in it. Include after unit.h (with _GNU_SOURCE defined first). */
#ifndef EDGESCOUT_TEST_METRICS_FIXTURE_H
#define EDGESCOUT_TEST_METRICS_FIXTURE_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "metrics.h"

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

static inline int
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

static inline int
teardown(void **state)
{
	struct fixture *f = *state;

	remove_tree(f->root);
	pool_free(f->pool);
	free(f);
	return 0;
}

/* The whole rendered text of the fixture's directory; *ntables set. */
static inline const char *
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
static inline const char *
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

static inline int
occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static inline void
assert_value(const char *text, const char *series, const char *want)
{
	const char *got = value_of(text, series);

	if (got == NULL)
		fail_msg("no sample %s in:\n%s", series, text);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", series, got, want);
}

static inline void
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


#endif
