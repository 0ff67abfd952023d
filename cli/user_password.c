/* user_password.c: reading a new password from standard input or, without
 * echo, from the terminal. */
#include "user.h"

#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "db_cmd.h"

/* The terminal's settings while echo is off, restored by a signal too. */
static struct termios saved;
static volatile sig_atomic_t tty_fd = -1;
static const int restore_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
#define NSIGNALS (sizeof(restore_signals) / sizeof(restore_signals[0]))

static void
restore_and_raise(int sig)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSAFLUSH, &saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line from f into buf without its "\n" (or "\r\n"): its length, -1 at
 * end of input before any byte, -2 when longer than size - 1 bytes, -3 when
 * it holds a NUL byte. */
static long
read_line(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (ch == '\0')
			return -3;
		if (n + 1 >= size)
			return -2;
		buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	if (ch == EOF && n == 0)
		return -1;
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return (long)n;
}

static int
line_problem(const char *what, long n)
{
	if (n >= 0)
		return 0;
	dbcmd_fail(what, "%s", n == -1 ? "no password given" : n == -2
	           ? "the password is too long" : "the password holds a NUL byte");
	return -1;
}

/* Say s on the terminal fd (not through the read stream). */
static void
say(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Turn echo off, prompt on the terminal and read one line. Type-ahead from
 * before the prompt (echoed) is dropped. */
static long
ask(FILE *tty, const char *prompt, char *buf, size_t size)
{
	struct sigaction sa, old[NSIGNALS];
	struct termios quiet;
	long n;
	int fd = fileno(tty);

	if (tcgetattr(fd, &saved) != 0) {
		say(fd, prompt);
		return read_line(tty, buf, size);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_and_raise;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(restore_signals[i], &sa, &old[i]);
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	tty_fd = fd;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	say(fd, prompt);
	n = read_line(tty, buf, size);
	tcsetattr(fd, TCSANOW, &saved);
	tty_fd = -1;
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(restore_signals[i], &old[i], NULL);
	say(fd, "\n");
	return n;
}

static int
read_tty(const char *what, char *buf, size_t size)
{
	char again[USERCMD_PASSWORD_BUF];
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), rc = -1;
	FILE *tty = fd >= 0 ? fdopen(fd, "r") : NULL;

	if (tty == NULL) {
		if (fd >= 0)
			close(fd);
		dbcmd_fail(what, "no terminal to read the password from (use --password-stdin)");
		return -1;
	}
	if (line_problem(what, ask(tty, "New password: ", buf, size)) == 0 &&
	    line_problem(what, ask(tty, "Again: ", again, sizeof(again))) == 0) {
		rc = strcmp(buf, again) == 0 ? 0 : -1;
		if (rc != 0)
			dbcmd_fail(what, "the passwords do not match");
	}
	sodium_memzero(again, sizeof(again));
	fclose(tty);
	return rc;
}

int
usercmd_read_password(const char *what, int from_stdin, char *buf, size_t size)
{
	if (from_stdin)
		return line_problem(what, read_line(stdin, buf, size));
	return read_tty(what, buf, size);
}
