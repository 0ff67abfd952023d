/* db_journal.h: the statements of the open transaction, kept so that one
 * cut by a lost connection can run again on a fresh connection.
 *
 * Nothing of a transaction that had not committed survives its connection,
 * so running its statements again is safe; going on is right only when each
 * answers exactly as before (the caller already acted on those answers).
 * Each statement is kept with a digest of its result; a replay whose any
 * digest differs (a sequence moved on, a row changed meanwhile) fails, and
 * the request is answered 503 as before. db.c is its only user. */
#ifndef EDGESCOUT_DB_JOURNAL_H
#define EDGESCOUT_DB_JOURNAL_H

#include <libpq-fe.h>

struct pool;

/* Start journaling a transaction just begun; the journal lives in p. */
void db_journal_start(struct pool *p);

/* Forget the journal (commit, rollback, or the transaction is gone). */
void db_journal_stop(void);

/* 1 while a transaction is journaled. */
int db_journal_active(void);

/* Record a statement of the journaled transaction and its successful
 * result res; a no-op when none is journaled. */
void db_journal_add(const char *sql, const char *const *args, int nargs,
                    const PGresult *res);

/* On connection c: BEGIN, then every recorded statement, each of which must
 * succeed with the result it had. 0, or -1 (the journal is then stopped). */
int db_journal_replay(PGconn *c);

#endif
