/* stream_store.c: the hits the live stream has not published yet. */
#include "stream_store.h"

#include "db.h"
#include "pool.h"

static const char SQL_LOCK[] = "SELECT last_hit_id FROM stream_cursor FOR UPDATE";

/* The event a stream client gets: the hit in the feed's shape. A +EV hit a
 * user's bot posted (ev_hits.user_id) is only theirs: it goes to their own
 * channel, never to the public topic. */
static const char SQL_PENDING[] =
	"SELECT h.id, CASE WHEN e.user_id IS NULL THEN h.domain ELSE 'user.' || e.user_id END, "
	"       json_build_object('id', h.id, 'domain', h.domain, "
	"       'key', h.key, 'score', h.score, 'title', h.title, 'payload', h.payload, "
	"       'observed_at', to_char(h.observed_at AT TIME ZONE 'UTC', "
	"       'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))::text "
	"FROM hits h LEFT JOIN ev_hits e "
	"     ON e.id = CASE WHEN h.domain = 'odds' THEN (h.payload->>'hit_id')::bigint END "
	"WHERE h.id > $1 AND NOT EXISTS (SELECT 1 FROM stream_sent s WHERE s.hit_id = h.id) "
	"ORDER BY h.id LIMIT $2";

static const char SQL_SENT[] =
	"INSERT INTO stream_sent (hit_id) VALUES ($1) ON CONFLICT DO NOTHING";

static const char SQL_ADVANCE[] =
	"WITH settled AS (SELECT max(hit_id) AS id FROM stream_sent "
	"                 WHERE sent_at < now() - interval '" STREAM_SETTLE "'), "
	"moved AS (UPDATE stream_cursor SET last_hit_id = settled.id FROM settled "
	"          WHERE settled.id > last_hit_id RETURNING last_hit_id) "
	"DELETE FROM stream_sent WHERE hit_id <= (SELECT last_hit_id FROM moved)";

PGresult *
stream_store_pending(struct pool *p, int limit)
{
	PGresult *res = db_query(p, SQL_LOCK, DB_NOARGS);

	if (res == NULL || PQntuples(res) != 1)
		return NULL;
	return db_query(p, SQL_PENDING, DB_ARGS(db_text(res, 0, 0),
	                pool_printf(p, "%d", limit)));
}

int
stream_store_sent(struct pool *p, int64_t id)
{
	return db_query(p, SQL_SENT, DB_ARGS(db_i64(p, id))) ? 0 : -1;
}

int
stream_store_advance(struct pool *p)
{
	return db_query(p, SQL_ADVANCE, DB_NOARGS) ? 0 : -1;
}
