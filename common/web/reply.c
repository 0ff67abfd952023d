/* reply.c: status line, headers and body of the one reply. */
#include "reply.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "pool.h"
#include "req.h"

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return status < 400 ? "OK" : "Error";
	}
}

static int
send_bytes(struct req *r, const char *data, size_t len)
{
	while (len > 0) {
		int chunk = len > (1 << 30) ? 1 << 30 : (int)len;
		int n = r->io.write(r->io.ctx, data, chunk);

		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

void
reply_header(struct req *r, const char *name, const char *value)
{
	assert(strpbrk(name, "\r\n:") == NULL && strpbrk(value, "\r\n") == NULL);
	if (r->headers == NULL) {
		r->headers = pool_alloc(r->pool, sizeof(*r->headers));
		buf_init(r->headers, r->pool);
	}
	buf_puts(r->headers, name);
	buf_append(r->headers, ": ", 2);
	buf_puts(r->headers, value);
	buf_append(r->headers, "\r\n", 2);
}

/* The X-RateLimit-* headers of r's quota into head. A 422 gives its unit
 * back after the reply (app.c: quota_refund): it is not counted here. */
static void
put_quota_headers(struct buf *head, const struct req *r, int status)
{
	long long left = r->quota.limit - r->quota.used;

	if (status == 422 && r->quota_charged)
		left++;
	buf_puts(head, "X-RateLimit-Limit: ");
	buf_put_ll(head, r->quota.limit);
	buf_puts(head, "\r\nX-RateLimit-Remaining: ");
	buf_put_ll(head, left > 0 ? left : 0);
	buf_puts(head, "\r\nX-RateLimit-Reset: ");
	buf_put_ll(head, r->quota.reset);
	buf_append(head, "\r\n", 2);
}

/* Write the status line and headers; body_len < 0 means streamed. */
static int
send_head(struct req *r, int status, const char *content_type, long long body_len)
{
	struct buf head;
	double ms;

	assert(!r->replied);
	r->replied = 1;
	r->status = status;
	buf_init(&head, r->pool);
	ms = (clock_now() - r->started) * 1000.0;
	buf_puts(&head, "Status: ");
	buf_put_ll(&head, status);
	buf_putc(&head, ' ');
	buf_puts(&head, reason(status));
	if (content_type != NULL) {
		buf_puts(&head, "\r\nContent-Type: ");
		buf_puts(&head, content_type);
	}
	if (body_len >= 0) {
		buf_puts(&head, "\r\nContent-Length: ");
		buf_put_ll(&head, body_len);
	}
	if (r->request_id != NULL) {
		buf_puts(&head, "\r\nX-Request-ID: ");
		buf_puts(&head, r->request_id);
	}
	/* milliseconds with three decimals, as %.3f would print them */
	buf_puts(&head, "\r\nX-Process-Time: ");
	buf_put_fixed3(&head, (long long)(ms * 1000.0 + (ms < 0 ? -0.5 : 0.5)));
	buf_append(&head, "\r\n", 2);
	if (r->quota.set)
		put_quota_headers(&head, r, status);
	if (r->headers != NULL)
		buf_append(&head, r->headers->data, r->headers->len);
	buf_puts(&head, "\r\n");
	return send_bytes(r, head.data, head.len);
}

int
reply_raw(struct req *r, int status, const char *content_type, const char *body, size_t len)
{
	if (send_head(r, status, content_type, (long long)len) == 0 && !r->is_head && len > 0)
		send_bytes(r, body, len);
	return status;
}

int
reply_json(struct req *r, int status, json_object *obj)
{
	size_t len;
	const char *text;

	text = json_object_to_json_string_length(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	return reply_raw(r, status, "application/json", text, len);
}

int
reply_error(struct req *r, enum err e, const char *field, const char *message)
{
	const struct err_info *info = err_info(e);
	json_object *env = pool_json_object(r->pool);
	json_object *error = json_object_new_object();

	json_object_object_add(error, "code", json_object_new_string(info->code));
	json_object_object_add(error, "message",
		json_object_new_string(message ? message : info->message));
	if (field != NULL)
		json_object_object_add(error, "field", json_object_new_string(field));
	if (r->request_id != NULL)
		json_object_object_add(error, "request_id", json_object_new_string(r->request_id));
	json_object_object_add(env, "error", error);
	r->error_code = info->code;
	if (info->status == 503)   /* the database or a dependency: try again soon */
		reply_header(r, "Retry-After", "1");
	return reply_json(r, info->status, env);
}

int
reply_errorf(struct req *r, enum err e, const char *field, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = pool_vprintf(r->pool, fmt, ap);
	va_end(ap);
	return reply_error(r, e, field, msg);
}

int
reply_stream_begin(struct req *r, int status, const char *content_type)
{
	r->streaming = 1;
	send_head(r, status, content_type, -1);
	return status;
}

int
reply_write(struct req *r, const char *data, size_t len)
{
	if (r->is_head)
		return 0;
	return send_bytes(r, data, len);
}
