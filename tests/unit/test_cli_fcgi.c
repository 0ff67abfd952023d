/* test_cli_fcgi.c: the FastCGI client of `edgescout health` (cli/fcgi_client.c),
 * its encodings, and one exchange with a scripted server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../../cli/fcgi_client.c"

static void
test_header(void **state)
{
	unsigned char h[FCGI_HEADER_LEN];
	const unsigned char want[] = { 1, FCGI_PARAMS, 0x01, 0x02, 0xff, 0xf8, 7, 0 };

	(void)state;
	fcgi_header(h, FCGI_PARAMS, 0x0102, 65528, 7);
	assert_memory_equal(h, want, sizeof(want));
}

static void
test_pair(void **state)
{
	unsigned char out[600];
	char big[300];

	(void)state;
	assert_int_equal(fcgi_encode_pair(out, sizeof(out), "A", 1, "xy", 2), 5);
	assert_memory_equal(out, "\x01\x02" "Axy", 5);
	/* 127 fits one byte, 128 needs four with the high bit set */
	memset(big, 'v', sizeof(big));
	assert_int_equal(fcgi_encode_pair(out, sizeof(out), "N", 1, big, 127), 1 + 1 + 1 + 127);
	assert_int_equal(out[1], 127);
	assert_int_equal(fcgi_encode_pair(out, sizeof(out), big, 128, "", 0), 4 + 1 + 128);
	assert_memory_equal(out, "\x80\x00\x00\x80\x00", 5);
	assert_int_equal(fcgi_encode_pair(out, sizeof(out), "N", 1, big, 300), 1 + 4 + 1 + 300);
	assert_memory_equal(out, "\x01\x80\x00\x01\x2c" "N", 6);
	/* too small a buffer: the size it needs, nothing written */
	out[0] = 0xAA;
	assert_int_equal(fcgi_encode_pair(out, 3, "A", 1, "xy", 2), 5);
	assert_int_equal(out[0], 0xAA);
}

static void
test_stream(void **state)
{
	struct pool *p = pool_new();
	unsigned char *data = pool_alloc(p, 70000);
	struct buf b;

	(void)state;
	buf_init(&b, p);
	add_stream(&b, FCGI_STDIN, NULL, 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "\x01\x05\x00\x01\x00\x00\x00\x00", 8);

	buf_init(&b, p);
	add_stream(&b, FCGI_STDIN, data, 70000);
	/* 65528 bytes, then 4472 bytes + 0 padding, then the empty record */
	assert_int_equal(b.len, 8 + 65528 + 8 + 4472 + 8);
	assert_int_equal((unsigned char)b.data[4] << 8 | (unsigned char)b.data[5], 65528);
	assert_int_equal((unsigned char)b.data[8 + 65528 + 4] << 8 |
	                 (unsigned char)b.data[8 + 65528 + 5], 4472);

	buf_init(&b, p);
	add_stream(&b, FCGI_PARAMS, data, 5);
	assert_int_equal(b.len, 8 + 5 + 3 + 8);
	assert_int_equal(b.data[6], 3);
	pool_free(p);
}

static void
test_status(void **state)
{
	const char *a = "Status: 404 Not Found\r\nContent-Type: x\r\n\r\nbody";
	const char *b = "content-type: x\nstatus:200\n\n";
	const char *c = "Content-Type: x\r\n\r\nStatus: 500 no\r\n";
	const char *d = "Status: abc\r\n\r\n";
	const char *e = "Status: 2000\r\n\r\n";

	(void)state;
	assert_int_equal(fcgi_response_status(a, strlen(a)), 404);
	assert_int_equal(fcgi_response_status(b, strlen(b)), 200);
	assert_int_equal(fcgi_response_status(c, strlen(c)), 0);
	assert_int_equal(fcgi_response_status(d, strlen(d)), 0);
	assert_int_equal(fcgi_response_status(e, strlen(e)), 0);
	assert_int_equal(fcgi_response_status("", 0), 0);
	/* the length bounds the search, not a NUL */
	assert_int_equal(fcgi_response_status(a, 10), 0);
}

/* The scripted server: read the request until the empty STDIN record, then
 * answer with a management record, STDERR, STDOUT in two padded records and
 * END_REQUEST. */
static void
serve_once(int lfd)
{
	static unsigned char in[1 << 20];
	size_t got = 0;
	int fd = accept(lfd, NULL, NULL);
	const char *out1 = "Status: 201 Created\r\n", *out2 = "\r\nhello";
	unsigned char h[8], end[8] = { 0, 0, 0, 7, 0, 0, 0, 0 }, pad[8] = { 0 };

	for (;;) {
		ssize_t r = read(fd, in + got, sizeof(in) - got);

		if (r <= 0)
			_exit(1);
		got += (size_t)r;
		if (got >= 8 && memcmp(in + got - 8, "\x01\x05\x00\x01\x00\x00\x00\x00", 8) == 0)
			break;
	}
	fcgi_header(h, 10, 0, 0, 0);    /* GET_VALUES_RESULT: not for request 1 */
	(void)!write(fd, h, 8);
	fcgi_header(h, FCGI_STDERR, 1, 4, 4);
	(void)!write(fd, h, 8);
	(void)!write(fd, "warn", 4);
	(void)!write(fd, pad, 4);
	fcgi_header(h, FCGI_STDOUT, 1, strlen(out1), 3);
	(void)!write(fd, h, 8);
	(void)!write(fd, out1, strlen(out1));
	(void)!write(fd, pad, 3);
	fcgi_header(h, FCGI_STDOUT, 1, strlen(out2), 0);
	(void)!write(fd, h, 8);
	(void)!write(fd, out2, strlen(out2));
	fcgi_header(h, FCGI_END_REQUEST, 1, 8, 0);
	(void)!write(fd, h, 8);
	(void)!write(fd, end, 8);
	close(fd);
	_exit(0);
}

static void
test_exchange(void **state)
{
	char path[] = "/tmp/test_cli_fcgi.XXXXXX", sock[64], err[256];
	struct pool *p;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fcgi_param params[2] = { { "REQUEST_METHOD", "GET" }, { "LONG", NULL } };
	struct fcgi_response resp;
	char *long_value;
	int lfd, status;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/s.sock", path);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		serve_once(lfd);
	close(lfd);
	p = pool_new();	/* after the fork: the server child owns no memory */
	long_value = pool_alloc(p, 100001);
	memset(long_value, 'x', 100000);
	params[1].value = long_value;
	assert_int_equal(fcgi_request(p, sock, params, 2, "body", 4, 2000, &resp, err,
	                              sizeof(err)), 0);
	assert_string_equal(resp.out, "Status: 201 Created\r\n\r\nhello");
	assert_string_equal(resp.err, "warn");
	assert_int_equal(resp.app_status, 7);
	assert_int_equal(fcgi_response_status(resp.out, resp.out_len), 201);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* nobody listening any more */
	assert_int_equal(fcgi_request(p, sock, params, 1, NULL, 0, 500, &resp, err,
	                              sizeof(err)), -1);
	assert_non_null(strstr(err, "connect"));
	unlink(sock);
	rmdir(path);
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_exchange),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
