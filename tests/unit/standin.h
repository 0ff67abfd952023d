/* standin.h: a local stand-in server for the *_db tests: a script of
 * tests/standin/ run by python3 on a free loopback port, which it writes
 * to a file once it listens, and which exits by itself when idle. */
#ifndef EDGESCOUT_TEST_STANDIN_H
#define EDGESCOUT_TEST_STANDIN_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STANDIN_MAX_ARGS 20

/* Start script (tests/standin/...) with the arguments extra (NULL-ended,
 * at most 8) and --port 0 --port-file port_file --idle 120, its stdout and
 * stderr on /dev/null (so whoever reads ours need not wait for it); *pid
 * is the child. The port, once written (up to 10 s), or 0. */
static inline int
standin_start(const char *script, const char *const *extra, const char *port_file,
    pid_t *pid)
{
	const char *argv[STANDIN_MAX_ARGS] = { "python3", script };
	int n = 2, port = 0;

	for (int i = 0; extra != NULL && extra[i] != NULL && i < 8; i++)
		argv[n++] = extra[i];
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--port-file";
	argv[n++] = port_file;
	argv[n++] = "--idle";
	argv[n++] = "120";
	argv[n] = NULL;
	*pid = fork();
	if (*pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2);
		execv("/usr/bin/python3", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && port == 0; i++) {   /* 10 s on a busy machine */
		FILE *f = fopen(port_file, "r");

		if (f == NULL || fscanf(f, "%d", &port) != 1)
			nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
		if (f != NULL)
			fclose(f);
	}
	return port;
}

/* Stop the stand-in *pid started (nothing when it is not positive). */
static inline void
standin_stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

#endif
