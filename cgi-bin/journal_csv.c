/* journal_csv.c: the caller's paper trades as CSV (RFC 4180), and trades
 * imported from such a CSV: the export's columns, in any order, all rows
 * written or none. */
#include "app.h"

#include <string.h>

#include "analysis.h"
#include "journal_req.h"
#include "journal_store.h"
#include "provider_parse.h"

static int export_csv(struct req *r);
static int import_csv(struct req *r);

#define CSV_PAGE 1000
#define IMPORT_MAX_BYTES 262144
#define IMPORT_MAX_ROWS 2000

static const struct param export_query[] = { JOURNAL_FILTERS, { 0 } };

static const struct param import_body[] = {
	{ .name = "csv", .type = PARAM_STRING, .required = 1, .min = 1, .max = IMPORT_MAX_BYTES,
	  .desc = "CSV with a header row naming the export's columns: symbol, quantity, "
	          "entry_price and opened_at required; side, exit_price, closed_at, fees, "
	          "tags (joined by ;), signal_id, note optional; id, status, pnl ignored" },
	{ 0 }
};

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/journal/trades.csv", .handler = export_csv,
	  .flags = NEED_SCOPE(SCOPE_EXPORT), .query = export_query, .reply = "str",
	  .media = "text/csv", .summary = "the caller's trades as CSV, newest first, streamed" },
	{ .method = "POST", .path = "/api/journal/import", .handler = import_csv,
	  .flags = NEED_AUTH | NEED_JSON, .body = import_body, .status = 201,
	  .reply = "{imported:int, open:int}",
	  .summary = "import trades from CSV: every row or none" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* The CSV columns: name and column of JOURNAL_SELECT_TRADE. The first
 * IMPORTED are the ones an import reads. */
static const struct {
	const char *name;
	int col;
} columns[] = {
	{ "symbol", 1 }, { "side", 2 }, { "quantity", 3 }, { "entry_price", 4 },
	{ "opened_at", 5 }, { "exit_price", 6 }, { "closed_at", 7 }, { "fees", 8 },
	{ "tags", JOURNAL_COL_TAGS_TEXT }, { "signal_id", 10 }, { "note", 11 },
	{ "id", 0 }, { "status", 12 }, { "pnl", 13 },
};

enum { C_SYMBOL, C_SIDE, C_QUANTITY, C_ENTRY, C_OPENED, C_EXIT, C_CLOSED, C_FEES, C_TAGS,
       C_SIGNAL, C_NOTE, IMPORTED, NCOLUMNS = sizeof(columns) / sizeof(columns[0]) };

static const char SQL_PAGE[] = JOURNAL_SELECT_PAGE;

static PGresult *
page_query(struct req *r, int64_t cursor)
{
	return db_query(r->pool, SQL_PAGE, DB_ARGS(db_i64(r->pool, r->user->id),
	    req_str(r, "symbol"), req_str(r, "side"), req_str(r, "status"), req_str(r, "tag"),
	    req_str(r, "opened_from"), req_str(r, "opened_to"), db_i64(r->pool, cursor),
	    db_i64(r->pool, CSV_PAGE)));
}

/* GET /api/journal/trades.csv?(the list's filters): every trade the list
 * would page through, the columns above (id first), empty for null. */
static int
export_csv(struct req *r)
{
	static const int order[] = { 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13 };
	PGresult *res = page_query(r, 0);
	struct buf b;
	int n;

	if (res == NULL)
		return db_failure_reply(r);
	buf_init(&b, r->pool);
	for (size_t c = 0; c < NCOLUMNS; c++)
		buf_printf(&b, "%s%s", c ? "," : "", columns[order[c]].name);
	buf_puts(&b, "\r\n");
	reply_header(r, "Content-Disposition", "attachment; filename=\"edgescout-journal.csv\"");
	reply_stream_begin(r, 200, "text/csv; charset=utf-8; header=present");
	for (;;) {
		n = PQntuples(res);
		for (int i = 0; i < n; i++) {
			for (size_t c = 0; c < NCOLUMNS; c++) {
				if (c)
					buf_putc(&b, ',');
				analysis_csv_field(&b, db_text(res, i, columns[order[c]].col));
			}
			buf_puts(&b, "\r\n");
		}
		if (reply_write(r, b.data, b.len) < 0 || n < CSV_PAGE)
			break;
		b.len = 0;
		if ((res = page_query(r, db_int(res, n - 1, 0))) == NULL) {
			log_kv(LOG_ERROR, "journal: CSV: a page failed; reply cut short", NULL);
			break;
		}
	}
	return r->status;
}

/* One field as a pool string, a quoted field's doubled quotes undone. */
static const char *
field_text(struct req *r, struct prov_span f)
{
	char *s = pool_alloc(r->pool, f.n + 1), *o = s;

	for (size_t i = 0; i < f.n; i++) {
		*o++ = f.s[i];
		if (f.s[i] == '"' && i + 1 < f.n && f.s[i + 1] == '"')
			i++;
	}
	*o = '\0';
	return s;
}

/* The header's columns into at[] (the field index of each imported column,
 * -1 when absent); -1 after replying 422. */
static int
header_or_reply(struct req *r, struct prov_csv *c, int *at)
{
	struct prov_span f[PROV_CSV_MAX_FIELDS];
	size_t nf, k;
	const char *why = "the CSV is empty";

	for (k = 0; k < IMPORTED; k++)
		at[k] = -1;
	if (c->n == 0 || prov_csv_record(c, f, &nf, &why) < 0)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "csv", "header: %s", why), -1;
	for (size_t i = 0; i < nf; i++) {
		const char *name = field_text(r, f[i]);

		for (k = 0; k < NCOLUMNS && strcmp(columns[k].name, name) != 0; k++)
			;
		if (k == NCOLUMNS || (k < IMPORTED && at[k] >= 0))
			return reply_errorf(r, ERR_VALIDATION_FAILED, "csv", "header: %s column %s",
			                    k == NCOLUMNS ? "unknown" : "repeated",
			                    valid_utf8_trunc(r->pool, name, 40)), -1;
		if (k < IMPORTED)
			at[k] = (int)i;
	}
	for (k = 0; k < C_EXIT; k++)
		if (k != C_SIDE && at[k] < 0)
			return reply_errorf(r, ERR_VALIDATION_FAILED, "csv", "header: no %s column",
			                    columns[k].name), -1;
	return 0;
}

/* The reason value v of column k is not valid, or NULL (v "" is absent). */
static const char *
value_fault(int k, const char *v)
{
	double d;

	if (*v == '\0')
		return k == C_SYMBOL || k == C_QUANTITY || k == C_ENTRY || k == C_OPENED ?
		       "is required" : NULL;
	switch (k) {
	case C_SYMBOL: return valid_symbol(v) ? NULL : "is not a ticker";
	case C_SIDE: return valid_enum(v, journal_sides) >= 0 ? NULL : "must be buy or sell";
	case C_QUANTITY: case C_ENTRY: case C_EXIT: case C_FEES:
		if (valid_decimal(v, 13, 12, 0, &d) < 0 || (k != C_FEES && d <= 0))
			return k == C_FEES ? "must be a decimal of at least 0" : "must be a decimal above 0";
		return NULL;
	case C_OPENED: case C_CLOSED: return odds_time_valid(v) ? NULL : JOURNAL_TIME_RULE;
	case C_SIGNAL: return valid_i64(v, 1, INT64_MAX, NULL) == 0 ? NULL : "is not an id";
	case C_NOTE: return valid_text(v, 0, 2000, 8000) == 0 ? NULL : "is not text of 2000 characters";
	default: return NULL;
	}
}

/* The tags cell "a;b" as a text[] parameter, or NULL after setting *why. */
static const char *
tags_of(struct req *r, const char *v, const char **why)
{
	const char *tags[11];
	int n = 0;
	char *s = pool_strdup(r->pool, v), *save = NULL;

	for (char *t = strtok_r(s, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		if (n == 10 || !journal_tag_valid(t))
			return *why = n == 10 ? "tags: at most 10" : "tags: " JOURNAL_TAG_RULE, NULL;
		tags[n++] = t;
	}
	return db_text_array(r->pool, tags, n);
}

static const char SQL_LOCK_USER[] =
	"SELECT daily_limit FROM tier_quotas q JOIN users u ON q.tier = u.tier "
	"WHERE u.id = $1 AND q.quota_class = 'journal_open' FOR UPDATE OF u";

static const char SQL_INSERT[] =
	"INSERT INTO journal_trades (user_id, symbol, side, quantity, entry_price, opened_at, "
	"  exit_price, closed_at, fees, tags, signal_id, note) "
	"VALUES ($1, $2, COALESCE($3, 'buy'), $4::numeric, $5::numeric, $6::timestamptz, "
	"  $7::numeric, $8::timestamptz, COALESCE($9::numeric, 0), $10::text[], $11::bigint, "
	"  COALESCE($12, ''))";

static const char SQL_OPEN[] =
	"SELECT count(*) FROM journal_trades WHERE user_id = $1 AND exit_price IS NULL";

/* One record of the CSV as a row of the caller's; 0, or -1 after replying
 * (422 naming the line for a bad value or a trade the table refuses). */
static int
row_or_reply(struct req *r, const int *at, struct prov_span *f, size_t nf, size_t line)
{
	const char *v[IMPORTED], *why = NULL, *tags = "{}";

	for (int k = 0; k < IMPORTED && why == NULL; k++) {
		v[k] = at[k] >= 0 && (size_t)at[k] < nf ? field_text(r, f[at[k]]) : "";
		if ((why = value_fault(k, v[k])) != NULL)
			why = pool_printf(r->pool, "%s %s", columns[k].name, why);
	}
	if (why == NULL && (*v[C_EXIT] == '\0') != (*v[C_CLOSED] == '\0'))
		why = "exit_price and closed_at go together";
	if (why == NULL && *v[C_TAGS])
		tags = tags_of(r, v[C_TAGS], &why);
	if (why != NULL)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "csv", "line %zu: %s", line, why), -1;
	for (int k = 0; k < IMPORTED; k++)
		v[k] = *v[k] ? v[k] : NULL;
	if (db_query(r->pool, SQL_INSERT, DB_ARGS(db_i64(r->pool, r->user->id), v[C_SYMBOL],
	    v[C_SIDE], v[C_QUANTITY], v[C_ENTRY], v[C_OPENED], v[C_EXIT], v[C_CLOSED], v[C_FEES],
	    tags, v[C_SIGNAL], v[C_NOTE])) != NULL)
		return 0;
	if (strncmp(db_sqlstate(), "23", 2) != 0)
		return db_failure_reply(r), -1;
	return reply_errorf(r, ERR_VALIDATION_FAILED, "csv", "line %zu: %s", line,
	                    strcmp(db_sqlstate(), "23503") == 0 ? "signal_id names no signal"
	                    : "closed_at is before opened_at"), -1;
}

/* POST /api/journal/import {csv}: 201 {imported, open}; a bad row is a
 * 422 naming its line, and nothing is written. */
static int
import_csv(struct req *r)
{
	const char *text = req_str(r, "csv");
	struct prov_csv c = { .s = text, .n = strlen(text), .line = 1 };
	struct prov_span f[PROV_CSV_MAX_FIELDS];
	int at[IMPORTED];
	size_t nf, rows = 0;
	const char *why;
	PGresult *lim, *open;
	json_object *o;

	if (header_or_reply(r, &c, at) < 0 || db_begin_or_reply(r) < 0 ||
	    (lim = db_query_or_reply(r, SQL_LOCK_USER, DB_ARGS(db_i64(r->pool, r->user->id))))
	    == NULL)
		return r->status;
	while (c.i < c.n && !prov_csv_rest_blank(&c)) {
		size_t line = c.line;

		if (prov_csv_record(&c, f, &nf, &why) < 0)
			return reply_errorf(r, ERR_VALIDATION_FAILED, "csv", "line %zu: %s", line, why);
		if (++rows > IMPORT_MAX_ROWS)
			return reply_errorf(r, ERR_VALIDATION_FAILED, "csv", "at most %d rows",
			                    IMPORT_MAX_ROWS);
		if (row_or_reply(r, at, f, nf, line) < 0)
			return r->status;
	}
	if ((open = db_query_or_reply(r, SQL_OPEN, DB_ARGS(db_i64(r->pool, r->user->id)))) == NULL)
		return r->status;
	if (PQntuples(lim) > 0 && db_int(open, 0, 0) > db_int(lim, 0, 0))
		return reply_errorf(r, ERR_FORBIDDEN, NULL, "your tier allows %lld open trades",
		                    (long long)db_int(lim, 0, 0));
	if (db_commit_or_reply(r) < 0)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "imported", json_object_new_int64((int64_t)rows));
	json_object_object_add(o, "open", json_object_new_int64(db_int(open, 0, 0)));
	return reply_json(r, 201, o);
}
