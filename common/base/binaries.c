/* binaries.c: running the FastCGI binaries of a directory for what they
 * print about themselves (--routes, --openapi). */
#include "binaries.h"

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

#define BINARIES_TIMEOUT_MS 5000
#define BINARIES_OUTPUT_MAX (1 << 20)

int
binaries_run(const char *path, const char *arg, struct buf *out, char *err, size_t errlen)
{
	char *const argv[] = { (char *)path, (char *)arg, NULL };
	struct pollfd pfd;
	long deadline = clock_ms() + BINARIES_TIMEOUT_MS;
	int fds[2], status = 0, rc = -1;
	pid_t pid;

	if (pipe(fds) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		execv(path, argv);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		char chunk[4096];
		long left = deadline - clock_ms();
		ssize_t r;
		int ready;

		if (left <= 0) {
			snprintf(err, errlen, "no answer to %s within %d s", arg,
			         BINARIES_TIMEOUT_MS / 1000);
			kill(pid, SIGKILL);
			goto out;
		}
		ready = poll(&pfd, 1, (int)left);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			kill(pid, SIGKILL);
			goto out;
		}
		if (ready == 0)
			continue;
		r = read(fds[0], chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out->len + (size_t)r > BINARIES_OUTPUT_MAX) {
			snprintf(err, errlen, "%s printed more than 1 MiB", arg);
			kill(pid, SIGKILL);
			goto out;
		}
		buf_append(out, chunk, (size_t)r);
	}
	rc = 0;
out:
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			if (rc == 0)
				snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (WIFEXITED(status))
			snprintf(err, errlen, "%s exited with status %d", arg, WEXITSTATUS(status));
		else
			snprintf(err, errlen, "%s killed by signal %d", arg, WTERMSIG(status));
		rc = -1;
	}
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
binaries_list(struct pool *p, const char *dir, const char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	const char **v = NULL;
	size_t count = 0, cap = 0;

	if (d == NULL) {
		fprintf(stderr, "edgescout: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		const char *path = pool_printf(p, "%s/%s", dir, e->d_name);
		struct stat st;

		if (e->d_name[0] == '.' || stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
		    access(path, X_OK) < 0)
			continue;
		if (count == cap) {
			const char **bigger;

			cap = cap ? cap * 2 : 32;
			bigger = pool_alloc(p, cap * sizeof(*bigger));
			if (count)
				memcpy(bigger, v, count * sizeof(*bigger));
			v = bigger;
		}
		v[count++] = pool_strdup(p, e->d_name);
	}
	closedir(d);
	if (count > 1)
		qsort(v, count, sizeof(*v), name_cmp);
	*names = v;
	*n = count;
	return 0;
}

