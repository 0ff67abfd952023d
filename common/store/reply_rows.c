/* reply_rows.c: rows of a result as JSON objects, column by descriptor. */
#include "reply_rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "buf.h"
#include "db.h"
#include "jsonv.h"

/* PostgreSQL's type oid of float8 (catalog/pg_type.h, a server header). */
#define FLOAT8_OID 701

/* A float8 column's text as the JSON number jsonv_number would print. Since
 * PostgreSQL 12 (extra_float_digits >= 1, the default) float8 is written as
 * the shortest text that reads back exactly, as plain digits from 1e-4 to
 * 1e15 the way jsonv_shortest writes them, so such a text is used as it is:
 * printing a double again costs more than the rest of a list reply. The
 * exponent forms (which differ: "2.5313752811782276e+16" against
 * "25313752811782276"), NaN, infinities and "-0" go the long way.
 * test_reply_rows_db checks the two agree on many values. */
static json_object *
float8_json(const char *t)
{
	const char *digits = t + (*t == '-');

	if (*digits < '0' || *digits > '9' || strchr(digits, 'e') != NULL ||
	    strcmp(t, "-0") == 0)
		return jsonv_number(strtod(t, NULL));
	return json_object_new_double_s(strtod(t, NULL), t);
}

json_object *
reply_col_json(const PGresult *res, int row, int col, enum reply_col_type type,
               int nullable)
{
	const char *t = db_text(res, row, col);
	json_object *v;

	if (nullable && PQgetisnull(res, row, col))
		return NULL;
	switch (type) {
	case RCOL_INT:
		return json_object_new_int64(db_int(res, row, col));
	case RCOL_NUMBER:
		if (PQftype(res, col) == FLOAT8_OID)
			return float8_json(t);
		return jsonv_number(strtod(t, NULL));
	case RCOL_DECIMAL:
		return isfinite(strtod(t, NULL)) ? json_object_new_double_s(strtod(t, NULL), t)
		                                 : NULL;
	case RCOL_BOOL:
		return json_object_new_boolean(t[0] == 't');
	case RCOL_JSON:
		v = json_tokener_parse(t);
		return v != NULL || nullable ? v : json_object_new_object();
	case RCOL_TEXT:
	default:
		return json_object_new_string(t);
	}
}

void
reply_row_add(json_object *o, const PGresult *res, int row, const struct reply_col *cols)
{
	for (const struct reply_col *c = cols; c->name != NULL; c++)
		json_object_object_add(o, c->name,
		                       reply_col_json(res, row, c->col, c->type, c->nullable));
}

json_object *
reply_row_json(const PGresult *res, int row, const struct reply_col *cols)
{
	json_object *o = json_object_new_object();

	reply_row_add(o, res, row, cols);
	return o;
}

json_object *
reply_rows_json(const PGresult *res, int limit, const struct reply_col *cols)
{
	int n = PQntuples(res);
	json_object *a;

	if (limit >= 0 && limit < n)
		n = limit;
	a = json_object_new_array_ext(n > 0 ? n : 1);
	for (int i = 0; i < n; i++)
		json_object_array_add(a, reply_row_json(res, i, cols));
	return a;
}

void
reply_rows_csv_header(struct buf *b, const struct reply_col *cols)
{
	for (int c = 0; cols[c].name; c++)
		buf_printf(b, "%s%s", c ? "," : "", cols[c].name);
	buf_puts(b, "\r\n");
}

void
reply_rows_csv(struct buf *b, const PGresult *res, const struct reply_col *cols)
{
	for (int i = 0; i < PQntuples(res); i++) {
		for (int c = 0; cols[c].name; c++) {
			if (c)
				buf_putc(b, ',');
			if (!PQgetisnull(res, i, cols[c].col))
				analysis_csv_field(b, db_text(res, i, cols[c].col));
		}
		buf_puts(b, "\r\n");
	}
}
