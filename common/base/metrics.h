/* metrics.h: request counters and latency histograms shared by a binary's
 * workers, and the Prometheus text rendering of every binary's table.
 *
 * Each binary has one file, RUN_DIR/metrics/<binary>.metrics, mapped shared
 * by all its worker processes and updated with lock-free atomic adds. The
 * file's layout is below so the writer, the reader and the tests agree on it;
 * nothing outside metrics*.c touches it directly. */
#ifndef EDGESCOUT_METRICS_H
#define EDGESCOUT_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct pool;

/* ---- the file format ---------------------------------------------------- */

#define METRICS_MAGIC "ESMETRIC"     /* 8 bytes, no NUL */
#define METRICS_VERSION 1
#define METRICS_SLOTS 512            /* the last one is the overflow slot */
#define METRICS_WORKERS 64
#define METRICS_BUCKETS 14           /* bounds in seconds; +Inf is the count */
#define METRICS_METHOD_LEN 8         /* with the NUL: "OPTIONS" fits */
#define METRICS_ROUTE_LEN 112        /* with the NUL */
#define METRICS_OTHER "other"        /* key of the overflow slot */
#define METRICS_BUCKET_BOUNDS \
	{ 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, \
	  1, 2.5, 5, 10 }

enum metrics_slot_state { METRICS_FREE, METRICS_CLAIMING, METRICS_READY };

struct metrics_header {
	char magic[8];
	uint32_t version;
	uint32_t endian;                 /* 0x01020304 as written */
	uint64_t file_size;
	uint32_t header_size;
	uint32_t slots, slot_size;
	uint32_t workers, worker_size;
	uint32_t buckets;
	uint32_t workers_offset, slots_offset;
};

/* One (method, route, status) series; the key is written once, before the
 * state becomes READY, and never changes after. */
struct metrics_slot {
	_Alignas(64) _Atomic uint32_t state;
	int32_t status;
	char method[METRICS_METHOD_LEN];
	char route[METRICS_ROUTE_LEN];
	_Atomic uint64_t count;
	_Atomic uint64_t sum_us;                  /* microseconds */
	_Atomic uint64_t bucket[METRICS_BUCKETS]; /* per bucket, not cumulative */
};

/* One worker process; pid 0 means free. */
struct metrics_worker {
	_Atomic int32_t pid;
	uint32_t pad;
	_Atomic uint64_t rss_bytes;
	_Atomic int64_t updated;         /* unix seconds */
	uint64_t spare;
};

#define METRICS_WORKERS_OFFSET 256
#define METRICS_SLOTS_OFFSET 4096
#define METRICS_FILE_SIZE \
	(METRICS_SLOTS_OFFSET + METRICS_SLOTS * sizeof(struct metrics_slot))

/* ---- the writer (each worker) ------------------------------------------ */

struct metrics;

/* Open (creating if needed) this binary's shared table in RUN_DIR/metrics;
 * NULL when it cannot (reason logged). Every function accepts NULL. Free
 * with metrics_close(). */
struct metrics *metrics_open(const char *binary);

/* Count one request: method and route are short strings from a bounded set
 * (the route table, or "unmatched"); status the HTTP status; seconds its
 * duration. Keys that do not fit or a full table count under "other". */
void metrics_observe(struct metrics *m, const char *method, const char *route,
                     int status, double seconds);

/* Unmap (the file stays for the reader) and free m; the worker's memory
 * entry is released. */
void metrics_close(struct metrics *m);

/* ---- the reader (the metrics endpoint) ---------------------------------- */

/* The directory holding the tables, RUN_DIR/metrics, in pool memory. */
const char *metrics_dir(struct pool *p);

/* Append, in Prometheus text format, the request counter, the duration
 * histogram and the worker memory gauge from every valid *.metrics file in
 * dir (each family once, series grouped; dead workers left out). Foreign,
 * older or short files are skipped with a warning. Returns the number of
 * tables read, or -1 when dir cannot be read (the families are then empty). */
int metrics_render(struct buf *out, const char *dir);

/* 1 when base (size bytes, mapped) holds a table of this version and
 * layout; a reader must check this before touching anything else. */
int metrics_header_valid(const void *base, size_t size);

/* Append the "# HELP" and "# TYPE" lines of a family. */
void metrics_family(struct buf *out, const char *name, const char *type,
                    const char *help);

/* Append value escaped for a label value (backslash, quote, newline). */
void metrics_label_value(struct buf *out, const char *value);

/* ---- the reader as data (metrics_read.c) -------------------------------- */

/* One series of a table as metrics_each() hands it over; strings valid
 * only during the callback. */
struct metrics_series {
	const char *binary;              /* the table's name without ".metrics" */
	const char *method;
	const char *route;               /* METRICS_OTHER for the overflow slot */
	int status;                      /* HTTP status; -1 for the overflow slot */
	uint64_t count;                  /* requests, those above the last bound too */
	uint64_t sum_us;                 /* their total duration, microseconds */
	uint64_t bucket[METRICS_BUCKETS];   /* per bucket, METRICS_BUCKET_BOUNDS */
};

typedef int (*metrics_each_fn)(const struct metrics_series *s, void *ctx);

/* Call fn(s, ctx) for each series with requests in every valid *.metrics
 * table of dir (tables in name order); a non-zero return stops the walk. A
 * key may come twice (a worker died while claiming it): callers add up.
 * Returns the number of tables read, or -1 when dir cannot be read. */
int metrics_each(const char *dir, metrics_each_fn fn, void *ctx);

typedef int (*metrics_table_fn)(const char *binary, const unsigned char *base, void *ctx);

/* Call fn(binary, base, ctx) for every valid *.metrics table of dir (in
 * name order), mapped read-only at base only during the call; a non-zero
 * return stops the walk. The number of tables read, or -1 (logged) when
 * dir cannot be read. The walk under metrics_each() and metrics_render(). */
int metrics_tables(const char *dir, metrics_table_fn fn, void *ctx);

/* Slot i of the table mapped at base as a series: buckets read first
 * (acquire), then the count, so a count is never behind its buckets; keys
 * copied into method and route. 1, or 0 when it holds no series yet. */
int metrics_slot_read(const unsigned char *base, int i, struct metrics_series *out,
                      char *method, char *route);

/* The q-quantile (0 <= q <= 1) of a histogram of bucket[i] observations in
 * (bounds[i-1], bounds[i]] (the first from 0) and count in all, by linear
 * interpolation inside the bucket, as Prometheus' histogram_quantile: the
 * last bound when the rank lies above it; NaN when empty; -/+Inf for q out
 * of range. Pure. */
double metrics_quantile(double q, const double *bounds, const uint64_t *bucket,
                        int nbuckets, uint64_t count);

#endif
