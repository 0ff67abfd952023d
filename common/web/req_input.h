/* req_input.h: a request's input as typed values, or an error reply: each
 * helper returns 0, or -1 after replying, so a handler just returns
 * r->status. */
#ifndef EDGESCOUT_REQ_INPUT_H
#define EDGESCOUT_REQ_INPUT_H

#include <stdint.h>

struct req;

/* The path parameter name as a positive int64 (1..INT64_MAX), or -1 after
 * replying 404 NOT_FOUND (an id that cannot exist names no resource). */
int req_path_i64_or_reply(struct req *r, const char *name, int64_t *out);

#endif
