/* journal_bets.c: due paper bets and their settlement (journal_bets.h). */
#include "journal_bets.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pool.h"

static const char SQL_DUE[] =
	"SELECT b.id, b.event_id, b.market, b.outcome, b.point::float8, b.price::float8, "
	"       e.home_team, e.away_team, e.home_score, e.away_score, "
	"       EXISTS (SELECT 1 FROM odds_prices d WHERE d.event_id = b.event_id "
	"         AND d.market = 'h2h' AND d.outcome = 'Draw') "
	"FROM journal_bets b JOIN odds_events e ON e.id = b.event_id "
	"WHERE b.result IS NULL AND e.completed "
	"ORDER BY e.commence_time, b.id LIMIT $1";

int
journal_due_bets(struct pool *p, int limit, struct odds_due **out, size_t *n)
{
	PGresult *res = db_query(p, SQL_DUE, DB_ARGS(pool_printf(p, "%d", limit)));
	struct odds_due *d;

	*out = NULL;
	*n = 0;
	if (res == NULL)
		return -1;
	*n = (size_t)PQntuples(res);
	d = *out = pool_alloc(p, (*n + 1) * sizeof(*d));
	for (int k = 0; k < (int)*n; k++) {
		d[k] = (struct odds_due){
			.id = db_int(res, k, 0),
			.event_id = pool_strdup(p, db_text(res, k, 1)),
			.market = pool_strdup(p, db_text(res, k, 2)),
			.outcome = pool_strdup(p, db_text(res, k, 3)),
			.method = "",
			.has_point = !PQgetisnull(res, k, 4),
			.price = strtod(db_text(res, k, 5), NULL),
			.home_team = pool_strdup(p, db_text(res, k, 6)),
			.away_team = pool_strdup(p, db_text(res, k, 7)),
			.home_score = PQgetisnull(res, k, 8) ? NULL : pool_strdup(p, db_text(res, k, 8)),
			.away_score = PQgetisnull(res, k, 9) ? NULL : pool_strdup(p, db_text(res, k, 9)),
			.has_draw = strcmp(db_text(res, k, 10), "t") == 0,
		};
		d[k].point = d[k].has_point ? strtod(db_text(res, k, 4), NULL) : 0;
	}
	return 0;
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
