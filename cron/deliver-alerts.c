/* deliver-alerts: the alert outbox's sender. Sends what is due in batches
 * (alert_deliver.h: claims with SKIP LOCKED and a lease of
 * ALERT_LEASE_SECONDS, retries after 1, 2 and 4 s, then dead letters) and
 * the one-time codes that verify SMS and email channels, and between
 * batches LISTENs on edgescout_alerts so a new alert goes out at
 * once, for ALERT_DELIVER_SECONDS (55: one run a minute keeps the outbox
 * moving; 0: only what is due now). Up to four instances run side by side
 * (job slots), sharing the outbox. A second run sends nothing twice. */
#include "alert_deliver.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "job.h"
#include "log.h"
#include "pool.h"

#define BATCH 20

static int deliver_alerts(struct job_ctx *ctx);

static const struct job job = {
	"deliver-alerts", deliver_alerts,
	"Send the alert outbox to its channels (webhook, Discord, SMS, email) and the\n"
	"verification codes SMS and email channels asked for, retrying transient\n"
	"failures after 1, 2 and 4 s, then dead letters; listens for new alerts for\n"
	"ALERT_DELIVER_SECONDS (55). Up to four instances may run at once.",
	.slots = 4,
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

static int
deliver_alerts(struct job_ctx *ctx)
{
	double until = clock_now() + (double)config_int("ALERT_DELIVER_SECONDS", 55);
	int lease = (int)config_int("ALERT_LEASE_SECONDS", 60);
	struct alert_batch b;
	int codes;

	if (ctx->dry_run)
		return 0;
	if (job_exec(ctx, "LISTEN " ALERTS_CHANNEL, DB_NOARGS) < 0)
		return job_fail(ctx, "cannot listen for alerts");
	for (;;) {
		double next, left;

		if (alert_deliver_batch(ctx->pool, BATCH, lease < 1 ? 1 : lease, &b) < 0)
			return job_fail(ctx, "database failed while delivering");
		ctx->items += b.sent + b.dead;
		if (alert_send_codes(ctx->pool, &codes) < 0)
			return job_fail(ctx, "verification codes could not be sent");
		ctx->items += codes;
		if (b.claimed > 0 || codes > 0)
			continue;
		left = until - clock_now();
		if (left <= 0 || job_should_stop())
			break;
		next = alert_next_due(ctx->pool);
		job_wait_notify(next < 0 || next > left ? left : next);
		if (job_should_stop())
			break;
	}
	return 0;
}
