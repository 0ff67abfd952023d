/* deal_store.c: saved searches, listings, scores and deals hits
 * (deal_store.h). */
#include "deal_store.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "jsonv.h"
#include "log.h"
#include "pool.h"
#include "pool_json.h"

static const char SQL_SEARCH[] =
	"SELECT id, user_id, name, to_json(keywords_all)::text, to_json(keywords_any)::text, "
	"       to_json(keywords_not)::text, to_json(exclude_words)::text, category, "
	"       to_json(conditions)::text, to_json(buying_options)::text, min_price::float8, "
	"       max_price::float8, max_shipping::float8, location, every_minutes "
	"FROM deal_searches WHERE id = $1";

/* One statement: the reply's listings upserted (an item id twice, as pages
 * that shifted between calls can give, once), their price changes kept,
 * the search's other live listings ended when the reply was complete ($4). */
static const char SQL_STORE[] =
	"WITH inp AS (SELECT DISTINCT ON (item_id) * FROM jsonb_to_recordset($3::jsonb) "
	"    AS x(item_id text, title text, price numeric, currency text, shipping numeric, "
	"    condition text, feedback_pct numeric, feedback_score integer, url text, "
	"    listed_at timestamptz, location text) ORDER BY item_id), "
	"old AS (SELECT l.id, l.price, l.shipping FROM deal_listings l JOIN inp USING (item_id) "
	"        WHERE l.search_id = $1 AND l.provider = $2), "
	"up AS (INSERT INTO deal_listings (search_id, provider, item_id, title, price, currency, "
	"         shipping, condition, feedback_pct, feedback_score, url, listed_at, location) "
	"       SELECT $1, $2, item_id, title, price, currency, shipping, condition, "
	"              feedback_pct, feedback_score, url, listed_at, location FROM inp "
	"       ON CONFLICT (search_id, provider, item_id) DO UPDATE SET "
	"         title = EXCLUDED.title, price = EXCLUDED.price, currency = EXCLUDED.currency, "
	"         shipping = EXCLUDED.shipping, condition = EXCLUDED.condition, "
	"         feedback_pct = EXCLUDED.feedback_pct, "
	"         feedback_score = EXCLUDED.feedback_score, url = EXCLUDED.url, "
	"         listed_at = COALESCE(EXCLUDED.listed_at, deal_listings.listed_at), "
	"         location = EXCLUDED.location, last_seen_at = now(), ended = false, "
	"         ended_at = NULL "
	"       RETURNING id, price, shipping), "
	"hist AS (INSERT INTO deal_prices (listing_id, price, shipping) "
	"         SELECT up.id, up.price, up.shipping FROM up LEFT JOIN old ON old.id = up.id "
	"         WHERE old.id IS NULL OR old.price <> up.price "
	"            OR old.shipping IS DISTINCT FROM up.shipping RETURNING listing_id), "
	"gone AS (UPDATE deal_listings SET ended = true, ended_at = now() "
	"         WHERE $4::boolean AND search_id = $1 AND provider = $2 AND NOT ended "
	"           AND item_id NOT IN (SELECT item_id FROM inp) RETURNING id) "
	"SELECT (SELECT count(*) FROM up LEFT JOIN old ON old.id = up.id WHERE old.id IS NULL), "
	"       (SELECT count(*) FROM hist JOIN old ON old.id = hist.listing_id), "
	"       (SELECT count(*) FROM up JOIN old ON old.id = up.id WHERE up.price < old.price), "
	"       (SELECT count(*) FROM gone)";

static const char SQL_LIVE[] =
	"SELECT id, item_id, title, price::float8, shipping::float8, condition, "
	"       feedback_pct::float8, feedback_score "
	"FROM deal_listings WHERE search_id = $1 AND NOT ended ORDER BY id";

static const char SQL_SCORES[] =
	"UPDATE deal_listings l SET score = x.score, band = x.band, confidence = x.confidence, "
	"  comparables = x.comparables, median_total = round(x.median, 2), "
	"  components = x.components, scored_at = now() "
	"FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, score numeric, band text, "
	"  confidence text, comparables integer, median numeric, components jsonb) "
	"WHERE l.id = x.id AND (l.score, l.band, l.confidence, l.comparables, l.median_total, "
	"  l.components) IS DISTINCT FROM (x.score, x.band, x.confidence, x.comparables, "
	"  round(x.median, 2), x.components)";

/* The search's listings of band good or great are its hits, owned by the
 * search's user (none for a demo search: every user's); the others (and
 * ended ones) leave. A new hit is NOTIFYed as the odds' are. */
static const char SQL_HITS[] =
	"WITH live AS (SELECT l.id, l.title, l.score, l.band, l.price, l.shipping, l.currency, "
	"    l.url, l.median_total, l.comparables, l.condition, s.id AS search_id, s.user_id, "
	"    s.name FROM deal_listings l JOIN deal_searches s ON s.id = l.search_id "
	"    WHERE l.search_id = $1 AND NOT l.ended AND l.band IN ('great', 'good')), "
	"del AS (DELETE FROM hits h WHERE h.domain = 'deals' "
	"        AND h.payload->>'search_id' = $1::text "
	"        AND NOT EXISTS (SELECT 1 FROM live WHERE 'listing:' || live.id = h.key) "
	"        RETURNING 1), "
	"ins AS (INSERT INTO hits (domain, key, score, title, payload, observed_at, user_id) "
	"        SELECT 'deals', 'listing:' || id, score, left(title, 300), "
	"          jsonb_build_object('listing_id', id, 'link', '/api/deals/' || id, "
	"            'search_id', search_id, "
	"            'search', name, 'user_id', user_id, 'band', band, 'price', price, "
	"            'shipping', shipping, 'currency', currency, 'condition', condition, "
	"            'median_total', median_total, 'comparables', comparables, 'url', url), "
	"          now(), user_id FROM live "
	"        ON CONFLICT (domain, key) DO UPDATE SET score = EXCLUDED.score, "
	"          title = EXCLUDED.title, payload = EXCLUDED.payload, "
	"          observed_at = EXCLUDED.observed_at "
	"        WHERE hits.score IS DISTINCT FROM EXCLUDED.score "
	"           OR hits.payload IS DISTINCT FROM EXCLUDED.payload "
	"        RETURNING id, (xmax = 0) AS new) "
	"SELECT (SELECT count(*) FROM live), "
	"       (SELECT count(pg_notify('edgescout_hits', id::text)) FROM ins WHERE new)";

/* A JSON array of strings (text) as n pool strings in *out. */
static size_t
strings(struct pool *p, const char *text, const char *const **out)
{
	json_object *a = pool_json(p, json_tokener_parse(text));
	const char **v;
	size_t n;

	if (a == NULL || !json_object_is_type(a, json_type_array)) {
		*out = NULL;
		return 0;
	}
	n = json_object_array_length(a);
	v = pool_alloc(p, (n + 1) * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = pool_strdup(p, json_object_get_string(json_object_array_get_idx(a, i)));
	v[n] = NULL;
	*out = v;
	return n;
}

static double
num_or_nan(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

int
deal_search_load(struct pool *p, int64_t id, struct deal_search *out)
{
	PGresult *res = db_query(p, SQL_SEARCH, DB_ARGS(db_i64(p, id)));
	const char *const *words;
	struct deal_query *q = &out->q;
	size_t n;

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 1;
	memset(out, 0, sizeof(*out));
	out->id = db_int(res, 0, 0);
	out->user_id = db_int(res, 0, 1);
	out->name = pool_strdup(p, db_text(res, 0, 2));
	q->nall = strings(p, db_text(res, 0, 3), &q->all);
	q->nany = strings(p, db_text(res, 0, 4), &q->any);
	q->nnone = strings(p, db_text(res, 0, 5), &q->none);
	q->nexclude = strings(p, db_text(res, 0, 6), &q->exclude);
	q->category = PQgetisnull(res, 0, 7) ? NULL : pool_strdup(p, db_text(res, 0, 7));
	n = strings(p, db_text(res, 0, 8), &words);
	for (size_t i = 0; i < n; i++)
		q->conditions |= 1u << deal_condition_parse(words[i]);
	n = strings(p, db_text(res, 0, 9), &words);
	for (size_t i = 0; i < n; i++)
		for (int b = 0; deal_buying_options[b] != NULL; b++)
			if (strcmp(words[i], deal_buying_options[b]) == 0)
				q->buying |= 1u << b;
	q->min_price = num_or_nan(res, 0, 10);
	q->max_price = num_or_nan(res, 0, 11);
	q->max_shipping = num_or_nan(res, 0, 12);
	q->country = PQgetisnull(res, 0, 13) ? NULL : pool_strdup(p, db_text(res, 0, 13));
	out->every_minutes = (int)db_int(res, 0, 14);
	return 0;
}

static json_object *
num_json(double v)
{
	return isnan(v) ? NULL : jsonv_number(v);
}

static json_object *
str_json(const char *s)
{
	return s != NULL && *s ? json_object_new_string(s) : NULL;
}

int
deal_store_items(struct pool *p, int64_t search_id, const char *provider,
    const struct deal_item *items, size_t n, int complete, struct deal_stored *out)
{
	json_object *a = pool_json_array(p);
	PGresult *res;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct deal_item *it = &items[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "item_id", json_object_new_string(it->l.item_id));
		json_object_object_add(o, "title", json_object_new_string(it->l.title));
		json_object_object_add(o, "price", jsonv_number(it->l.price));
		json_object_object_add(o, "currency", json_object_new_string(it->currency));
		json_object_object_add(o, "shipping", num_json(it->l.shipping));
		json_object_object_add(o, "condition",
		                       json_object_new_string(deal_condition_name(it->l.condition)));
		json_object_object_add(o, "feedback_pct", num_json(it->l.feedback_pct));
		json_object_object_add(o, "feedback_score", it->l.feedback_score < 0 ? NULL :
		                       json_object_new_int64(it->l.feedback_score));
		json_object_object_add(o, "url", json_object_new_string(it->url ? it->url : ""));
		json_object_object_add(o, "listed_at", str_json(it->listed_at));
		json_object_object_add(o, "location",
		                       json_object_new_string(it->location ? it->location : ""));
		json_object_array_add(a, o);
	}
	res = db_query(p, SQL_STORE, DB_ARGS(db_i64(p, search_id), provider,
	               json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
	               complete ? "true" : "false"));
	if (res == NULL)
		return -1;
	out->added = (int)db_int(res, 0, 0);
	out->changed = (int)db_int(res, 0, 1);
	out->dropped = (int)db_int(res, 0, 2);
	out->ended = (int)db_int(res, 0, 3);
	return 0;
}

/* The live listings of search id as scorer input (pool memory); the count,
 * or -1. */
static int
live_listings(struct pool *p, int64_t id, PGresult **rows, struct deal_listing **out)
{
	PGresult *res = db_query(p, SQL_LIVE, DB_ARGS(db_i64(p, id)));
	struct deal_listing *v;
	int n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	v = pool_alloc(p, ((size_t)n + 1) * sizeof(*v));
	for (int i = 0; i < n; i++) {
		int c = deal_condition_parse(db_text(res, i, 5));

		v[i] = (struct deal_listing){
			.item_id = db_text(res, i, 1), .title = db_text(res, i, 2),
			.price = num_or_nan(res, i, 3), .shipping = num_or_nan(res, i, 4),
			.condition = c < 0 ? DEAL_UNKNOWN : (enum deal_condition)c,
			.feedback_pct = num_or_nan(res, i, 6),
			.feedback_score = PQgetisnull(res, i, 7) ? -1 : (long)db_int(res, i, 7),
		};
	}
	*rows = res;
	*out = v;
	return n;
}

int
deal_store_rescore(struct pool *p, const struct deal_search *s, int *scored, int *hits)
{
	struct deal_listing *v;
	struct deal_score *sc;
	PGresult *rows, *res;
	json_object *a;
	int n;

	*scored = *hits = 0;
	if ((n = live_listings(p, s->id, &rows, &v)) < 0)
		return -1;
	sc = pool_alloc(p, ((size_t)n + 1) * sizeof(*sc));
	deal_score_search(p, v, (size_t)n, s->q.exclude, s->q.nexclude, sc);
	a = pool_json_array(p);
	for (int i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64(db_int(rows, i, 0)));
		json_object_object_add(o, "score", num_json(sc[i].score));
		json_object_object_add(o, "band", str_json(sc[i].band));
		json_object_object_add(o, "confidence", json_object_new_string(sc[i].confidence));
		json_object_object_add(o, "comparables",
		                       json_object_new_int64((int64_t)sc[i].stats.count));
		json_object_object_add(o, "median", num_json(sc[i].stats.median));
		json_object_object_add(o, "components", deal_components_json(&sc[i]));
		json_object_array_add(a, o);
	}
	if (n > 0 && db_query(p, SQL_SCORES, DB_ARGS(json_object_to_json_string_ext(a,
	                      JSON_C_TO_STRING_PLAIN))) == NULL)
		return -1;
	if ((res = db_query(p, SQL_HITS, DB_ARGS(db_i64(p, s->id)))) == NULL)
		return -1;
	*scored = n;
	*hits = (int)db_int(res, 0, 0);
	return 0;
}

int
deal_search_scanned(struct pool *p, int64_t id, const char *error)
{
	static const char sql[] =
		"UPDATE deal_searches SET last_scan_at = now(), "
		"  next_scan_at = now() + make_interval(mins => every_minutes), last_error = $2 "
		"WHERE id = $1";

	return db_query(p, sql, DB_ARGS(db_i64(p, id), error)) ? 0 : -1;
}

int
deal_searches_due(struct pool *p, int max, int64_t **ids)
{
	static const char sql[] =
		"SELECT id FROM deal_searches WHERE enabled AND next_scan_at <= now() "
		"ORDER BY next_scan_at, id LIMIT $1";
	PGresult *res = db_query(p, sql, DB_ARGS(db_i64(p, max)));
	int n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	*ids = pool_alloc(p, ((size_t)n + 1) * sizeof(**ids));
	for (int i = 0; i < n; i++)
		(*ids)[i] = db_int(res, i, 0);
	return n;
}

int
deal_calls_today(struct pool *p, const char *provider, int64_t *calls)
{
	static const char sql[] =
		"SELECT count(*) FROM provider_calls WHERE provider = $1 "
		"AND at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'";
	PGresult *res = db_query(p, sql, DB_ARGS(provider));

	if (res == NULL)
		return -1;
	*calls = db_int(res, 0, 0);
	return 0;
}

int
deal_demo_search(struct pool *p, const char *name, const char *keyword, int64_t *id)
{
	static const char sql[] =
		"WITH made AS (INSERT INTO deal_searches (user_id, name, keywords_all, "
		"                every_minutes, enabled) "
		"              SELECT NULL, $1, ARRAY[$2], 10080, false WHERE NOT EXISTS "
		"                (SELECT 1 FROM deal_searches WHERE user_id IS NULL AND name = $1) "
		"              RETURNING id) "
		"SELECT id FROM made UNION ALL "
		"SELECT id FROM deal_searches WHERE user_id IS NULL AND name = $1";
	PGresult *res = db_query(p, sql, DB_ARGS(name, keyword));

	if (res == NULL || PQntuples(res) < 1)
		return -1;
	*id = db_int(res, 0, 0);
	return 0;
}

int
deal_opinions_due(struct pool *p, int64_t search_id, int max, PGresult **rows)
{
	static const char sql[] =
		"SELECT id, title, currency, condition, band, price::float8, shipping::float8, "
		"  score::float8, median_total::float8, comparables, components::text "
		"FROM deal_listings WHERE search_id = $1 AND NOT ended AND band = 'great' "
		"  AND opinion IS NULL ORDER BY score DESC, id LIMIT $2";

	*rows = db_query(p, sql, DB_ARGS(db_i64(p, search_id), db_i64(p, max)));
	return *rows ? PQntuples(*rows) : -1;
}

int
deal_opinion_store(struct pool *p, int64_t listing_id, const char *text, const char *model)
{
	static const char sql[] =
		"UPDATE deal_listings SET opinion = $2, opinion_model = left($3, 200), "
		"  opinion_at = now() WHERE id = $1";

	return db_query(p, sql, DB_ARGS(db_i64(p, listing_id), text, model)) ? 0 : -1;
}
