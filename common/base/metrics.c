/* metrics.c: the writer side of the shared metrics table.
 *
 * A table is created whole under a temporary name and renamed into place
 * while holding an exclusive flock on the metrics directory, so workers that
 * start together all end up mapping the same complete file. Slots are
 * claimed lock-free (CAS FREE -> CLAIMING, write the key, publish READY) in
 * an open-addressed hash; the steady-state cost of an observation is one
 * hash, one key compare and three atomic adds. */
#define _GNU_SOURCE
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "lock-free 32-bit atomics needed");
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2 && ATOMIC_LLONG_LOCK_FREE == 2,
               "lock-free 64-bit atomics needed");
_Static_assert(sizeof(struct metrics_slot) == 256, "slot layout");
_Static_assert(sizeof(struct metrics_worker) == 32, "worker layout");
_Static_assert(sizeof(struct metrics_header) <= METRICS_WORKERS_OFFSET, "header layout");
_Static_assert(METRICS_WORKERS_OFFSET + METRICS_WORKERS * sizeof(struct metrics_worker)
               <= METRICS_SLOTS_OFFSET, "workers layout");

#define KEYED_SLOTS (METRICS_SLOTS - 1)
#define CLAIM_SPINS 10000

struct metrics {
	unsigned char *base;
	struct metrics_slot *slots;
	struct metrics_worker *workers;
	struct metrics_worker *self;   /* this process's memory entry, or NULL */
	pid_t pid;                     /* owner of self */
	time_t last_update;            /* when self was last written */
	long page_size;
};

static const double bounds[METRICS_BUCKETS] = METRICS_BUCKET_BOUNDS;

int
metrics_header_valid(const void *base, size_t size)
{
	const struct metrics_header *h = base;

	return size >= METRICS_FILE_SIZE &&
	    memcmp(h->magic, METRICS_MAGIC, sizeof(h->magic)) == 0 &&
	    h->version == METRICS_VERSION && h->endian == 0x01020304 &&
	    h->file_size == METRICS_FILE_SIZE &&
	    h->header_size == sizeof(struct metrics_header) &&
	    h->slots == METRICS_SLOTS && h->slot_size == sizeof(struct metrics_slot) &&
	    h->workers == METRICS_WORKERS &&
	    h->worker_size == sizeof(struct metrics_worker) &&
	    h->buckets == METRICS_BUCKETS &&
	    h->workers_offset == METRICS_WORKERS_OFFSET &&
	    h->slots_offset == METRICS_SLOTS_OFFSET;
}

/* Map fd (size bytes) shared read-write; NULL on failure. */
static unsigned char *
map_rw(int fd)
{
	void *p = mmap(NULL, METRICS_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Create a fresh table as tmp inside dfd, fill its header and overflow slot,
 * and rename it to name. Returns the mapping, or NULL (logged). */
static unsigned char *
table_create(int dfd, const char *dir, const char *name)
{
	char tmp[NAME_MAX + 8];
	struct metrics_header *h;
	struct metrics_slot *other;
	unsigned char *base = NULL;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_msg(LOG_ERROR, "metrics: cannot create %s/%s: %s", dir, tmp, strerror(errno));
		return NULL;
	}
	if (ftruncate(fd, METRICS_FILE_SIZE) < 0 || (base = map_rw(fd)) == NULL) {
		log_msg(LOG_ERROR, "metrics: cannot size or map %s/%s: %s", dir, tmp,
		        strerror(errno));
		goto out;
	}
	other = (struct metrics_slot *)(base + METRICS_SLOTS_OFFSET) + KEYED_SLOTS;
	memcpy(other->method, METRICS_OTHER, sizeof(METRICS_OTHER));
	memcpy(other->route, METRICS_OTHER, sizeof(METRICS_OTHER));
	atomic_store(&other->state, METRICS_READY);
	h = (struct metrics_header *)base;
	h->version = METRICS_VERSION;
	h->endian = 0x01020304;
	h->file_size = METRICS_FILE_SIZE;
	h->header_size = sizeof(*h);
	h->slots = METRICS_SLOTS;
	h->slot_size = sizeof(struct metrics_slot);
	h->workers = METRICS_WORKERS;
	h->worker_size = sizeof(struct metrics_worker);
	h->buckets = METRICS_BUCKETS;
	h->workers_offset = METRICS_WORKERS_OFFSET;
	h->slots_offset = METRICS_SLOTS_OFFSET;
	memcpy(h->magic, METRICS_MAGIC, sizeof(h->magic));
	if (renameat(dfd, tmp, dfd, name) < 0) {
		log_msg(LOG_ERROR, "metrics: cannot rename %s/%s: %s", dir, tmp, strerror(errno));
		munmap(base, METRICS_FILE_SIZE);
		base = NULL;
	}
out:
	if (base == NULL)
		unlinkat(dfd, tmp, 0);
	close(fd);
	return base;
}

/* Map name in dfd when it is a valid table; NULL when absent or not ours. */
static unsigned char *
table_attach(int dfd, const char *dir, const char *name)
{
	struct stat st;
	unsigned char *base = NULL;
	int fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size >= METRICS_FILE_SIZE && (base = map_rw(fd)) != NULL &&
	    !metrics_header_valid(base, (size_t)st.st_size)) {
		munmap(base, METRICS_FILE_SIZE);
		base = NULL;
	}
	if (base == NULL)
		log_msg(LOG_WARN, "metrics: replacing foreign or older table %s/%s", dir, name);
	close(fd);
	return base;
}

/* This process's resident memory in bytes from /proc/self/statm; 0 if unknown. */
static uint64_t
rss_bytes(long page_size)
{
	char text[128], *p;
	ssize_t n;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	p = strchr(text, ' ');
	return p ? strtoull(p + 1, NULL, 10) * (uint64_t)page_size : 0;
}

static int
pid_dead(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* The memory entry for pid: its own, a free one, or one of a dead process. */
static struct metrics_worker *
worker_claim(struct metrics_worker *w, pid_t pid)
{
	int32_t seen;

	for (int i = 0; i < METRICS_WORKERS; i++)
		if (atomic_load(&w[i].pid) == pid)
			return &w[i];
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < METRICS_WORKERS; i++) {
			seen = atomic_load(&w[i].pid);
			if (pass == 0 && seen != 0)
				continue;
			if (pass == 1 && (seen <= 0 || !pid_dead(seen)))
				continue;
			if (atomic_compare_exchange_strong(&w[i].pid, &seen, pid))
				return &w[i];
		}
	}
	return NULL;
}

/* The once-a-second part: re-claim after a fork, then write the RSS. */
static void
worker_update(struct metrics *m, time_t now)
{
	pid_t pid = getpid();

	m->last_update = now;
	if (pid != m->pid || m->self == NULL) {
		m->pid = pid;
		m->self = worker_claim(m->workers, pid);
		if (m->self == NULL)
			return;
	}
	atomic_store_explicit(&m->self->rss_bytes, rss_bytes(m->page_size),
	                      memory_order_relaxed);
	atomic_store_explicit(&m->self->updated, (int64_t)now, memory_order_relaxed);
}

struct metrics *
metrics_open(const char *binary)
{
	const char *run = config_get("RUN_DIR");
	char dir[PATH_MAX], name[NAME_MAX + 1];
	unsigned char *base = NULL;
	struct metrics *m = NULL;
	int dfd = -1;

	if (binary == NULL || *binary == '\0' || *binary == '.' || strchr(binary, '/') ||
	    strlen(binary) > NAME_MAX - 16) {
		log_msg(LOG_ERROR, "metrics: unusable binary name");
		return NULL;
	}
	if (run == NULL || *run == '\0')
		run = ".";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/metrics", run) >= sizeof(dir)) {
		log_msg(LOG_ERROR, "metrics: RUN_DIR too long");
		return NULL;
	}
	snprintf(name, sizeof(name), "%s.metrics", binary);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_msg(LOG_ERROR, "metrics: cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		log_msg(LOG_ERROR, "metrics: cannot open %s: %s", dir, strerror(errno));
		return NULL;
	}
	/* one initialiser at a time: attach to a valid table or make a new one */
	while (flock(dfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			log_msg(LOG_ERROR, "metrics: cannot lock %s: %s", dir, strerror(errno));
			goto out;
		}
	}
	base = table_attach(dfd, dir, name);
	if (base == NULL)
		base = table_create(dfd, dir, name);
	flock(dfd, LOCK_UN);
	if (base == NULL)
		goto out;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		abort();
	m->base = base;
	m->workers = (struct metrics_worker *)(base + METRICS_WORKERS_OFFSET);
	m->slots = (struct metrics_slot *)(base + METRICS_SLOTS_OFFSET);
	m->page_size = sysconf(_SC_PAGESIZE);
	worker_update(m, time(NULL));
out:
	close(dfd);
	return m;
}

void
metrics_close(struct metrics *m)
{
	int32_t me;

	if (m == NULL)
		return;
	me = (int32_t)m->pid;
	if (m->self != NULL && me == getpid())
		atomic_compare_exchange_strong(&m->self->pid, &me, 0);
	munmap(m->base, METRICS_FILE_SIZE);
	free(m);
}

/* Wait for a slot being claimed by another process to be published; gives
 * up (treating it as someone else's key) if the claimer died half-way. */
static uint32_t
slot_wait(struct metrics_slot *s)
{
	uint32_t st = METRICS_CLAIMING;

	for (int i = 0; i < CLAIM_SPINS && st == METRICS_CLAIMING; i++) {
		if (i >= 64)
			sched_yield();
		st = atomic_load_explicit(&s->state, memory_order_acquire);
	}
	return st;
}

/* The slot of (method, route, status), claiming one if new; the overflow
 * slot when the key does not fit or the table is full. */
static struct metrics_slot *
slot_find(struct metrics *m, const char *method, const char *route, int status)
{
	uint64_t h = 1469598103934665603u;     /* FNV-1a */
	size_t mlen = 0, rlen = 0;
	struct metrics_slot *s;
	uint32_t st;
	unsigned char c;

	if (method == NULL || route == NULL || status < 0 || status > 999)
		return &m->slots[KEYED_SLOTS];
	for (; (c = (unsigned char)method[mlen]) != '\0'; mlen++) {
		if (c < 0x20 || c > 0x7e || mlen + 1 >= METRICS_METHOD_LEN)
			return &m->slots[KEYED_SLOTS];
		h = (h ^ c) * 1099511628211u;
	}
	for (; (c = (unsigned char)route[rlen]) != '\0'; rlen++) {
		if (c < 0x20 || c > 0x7e || rlen + 1 >= METRICS_ROUTE_LEN)
			return &m->slots[KEYED_SLOTS];
		h = (h ^ c) * 1099511628211u;
	}
	h = (h ^ (uint64_t)status) * 1099511628211u;
	for (uint32_t i = 0, at = (uint32_t)(h % KEYED_SLOTS); i < KEYED_SLOTS;
	     i++, at = at + 1 == KEYED_SLOTS ? 0 : at + 1) {
		s = &m->slots[at];
		st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (st == METRICS_FREE) {
			if (atomic_compare_exchange_strong_explicit(&s->state, &st,
			    METRICS_CLAIMING, memory_order_acq_rel, memory_order_acquire)) {
				s->status = status;
				memcpy(s->method, method, mlen + 1);
				memcpy(s->route, route, rlen + 1);
				atomic_store_explicit(&s->state, METRICS_READY,
				                      memory_order_release);
				return s;
			}
		}
		if (st == METRICS_CLAIMING)
			st = slot_wait(s);
		if (st == METRICS_READY && s->status == status &&
		    memcmp(s->method, method, mlen + 1) == 0 &&
		    memcmp(s->route, route, rlen + 1) == 0)
			return s;
	}
	return &m->slots[KEYED_SLOTS];
}

void
metrics_observe(struct metrics *m, const char *method, const char *route, int status,
                double seconds)
{
	struct metrics_slot *s;
	time_t now;
	int b;

	if (m == NULL)
		return;
	s = slot_find(m, method, route, status);
	if (!(seconds > 0))                    /* negative or NaN */
		seconds = 0;
	else if (seconds > 1e9)
		seconds = 1e9;
	for (b = 0; b < METRICS_BUCKETS && seconds > bounds[b]; b++)
		;
	/* count before bucket (release): a reader that loads the buckets
	 * (acquire) and then the count never sees a bucket above the count */
	atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (uint64_t)(seconds * 1e6 + 0.5),
	                          memory_order_relaxed);
	if (b < METRICS_BUCKETS)
		atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_release);
	now = time(NULL);
	if (now != m->last_update)
		worker_update(m, now);
}
