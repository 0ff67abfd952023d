/* odds_store.c: odds in the database (odds_store.h). */
#include "odds_store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jsonv.h"
#include "log.h"
#include "pool.h"

static const char SQL_BOOK[] =
	"INSERT INTO odds_books (key, title) VALUES ($1, $2) "
	"ON CONFLICT (key) DO UPDATE SET title = EXCLUDED.title "
	"WHERE odds_books.title IS DISTINCT FROM EXCLUDED.title";

/* A book named by another source: added, never renamed. */
static const char SQL_BOOK_KEEP[] =
	"INSERT INTO odds_books (key, title) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";

static const char SQL_EVENT[] =
	"INSERT INTO odds_events (id, sport_key, commence_time, home_team, away_team) "
	"VALUES ($1, $2, $3::timestamptz, $4, $5) "
	"ON CONFLICT (id) DO UPDATE SET sport_key = EXCLUDED.sport_key, "
	"  commence_time = EXCLUDED.commence_time, home_team = EXCLUDED.home_team, "
	"  away_team = EXCLUDED.away_team, updated_at = now() "
	"WHERE (odds_events.sport_key, odds_events.commence_time, odds_events.home_team, "
	"       odds_events.away_team) IS DISTINCT FROM (EXCLUDED.sport_key, "
	"       EXCLUDED.commence_time, EXCLUDED.home_team, EXCLUDED.away_team)";

static const char SQL_PRICE[] =
	"INSERT INTO odds_prices (event_id, book, market, outcome, point, price, observed_at, "
	"                         source) "
	"VALUES ($1, $2, $3, $4, $5::numeric, $6::numeric, $7::timestamptz, $8) "
	"ON CONFLICT DO NOTHING";

const char *
odds_num(struct pool *p, double v)
{
	char buf[JSONV_NUMBER_MAX];

	jsonv_shortest(buf, sizeof(buf), v);
	return pool_strdup(p, buf);
}

/* 1 when rows a and b are of the same event (resp. book). */
static int
same(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

int
odds_store_event(struct pool *p, const struct odds_row *w, int book)
{
	if (db_query(p, SQL_EVENT, DB_ARGS(w->event_id, w->sport, w->commence_time,
	             w->home_team, w->away_team)) == NULL)
		return -1;
	if (book && db_query(p, SQL_BOOK_KEEP, DB_ARGS(w->book, w->book_title)) == NULL)
		return -1;
	return 0;
}

int
odds_store_rows(struct pool *p, const struct odds_rows *r, const char *source,
                int *inserted)
{
	int own_tx = !db_in_transaction();
	PGresult *res;

	*inserted = 0;
	if (r->n == 0)
		return 0;
	if (own_tx && db_begin(p) < 0)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		const struct odds_row *w = &r->v[i];
		int new_event = i == 0 || !same(w->event_id, r->v[i - 1].event_id);
		int new_book = i == 0 || !same(w->book, r->v[i - 1].book) || new_event;

		if (new_event && odds_store_event(p, w, 0) < 0)
			goto fail;
		if (new_book && db_query(p, SQL_BOOK, DB_ARGS(w->book, w->book_title)) == NULL)
			goto fail;
		res = db_query(p, SQL_PRICE, DB_ARGS(w->event_id, w->book, w->market, w->outcome,
		               w->has_point ? odds_num(p, w->point) : NULL, odds_num(p, w->price),
		               w->observed_at, source));
		if (res == NULL)
			goto fail;
		*inserted += atoi(PQcmdTuples(res));
	}
	if (own_tx && db_commit(p) < 0)
		goto fail;
	return 0;
fail:
	if (own_tx)
		db_rollback(p);
	*inserted = 0;
	return -1;
}

int
odds_store_scores(struct pool *p, const struct odds_score *s, size_t n, int *changed)
{
	static const char sql[] =
		"INSERT INTO odds_events (id, sport_key, commence_time, home_team, away_team, "
		"                         completed, home_score, away_score) "
		"VALUES ($1, $2, $3::timestamptz, $4, $5, $6::boolean, $7, $8) "
		"ON CONFLICT (id) DO UPDATE SET completed = EXCLUDED.completed, "
		"  home_score = EXCLUDED.home_score, away_score = EXCLUDED.away_score, "
		"  updated_at = now() "
		"WHERE (odds_events.completed, odds_events.home_score, odds_events.away_score) "
		"  IS DISTINCT FROM (EXCLUDED.completed, EXCLUDED.home_score, EXCLUDED.away_score)";
	int own_tx = !db_in_transaction();
	PGresult *res;

	*changed = 0;
	if (own_tx && db_begin(p) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		res = db_query(p, sql, DB_ARGS(s[i].event_id, s[i].sport, s[i].commence_time,
		               s[i].home_team, s[i].away_team, s[i].completed ? "true" : "false",
		               s[i].home_score, s[i].away_score));
		if (res == NULL)
			goto fail;
		*changed += atoi(PQcmdTuples(res));
	}
	if (own_tx && db_commit(p) < 0)
		goto fail;
	return 0;
fail:
	if (own_tx)
		db_rollback(p);
	*changed = 0;
	return -1;
}

int
odds_store_sports(struct pool *p, const struct odds_sport *s, size_t n)
{
	static const char sql[] =
		"INSERT INTO odds_sports (key, grp, title, description, active, has_outrights) "
		"VALUES ($1, $2, $3, $4, $5::boolean, $6::boolean) "
		"ON CONFLICT (key) DO UPDATE SET grp = EXCLUDED.grp, title = EXCLUDED.title, "
		"  description = EXCLUDED.description, active = EXCLUDED.active, "
		"  has_outrights = EXCLUDED.has_outrights, updated_at = now()";

	for (size_t i = 0; i < n; i++)
		if (db_query(p, sql, DB_ARGS(s[i].key, s[i].group ? s[i].group : "",
		             s[i].title ? s[i].title : "", s[i].description ? s[i].description : "",
		             s[i].active ? "true" : "false",
		             s[i].has_outrights ? "true" : "false")) == NULL)
			return -1;
	return 0;
}

int
odds_store_quota(struct pool *p, const char *provider, const char *remaining,
                 const char *used, const char *last_cost)
{
	static const char sql[] =
		"INSERT INTO odds_quota (provider, remaining, used, last_cost) "
		"VALUES ($1, $2::bigint, $3::bigint, $4::bigint) "
		"ON CONFLICT (provider) DO UPDATE SET remaining = EXCLUDED.remaining, "
		"  used = EXCLUDED.used, last_cost = EXCLUDED.last_cost, updated_at = now()";

	return db_query(p, sql, DB_ARGS(provider, remaining, used, last_cost)) ? 0 : -1;
}

int
odds_quota_remaining(struct pool *p, const char *provider, int64_t *remaining)
{
	PGresult *res = db_query(p, "SELECT remaining FROM odds_quota WHERE provider = $1 "
	                         "AND remaining IS NOT NULL", DB_ARGS(provider));

	if (res == NULL)
		return -1;
	*remaining = PQntuples(res) ? db_int(res, 0, 0) : -1;
	return 0;
}

static const char SQL_LATEST[] =
	"SELECT DISTINCT ON (p.event_id, p.book, p.market, p.outcome, COALESCE(p.point, 'NaN')) "
	"       p.event_id, e.sport_key, " DB_TIME("e.commence_time") ", e.home_team, "
	"       e.away_team, p.book, b.title, p.market, p.outcome, p.price::float8, "
	"       p.point::float8, " DB_TIME("p.observed_at") " "
	"FROM odds_prices p JOIN odds_events e ON e.id = p.event_id "
	"JOIN odds_books b ON b.key = p.book "
	"WHERE ($1::text IS NULL OR e.sport_key = $1) "
	"  AND ($2::text IS NULL AND e.commence_time > now() OR e.id = $2) "
	"ORDER BY p.event_id, p.book, p.market, p.outcome, COALESCE(p.point, 'NaN'), "
	"         p.observed_at DESC";

static const char SQL_CLOSING[] =
	"SELECT c.event_id, e.sport_key, " DB_TIME("e.commence_time") ", e.home_team, "
	"       e.away_team, c.book, b.title, c.market, c.outcome, c.price::float8, "
	"       c.point::float8, " DB_TIME("c.observed_at") " "
	"FROM odds_closing_prices c JOIN odds_events e ON e.id = c.event_id "
	"JOIN odds_books b ON b.key = c.book WHERE c.event_id = $1 "
	"ORDER BY c.book, c.market, c.outcome, c.point";

/* The price rows of res (SQL_LATEST's columns) into *out. 0, or -1. */
static int
rows_of(struct pool *p, PGresult *res, struct odds_rows *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (res == NULL)
		return -1;
	n = (size_t)PQntuples(res);
	out->v = pool_alloc(p, (n + 1) * sizeof(*out->v));
	for (size_t i = 0; i < n; i++) {
		struct odds_row *w = &out->v[i];
		int k = (int)i;

		w->event_id = pool_strdup(p, db_text(res, k, 0));
		w->sport = pool_strdup(p, db_text(res, k, 1));
		w->commence_time = pool_strdup(p, db_text(res, k, 2));
		w->home_team = pool_strdup(p, db_text(res, k, 3));
		w->away_team = pool_strdup(p, db_text(res, k, 4));
		w->book = pool_strdup(p, db_text(res, k, 5));
		w->book_title = pool_strdup(p, db_text(res, k, 6));
		w->market = pool_strdup(p, db_text(res, k, 7));
		w->outcome = pool_strdup(p, db_text(res, k, 8));
		w->price = strtod(db_text(res, k, 9), NULL);
		w->has_point = !PQgetisnull(res, k, 10);
		w->point = w->has_point ? strtod(db_text(res, k, 10), NULL) : 0;
		w->observed_at = pool_strdup(p, db_text(res, k, 11));
	}
	out->n = n;
	return 0;
}

int
odds_latest_rows(struct pool *p, const char *sport, const char *event_id,
                 struct odds_rows *out)
{
	return rows_of(p, db_query(p, SQL_LATEST, DB_ARGS(sport, event_id)), out);
}

int
odds_closing_rows(struct pool *p, const char *event_id, struct odds_rows *out)
{
	return rows_of(p, db_query(p, SQL_CLOSING, DB_ARGS(event_id)), out);
}

static const char SQL_HIT[] =
	"INSERT INTO ev_hits (event_id, sport_key, market, outcome, point, book, price, "
	"  fair_prob, ev, kelly, method, fair_source, hold, observed_at, commence_time, "
	"  source, user_id) "
	"VALUES ($1, $2, $3, $4, $5::numeric, $6, $7::numeric, $8::float8, $9::float8, "
	"  $10::float8, $11, $12, $13::float8, $14::timestamptz, $15::timestamptz, $16, "
	"  $17::bigint) "
	"ON CONFLICT DO NOTHING RETURNING id";

static const char SQL_HIT_ID[] =
	"SELECT id FROM ev_hits WHERE event_id = $1 AND market = $2 AND outcome = $3 "
	"AND COALESCE(point, 'NaN') = COALESCE($4::numeric, 'NaN') AND book = $5 "
	"AND price = $6::numeric AND observed_at = $7::timestamptz AND source = $8 "
	"AND COALESCE(user_id, 0) = COALESCE($9::bigint, 0)";

static const char SQL_CROSS[] =
	"INSERT INTO hits (domain, key, score, title, payload, observed_at) "
	"SELECT 'odds', 'ev:' || h.id, LEAST(100, GREATEST(0, round((h.ev * 1000)::numeric, 2))), "
	"       h.outcome || COALESCE(' ' || h.point, '') || ' at ' || h.price || ' (' || "
	"       b.title || ', ' || to_char(h.ev * 100, 'FM990.0') || '% EV)', "
	"       jsonb_build_object('hit_id', h.id, 'event_id', h.event_id, 'sport', h.sport_key, "
	"         'market', h.market, 'outcome', h.outcome, 'point', h.point, 'book', h.book, "
	"         'price', h.price, 'fair_prob', h.fair_prob, 'ev', h.ev, 'kelly', h.kelly, "
	"         'method', h.method, 'commence_time', h.commence_time), h.observed_at "
	"FROM ev_hits h JOIN odds_books b ON b.key = h.book WHERE h.id = $1 "
	"ON CONFLICT (domain, key) DO NOTHING";

/* Publish the new hit for the feed and alerts (delivered on commit). */
static const char SQL_NOTIFY[] =
	"SELECT pg_notify('" ODDS_HITS_CHANNEL "', id::text) FROM hits "
	"WHERE domain = 'odds' AND key = 'ev:' || $1";

int
odds_store_hit(struct pool *p, const struct odds_row *r, const struct odds_eval *e,
               const char *method, const char *source, int64_t user_id,
               int64_t *id, int *created)
{
	const char *point = r->has_point ? odds_num(p, r->point) : NULL;
	const char *price = odds_num(p, r->price);
	PGresult *res;

	*created = 0;
	res = db_query(p, SQL_HIT, DB_ARGS(r->event_id, r->sport, r->market, r->outcome, point,
	               r->book, price, odds_num(p, e->fair), odds_num(p, e->ev),
	               odds_num(p, e->kelly), method, e->source ? e->source : "consensus",
	               isfinite(e->hold) ? odds_num(p, e->hold) : NULL, r->observed_at,
	               r->commence_time, source, user_id > 0 ? db_i64(p, user_id) : NULL));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*id = db_int(res, 0, 0);
		*created = 1;
		return db_query(p, SQL_CROSS, DB_ARGS(db_i64(p, *id))) &&
		       db_query(p, SQL_NOTIFY, DB_ARGS(db_i64(p, *id))) ? 0 : -1;
	}
	res = db_query(p, SQL_HIT_ID, DB_ARGS(r->event_id, r->market, r->outcome, point,
	               r->book, price, r->observed_at, source,
	               user_id > 0 ? db_i64(p, user_id) : NULL));
	if (res == NULL || PQntuples(res) != 1) {
		log_kv(LOG_WARN, "odds: a hit neither inserted nor found", "event", r->event_id, NULL);
		return -1;
	}
	*id = db_int(res, 0, 0);
	return 0;
}
