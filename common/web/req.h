/* req.h: one request: its parameters, query, headers, cookies and body.
 *
 * Everything here lives in the request's pool and is gone after the reply;
 * never keep a pointer from a request past its end. */
#ifndef EDGESCOUT_REQ_H
#define EDGESCOUT_REQ_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "route.h"

struct pool;

/* Input and output of a request: libfcgi streams in the app, buffers in
 * tests and fuzzers. read returns bytes read (0 at end, -1 on error). */
struct req_io {
	int (*read)(void *ctx, char *buf, int n);
	int (*write)(void *ctx, const char *buf, int n);
	void *ctx;
};

struct query_arg {
	const char *name;
	const char *value;
};

#define REQ_MAX_QUERY_ARGS 64
#define REQ_MAX_QUERY_LEN 4096
#define REQ_MAX_PATH_LEN 2048
#define REQ_MAX_JSON_DEPTH 32

struct req {
	struct pool *pool;
	char **envp;               /* FastCGI parameters, NAME=value */
	struct req_io io;

	const char *method;
	const char *path;          /* raw path of REQUEST_URI, without the query */
	const char *query;         /* raw query string ("" when none) */
	const char *request_id;
	int is_head;

	const struct route *route;
	struct route_param params[ROUTE_MAX_PARAMS];
	int nparams;
	struct query_arg *args;    /* decoded query arguments */
	int nargs;

	const char *body;          /* NUL-terminated copy of the body */
	size_t body_len;
	json_object *json;         /* parsed body for NEED_JSON routes */

	const struct auth_user *user;  /* NULL when anonymous (see auth.h) */

	/* reply state */
	int status;
	int replied;
	int quota_charged;         /* a unit of the route's quota was charged */
	struct {                   /* the X-RateLimit-* headers, written with the head */
		int set;
		long long limit, used, reset;
	} quota;
	int streaming;
	const char *error_code;    /* catalogue code of an error reply, for the log */
	struct buf *headers;       /* extra reply headers, "Name: value\r\n" */
	double started;            /* monotonic seconds at accept */
};

/* A FastCGI parameter (e.g. "REMOTE_ADDR"), or NULL. */
const char *req_param(const struct req *r, const char *name);

/* A request header by its HTTP name ("X-Request-ID"), or NULL. */
const char *req_header(const struct req *r, const char *name);

/* A path parameter by name ("id" for {id}), decoded, or NULL. */
const char *req_path(const struct req *r, const char *name);

/* The first query argument called name, decoded, or NULL. */
const char *req_query(const struct req *r, const char *name);

/* The value of cookie name, or NULL. */
const char *req_cookie(const struct req *r, const char *name);

/* Parse a query string into decoded arguments (pool memory). Returns 0, or
 * -1 on bad percent-encoding, invalid UTF-8, too many arguments or an
 * over-long string; *why then names the fault. */
int req_parse_query(struct pool *p, const char *query, struct query_arg **args,
                    int *nargs, const char **why);

/* Parse body (len bytes) as one JSON object, at most REQ_MAX_JSON_DEPTH
 * deep (jsonv_parse); returns it (owned by the pool) or NULL with *why set
 * ("not valid JSON", "must be a JSON object", ...). */
json_object *req_parse_json(struct pool *p, const char *body, size_t len,
                            const char **why);


#endif
