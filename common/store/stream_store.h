/* stream_store.h: the hits the live stream has not published yet.
 *
 * Hit ids are handed out before their transactions commit, so a hit can
 * become visible after one with a higher id was published. The publisher
 * therefore takes every hit above a floor (stream_cursor) that is not in
 * stream_sent, records each it publishes there, and moves the floor only
 * past hits sent STREAM_SETTLE ago. The floor row stays locked until the
 * caller's transaction ends, so two publishers never publish the same hit. */
#ifndef EDGESCOUT_STREAM_STORE_H
#define EDGESCOUT_STREAM_STORE_H

#include <libpq-fe.h>
#include <stdint.h>

struct pool;

/* How long a published hit waits before the floor moves past it. */
#define STREAM_SETTLE "10 minutes"

/* The unpublished hits, oldest first, at most limit: columns id, topic
 * (the domain; user.<id> for a hit only that user owns) and the event as
 * JSON text. Locks the floor until the caller's transaction ends. NULL on
 * a database failure (logged). */
PGresult *stream_store_pending(struct pool *p, int limit);

/* Record hit id as published. 0, or -1 on a database failure. */
int stream_store_sent(struct pool *p, int64_t id);

/* Move the floor past the hits published STREAM_SETTLE ago and forget
 * them. 0, or -1 on a database failure. */
int stream_store_advance(struct pool *p);

#endif
