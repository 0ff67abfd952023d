/* reply_rows.h: database rows as reply JSON, from a table of column
 * descriptors (name, column, type, nullable) instead of code per column:
 *
 *     static const struct reply_col KEY_COLS[] = {
 *         { "id",         0, RCOL_INT,  0 },
 *         { "name",       1, RCOL_TEXT, 0 },
 *         { "revoked_at", 4, RCOL_TEXT, RCOL_NULLABLE },
 *         { NULL }
 *     };
 *     json_object_object_add(o, "api_keys", reply_rows_json(res, -1, KEY_COLS));
 *
 * Every object returned is a new part for the caller's parent (or for
 * pool_json when it is the root), as pool_json.h says. */
#ifndef EDGESCOUT_REPLY_ROWS_H
#define EDGESCOUT_REPLY_ROWS_H

#include <json-c/json.h>
#include <libpq-fe.h>

enum reply_col_type {
	RCOL_TEXT,     /* string */
	RCOL_INT,      /* 64-bit integer */
	RCOL_NUMBER,   /* number, printed shortest exact (jsonv_number); null if not finite */
	RCOL_BOOL,     /* PostgreSQL's 't' / 'f' */
	RCOL_JSON,     /* json or jsonb text, parsed */
	RCOL_DECIMAL,  /* numeric: a JSON number written exactly as the column's
	                  text ("12.50"), never through a double */
};

#define RCOL_NULLABLE 1

struct reply_col {
	const char *name;            /* key in the reply; NULL ends a table */
	int col;                     /* column of the result */
	enum reply_col_type type;
	int nullable;                /* RCOL_NULLABLE: SQL NULL is JSON null; 0: the
	                                column is NOT NULL (a NULL gives "", 0, false
	                                or {}) */
};

/* Column col of row as JSON of type; NULL (JSON null) for a SQL NULL when
 * nullable. A new part. */
json_object *reply_col_json(const PGresult *res, int row, int col,
                            enum reply_col_type type, int nullable);

/* Add the columns of cols of row to object o, in the table's order. */
void reply_row_add(json_object *o, const PGresult *res, int row,
                   const struct reply_col *cols);

/* Row as a new JSON object of the columns of cols. */
json_object *reply_row_json(const PGresult *res, int row, const struct reply_col *cols);

/* The first limit rows of res (every row when limit < 0) as a new JSON
 * array of reply_row_json objects. */
json_object *reply_rows_json(const PGresult *res, int limit, const struct reply_col *cols);

struct buf;

/* Append the names of cols to b as a CSV header line (CRLF-ended). */
void reply_rows_csv_header(struct buf *b, const struct reply_col *cols);

/* Append every row of res to b as RFC 4180 records of cols' columns, in
 * their text form (SQL NULL: an empty field). */
void reply_rows_csv(struct buf *b, const PGresult *res, const struct reply_col *cols);

#endif
