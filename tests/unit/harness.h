/* harness.h: driving app_handle() in unit tests without a FastCGI socket.
 * A fake request is a list of FastCGI parameters and a body; the reply is
 * captured and split into status, headers and body. */
#ifndef EDGESCOUT_TEST_HARNESS_H
#define EDGESCOUT_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define FAKE_MAX_ENV 32
#define FAKE_MAX_OUT (1 << 20)

struct fake {
	char *env[FAKE_MAX_ENV + 1];
	int nenv;
	const char *body;
	size_t body_len, body_off;
	char out[FAKE_MAX_OUT];
	size_t out_len;
	int status;
	const char *reply_body;     /* points into out */
	struct pool *pool;
	struct req req;
};

static int
fake_read(void *ctx, char *buf, int n)
{
	struct fake *f = ctx;
	size_t left = f->body_len - f->body_off;
	size_t take = (size_t)n < left ? (size_t)n : left;

	memcpy(buf, f->body + f->body_off, take);
	f->body_off += take;
	return (int)take;
}

static int
fake_write(void *ctx, const char *buf, int n)
{
	struct fake *f = ctx;

	if (f->out_len + (size_t)n >= FAKE_MAX_OUT)
		return -1;
	memcpy(f->out + f->out_len, buf, (size_t)n);
	f->out_len += (size_t)n;
	f->out[f->out_len] = '\0';
	return n;
}

/* Add a FastCGI parameter NAME=value. */
static inline void
fake_param(struct fake *f, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *e = malloc(n);

	snprintf(e, n, "%s=%s", name, value);
	f->env[f->nenv++] = e;
	f->env[f->nenv] = NULL;
}

/* Start a request: method and URI, loopback client. */
static inline struct fake *
fake_new(const char *method, const char *uri)
{
	struct fake *f = calloc(1, sizeof(*f));

	fake_param(f, "REQUEST_METHOD", method);
	fake_param(f, "REQUEST_URI", uri);
	fake_param(f, "REMOTE_ADDR", "127.0.0.1");
	return f;
}

/* Give the request a body with its Content-Type and Content-Length. */
static inline void
fake_body(struct fake *f, const char *content_type, const char *body, size_t len)
{
	char n[32];

	snprintf(n, sizeof(n), "%zu", len);
	if (content_type)
		fake_param(f, "CONTENT_TYPE", content_type);
	fake_param(f, "CONTENT_LENGTH", n);
	f->body = body;
	f->body_len = len;
}

/* Run the request through app_handle with routes; fills status and body. */
static inline void
fake_run(struct fake *f, const struct route *routes)
{
	char *sep;

	f->pool = pool_new();
	memset(&f->req, 0, sizeof(f->req));
	f->req.pool = f->pool;
	f->req.envp = f->env;
	f->req.io = (struct req_io){ fake_read, fake_write, f };
	app_handle(routes, &f->req);
	f->status = 0;
	sscanf(f->out, "Status: %d", &f->status);
	sep = strstr(f->out, "\r\n\r\n");
	f->reply_body = sep ? sep + 4 : "";
}

/* The value of reply header name (copied into a static buffer), or NULL. */
static inline const char *
fake_header(struct fake *f, const char *name)
{
	static char value[1024];
	char key[128];
	const char *at, *end;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	at = strstr(f->out, key);
	if (at == NULL || (f->reply_body && at > f->reply_body))
		return NULL;
	at += strlen(key);
	end = strstr(at, "\r\n");
	snprintf(value, sizeof(value), "%.*s", (int)(end - at), at);
	return value;
}

/* Release everything of the fake request. */
static inline void
fake_free(struct fake *f)
{
	for (int i = 0; i < f->nenv; i++)
		free(f->env[i]);
	pool_free(f->pool);
	free(f);
}

/* Set up f's request (pool, parameters, io) for calling req_ and reply_
 * functions directly, without routing; fake_reply() then reads the reply. */
static inline struct req *
fake_req(struct fake *f)
{
	f->pool = pool_new();
	memset(&f->req, 0, sizeof(f->req));
	f->req.pool = f->pool;
	f->req.envp = f->env;
	f->req.io = (struct req_io){ fake_read, fake_write, f };
	return &f->req;
}

/* Split what the request wrote into status and body, as fake_run() does. */
static inline void
fake_reply(struct fake *f)
{
	char *sep;

	f->status = 0;
	sscanf(f->out, "Status: %d", &f->status);
	sep = strstr(f->out, "\r\n\r\n");
	f->reply_body = sep ? sep + 4 : "";
}

/* The "code" inside the error envelope of f's reply body ("" when there is
 * no envelope); copied into a static buffer. */
static inline const char *
fake_error_code(const struct fake *f)
{
	static char code[64];
	json_object *o = json_tokener_parse(f->reply_body), *e, *c;

	code[0] = '\0';
	if (o != NULL && json_object_object_get_ex(o, "error", &e) &&
	    json_object_object_get_ex(e, "code", &c))
		snprintf(code, sizeof(code), "%s", json_object_get_string(c));
	json_object_put(o);
	return code;
}

/* Release f's parameters and pool but keep f itself for another request. */
static inline void
fake_reset(struct fake *f)
{
	for (int i = 0; i < f->nenv; i++)
		free(f->env[i]);
	pool_free(f->pool);
	f->env[0] = NULL;
	f->nenv = 0;
	f->body = NULL;
	f->body_len = f->body_off = 0;
	f->out[0] = '\0';
	f->out_len = 0;
	f->status = 0;
	f->reply_body = NULL;
	f->pool = NULL;
	memset(&f->req, 0, sizeof(f->req));
}

#endif
