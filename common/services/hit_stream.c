/* hit_stream.c: new hits to the live stream (hit_stream.h). */
#include "hit_stream.h"

#include <string.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "pool.h"

static const char SQL_CURSOR[] =
	"SELECT last_id FROM stream_cursor WHERE name = 'hits' FOR UPDATE";

/* Public hits after $1 as the stream's messages: the feed's shape, no link. */
static const char SQL_HITS[] =
	"SELECT id, domain, json_build_object('id', id, 'domain', domain, 'key', key, "
	"  'score', score::float8, 'title', title, 'observed_at', " DB_TIME("observed_at") ", "
	"  'created_at', " DB_TIME("created_at") ", 'payload', payload)::text "
	"FROM hits WHERE id > $1 AND user_id IS NULL ORDER BY id LIMIT 100";

static const char SQL_MOVE[] = "UPDATE stream_cursor SET last_id = $1 WHERE name = 'hits'";

/* POST message to the channel of domain; 0 or -1 (logged). */
static int
publish(struct pool *p, const char *socket, const char *domain, const char *message)
{
	const char *headers[] = { "Content-Type: application/json", NULL };
	struct http_request req = {
		.provider = "nchan", .headers = headers, .unix_socket = socket,
		.url = pool_printf(p, "http://localhost/publish/%s", domain),
		.post_body = message, .post_len = strlen(message),
	};
	struct http_response res;

	if (http_post(p, &req, &res) < 0 || res.status < 200 || res.status > 299) {
		log_kv(LOG_WARN, "a hit was not published", "domain", domain,
		       "error", res.error ? res.error : "", NULL);
		return -1;
	}
	return 0;
}

int
hit_stream_publish(struct pool *p)
{
	const char *socket = config_get("STREAM_PUBLISH_SOCKET"), *last;
	PGresult *cur, *hits;
	int n = 0, rc = 0;

	if (socket == NULL || *socket == '\0')
		socket = pool_printf(p, "%s/publish/nchan.sock", config_get("RUN_DIR") ?
		                     config_get("RUN_DIR") : "var/run");
	if (db_begin(p) < 0 || (cur = db_query(p, SQL_CURSOR, DB_NOARGS)) == NULL ||
	    PQntuples(cur) != 1 ||
	    (hits = db_query(p, SQL_HITS, DB_ARGS(db_text(cur, 0, 0)))) == NULL) {
		db_rollback(p);
		return -1;
	}
	last = db_text(cur, 0, 0);
	for (; n < PQntuples(hits); n++) {
		if (publish(p, socket, db_text(hits, n, 1), db_text(hits, n, 2)) < 0) {
			rc = -1;
			break;
		}
		last = db_text(hits, n, 0);
	}
	if (db_query(p, SQL_MOVE, DB_ARGS(last)) == NULL || db_commit(p) < 0) {
		db_rollback(p);
		return -1;
	}
	return rc < 0 ? -1 : n;
}
