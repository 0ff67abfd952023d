/* backup_proc.c: the PostgreSQL client programs a backup runs (pg_dump,
 * pg_restore), their connection strings and their passwords. A password
 * reaches a child in its environment (PGPASSWORD), never on its command line
 * where ps would show it. */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "pool.h"

/* Append value to b quoted for a keyword/value connection string. */
static void
put_quoted(struct buf *b, const char *value)
{
	buf_putc(b, '\'');
	for (const char *s = value; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '\'');
}

char *
backup_conninfo(struct pool *p, const char *conninfo, const char *dbname,
                const char **password)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	struct buf b;

	*password = NULL;
	if (opts == NULL)
		return NULL;
	buf_init(&b, p);
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			*password = pool_strdup(p, o->val);
			continue;
		}
		if (strcmp(o->keyword, "dbname") == 0 && dbname != NULL)
			continue;
		buf_printf(&b, "%s=", o->keyword);
		put_quoted(&b, o->val);
		buf_putc(&b, ' ');
	}
	if (dbname != NULL) {
		buf_puts(&b, "dbname=");
		put_quoted(&b, dbname);
	}
	PQconninfoFree(opts);
	return (char *)buf_cstr(&b);
}

int
backup_spawn(char *const argv[], const char *password, int *in_fd, int *out_fd,
             char *err, size_t errlen)
{
	int fds[2], pid;
	int want_in = *in_fd == -1, want_out = *out_fd == -1;

	if (pipe(fds) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (want_in)
			dup2(fds[0], 0);
		else if (*in_fd >= 0)
			dup2(*in_fd, 0);
		if (want_out)
			dup2(fds[1], 1);
		else if (*out_fd >= 0)
			dup2(*out_fd, 1);
		if (password != NULL)
			setenv("PGPASSWORD", password, 1);
		else
			unsetenv("PGPASSWORD");
		execvp(argv[0], argv);
		fprintf(stderr, "edgescout: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (want_in) {
		close(fds[0]);
		*in_fd = fds[1];
	} else if (want_out) {
		close(fds[1]);
		*out_fd = fds[0];
	} else {
		close(fds[0]);
		close(fds[1]);
	}
	return pid;
}

int
backup_wait(int pid, const char *what, char *err, size_t errlen)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "%s: %s", what, strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "%s failed (exit status %d; its message is above)", what,
		         WEXITSTATUS(status));
	else
		snprintf(err, errlen, "%s was killed by signal %d", what, WTERMSIG(status));
	return -1;
}
