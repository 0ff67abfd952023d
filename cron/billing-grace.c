/* billing-grace: the end of the grace period after a failed payment. A user
 * whose subscription is still past due or unpaid when the grace period
 * (BILLING_GRACE_DAYS after the first failure) ends goes back to the free
 * tier, with an audit row; the webhook brings them back to pro when Stripe
 * reports a payment (common/store/billing_store.h). A second run changes
 * nothing. */
#include "billing_store.h"
#include "db.h"
#include "job.h"
#include "log.h"

static int
run(struct job_ctx *ctx)
{
	int64_t n = billing_grace_expire(ctx->pool, ctx->dry_run);

	if (n < 0)
		return job_fail(ctx, "the grace periods could not be read");
	ctx->items = n;
	log_kv(LOG_INFO, ctx->dry_run ? "grace periods ended (dry run)" : "grace periods ended",
	       "users", db_i64(ctx->pool, n), NULL);
	return 0;
}

static const struct job job = {
	"billing-grace", run,
	"Moves back to the free tier every user whose subscription is still past\n"
	"due or unpaid when the grace period after a failed payment has ended\n"
	"(BILLING_GRACE_DAYS, default 7), each with a billing.tier_changed audit\n"
	"row. Running again changes nothing."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }
