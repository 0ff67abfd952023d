/* journal_bets.c: due paper bets and their settlement (journal_bets.h). */
#include "journal_bets.h"

#include <stdlib.h>

#include "db.h"
#include "pool.h"

/* Bets of completed events not settled yet, in odds_due_rows' columns (a bet
 * has no devig method nor Kelly stake). */
static const char SQL_DUE[] =
	"SELECT b.id, b.event_id, b.market, b.outcome, '', b.point::float8, b.price::float8, "
	"       0::float8, e.home_team, e.away_team, e.home_score, e.away_score, "
	"       EXISTS (SELECT 1 FROM odds_prices d WHERE d.event_id = b.event_id "
	"         AND d.market = 'h2h' AND d.outcome = 'Draw') "
	"FROM journal_bets b JOIN odds_events e ON e.id = b.event_id "
	"WHERE b.result IS NULL AND e.completed "
	"ORDER BY e.commence_time, b.id LIMIT $1";

int
journal_due_bets(struct pool *p, int limit, struct odds_due **out, size_t *n)
{
	return odds_due_rows(p, SQL_DUE, limit, out, n);
}

static const char SQL_SETTLE[] =
	"UPDATE journal_bets SET result = $2, settled_at = now(), "
	"  pnl = CASE $2 WHEN 'win' THEN stake * (price - 1) WHEN 'loss' THEN -stake ELSE 0 END "
	"WHERE id = $1 AND result IS NULL";

int
journal_bet_settle(struct pool *p, int64_t id, enum odds_result r, int *updated)
{
	PGresult *res = db_query(p, SQL_SETTLE, DB_ARGS(db_i64(p, id), odds_result_name(r)));

	*updated = 0;
	if (res == NULL)
		return -1;
	*updated = atoi(PQcmdTuples(res));
	return 0;
}
