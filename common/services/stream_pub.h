/* stream_pub.h: publishing to the live stream, and its counts.
 *
 * nginx (nchan) takes publications on a unix socket of RUN_DIR,
 * RUN_DIR/stream-publish.socket (nginx/stream_server.conf.in), which no port serves:
 * POST /pub/<topic> with the event's JSON. Subscribers of /api/stream get
 * each event with an id to resume from. Public topics are the hits'
 * domains (markets, odds, deals); user.<id> is one user's channel. */
#ifndef EDGESCOUT_STREAM_PUB_H
#define EDGESCOUT_STREAM_PUB_H

#include <stddef.h>

struct pool;

/* Publish len bytes of JSON to topic ([a-z0-9.], 1..64). Returns 0 once
 * nginx took it (with or without subscribers), -1 when the stream is not
 * there or refused it (logged). */
int stream_publish(struct pool *p, const char *topic, const char *json, size_t len);

/* Publish every hit not yet published (oldest first, up to limit), each to
 * its topic, recording them in one transaction (stream_store.h);
 * stops at the first failure, leaving the rest for the next run. Sets
 * *published; returns 0, or -1 on a database or stream failure. */
int stream_publish_hits(struct pool *p, int limit, int *published);

/* stream_publish_hits in batches until none is left, for a job after it
 * wrote hits: a failure is logged, never the job's failure (the next run
 * publishes what is left). */
void stream_publish_pending(struct pool *p);

/* nchan's counts (its stub status). */
struct stream_counts {
	long long subscribers;   /* connected subscribers, all channels */
	long long channels;      /* channels that exist now */
	long long messages;      /* messages stored in channels' buffers */
};

/* Read the counts; 0, or -1 when the stream does not answer. */
int stream_counts(struct pool *p, struct stream_counts *out);

#endif
