/* db.h: the worker's one PostgreSQL connection.
 *
 * Connected lazily from DATABASE_URL, kept for the life of the process.
 * A connection the server dropped while idle (restart, crash) is replaced
 * before the next statement is sent; one lost during a statement is
 * reconnected and the statement run again once when that is safe (a read,
 * outside a transaction), else the query fails with SQLSTATE 08006 (503).
 * Only parameterised queries: every value travels as a $n parameter, never
 * inside the SQL text.
 *
 * Statements that plan (SELECT, WITH, INSERT, UPDATE, DELETE) are prepared
 * on the connection the first time their text is run and reused after, up
 * to DB_PREPARED_MAX texts a connection (the rest run unprepared); the
 * cache is forgotten with the connection, and when the server reports a
 * plan gone (SQLSTATE 26000, 0A000) the statement is prepared again.
 * DB_PREPARE=0 turns this off. Keep SQL texts constant: a text built per
 * call takes a place in the cache. */
#ifndef EDGESCOUT_DB_H
#define EDGESCOUT_DB_H

#include <libpq-fe.h>
#include <stdint.h>

struct pool;

/* The most statement texts prepared on one connection. */
#define DB_PREPARED_MAX 64

/* Build the (args, nargs) pair of a query from string values:
 *     db_query(p, "SELECT $1::int + $2::int", DB_ARGS("1", "2")) */
#define DB_ARGS(...) \
	(const char *const[]){ __VA_ARGS__ }, \
	(int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))
#define DB_NOARGS NULL, 0

/* SQL rendering timestamptz column col as RFC 3339 UTC with microseconds. */
#define DB_TIME(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* A select-list item that makes the commit of the statement's own
 * (implicit) transaction asynchronous: it returns before its WAL is flushed.
 * Only for what a read writes as bookkeeping (a quota unit, search
 * history): a crash of the machine can lose the last fraction of a second
 * of it (wal_writer_delay), never a user's own write, which keeps
 * synchronous_commit on. Never in an explicit transaction: it would apply
 * to all of it. */
#define DB_ASYNC_COMMIT "set_config('synchronous_commit', 'off', true)"

/* Use conninfo instead of DATABASE_URL from the next connect on (CLI, jobs). */
void db_set_conninfo(const char *conninfo);

/* The open connection, connecting first if needed; NULL when the database
 * cannot be reached (reason logged). */
PGconn *db_conn(void);

/* Close the connection (a later query reconnects). */
void db_close(void);

/* Run sql with text parameters. Returns the result (cleared with the pool),
 * or NULL on failure with the reason logged and kept for db_sqlstate(). */
PGresult *db_query(struct pool *p, const char *sql, const char *const *args, int nargs);

/* SQLSTATE of the last failed query ("08006" when unreachable), or "". */
const char *db_sqlstate(void);

/* 1 when a failed statement's SQLSTATE (NULL or "" when none came) or a bad
 * connection means the connection was lost (class 08, 57P01-57P03). */
int db_state_is_lost(const char *state, int conn_bad);

/* 1 when sql may run again after a lost connection without doing twice what
 * it does: reads (SELECT, SHOW, VALUES) and BEGIN. */
int db_retry_safe(const char *sql);

/* Transactions on the worker's connection: 0 or -1 (logged). A transaction
 * still open when the request ends is rolled back. */
int db_begin(struct pool *p);
int db_commit(struct pool *p);
void db_rollback(struct pool *p);

/* 1 inside a transaction. */
int db_in_transaction(void);

/* Integer as a query parameter string in pool memory. */
const char *db_i64(struct pool *p, int64_t v);

/* n strings as a text[] query parameter ("{\"a\",\"b\"}", each quoted and
 * escaped) in pool memory. */
const char *db_text_array(struct pool *p, const char *const *v, int n);

/* Value of row, col as text ("" for NULL), and as int64 (0 for NULL). */
const char *db_text(const PGresult *res, int row, int col);
int64_t db_int(const PGresult *res, int row, int col);

#endif
