/* page.c: the list envelope and its cursor check. */
#include "page.h"

#include "db.h"
#include "db_reply.h"
#include "err.h"
#include "pool_json.h"
#include "reply.h"
#include "req.h"

int
page_cursor_or_reply(struct req *r, const char *exists_sql, int64_t cursor,
                     const char *owner)
{
	const char *args[2] = { db_i64(r->pool, cursor), owner };
	PGresult *res;

	if (cursor == 0)
		return 0;
	res = db_query_or_reply(r, exists_sql, args, owner ? 2 : 1);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "cursor",
		                   "cursor names nothing: give a next_cursor of an earlier page"), -1;
	return 0;
}

int
reply_page(struct req *r, json_object *items, const char *next)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "items", items);
	json_object_object_add(o, "next_cursor", next ? json_object_new_string(next) : NULL);
	return reply_json(r, 200, o);
}
