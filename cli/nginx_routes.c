/* nginx_routes.c: the binaries' route tables (`BIN --routes`) as nginx
 * locations, checked for safe paths and for paths claimed twice. */
#include "nginx_conf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "pool.h"

#define ROUTES_TIMEOUT_MS 10000
#define ROUTES_MAX_BYTES (1 << 20)
#define MAX_BINARIES 256
#define MAX_LOCATIONS 1024

static int
name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of the executables in dir, sorted; -1 when unreadable. */
static int
list_binaries(struct pool *p, const char *dir, struct nc_table *t, char *err,
              size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;

	if (d == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	t->binaries = pool_alloc(p, MAX_BINARIES * sizeof(*t->binaries));
	t->nbinaries = 0;
	while ((de = readdir(d)) != NULL) {
		char *path;

		if (de->d_name[0] == '.')
			continue;
		path = pool_printf(p, "%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
			continue;
		if (!name_ok(de->d_name) || t->nbinaries == MAX_BINARIES) {
			closedir(d);
			snprintf(err, errlen, "%s: %s", path, t->nbinaries == MAX_BINARIES ?
			         "too many binaries" : "binary name is not [A-Za-z0-9_-]");
			return -1;
		}
		t->binaries[t->nbinaries++] = pool_strdup(p, de->d_name);
	}
	closedir(d);
	qsort(t->binaries, t->nbinaries, sizeof(*t->binaries), cmp_str);
	return 0;
}

/* Run path --routes and return its standard output (pool), or NULL. */
static const char *
run_routes(struct pool *p, const char *path, char *err, size_t errlen)
{
	int fds[2], status, timed_out = 0;
	pid_t pid;
	struct buf out;
	int64_t t0;
	char chunk[4096];

	if (pipe(fds) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);  /* its own group: a timeout kills its children too */

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(path, path, "--routes", (char *)NULL);
		fprintf(stderr, "edgescout: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	buf_init(&out, p);
	t0 = clock_ms();
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		long left = ROUTES_TIMEOUT_MS - (long)(clock_ms() - t0);
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_append(&out, chunk, (size_t)n);
		if (out.len > ROUTES_MAX_BYTES) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		snprintf(err, errlen, "%s --routes did not finish within %d s or printed "
		         "over %d bytes", path, ROUTES_TIMEOUT_MS / 1000, ROUTES_MAX_BYTES);
		return NULL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s --routes failed (status %d)", path,
		         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return NULL;
	}
	return buf_cstr(&out);
}

static int
literal_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Check path and make its nginx match; NULL when path is unsafe. */
static const char *
path_match(struct pool *p, const char *path, int *literal)
{
	struct buf re;
	const char *s = path, *e;

	if (strcmp(path, "/") == 0) {
		*literal = 1;
		return "= /";
	}
	buf_init(&re, p);
	buf_puts(&re, "~ ^");
	*literal = strchr(path, '{') == NULL;
	while (*s == '/') {
		e = s + 1 + strcspn(s + 1, "/");
		if (e == s + 1 || (e - s == 2 && s[1] == '.') ||
		    (e - s == 3 && s[1] == '.' && s[2] == '.'))
			return NULL;
		buf_putc(&re, '/');
		if (s[1] == '{') {
			if (e[-1] != '}' || e - s < 4 || (s[2] >= '0' && s[2] <= '9'))
				return NULL;
			for (const char *c = s + 2; c < e - 1; c++)
				if (!literal_char(*c) || *c == '-' || *c == '.' || *c == '~')
					return NULL;
			buf_puts(&re, "[^/]+");
		} else {
			for (const char *c = s + 1; c < e; c++) {
				if (!literal_char(*c))
					return NULL;
				if (*c == '.')
					buf_putc(&re, '\\');
				buf_putc(&re, *c);
			}
		}
		s = e;
	}
	if (*s != '\0')
		return NULL;
	if (*literal)
		return pool_printf(p, "= %s", path);
	buf_putc(&re, '$');
	return buf_cstr(&re);
}

/* The rate-limit class and the stream and pubsub bits of a flag list; -1
 * when malformed. */
static int
parse_flags(char *flags, enum nc_class *cls, int *stream, int *pubsub)
{
	char *save = NULL, *f;
	int classes = 0;

	*cls = NC_RL_DEFAULT;
	*stream = 0;
	*pubsub = 0;
	if (strcmp(flags, "-") == 0)
		return 0;
	for (f = strtok_r(flags, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (strcmp(f, "stream") == 0) {
			*stream = 1;
			continue;
		}
		if (strcmp(f, "pubsub") == 0) {
			*pubsub = 1;
			continue;
		}
		if (strcmp(f, "rl_none") == 0)
			*cls = NC_RL_NONE;
		else if (strcmp(f, "rl_login") == 0)
			*cls = NC_RL_LOGIN;
		else if (strcmp(f, "rl_register") == 0)
			*cls = NC_RL_REGISTER;
		else if (strcmp(f, "rl_webhook") == 0)
			*cls = NC_RL_WEBHOOK;
		else if (strncmp(f, "rl_", 3) == 0 || !name_ok(f))
			return -1;
		else
			continue;
		classes++;
	}
	return classes > 1 ? -1 : 0;
}

/* 1 when two regex-shaped paths can match the same URI. */
static int
paths_overlap(const char *a, const char *b)
{
	while (*a == '/' && *b == '/') {
		size_t la = strcspn(a + 1, "/"), lb = strcspn(b + 1, "/");

		if (a[1] != '{' && b[1] != '{' && (la != lb || memcmp(a, b, la + 1) != 0))
			return 0;
		a += 1 + la;
		b += 1 + lb;
	}
	return *a == '\0' && *b == '\0';
}

/* Add one route of binary to the table; -1 with err on a conflict. */
static int
add_route(struct pool *p, struct nc_table *t, const char *binary, const char *method,
          const char *path, const char *match, int literal, enum nc_class cls,
          int stream, int pubsub, char *err, size_t errlen)
{
	struct nc_location *loc = NULL;

	for (size_t i = 0; i < t->nlocs; i++) {
		struct nc_location *l = &t->locs[i];

		if (strcmp(l->match, match) == 0) {
			if (strcmp(l->binary, binary) != 0) {
				snprintf(err, errlen, "path %s is claimed by both %s and %s",
				         path, l->binary, binary);
				return -1;
			}
			loc = l;
		} else if (!literal && !l->literal && strcmp(l->binary, binary) != 0 &&
		           paths_overlap(l->path, path)) {
			snprintf(err, errlen, "paths %s (%s) and %s (%s) overlap", l->path,
			         l->binary, path, binary);
			return -1;
		}
	}
	if (loc == NULL) {
		if (t->nlocs == MAX_LOCATIONS) {
			snprintf(err, errlen, "too many paths (%d at most)", MAX_LOCATIONS);
			return -1;
		}
		loc = &t->locs[t->nlocs++];
		loc->binary = binary;
		loc->path = pool_strdup(p, path);
		loc->match = match;
		loc->literal = literal;
	}
	for (int i = 0; i < loc->nmethods; i++) {
		if (strcmp(loc->methods[i], method) == 0) {
			snprintf(err, errlen, "%s lists %s %s twice", binary, method, path);
			return -1;
		}
	}
	if (loc->nmethods == NC_MAX_METHODS) {
		snprintf(err, errlen, "%s: too many methods on %s", binary, path);
		return -1;
	}
	loc->methods[loc->nmethods] = pool_strdup(p, method);
	loc->classes[loc->nmethods++] = cls;
	loc->stream |= stream;
	loc->pubsub |= pubsub;
	return 0;
}

/* Parse the --routes output of binary into the table. */
static int
parse_routes(struct pool *p, struct nc_table *t, const char *binary, const char *text,
             char *err, size_t errlen)
{
	char *copy = pool_strdup(p, text), *save = NULL, *line;
	int lineno = 0;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *method = line, *path, *flags, *m;
		const char *match;
		enum nc_class cls;
		int literal, stream, pubsub;

		lineno++;
		path = strchr(method, '\t');
		flags = path ? strchr(path + 1, '\t') : NULL;
		if (flags == NULL || strchr(flags + 1, '\t') != NULL)
			goto bad;
		*path++ = '\0';
		*flags++ = '\0';
		if (*method == '\0' || strlen(method) > 16)
			goto bad;
		for (m = method; *m; m++)
			if (*m < 'A' || *m > 'Z')
				goto bad;
		match = path_match(p, path, &literal);
		if (match == NULL) {
			snprintf(err, errlen, "%s: unsafe route path \"%.100s\"", binary, path);
			return -1;
		}
		if (parse_flags(flags, &cls, &stream, &pubsub) < 0) {
			snprintf(err, errlen, "%s: bad flags on %s %s", binary, method, path);
			return -1;
		}
		if (add_route(p, t, binary, method, path, match, literal, cls, stream,
		              pubsub, err, errlen) < 0)
			return -1;
	}
	if (lineno == 0) {
		snprintf(err, errlen, "%s --routes printed no route", binary);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s --routes line %d is not METHOD<TAB>PATH<TAB>FLAGS",
	         binary, lineno);
	return -1;
}

/* Build the location table from every binary's --routes (see nginx_conf.h). */
int
nc_routes_load(struct pool *p, const char *bindir, struct nc_table *t, char *err,
               size_t errlen)
{
	if (list_binaries(p, bindir, t, err, errlen) < 0)
		return -1;
	if (t->nbinaries == 0) {
		snprintf(err, errlen, "no FastCGI binaries in %s", bindir);
		return -1;
	}
	t->locs = pool_alloc(p, MAX_LOCATIONS * sizeof(*t->locs));
	t->nlocs = 0;
	for (size_t i = 0; i < t->nbinaries; i++) {
		const char *path = pool_printf(p, "%s/%s", bindir, t->binaries[i]);
		const char *text = run_routes(p, path, err, errlen);

		if (text == NULL || parse_routes(p, t, t->binaries[i], text, err, errlen) < 0)
			return -1;
	}
	return 0;
}
