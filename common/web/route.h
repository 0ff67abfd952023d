/* route.h: a binary's route table and the matcher.
 *
 * A path is literal segments and {name} segments; a {name} segment matches
 * one non-empty segment, handed to the handler percent-decoded. The flags are
 * enforced by the app loop before the handler runs. */
#ifndef EDGESCOUT_ROUTE_H
#define EDGESCOUT_ROUTE_H

#include <stddef.h>
#include <stdint.h>

struct req;

enum route_flags {
	NEED_JSON     = 1 << 0,  /* body must be a JSON object (415 / 400 otherwise) */
	NEED_AUTH     = 1 << 1,  /* an authenticated user */
	NEED_ADMIN    = 1 << 2,  /* an authenticated admin */
	INTERNAL_ONLY = 1 << 3,  /* client address in METRICS_ALLOW, else 404 */
	RL_NONE       = 1 << 4,  /* nginx: outside the default rate-limit zone */
	RL_LOGIN      = 1 << 5,  /* nginx: the login zone */
	RL_REGISTER   = 1 << 6,  /* nginx: the register zone */
	STREAMING     = 1 << 7,  /* nginx: no buffering, long read timeout */
	SCOPE_READ    = 1 << 8,  /* API keys need the read scope */
	SCOPE_WRITE   = 1 << 9,  /* API keys need the write scope */
	SCOPE_EXPORT  = 1 << 10, /* API keys need the export scope */
	NO_API_KEY    = 1 << 11, /* a signed-in user only (token or cookie) */
	QUOTA_IN_HANDLER = 1 << 12, /* the handler charges the route's quota (with
	                             * its own statement): the loop does not */
	SCOPE_INGEST  = 1 << 13, /* API keys need the ingest scope */
	RL_WEBHOOK    = 1 << 16, /* nginx: the webhook zone (payment provider callbacks) */
	PUBSUB        = 1 << 21, /* nginx: an nchan subscriber location (WebSocket, SSE)
	                          * whose subscriptions the route authorises */
};

/* A route for API keys holding scope s (SCOPE_READ, ...). Without a scope
 * flag, an authenticated route asks keys for read on GET and write on the
 * other methods. */
#define NEED_SCOPE(s) (NEED_AUTH | (s))
#define ROUTE_SCOPES (SCOPE_READ | SCOPE_WRITE | SCOPE_EXPORT | SCOPE_INGEST)

/* The type of a query parameter or body field. In the query every value is
 * text: PARAM_INT is a decimal whole number, PARAM_BOOL "true" or "false". */
enum param_type {
	PARAM_STRING,  /* any string of at most max bytes (and at least min) */
	PARAM_TEXT,    /* min..max characters of UTF-8 text, no control characters */
	PARAM_INT,     /* a whole number in min..max */
	PARAM_BOOL,    /* true or false */
	PARAM_ENUM,    /* one of values */
	PARAM_LIST,    /* body: an array of min..max strings, each one of values
	                * (when given) and passing check (when given) */
	PARAM_NUMBER,  /* a finite number in min..max: in the query decimal text
	                * ("2.5", "-0.01"), in a body a JSON number */
	PARAM_OBJECTS, /* body: an array of min..max objects, each a closed object
	                * of the fields (an array ended by a NULL name) */
	PARAM_NUMBERS, /* body: an object of min..max members, each a finite
	                * number (the handler knows which names it takes) */
};

/* One query parameter or body field of a route's contract. The app loop
 * checks them all before the handler runs (contract.h). */
struct param {
	const char *name;
	enum param_type type;
	int required;
	int64_t min, max;             /* bounds: bytes, characters, value or items */
	const char *const *values;    /* PARAM_ENUM, PARAM_LIST: NULL-ended */
	int (*check)(const char *s);  /* extra rule on a string: 1 when it passes */
	const char *rule;             /* what check wants, for the 422 and the docs */
	const char *format;           /* OpenAPI format ("date", "date-time"), or NULL */
	const char *desc;             /* one line for the documentation */
	int upper;                    /* strings upper-cased before the checks (symbols) */
	const struct param *fields;   /* PARAM_OBJECTS: each object's fields */
};

/* A route: method, path template, handler and flags, the daily quota class,
 * and the contract: query parameters and body fields (arrays ended by an
 * entry with a NULL name), the success status and the shape of the success
 * reply ("{id:int, name:str}", see openapi_schema.c; NULL: no body, as for
 * 204), which the OpenAPI document carries as a JSON Schema. */
struct route {
	const char *method;
	const char *path;
	int (*handler)(struct req *r);
	unsigned flags;
	const char *quota;   /* daily quota class ("analysis"), NULL for none */
	const struct param *query;
	const struct param *body;
	int status;          /* the success status; 0 means 200 */
	int status_also;     /* another status with the same body (503), or 0 */
	const char *reply;   /* the shape of the success body */
	const char *media;   /* its media type; NULL means application/json */
	const char *summary; /* one line for the documentation */
};

#define ROUTE_MAX_PARAMS 8

struct route_param {
	const char *name;   /* pool copy of the name inside {} */
	const char *value;  /* percent-decoded segment */
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD, ROUTE_BAD_PATH };

struct pool;

/* Match method and path (without query) against routes. ROUTE_FOUND sets
 * *found and params (up to ROUTE_MAX_PARAMS, count in *nparams); HEAD matches
 * GET routes. ROUTE_BAD_METHOD writes the allowed methods ("GET, HEAD, POST")
 * into allow (pool string); ROUTE_BAD_PATH means bad percent-encoding or
 * invalid UTF-8 in a parameter. */
enum route_result route_match(struct pool *p, const struct route *routes,
                              const char *method, const char *path,
                              const struct route **found,
                              struct route_param *params, int *nparams,
                              const char **allow);

/* The flag names of flags, comma-separated ("json,auth"; "-" for none). */
const char *route_flag_names(struct pool *p, unsigned flags);

#endif
