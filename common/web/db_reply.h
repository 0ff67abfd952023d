/* db_reply.h: the store's queries and transactions for a request, replying
 * on failure (503 DATABASE_UNAVAILABLE when the database is down, 409
 * CONFLICT on a unique violation, 503 when a statement timed out, 500
 * otherwise), so that a handler just returns r->status. */
#ifndef EDGESCOUT_DB_REPLY_H
#define EDGESCOUT_DB_REPLY_H

#include <libpq-fe.h>
#include <stdint.h>

#include "db.h"

struct req;

/* Reply for the last failed statement (db_sqlstate) as the helpers below
 * do, for a statement a service ran; -1 for the caller to pass on. */
int db_failure_reply(struct req *r);

/* db_query in the request's pool; NULL after replying on failure. */
PGresult *db_query_or_reply(struct req *r, const char *sql, const char *const *args,
                            int nargs);

/* Like db_query_or_reply for statements without rows: returns the number of
 * rows affected, or -1 after replying. */
int64_t db_exec_or_reply(struct req *r, const char *sql, const char *const *args,
                         int nargs);

/* db_begin / db_commit in the request's pool: 0, or -1 after replying. A
 * transaction still open when the request ends is rolled back. */
int db_begin_or_reply(struct req *r);
int db_commit_or_reply(struct req *r);

#endif
