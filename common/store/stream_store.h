/* stream_store.h: the hits the live stream has not published yet.
 *
 * stream_cursor holds the id of the last hit published. A publisher takes
 * the pending hits inside a transaction (the cursor row stays locked until
 * it ends, so two publishers never publish the same hit) and moves the
 * cursor past what it published. */
#ifndef EDGESCOUT_STREAM_STORE_H
#define EDGESCOUT_STREAM_STORE_H

#include <libpq-fe.h>
#include <stdint.h>

struct pool;

/* The hits after the cursor, oldest first, at most limit: columns id,
 * topic (the domain; user.<id> for a hit only that user owns) and the
 * event as JSON text. Locks the cursor until
 * the caller's transaction ends. NULL on a database failure (logged). */
PGresult *stream_store_pending(struct pool *p, int limit);

/* Move the cursor to hit id. 0, or -1 on a database failure. */
int stream_store_advance(struct pool *p, int64_t id);

#endif
