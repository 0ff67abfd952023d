/* db.c: the worker's PostgreSQL connection and parameterised queries. */
#include "db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "db_journal.h"
#include "log.h"
#include "pool.h"
#include "procname.h"

static PGconn *conn;
static const char *conninfo_override;
static char last_sqlstate[6];

/* The statements prepared on conn, keyed by a hash of the SQL text (db.h);
 * forgotten with the connection. Names carry a generation that moves on
 * when the server's plans are forgotten inside a transaction, where they
 * cannot be deallocated. */
static struct prepared {
	uint64_t hash;
	size_t len;
} prepared[DB_PREPARED_MAX];
static int nprepared;
static unsigned prepared_generation;
static int prepare_on;

static void log_notice(void *unused, const char *msg);

void
db_set_conninfo(const char *conninfo)
{
	conninfo_override = conninfo;
	db_close();
}

void
db_close(void)
{
	if (conn != NULL)
		PQfinish(conn);
	conn = NULL;
	nprepared = 0;
	prepared_generation = 0;
}

static void
set_sqlstate(const char *state)
{
	snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", state ? state : "");
}

const char *
db_sqlstate(void)
{
	return last_sqlstate;
}

PGconn *
db_conn(void)
{
	const char *info = conninfo_override ? conninfo_override : config_get("DATABASE_URL");
	char options[64];

	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		return conn;
	db_close();
	if (info == NULL || *info == '\0') {
		log_kv(LOG_ERROR, "database not configured: DATABASE_URL is unset", NULL);
		set_sqlstate("08001");
		return NULL;
	}
	snprintf(options, sizeof(options), "-c statement_timeout=%lld",
	         config_int("DB_STATEMENT_TIMEOUT_MS", 5000));
	{
		const char *const keys[] = {
			"dbname", "application_name", "connect_timeout", "options", NULL
		};
		const char *const values[] = { info, procname_get(), "3", options, NULL };

		conn = PQconnectdbParams(keys, values, 1);
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		char *msg = PQerrorMessage(conn);
		size_t n = strcspn(msg, "\n");

		log_kv(LOG_ERROR, "database connection failed", "detail",
		       n ? msg : "unknown", NULL);
		db_close();
		set_sqlstate("08001");
		return NULL;
	}
	PQsetNoticeProcessor(conn, log_notice, NULL);
	prepare_on = config_int("DB_PREPARE", 1) != 0;
	return conn;
}

int
db_in_transaction(void)
{
	return conn != NULL && PQtransactionStatus(conn) != PQTRANS_IDLE &&
	       PQtransactionStatus(conn) != PQTRANS_UNKNOWN;
}

static void
clear_result(void *res)
{
	PQclear(res);
}

/* Bytes of a failed statement's text kept in its log line. */
#define LOG_SQL_MAX 160

static void
log_failure(const char *sql, const char *state, const char *msg)
{
	char first_line[512], head[LOG_SQL_MAX + 4];
	size_t n = strcspn(msg, "\n");

	snprintf(first_line, sizeof(first_line), "%.*s", (int)n, msg);
	snprintf(head, sizeof(head), "%.*s%s", LOG_SQL_MAX, sql,
	         strlen(sql) > LOG_SQL_MAX ? "..." : "");
	log_kv(LOG_ERROR, "query failed", "sqlstate", state, "detail", first_line,
	       "sql", head, NULL);
}

/* Server messages outside a query (e.g. "terminating connection" sent to an
 * idle connection) as log lines instead of libpq's bare stderr text. */
static void
log_notice(void *unused, const char *msg)
{
	char first_line[512];

	(void)unused;
	snprintf(first_line, sizeof(first_line), "%.*s", (int)strcspn(msg, "\n"), msg);
	log_kv(LOG_WARN, "database notice", "detail", first_line, NULL);
}

/* 1 when an open, idle connection is known dead: the server closed it or
 * sent it a FATAL (restart, crash, admin kill) while we were not looking.
 * Reads what is pending without blocking, so a dead connection is replaced
 * before a statement is sent on it. */
static int
conn_dead(PGconn *c)
{
	/* twice: a server's goodbye (a FATAL message) is read first, its end of
	 * file only by the next read */
	for (int i = 0; i < 2; i++)
		if (PQconsumeInput(c) == 0 || PQstatus(c) != CONNECTION_OK)
			return 1;
	return 0;
}

int
db_state_is_lost(const char *state, int conn_bad)
{
	if (conn_bad || state == NULL || *state == '\0')
		return 1;
	return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	       strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

int
db_retry_safe(const char *sql)
{
	static const char *const safe[] = { "SELECT", "BEGIN", "SHOW", "VALUES", NULL };

	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
		sql++;
	for (int i = 0; safe[i]; i++)
		if (strncasecmp(sql, safe[i], strlen(safe[i])) == 0)
			return 1;
	return 0;
}

/* 1 when sql plans and so gains from being prepared: SELECT, WITH,
 * INSERT, UPDATE, DELETE. */
static int
preparable(const char *sql)
{
	static const char *const kinds[] = { "SELECT", "WITH", "INSERT", "UPDATE", "DELETE",
	                                     NULL };

	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '(')
		sql++;
	for (int i = 0; kinds[i]; i++)
		if (strncasecmp(sql, kinds[i], strlen(kinds[i])) == 0)
			return 1;
	return 0;
}

/* FNV-1a of sql; its length in *len. */
static uint64_t
sql_hash(const char *sql, size_t *len)
{
	uint64_t h = UINT64_C(14695981039346656037);
	const char *s = sql;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	*len = (size_t)(s - sql);
	return h;
}

/* Forget every prepared statement: deallocated on the server outside a
 * transaction, else left there under names no longer used. */
static void
forget_prepared(PGconn *c, int in_tx)
{
	nprepared = 0;
	prepared_generation++;
	if (!in_tx)
		PQclear(PQexec(c, "DEALLOCATE ALL"));
}

/* 1 when res failed because the server no longer has or can use a
 * prepared plan (26000: no such statement, 0A000: its result type changed). */
static int
plan_gone(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state != NULL && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0);
}

/* Run sql on c: prepared once per connection and then reused when it is
 * preparable and the cache has room, else with PQexecParams. A failed
 * prepare is the statement's result (the same error it would have had).
 * A plan the server lost is forgotten and, outside a transaction, the
 * statement is prepared and run again once. */
static PGresult *
exec_statement(PGconn *c, const char *sql, const char *const *args, int nargs, int in_tx,
               int again)
{
	char name[40];
	size_t len;
	uint64_t h;
	int i;
	PGresult *res;

	if (!prepare_on || !preparable(sql))
		return PQexecParams(c, sql, nargs, NULL, args, NULL, NULL, 0);
	h = sql_hash(sql, &len);
	snprintf(name, sizeof(name), "es%u_%016" PRIx64, prepared_generation, h);
	for (i = 0; i < nprepared; i++)
		if (prepared[i].hash == h && prepared[i].len == len)
			break;
	if (i == nprepared) {
		if (nprepared == DB_PREPARED_MAX)
			return PQexecParams(c, sql, nargs, NULL, args, NULL, NULL, 0);
		res = PQprepare(c, name, sql, nargs, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;
		PQclear(res);
		prepared[nprepared].hash = h;
		prepared[nprepared++].len = len;
	}
	res = PQexecPrepared(c, name, nargs, args, NULL, NULL, 0);
	if (plan_gone(res)) {
		forget_prepared(c, in_tx);
		if (!in_tx && !again) {
			PQclear(res);
			return exec_statement(c, sql, args, nargs, in_tx, 1);
		}
	}
	return res;
}

/* 1 when sql is ROLLBACK; with COMMIT too when commit_too. */
static int
ends_transaction(const char *sql, int commit_too)
{
	return strncasecmp(sql, "ROLLBACK", 8) == 0 ||
	       (commit_too && strncasecmp(sql, "COMMIT", 6) == 0);
}

/* A fresh connection with the journaled transaction run again on it, when
 * one was open; 0, or -1 (the connection is closed and sqlstate is 08006). */
static int
reconnect(int in_tx)
{
	PGconn *c;

	db_close();
	if (!in_tx)
		return 0;
	if (db_journal_active() && (c = db_conn()) != NULL && db_journal_replay(c) == 0) {
		log_kv(LOG_WARN, "database connection lost in a transaction; it ran again "
		       "on a new connection with the same results", NULL);
		return 0;
	}
	db_journal_stop();
	db_close();
	set_sqlstate("08006");
	return -1;
}

PGresult *
db_query(struct pool *p, const char *sql, const char *const *args, int nargs)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		PGconn *c;
		int in_tx = db_in_transaction();
		PGresult *res;
		ExecStatusType st;
		const char *state;

		/* a connection known dead is replaced before the statement is
		 * sent: outside a transaction nothing is lost, inside one the
		 * transaction runs again first (db_journal.h), even for its
		 * COMMIT, which was not sent; a ROLLBACK needs none */
		if (conn != NULL && conn_dead(conn)) {
			log_kv(LOG_WARN, "database connection lost while idle; reconnecting", NULL);
			if (reconnect(in_tx && !ends_transaction(sql, 0)) != 0) {
				log_kv(LOG_ERROR, "database connection lost", "sql", sql, NULL);
				return NULL;
			}
		}
		if ((c = db_conn()) == NULL)
			return NULL;
		res = exec_statement(c, sql, args, nargs, in_tx, 0);
		st = PQresultStatus(res);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			set_sqlstate("");
			pool_defer(p, clear_result, res);
			if (in_tx && !ends_transaction(sql, 1))
				db_journal_add(sql, args, nargs, res);
			return res;
		}
		state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		if (db_state_is_lost(state, PQstatus(c) == CONNECTION_BAD)) {
			/* the server went away: one fresh connection for a statement
			 * that is safe to run again, or for a transaction that had not
			 * committed (nothing of it survived) and runs again with the
			 * same results; never for a COMMIT, which may have happened */
			log_kv(LOG_WARN, "database connection lost", "sqlstate",
			       state ? state : "none", NULL);
			PQclear(res);
			set_sqlstate("08006");
			if (attempt == 0 && !ends_transaction(sql, 1) &&
			    (in_tx || db_retry_safe(sql)) && reconnect(in_tx) == 0)
				continue;
			db_journal_stop();
			db_close();
			log_kv(LOG_ERROR, "database connection lost", "sqlstate",
			       state ? state : "none", "sql", sql, NULL);
			set_sqlstate("08006");
			return NULL;
		}
		set_sqlstate(state);
		log_failure(sql, last_sqlstate, PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return NULL;
}

static void
rollback_if_open(void *unused)
{
	(void)unused;
	db_journal_stop();
	if (db_in_transaction()) {
		PGresult *res = PQexec(conn, "ROLLBACK");

		PQclear(res);
	}
}

int
db_begin(struct pool *p)
{
	if (db_query(p, "BEGIN", DB_NOARGS) == NULL)
		return -1;
	pool_defer(p, rollback_if_open, NULL);
	db_journal_start(p);
	return 0;
}

int
db_commit(struct pool *p)
{
	int rc = db_query(p, "COMMIT", DB_NOARGS) ? 0 : -1;

	db_journal_stop();
	return rc;
}

void
db_rollback(struct pool *p)
{
	(void)p;
	rollback_if_open(NULL);
}

const char *
db_i64(struct pool *p, int64_t v)
{
	return pool_printf(p, "%" PRId64, v);
}

const char *
db_text_array(struct pool *p, const char *const *v, int n)
{
	struct buf b;

	buf_init(&b, p);
	buf_putc(&b, '{');
	for (int i = 0; i < n; i++) {
		buf_puts(&b, i ? ",\"" : "\"");
		for (const char *c = v[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *c);
		}
		buf_putc(&b, '"');
	}
	buf_putc(&b, '}');
	return b.data;
}

const char *
db_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
}

int64_t
db_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}
