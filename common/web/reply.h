/* reply.h: writing the one reply of a request.
 *
 * Every reply carries Status, Content-Type, X-Request-ID and X-Process-Time.
 * Each function returns the HTTP status it sent, so a handler can end with
 * `return reply_json(r, 200, obj);`. The objects a handler builds are the
 * request's (the one rule is in pool_json.h): the root from
 * pool_json_object(r->pool), its parts put into it. */
#ifndef EDGESCOUT_REPLY_H
#define EDGESCOUT_REPLY_H

#include <json-c/json.h>
#include <stddef.h>

#include "err.h"
#include "pool_json.h"

struct req;

/* Add a reply header; names and values with CR or LF are refused (assert). */
void reply_header(struct req *r, const char *name, const char *value);

/* Send obj as application/json. obj is borrowed: it stays its owner's
 * (normally the request's pool, see pool_json.h). */
int reply_json(struct req *r, int status, json_object *obj);

/* Send len bytes of body with the given content type. */
int reply_raw(struct req *r, int status, const char *content_type,
              const char *body, size_t len);

/* Send the error envelope for e; field may be NULL; message NULL means the
 * catalogue's default. The message must not contain internals. */
int reply_error(struct req *r, enum err e, const char *field, const char *message);

/* reply_error with a printf-style message. */
int reply_errorf(struct req *r, enum err e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Start a streamed reply (CSV, event stream): headers now, body by
 * reply_write. No Content-Length; the stream ends with the request. */
int reply_stream_begin(struct req *r, int status, const char *content_type);

/* Write len bytes of a streamed body; -1 when the client has gone. */
int reply_write(struct req *r, const char *data, size_t len);

#endif
