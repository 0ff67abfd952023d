/* db_reply.c: queries and transactions that reply on failure. */
#include "db_reply.h"

#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "req.h"

int
db_failure_reply(struct req *r)
{
	const char *s = db_sqlstate();

	if (db_state_is_lost(s, 0))
		reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL);
	else if (strcmp(s, "23505") == 0)
		reply_error(r, ERR_CONFLICT, NULL, NULL);
	else if (strcmp(s, "57014") == 0)
		reply_error(r, ERR_SERVICE_UNAVAILABLE, NULL, "the request took too long");
	else
		reply_error(r, ERR_INTERNAL, NULL, NULL);
	return -1;
}

PGresult *
db_query_or_reply(struct req *r, const char *sql, const char *const *args, int nargs)
{
	PGresult *res = db_query(r->pool, sql, args, nargs);

	if (res == NULL)
		db_failure_reply(r);
	return res;
}

int64_t
db_exec_or_reply(struct req *r, const char *sql, const char *const *args, int nargs)
{
	PGresult *res = db_query_or_reply(r, sql, args, nargs);
	const char *n;

	if (res == NULL)
		return -1;
	n = PQcmdTuples(res);
	return *n ? strtoll(n, NULL, 10) : 0;
}

int
db_begin_or_reply(struct req *r)
{
	return db_begin(r->pool) == 0 ? 0 : db_failure_reply(r);
}

int
db_commit_or_reply(struct req *r)
{
	return db_commit(r->pool) == 0 ? 0 : db_failure_reply(r);
}
