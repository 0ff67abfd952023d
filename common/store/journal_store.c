/* journal_store.c: the journal's trades from the database (journal_store.h). */
#include "journal_store.h"

#include <stdlib.h>

#include "db.h"
#include "pool.h"

const struct reply_col journal_trade_cols[] = {
	{ "id",          0,  RCOL_INT,     0 },
	{ "symbol",      1,  RCOL_TEXT,    0 },
	{ "side",        2,  RCOL_TEXT,    0 },
	{ "quantity",    3,  RCOL_DECIMAL, 0 },
	{ "entry_price", 4,  RCOL_DECIMAL, 0 },
	{ "opened_at",   5,  RCOL_TEXT,    0 },
	{ "exit_price",  6,  RCOL_DECIMAL, RCOL_NULLABLE },
	{ "closed_at",   7,  RCOL_TEXT,    RCOL_NULLABLE },
	{ "fees",        8,  RCOL_DECIMAL, 0 },
	{ "tags",        9,  RCOL_JSON,    0 },
	{ "signal_id",   10, RCOL_INT,     RCOL_NULLABLE },
	{ "note",        11, RCOL_TEXT,    0 },
	{ "status",      12, RCOL_TEXT,    0 },
	{ "pnl",         13, RCOL_DECIMAL, RCOL_NULLABLE },
	{ "created_at",  14, RCOL_TEXT,    0 },
	{ "updated_at",  15, RCOL_TEXT,    0 },
	{ NULL }
};

#define DAY_OF(col) "((" col " AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"

static const char SQL_TRADES[] =
	"SELECT " DAY_OF("opened_at") ", COALESCE(" DAY_OF("closed_at") ", -1), "
	"       COALESCE(pnl, 0)::float8 "
	"FROM journal_trades WHERE user_id = $1 "
	"ORDER BY closed_at IS NULL, closed_at, id";

int
journal_store_trades(struct pool *p, int64_t user_id, struct journal_trade **out, size_t *n)
{
	PGresult *res = db_query(p, SQL_TRADES, DB_ARGS(db_i64(p, user_id)));
	int rows;

	*out = NULL;
	*n = 0;
	if (res == NULL)
		return -1;
	rows = PQntuples(res);
	*out = pool_alloc(p, sizeof(**out) * (size_t)(rows > 0 ? rows : 1));
	for (int i = 0; i < rows; i++)
		(*out)[i] = (struct journal_trade){ .opened = db_int(res, i, 0),
		                                    .closed = db_int(res, i, 1),
		                                    .pnl = strtod(db_text(res, i, 2), NULL) };
	*n = (size_t)rows;
	return 0;
}
