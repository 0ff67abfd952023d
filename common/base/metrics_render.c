/* metrics_render.c: the reader side: every binary's table as Prometheus text.
 *
 * Each table is mapped read-only (metrics_tables) just long enough to copy
 * its slots and worker entries; the copies are sorted (so duplicate keys,
 * possible only after a claimer died half-way, merge) and each family is
 * then written once with the series of every binary grouped under it. */
#define _GNU_SOURCE
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "pool.h"

struct series {
	char method[METRICS_METHOD_LEN];
	char route[METRICS_ROUTE_LEN];
	int status;                      /* -1 for the overflow slot */
	uint64_t count, sum_us, bucket[METRICS_BUCKETS];
};

struct proc {
	int32_t pid;
	uint64_t rss;
};

struct table {
	const char *binary;
	struct series *series;
	int nseries;
	struct proc *procs;
	int nprocs;
};

static const char *const le_text[METRICS_BUCKETS] = {
	"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
	"0.25", "0.5", "1", "2.5", "5", "10"
};

const char *
metrics_dir(struct pool *p)
{
	const char *run = config_get("RUN_DIR");

	return pool_printf(p, "%s/metrics", run && *run ? run : ".");
}

void
metrics_label_value(struct buf *out, const char *value)
{
	for (const char *c = value; *c; c++) {
		if (*c == '\\')
			buf_puts(out, "\\\\");
		else if (*c == '"')
			buf_puts(out, "\\\"");
		else if (*c == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *c);
	}
}

void
metrics_family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s ", name);
	for (const char *c = help; *c; c++) {
		if (*c == '\\')
			buf_puts(out, "\\\\");
		else if (*c == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *c);
	}
	buf_printf(out, "\n# TYPE %s %s\n", name, type);
}

static int
series_cmp(const void *a, const void *b)
{
	const struct series *x = a, *y = b;
	int c = strcmp(x->route, y->route);

	if (c == 0)
		c = strcmp(x->method, y->method);
	if (c == 0)
		c = (x->status > y->status) - (x->status < y->status);
	return c;
}

static int
proc_cmp(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Copy slot i of the table at base into out; 0 when it holds no series. */
static int
slot_copy(const unsigned char *base, int i, struct series *out)
{
	struct metrics_series s;

	if (!metrics_slot_read(base, i, &s, out->method, out->route))
		return 0;
	out->status = s.status;
	out->count = s.count;
	out->sum_us = s.sum_us;
	memcpy(out->bucket, s.bucket, sizeof(out->bucket));
	return 1;
}

/* Copy the live series and workers of the mapped table at base into t. */
static void
table_copy(struct pool *p, const unsigned char *base, struct table *t)
{
	const struct metrics_worker *w =
		(const struct metrics_worker *)(base + METRICS_WORKERS_OFFSET);
	struct series one;
	int n = 0, i, j;

	for (i = 0; i < METRICS_SLOTS; i++)
		n += slot_copy(base, i, &one);
	n += 8;                          /* room for slots claimed meanwhile */
	t->series = pool_alloc(p, (size_t)n * sizeof(*t->series));
	for (i = 0; i < METRICS_SLOTS && t->nseries < n; i++)
		t->nseries += slot_copy(base, i, &t->series[t->nseries]);
	qsort(t->series, (size_t)t->nseries, sizeof(*t->series), series_cmp);
	for (i = 0, j = -1; i < t->nseries; i++) {
		if (j >= 0 && series_cmp(&t->series[j], &t->series[i]) == 0) {
			t->series[j].count += t->series[i].count;
			t->series[j].sum_us += t->series[i].sum_us;
			for (int b = 0; b < METRICS_BUCKETS; b++)
				t->series[j].bucket[b] += t->series[i].bucket[b];
		} else {
			t->series[++j] = t->series[i];
		}
	}
	t->nseries = j + 1;

	t->procs = pool_alloc(p, METRICS_WORKERS * sizeof(*t->procs));
	for (i = 0; i < METRICS_WORKERS; i++) {
		int32_t pid = atomic_load(&w[i].pid);

		if (pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH))
			continue;
		t->procs[t->nprocs].pid = pid;
		t->procs[t->nprocs].rss = atomic_load(&w[i].rss_bytes);
		t->nprocs++;
	}
	qsort(t->procs, (size_t)t->nprocs, sizeof(*t->procs), proc_cmp);
}

struct tables {
	struct pool *pool;
	struct table *v;
	int n, size;
};

/* Copy one mapped table for metrics_render. */
static int
table_read(const char *binary, const unsigned char *base, void *ctx)
{
	struct tables *ts = ctx;
	struct table *t;

	if (ts->n == ts->size) {
		struct table *v = pool_alloc(ts->pool, (size_t)(ts->size * 2 + 8) * sizeof(*v));

		if (ts->n > 0)
			memcpy(v, ts->v, (size_t)ts->n * sizeof(*v));
		ts->v = v;
		ts->size = ts->size * 2 + 8;
	}
	t = &ts->v[ts->n++];
	memset(t, 0, sizeof(*t));
	t->binary = pool_strdup(ts->pool, binary);
	table_copy(ts->pool, base, t);
	return 0;
}

static void
labels(struct buf *out, const char *binary, const struct series *s)
{
	buf_puts(out, "{binary=\"");
	metrics_label_value(out, binary);
	buf_puts(out, "\",route=\"");
	metrics_label_value(out, s->route);
	buf_puts(out, "\",method=\"");
	metrics_label_value(out, s->method);
	buf_putc(out, '"');
}

static void
write_requests(struct buf *out, const struct table *t, int nt)
{
	metrics_family(out, "edgescout_http_requests_total", "counter",
	               "HTTP requests handled, by binary, route template, method and status.");
	for (int i = 0; i < nt; i++) {
		for (int k = 0; k < t[i].nseries; k++) {
			const struct series *s = &t[i].series[k];

			buf_puts(out, "edgescout_http_requests_total");
			labels(out, t[i].binary, s);
			if (s->status < 0)
				buf_printf(out, ",status=\"%s\"} %" PRIu64 "\n", METRICS_OTHER,
				           s->count);
			else
				buf_printf(out, ",status=\"%d\"} %" PRIu64 "\n", s->status,
				           s->count);
		}
	}
}

static void
write_durations(struct buf *out, const struct table *t, int nt)
{
	const char *name = "edgescout_http_request_duration_seconds";

	metrics_family(out, name, "histogram",
	               "Time from accept to reply, by binary, route template and method.");
	for (int i = 0; i < nt; i++) {
		for (int k = 0; k < t[i].nseries; ) {
			const struct series *s = &t[i].series[k];
			uint64_t bucket[METRICS_BUCKETS] = { 0 }, count = 0, sum = 0, cum = 0;

			/* statuses of one route and method are adjacent: merge them */
			for (; k < t[i].nseries && strcmp(t[i].series[k].route, s->route) == 0 &&
			     strcmp(t[i].series[k].method, s->method) == 0; k++) {
				count += t[i].series[k].count;
				sum += t[i].series[k].sum_us;
				for (int b = 0; b < METRICS_BUCKETS; b++)
					bucket[b] += t[i].series[k].bucket[b];
			}
			for (int b = 0; b < METRICS_BUCKETS; b++) {
				cum += bucket[b];
				buf_printf(out, "%s_bucket", name);
				labels(out, t[i].binary, s);
				buf_printf(out, ",le=\"%s\"} %" PRIu64 "\n", le_text[b], cum);
			}
			buf_printf(out, "%s_bucket", name);
			labels(out, t[i].binary, s);
			buf_printf(out, ",le=\"+Inf\"} %" PRIu64 "\n", count);
			buf_printf(out, "%s_sum", name);
			labels(out, t[i].binary, s);
			buf_printf(out, "} %" PRIu64 ".%06" PRIu64 "\n", sum / 1000000,
			           sum % 1000000);
			buf_printf(out, "%s_count", name);
			labels(out, t[i].binary, s);
			buf_printf(out, "} %" PRIu64 "\n", count);
		}
	}
}

static void
write_workers(struct buf *out, const struct table *t, int nt)
{
	metrics_family(out, "edgescout_worker_resident_memory_bytes", "gauge",
	               "Resident memory of each live worker process.");
	for (int i = 0; i < nt; i++) {
		for (int k = 0; k < t[i].nprocs; k++) {
			buf_puts(out, "edgescout_worker_resident_memory_bytes{binary=\"");
			metrics_label_value(out, t[i].binary);
			buf_printf(out, "\",pid=\"%" PRId32 "\"} %" PRIu64 "\n",
			           t[i].procs[k].pid, t[i].procs[k].rss);
		}
	}
}

int
metrics_render(struct buf *out, const char *dir)
{
	struct tables ts = { out->pool, NULL, 0, 0 };
	int nt = metrics_tables(dir, table_read, &ts);

	write_requests(out, ts.v, ts.n);
	write_durations(out, ts.v, ts.n);
	write_workers(out, ts.v, ts.n);
	return nt;
}
