/* market_import.c: bulk imports of daily candles: every row COPYed into the
 * staging table candles_import (sql/010_markets_second_pass.sql), tagged
 * with the transaction, then one set-based statement that merges them into
 * candles (the same ON CONFLICT rule as market_store_candles) and one that
 * deletes them from the staging table. */
#include "market_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "candle.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "valid.h"

#define CHUNK_ROWS 65536             /* rows of one PQputCopyData call */

static const char SQL_COPY[] =
	"COPY candles_import (symbol_id, date, open, high, low, close, adjclose, volume) "
	"FROM STDIN";

/* The import transaction's own settings: its time limit, and index scans
 * for the foreign key check each merged row makes on symbols. The planner
 * scans a small symbols table (one page: most installations) sequentially,
 * a scan with a relation size system call per row: those checks were near
 * half the merge's time, and the primary key index halves them. */
static const char SQL_SETTINGS[] =
	"SELECT set_config('statement_timeout', $1, true), "
	"       set_config('enable_seqscan', 'off', true)";

/* The merge (the transaction's staged rows into candles), and the rows it
 * inserted or updated per symbol id. It reads candles_import itself rather
 * than the rows of a DELETE ... RETURNING, which a CTE would write to a
 * temporary file and read back (a sixth of the merge's time). No ORDER BY:
 * each series' dates are strictly increasing (candles_validate), so the
 * rows already come in primary key order within a symbol. */
static const char SQL_MERGE[] =
	"WITH m AS (INSERT INTO candles (symbol_id, date, open, high, low, close, adjclose, "
	"                                volume, source) "
	"  SELECT symbol_id, date, open, high, low, close, adjclose, volume, $1 "
	"  FROM candles_import WHERE import_tx = txid_current() "
	MARKET_MERGE_TAIL " RETURNING symbol_id) "
	"SELECT symbol_id, count(*) FROM m GROUP BY symbol_id";

/* The transaction's staged rows out of candles_import once merged. */
static const char SQL_UNSTAGE[] = "DELETE FROM candles_import WHERE import_tx = txid_current()";

/* Why the last failed statement failed, in words for the operator. */
static const char *
failure(struct pool *p)
{
	const char *st = db_sqlstate();

	if (strcmp(st, "57014") == 0)
		return "the database cancelled the import (statement time limit)";
	if (strncmp(st, "08", 2) == 0)
		return "the database is unreachable";
	return pool_printf(p, "the database refused the import (SQLSTATE %s)", *st ? st : "none");
}

/* Log the connection's error (first line) after a failed COPY step. */
static void
log_copy_error(PGconn *conn, const char *what)
{
	const char *m = PQerrorMessage(conn);
	char line[256];

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(m, "\n"), m);
	log_kv(LOG_ERROR, "market: import copy failed", "step", what, "detail", line, NULL);
}

/* Append bar k of symbol id sid as one COPY text row. */
static void
copy_row(struct buf *b, const char *sid, const struct candle *k)
{
	double v[5] = { k->open, k->high, k->low, k->close, k->adjclose };
	char num[40];

	buf_puts(b, sid);
	buf_putc(b, '\t');
	buf_puts(b, k->date);
	for (int j = 0; j < 5; j++) {
		market_price_text(num, sizeof(num), v[j]);
		buf_putc(b, '\t');
		buf_puts(b, num);
	}
	buf_putc(b, '\t');
	buf_put_ll(b, (long long)k->volume);
	buf_putc(b, '\n');
}

/* COPY every row of s[0..n) (symbol ids in sids) into candles_import.
 * 0, or -1 (logged). */
static int
copy_rows(struct pool *p, const struct market_series *s, size_t n, const char *const *sids,
    market_import_progress *progress, void *arg, size_t total)
{
	PGconn *conn = db_conn();
	PGresult *res;
	struct buf b;
	size_t sent = 0, in_chunk = 0;
	int ok;

	if (conn == NULL)
		return -1;
	res = PQexec(conn, SQL_COPY);
	ok = PQresultStatus(res) == PGRES_COPY_IN;
	PQclear(res);
	if (!ok) {
		log_copy_error(conn, "start");
		return -1;
	}
	buf_init(&b, p);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < s[i].c->n; j++) {
			copy_row(&b, sids[i], &s[i].c->v[j]);
			if (++in_chunk < CHUNK_ROWS && !(i + 1 == n && j + 1 == s[i].c->n))
				continue;
			if (PQputCopyData(conn, buf_cstr(&b), (int)b.len) != 1) {
				log_copy_error(conn, "data");
				PQputCopyEnd(conn, "import abandoned");
				goto drain;
			}
			sent += in_chunk;
			in_chunk = 0;
			b.len = 0;
			if (progress)
				progress(arg, sent, total);
		}
	}
	if (PQputCopyEnd(conn, NULL) != 1)
		log_copy_error(conn, "end");
drain:
	ok = 1;
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			ok = 0;
			log_copy_error(conn, "end");
		}
		PQclear(res);
	}
	return ok && sent == total ? 0 : -1;
}

/* Each series' changed rows from the merge's per-symbol counts. */
static void
count_changed(const PGresult *res, struct market_series *s, size_t n, const char *const *sids)
{
	for (size_t i = 0; i < n; i++) {
		s[i].changed = 0;
		for (int r = 0; r < PQntuples(res); r++)
			if (strcmp(db_text(res, r, 0), sids[i]) == 0)
				s[i].changed = db_int(res, r, 1);
	}
}

int
market_import_series(struct pool *p, struct market_series *s, size_t n,
    const char *source, market_import_progress *progress, void *arg, const char **why)
{
	const char **sids = pool_alloc(p, sizeof(*sids) * (n ? n : 1)), *bad_why = NULL;
	size_t total = 0, bad = 0;
	PGresult *res;
	int64_t id;

	*why = "";
	for (size_t i = 0; i < n; i++) {
		if (!valid_symbol(s[i].symbol)) {
			*why = "not a ticker symbol";
			return -1;
		}
		if (candles_validate(s[i].c, &bad, &bad_why) < 0) {
			*why = pool_printf(p, "%s: %s: %s", s[i].symbol, s[i].c->v[bad].date, bad_why);
			return -1;
		}
		total += s[i].c->n;
	}
	if (db_in_transaction()) {
		*why = "an import runs in a transaction of its own";
		return -1;
	}
	if (db_begin(p) < 0)
		goto fail;
	if (db_query(p, SQL_SETTINGS, DB_ARGS(db_i64(p, MARKET_IMPORT_TIMEOUT_MS))) == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (market_symbol_id(p, s[i].symbol, 1, &id) < 0)
			goto fail;
		sids[i] = db_i64(p, id);
	}
	if (copy_rows(p, s, n, sids, progress, arg, total) < 0) {
		db_rollback(p);
		*why = "the database refused the rows (see the log)";
		return -1;
	}
	if ((res = db_query(p, SQL_MERGE, DB_ARGS(source))) == NULL)
		goto fail;
	count_changed(res, s, n, sids);
	if (db_query(p, SQL_UNSTAGE, DB_NOARGS) == NULL || db_commit(p) < 0)
		goto fail;
	return 0;
fail:
	*why = failure(p);
	if (db_in_transaction())
		db_rollback(p);
	return -1;
}
