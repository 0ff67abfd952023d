/* stream-hits: the live stream's publisher. Publishes each new public hit
 * to its domain's channel of nginx's nchan module (hit_stream.h), then
 * LISTENs on edgescout_hits for STREAM_SECONDS (55) so a hit goes out as it
 * is written. A second run publishes nothing twice. */
#include "clock.h"
#include "config.h"
#include "db.h"
#include "hit_stream.h"
#include "job.h"
#include "pool.h"

static int stream_hits(struct job_ctx *ctx);

static const struct job job = {
	"stream-hits", stream_hits,
	"Publish new hits to the live stream (/api/stream) as they are written;\n"
	"listens for STREAM_SECONDS (55)."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

static int
stream_hits(struct job_ctx *ctx)
{
	double until = clock_now() + (double)config_int("STREAM_SECONDS", 55);
	int n, failures = 0;

	if (ctx->dry_run)
		return 0;
	if (job_exec(ctx, "LISTEN edgescout_hits", DB_NOARGS) < 0)
		return job_fail(ctx, "cannot listen for hits");
	for (;;) {
		double left;

		if ((n = hit_stream_publish(ctx->pool)) < 0 && ++failures >= 3)
			return job_fail(ctx, "the stream's publisher failed three times");
		if (n > 0) {
			ctx->items += n;
			continue;
		}
		left = until - clock_now();
		if (left <= 0 || job_should_stop())
			break;
		job_wait_notify(n < 0 ? 1 : left);
	}
	return 0;
}
