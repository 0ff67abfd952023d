/* fcgi_client.c: one FastCGI RESPONDER request over a unix socket. */
#include "fcgi_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "pool.h"

#define FCGI_VERSION_1 1
#define FCGI_REQUEST_ID 1
#define FCGI_MAX_CONTENT 65535
#define FCGI_CHUNK 65528           /* content per record, a multiple of 8 */
#define FCGI_REPLY_MAX (8 << 20)

void
fcgi_header(unsigned char out[FCGI_HEADER_LEN], int type, unsigned request_id,
            size_t content_len, size_t padding)
{
	out[0] = FCGI_VERSION_1;
	out[1] = (unsigned char)type;
	out[2] = (unsigned char)(request_id >> 8);
	out[3] = (unsigned char)request_id;
	out[4] = (unsigned char)(content_len >> 8);
	out[5] = (unsigned char)content_len;
	out[6] = (unsigned char)padding;
	out[7] = 0;
}

static size_t
put_length(unsigned char *out, size_t len)
{
	if (len < 128) {
		if (out)
			out[0] = (unsigned char)len;
		return 1;
	}
	if (out) {
		out[0] = (unsigned char)((len >> 24) | 0x80);
		out[1] = (unsigned char)(len >> 16);
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
	}
	return 4;
}

size_t
fcgi_encode_pair(unsigned char *out, size_t outlen, const char *name, size_t name_len,
                 const char *value, size_t value_len)
{
	size_t need;

	if (name_len > 0x7fffffffu || value_len > 0x7fffffffu)
		return 0;
	need = put_length(NULL, name_len) + put_length(NULL, value_len) + name_len + value_len;
	if (out == NULL || need > outlen)
		return need;
	out += put_length(out, name_len);
	out += put_length(out, value_len);
	memcpy(out, name, name_len);
	memcpy(out + name_len, value, value_len);
	return need;
}

/* Append the records of one stream (content split into records, then the
 * empty record that ends the stream) to b. */
static void
add_stream(struct buf *b, int type, const unsigned char *data, size_t len)
{
	static const unsigned char zeros[8];
	unsigned char h[FCGI_HEADER_LEN];
	size_t off = 0;

	while (off < len) {
		size_t n = len - off > FCGI_CHUNK ? FCGI_CHUNK : len - off;
		size_t pad = (8 - n % 8) % 8;

		fcgi_header(h, type, FCGI_REQUEST_ID, n, pad);
		buf_append(b, h, sizeof(h));
		buf_append(b, data + off, n);
		buf_append(b, zeros, pad);
		off += n;
	}
	fcgi_header(h, type, FCGI_REQUEST_ID, 0, 0);
	buf_append(b, h, sizeof(h));
}

/* Wait until fd is ready for events or the deadline passes: 0, or -1. */
static int
wait_fd(int fd, short events, long deadline, char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		long left = deadline - clock_ms();
		int r;

		if (left <= 0) {
			snprintf(err, errlen, "timed out");
			return -1;
		}
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

static int
write_all(int fd, const char *data, size_t len, long deadline, char *err, size_t errlen)
{
	while (len > 0) {
		ssize_t w;

		if (wait_fd(fd, POLLOUT, deadline, err, errlen) < 0)
			return -1;
		w = send(fd, data, len, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0) {
			snprintf(err, errlen, "write: %s", strerror(errno));
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read exactly len bytes: 0, 1 at a clean end of stream before any byte,
 * or -1. */
static int
read_all(int fd, unsigned char *data, size_t len, long deadline, char *err, size_t errlen)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r;

		if (wait_fd(fd, POLLIN, deadline, err, errlen) < 0)
			return -1;
		r = read(fd, data + got, len - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			if (got == 0)
				return 1;
			snprintf(err, errlen, "connection closed inside a record");
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int
connect_unix(const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* a full listen queue blocks connect() for at most the send timeout */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "connect: %s", errno == EAGAIN || errno == EINPROGRESS ?
		         "timed out" : strerror(errno));
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Read records until END_REQUEST for our request id. */
static int
read_response(struct pool *p, int fd, long deadline, struct fcgi_response *resp,
              char *err, size_t errlen)
{
	static unsigned char content[FCGI_MAX_CONTENT + 255];
	struct buf out, errb;
	unsigned char h[FCGI_HEADER_LEN];

	buf_init(&out, p);
	buf_init(&errb, p);
	for (;;) {
		size_t len, pad;
		unsigned id;
		int r = read_all(fd, h, sizeof(h), deadline, err, errlen);

		if (r == 1)
			snprintf(err, errlen, "connection closed before END_REQUEST");
		if (r != 0)
			return -1;
		if (h[0] != FCGI_VERSION_1) {
			snprintf(err, errlen, "not a FastCGI reply (version %u)", h[0]);
			return -1;
		}
		id = (unsigned)h[2] << 8 | h[3];
		len = (size_t)h[4] << 8 | h[5];
		pad = h[6];
		if (len + pad > 0 && read_all(fd, content, len + pad, deadline, err, errlen) != 0) {
			if (err[0] == '\0')
				snprintf(err, errlen, "connection closed inside a record");
			return -1;
		}
		if (id != FCGI_REQUEST_ID)
			continue;	/* management records are not ours */
		if (h[1] == FCGI_STDOUT || h[1] == FCGI_STDERR) {
			struct buf *b = h[1] == FCGI_STDOUT ? &out : &errb;

			if (b->len + len > FCGI_REPLY_MAX) {
				snprintf(err, errlen, "reply larger than 8 MiB");
				return -1;
			}
			buf_append(b, content, len);
		} else if (h[1] == FCGI_END_REQUEST) {
			if (len < 8) {
				snprintf(err, errlen, "short END_REQUEST record");
				return -1;
			}
			resp->app_status = (uint32_t)content[0] << 24 | (uint32_t)content[1] << 16 |
			                   (uint32_t)content[2] << 8 | content[3];
			resp->protocol_status = content[4];
			break;
		}
	}
	resp->out = out.data ? out.data : pool_strdup(p, "");
	resp->out_len = out.len;
	resp->err = errb.data ? errb.data : pool_strdup(p, "");
	resp->err_len = errb.len;
	return 0;
}

int
fcgi_request(struct pool *p, const char *path, const struct fcgi_param *params,
             size_t nparams, const void *body, size_t body_len, int timeout_ms,
             struct fcgi_response *resp, char *err, size_t errlen)
{
	static const char *const proto_names[] = {
		"request complete", "cannot multiplex", "overloaded", "unknown role"
	};
	long deadline = clock_ms() + timeout_ms;
	unsigned char begin[8] = { 0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0 };
	unsigned char h[FCGI_HEADER_LEN];
	struct buf req, pairs;
	int fd, rc = -1;

	memset(resp, 0, sizeof(*resp));
	err[0] = '\0';
	buf_init(&req, p);
	buf_init(&pairs, p);
	/* flags 0: the server closes the connection after this request */
	fcgi_header(h, FCGI_BEGIN_REQUEST, FCGI_REQUEST_ID, sizeof(begin), 0);
	buf_append(&req, h, sizeof(h));
	buf_append(&req, begin, sizeof(begin));
	for (size_t i = 0; i < nparams; i++) {
		size_t nl = strlen(params[i].name), vl = strlen(params[i].value);
		size_t need = fcgi_encode_pair(NULL, 0, params[i].name, nl, params[i].value, vl);
		unsigned char *tmp = pool_alloc(p, need);

		fcgi_encode_pair(tmp, need, params[i].name, nl, params[i].value, vl);
		buf_append(&pairs, tmp, need);
	}
	add_stream(&req, FCGI_PARAMS, (const unsigned char *)pairs.data, pairs.len);
	add_stream(&req, FCGI_STDIN, body, body_len);

	fd = connect_unix(path, timeout_ms, err, errlen);
	if (fd < 0)
		return -1;
	if (write_all(fd, req.data, req.len, deadline, err, errlen) < 0 ||
	    read_response(p, fd, deadline, resp, err, errlen) < 0)
		goto out;
	if (resp->protocol_status != 0) {
		snprintf(err, errlen, "server refused the request: %s",
		         resp->protocol_status < 4 ? proto_names[resp->protocol_status] :
		         "unknown protocol status");
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int
fcgi_response_status(const char *out, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *line = out + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;

		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;	/* end of the header block */
		if (n > 7 && strncasecmp(line, "Status:", 7) == 0) {
			const char *s = line + 7;

			while (s < line + n && (*s == ' ' || *s == '\t'))
				s++;
			if (line + n - s >= 3 && s[0] >= '1' && s[0] <= '5' &&
			    s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' &&
			    (line + n - s == 3 || s[3] == ' '))
				return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
			return 0;
		}
		if (nl == NULL)
			break;
		i += (size_t)(nl - line) + 1;
	}
	return 0;
}
