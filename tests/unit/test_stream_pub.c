/* test_stream_pub.c: publishing to the live stream (stream_pub.h) against
 * a stand-in of nginx's publisher socket: a forked child listening on
 * RUN_DIR/stream-publish.socket that answers one request with a scripted
 * reply and hands the request it read back through a pipe. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "stream_pub.h"

static char dir[64];
static char sock_path[96];

static int
group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/es-stream-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/stream-publish.socket", dir);
	setenv("RUN_DIR", dir, 1);
	setenv("LOG_LEVEL", "error", 1);   /* the refusals' warnings are expected */
	log_init("test_stream_pub");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	unlink(sock_path);
	rmdir(dir);
	unsetenv("RUN_DIR");
	return 0;
}

/* Listen, then fork a child that answers one request with reply and writes
 * what it read to *fd_out (the read end, for the parent). The child's pid. */
static pid_t
stand_in(const char *reply, int *fd_out)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0), fds[2];
	pid_t pid;

	unlink(sock_path);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[8192];
		size_t got = 0;
		ssize_t n;
		int c = accept(s, NULL, NULL);

		/* the request: headers, then the body when it has one */
		while (got < sizeof(buf) - 1 && (n = read(c, buf + got, sizeof(buf) - 1 - got)) > 0) {
			char *end;

			got += (size_t)n;
			buf[got] = '\0';
			if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
				const char *cl = strstr(buf, "Content-Length: ");
				size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;

				if (got >= (size_t)(end + 4 - buf) + body)
					break;
			}
		}
		if (write(fds[1], buf, got) < 0 || write(c, reply, strlen(reply)) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	close(s);
	close(fds[1]);
	*fd_out = fds[0];
	return pid;
}

/* What the stand-in read (pool string), once it ended. */
static const char *
request_seen(pid_t pid, int fd)
{
	char *buf = pool_alloc(pool, 8192);
	ssize_t n = read(fd, buf, 8191);
	int status;

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return buf;
}

static void
test_publish_posts_the_event_to_the_topic(void **state)
{
	int fd;
	pid_t pid = stand_in("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}", &fd);
	const char *req;

	(void)state;
	assert_int_equal(stream_publish(pool, "odds", "{\"id\":7}", 8), 0);
	req = request_seen(pid, fd);
	assert_true(strncmp(req, "POST /pub/odds HTTP/1.1\r\n", 25) == 0);
	assert_non_null(strstr(req, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(req, "\r\n\r\n{\"id\":7}"));
}

static void
test_a_refused_publish_is_a_failure(void **state)
{
	int fd;
	pid_t pid = stand_in("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", &fd);

	(void)state;
	assert_int_equal(stream_publish(pool, "user.42", "{}", 2), -1);
	request_seen(pid, fd);
}

static void
test_bad_topics_are_never_sent(void **state)
{
	(void)state;
	unlink(sock_path);      /* nobody listens: a send would fail the same way */
	assert_int_equal(stream_publish(pool, "", "{}", 2), -1);
	assert_int_equal(stream_publish(pool, "Odds", "{}", 2), -1);
	assert_int_equal(stream_publish(pool, "odds/../x", "{}", 2), -1);
	assert_int_equal(stream_publish(pool, "odds?x=1", "{}", 2), -1);
	assert_int_equal(stream_publish(pool, "markets", "{}", 2), -1);   /* no socket */
}

static void
test_counts_come_from_the_stub_status(void **state)
{
	int fd;
	static const char status[] =
		"total published messages: 12\nstored messages: 3\nshared memory used: 16K\n"
		"shared memory limit: 32768K\nchannels: 2\nsubscribers: 1001\n"
		"redis pending commands: 0\n";
	char *reply = pool_printf(pool, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
	                          strlen(status), status);
	pid_t pid = stand_in(reply, &fd);
	struct stream_counts c;

	(void)state;
	assert_int_equal(stream_counts(pool, &c), 0);
	assert_true(strncmp(request_seen(pid, fd), "GET /status HTTP/1.1\r\n", 22) == 0);
	assert_int_equal(c.subscribers, 1001);
	assert_int_equal(c.channels, 2);
	assert_int_equal(c.messages, 3);
}

static void
test_counts_fail_without_the_stream(void **state)
{
	struct stream_counts c;

	(void)state;
	unlink(sock_path);
	assert_int_equal(stream_counts(pool, &c), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_publish_posts_the_event_to_the_topic),
		T(test_a_refused_publish_is_a_failure),
		T(test_bad_topics_are_never_sent),
		T(test_counts_come_from_the_stub_status),
		T(test_counts_fail_without_the_stream),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
