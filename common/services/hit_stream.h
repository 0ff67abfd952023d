/* hit_stream.h: publishing new hits to the live stream (nginx's nchan,
 * nginx/nginx.conf.in): each public hit, once, in id order, to the channel
 * of its domain, through the publisher socket STREAM_PUBLISH_SOCKET
 * (default RUN_DIR/publish/nchan.sock). stream_cursor keeps the last hit
 * published. */
#ifndef EDGESCOUT_HIT_STREAM_H
#define EDGESCOUT_HIT_STREAM_H

struct pool;

/* Publish up to 100 hits after the cursor and move it past them. The
 * number published, or -1 when the database or the publisher failed
 * (logged; the cursor stays after the last one published). */
int hit_stream_publish(struct pool *p);

#endif
