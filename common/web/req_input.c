/* req_input.c: typed path input, replying 404 when it names nothing. */
#include "req_input.h"

#include <stdint.h>

#include "reply.h"
#include "req.h"
#include "valid.h"

int
req_path_i64_or_reply(struct req *r, const char *name, int64_t *out)
{
	const char *v = req_path(r, name);

	if (v == NULL || valid_i64(v, 1, INT64_MAX, out) != 0) {
		reply_error(r, ERR_NOT_FOUND, NULL, NULL);
		return -1;
	}
	return 0;
}
