/* journal_store.h: the paper-trading journal's rows (sql/016_journal.sql):
 * a trade as the replies show it, and a user's trades as the measures of
 * journal.h take them. */
#ifndef EDGESCOUT_JOURNAL_STORE_H
#define EDGESCOUT_JOURNAL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "journal.h"
#include "reply_rows.h"

struct pool;

/* The columns of a trade (journal_trade_cols), FROM journal_trades t. */
#define JOURNAL_SELECT_TRADE \
	"SELECT t.id, t.symbol, t.side, trim_scale(t.quantity), trim_scale(t.entry_price), " \
	"       " DB_TIME("t.opened_at") ", trim_scale(t.exit_price), " \
	"       " DB_TIME("t.closed_at") ", trim_scale(t.fees), to_json(t.tags), t.signal_id, " \
	"       t.note, CASE WHEN t.exit_price IS NULL THEN 'open' ELSE 'closed' END, " \
	"       trim_scale(t.pnl), " DB_TIME("t.created_at") ", " DB_TIME("t.updated_at") ", " \
	"       array_to_string(t.tags, ';') " \
	"FROM journal_trades t "

/* A page of user $1's trades, newest first, filtered by symbol ($2), side
 * ($3), status ($4), tag ($5), opened from and to ($6, $7), after id $8
 * (0: the first page), at most $9. */
#define JOURNAL_SELECT_PAGE \
	JOURNAL_SELECT_TRADE "WHERE t.user_id = $1 AND ($2::text IS NULL OR t.symbol = $2) " \
	"  AND ($3::text IS NULL OR t.side = $3) " \
	"  AND ($4::text IS NULL OR (t.exit_price IS NULL) = ($4 = 'open')) " \
	"  AND ($5::text IS NULL OR $5 = ANY (t.tags)) " \
	"  AND ($6::timestamptz IS NULL OR t.opened_at >= $6) " \
	"  AND ($7::timestamptz IS NULL OR t.opened_at <= $7) " \
	"  AND ($8::bigint = 0 OR t.id < $8) ORDER BY t.id DESC LIMIT $9"

/* Column 16 of JOURNAL_SELECT_TRADE: the tags joined by ';' (CSV). */
#define JOURNAL_COL_TAGS_TEXT 16

/* The reply shape of a trade (openapi_schema.c). */
#define JOURNAL_TRADE_SHAPE \
	"{id:int, symbol:str, side:str, quantity:num, entry_price:num, opened_at:str, " \
	"exit_price:num?, closed_at:str?, fees:num, tags:[str], signal_id:int?, note:str, " \
	"status:str, pnl:num?, created_at:str, updated_at:str}"

/* A row of JOURNAL_SELECT_TRADE as reply JSON (reply_rows.h). */
extern const struct reply_col journal_trade_cols[];

/* Every trade of user_id into *out (*n, pool memory): the closed ones in
 * closing order (time, then id), then the open ones. 0, or -1 on DB
 * failure (logged). */
int journal_store_trades(struct pool *p, int64_t user_id, struct journal_trade **out,
                         size_t *n);

#endif
