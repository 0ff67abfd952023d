/* odds_results.c: hits due for settlement and their settlement
 * (odds_results.h). */
#include "odds_results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "odds_store.h"
#include "pool.h"

static const char SQL_DUE[] =
	"SELECT h.id, h.event_id, h.market, h.outcome, h.method, h.point::float8, "
	"       h.price::float8, h.kelly, e.home_team, e.away_team, e.home_score, "
	"       e.away_score, EXISTS (SELECT 1 FROM odds_prices d WHERE d.event_id = h.event_id "
	"         AND d.market = 'h2h' AND d.outcome = 'Draw') "
	"FROM ev_hits h JOIN odds_events e ON e.id = h.event_id "
	"WHERE h.settled_at IS NULL AND e.completed "
	"ORDER BY e.commence_time, h.id LIMIT $1";

int
odds_due_rows(struct pool *p, const char *sql, int limit, struct odds_due **out, size_t *n)
{
	PGresult *res = db_query(p, sql, DB_ARGS(pool_printf(p, "%d", limit)));
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
			.method = pool_strdup(p, db_text(res, k, 4)),
			.has_point = !PQgetisnull(res, k, 5),
			.price = strtod(db_text(res, k, 6), NULL),
			.kelly = strtod(db_text(res, k, 7), NULL),
			.home_team = pool_strdup(p, db_text(res, k, 8)),
			.away_team = pool_strdup(p, db_text(res, k, 9)),
			.home_score = PQgetisnull(res, k, 10) ? NULL : pool_strdup(p, db_text(res, k, 10)),
			.away_score = PQgetisnull(res, k, 11) ? NULL : pool_strdup(p, db_text(res, k, 11)),
			.has_draw = strcmp(db_text(res, k, 12), "t") == 0,
		};
		d[k].point = d[k].has_point ? strtod(db_text(res, k, 5), NULL) : 0;
	}
	return 0;
}

int
odds_due_hits(struct pool *p, int limit, struct odds_due **out, size_t *n)
{
	return odds_due_rows(p, SQL_DUE, limit, out, n);
}

int
odds_due_sports(struct pool *p, const char ***out, size_t *n)
{
	PGresult *res = db_query(p, "SELECT DISTINCT sport_key FROM ev_hits "
	                            "WHERE settled_at IS NULL AND commence_time < now() "
	                            "ORDER BY 1", DB_NOARGS);

	*out = NULL;
	*n = 0;
	if (res == NULL)
		return -1;
	*n = (size_t)PQntuples(res);
	*out = pool_alloc(p, (*n + 1) * sizeof(**out));
	for (int k = 0; k < (int)*n; k++)
		(*out)[k] = pool_strdup(p, db_text(res, k, 0));
	return 0;
}

static const char SQL_SETTLE[] =
	"UPDATE ev_hits SET result = $2, profit_flat = $3::float8, profit_kelly = $4::float8, "
	"  closing_fair_price = $5::float8, clv = $6::float8, settled_at = now() "
	"WHERE id = $1 AND settled_at IS NULL";

/* v as SQL text, or NULL when not finite. */
static const char *
num_or_null(struct pool *p, double v)
{
	return isfinite(v) ? odds_num(p, v) : NULL;
}

int
odds_hit_settle(struct pool *p, int64_t id, enum odds_result r, double profit_flat,
                double profit_kelly, double closing_fair_price, double clv, int *updated)
{
	PGresult *res = db_query(p, SQL_SETTLE, DB_ARGS(pool_printf(p, "%lld", (long long)id),
	    odds_result_name(r), odds_num(p, profit_flat), odds_num(p, profit_kelly),
	    num_or_null(p, closing_fair_price), num_or_null(p, clv)));

	*updated = 0;
	if (res == NULL)
		return -1;
	*updated = atoi(PQcmdTuples(res));
	return 0;
}
