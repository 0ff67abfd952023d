/* db.c: the worker's PostgreSQL connection and parameterised queries. */
#include "db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "pool.h"
#include "procname.h"

static PGconn *conn;
static const char *conninfo_override;
static char last_sqlstate[6];

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

static void
log_failure(const char *sql, const char *state, const char *msg)
{
	char first_line[512];
	size_t n = strcspn(msg, "\n");

	snprintf(first_line, sizeof(first_line), "%.*s", (int)n, msg);
	log_kv(LOG_ERROR, "query failed", "sqlstate", state, "detail", first_line,
	       "sql", sql, NULL);
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

PGresult *
db_query(struct pool *p, const char *sql, const char *const *args, int nargs)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		PGconn *c;
		int in_tx = db_in_transaction();
		PGresult *res;
		ExecStatusType st;
		const char *state;

		/* outside a transaction nothing is lost by replacing a dead
		 * connection before the statement is sent */
		if (!in_tx && conn != NULL && conn_dead(conn)) {
			log_kv(LOG_WARN, "database connection lost while idle; reconnecting", NULL);
			db_close();
		}
		if ((c = db_conn()) == NULL)
			return NULL;
		res = PQexecParams(c, sql, nargs, NULL, args, NULL, NULL, 0);
		st = PQresultStatus(res);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			set_sqlstate("");
			pool_defer(p, clear_result, res);
			return res;
		}
		state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		if (db_state_is_lost(state, PQstatus(c) == CONNECTION_BAD)) {
			/* the server went away: one fresh connection for a statement
			 * that is safe to run again, never mid-transaction (that
			 * transaction is gone; nothing of it was committed) */
			set_sqlstate("08006");
			PQclear(res);
			db_close();
			if (attempt == 0 && !in_tx && db_retry_safe(sql)) {
				log_kv(LOG_WARN, "database connection lost; reconnecting", "sqlstate",
				       state ? state : "none", NULL);
				continue;
			}
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
	return 0;
}

int
db_commit(struct pool *p)
{
	return db_query(p, "COMMIT", DB_NOARGS) ? 0 : -1;
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
db_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
}

int64_t
db_int(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}
