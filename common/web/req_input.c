/* req_input.c: typed request input, replying 422 or 404 when it is not. */
#include "req_input.h"

#include <stdint.h>

#include "reply.h"
#include "req.h"
#include "valid.h"

int
req_page_or_reply(struct req *r, int64_t def, int64_t max, int64_t cursor_max,
                  int64_t *limit, int64_t *cursor)
{
	const char *limit_s = req_query(r, "limit"), *cursor_s = req_query(r, "cursor");

	*limit = def;
	*cursor = 0;
	if (limit_s != NULL && valid_i64(limit_s, 1, max, limit) != 0) {
		reply_errorf(r, ERR_VALIDATION_FAILED, "limit",
		             "limit must be a whole number from 1 to %lld", (long long)max);
		return -1;
	}
	if (cursor_s != NULL && valid_i64(cursor_s, 1, cursor_max, cursor) != 0) {
		reply_error(r, ERR_VALIDATION_FAILED, "cursor",
		            "cursor must be a next_cursor of an earlier page");
		return -1;
	}
	return 0;
}

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
