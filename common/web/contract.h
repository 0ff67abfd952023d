/* contract.h: a route's request contract, enforced before its handler, and
 * the typed values a handler reads from it.
 *
 * The route table declares each query parameter and body field (route.h,
 * struct param). The app loop calls contract_check_or_reply: an unknown or
 * repeated parameter, an unknown body field, a missing required one, a wrong
 * type or a value out of bounds is one 422 VALIDATION_FAILED naming the
 * field, the same way on every route. Handlers then read the values with
 * req_str, req_int, req_bool and req_list, which only serve declared names. */
#ifndef EDGESCOUT_CONTRACT_H
#define EDGESCOUT_CONTRACT_H

#include <json-c/json.h>
#include <stdint.h>

#include "route.h"

struct req;

/* The usual paging parameters of a list: limit (1..max, default def in the
 * handler) and cursor (the next_cursor of an earlier page). */
#define PARAM_PAGE(limit_max) \
	{ .name = "limit", .type = PARAM_INT, .min = 1, .max = (limit_max), \
	  .desc = "items per page" }, \
	{ .name = "cursor", .type = PARAM_INT, .min = 1, .max = INT64_MAX, \
	  .rule = "a next_cursor of an earlier page", \
	  .desc = "the next_cursor of the previous page" }

/* Check r's query arguments and (when the route declares body fields and a
 * body came) r->json against r->route's contract. Parses an optional JSON
 * body of a route that declares fields without NEED_JSON. 0, or -1 after
 * replying 400/415/422. */
int contract_check_or_reply(struct req *r);

/* Check one string value against p ("wrong type" and bounds); NULL when it
 * passes, else the reason as pool text naming the field. */
const char *contract_value_fault(struct req *r, const struct param *p, const char *v);

/* The declared parameter or field name of r's route, or NULL. */
const struct param *contract_find(const struct route *rt, const char *name, int *in_body);

/* The value of query parameter or body field name (a string, enum or text),
 * NULL when absent. name must be declared by the route. */
const char *req_str(const struct req *r, const char *name);

/* The whole number name, or def when absent. */
int64_t req_int(const struct req *r, const char *name, int64_t def);

/* The number name (PARAM_NUMBER), or def when absent. */
double req_number(const struct req *r, const char *name, double def);

/* The boolean name (1/0), or def when absent. */
int req_bool(const struct req *r, const char *name, int def);

/* The list field name as n strings (pool memory); 0 when absent. */
int req_list(const struct req *r, const char *name, const char ***out);

/* The body member name as given (PARAM_OBJECTS, PARAM_NUMBERS: checked
 * against the contract), NULL when absent. */
json_object *req_member(const struct req *r, const char *name);

/* 1 when query parameter or body field name was given. */
int req_has(const struct req *r, const char *name);

/* Quota classes the routes name that are not in known (NULL-ended); calls
 * fn for each. Returns how many. */
int contract_unknown_quotas(const struct route *routes, const char *const *known,
                            void (*fn)(const char *quota, void *ctx), void *ctx);

#endif
