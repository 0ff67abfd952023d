/* db_journal.c: the open transaction's statements and their results'
 * digests, to run it again after a lost connection. */
#include "db_journal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pool.h"

struct step {
	const char *sql;
	const char **args;
	int nargs;
	uint64_t digest;
	struct step *next;
};

static struct {
	struct pool *pool;         /* NULL when nothing is journaled */
	struct step *first;
	struct step **tail;
	int steps;
} journal;

/* FNV-1a over n bytes, continuing from h. */
static uint64_t
fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *b = data;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A digest of everything a caller can read of res: status, rows affected,
 * shape, each value and each NULL. */
static uint64_t
digest(const PGresult *res)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int st = (int)PQresultStatus(res), rows = PQntuples(res), cols = PQnfields(res);
	const char *affected = PQcmdTuples((PGresult *)res);

	h = fnv(h, &st, sizeof(st));
	h = fnv(h, affected, strlen(affected) + 1);
	h = fnv(h, &rows, sizeof(rows));
	h = fnv(h, &cols, sizeof(cols));
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++) {
			int null = PQgetisnull(res, r, c), len = PQgetlength(res, r, c);

			h = fnv(h, &null, sizeof(null));
			h = fnv(h, &len, sizeof(len));
			h = fnv(h, PQgetvalue(res, r, c), (size_t)len);
		}
	return h;
}

void
db_journal_start(struct pool *p)
{
	journal.pool = p;
	journal.first = NULL;
	journal.tail = &journal.first;
	journal.steps = 0;
}

void
db_journal_stop(void)
{
	journal.pool = NULL;
	journal.first = NULL;
	journal.tail = NULL;
	journal.steps = 0;
}

int
db_journal_active(void)
{
	return journal.pool != NULL;
}

void
db_journal_add(const char *sql, const char *const *args, int nargs, const PGresult *res)
{
	struct step *s;

	if (journal.pool == NULL)
		return;
	s = pool_alloc(journal.pool, sizeof(*s));
	s->sql = pool_strdup(journal.pool, sql);
	s->nargs = nargs;
	s->args = nargs > 0 ? pool_alloc(journal.pool, (size_t)nargs * sizeof(*s->args)) : NULL;
	for (int i = 0; i < nargs; i++)
		s->args[i] = args[i] ? pool_strdup(journal.pool, args[i]) : NULL;
	s->digest = digest(res);
	s->next = NULL;
	*journal.tail = s;
	journal.tail = &s->next;
	journal.steps++;
}

/* Run one statement on c: 0 when it succeeds with digest want. */
static int
run_again(PGconn *c, const char *sql, const char *const *args, int nargs, uint64_t want,
          int check)
{
	PGresult *res = PQexecParams(c, sql, nargs, NULL, args, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	int ok = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) &&
	         (!check || digest(res) == want);

	PQclear(res);
	return ok ? 0 : -1;
}

int
db_journal_replay(PGconn *c)
{
	int n = 0;

	if (journal.pool == NULL || run_again(c, "BEGIN", NULL, 0, 0, 0) != 0)
		goto failed;
	for (const struct step *s = journal.first; s != NULL; s = s->next, n++)
		if (run_again(c, s->sql, (const char *const *)s->args, s->nargs, s->digest, 1) != 0)
			goto failed;
	return 0;
failed: {
		char matched[16], total[16];

		snprintf(matched, sizeof(matched), "%d", n);
		snprintf(total, sizeof(total), "%d", journal.steps);
		log_kv(LOG_WARN, "the transaction could not be run again on a new connection",
		       "statements_matched", matched, "statements", total, NULL);
	}
	db_journal_stop();
	return -1;
}
