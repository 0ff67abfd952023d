/* label-signals: the outcome of every signal whose horizon has passed
 * (common/store/model_train.h: trading days, threshold, win/loss/flat). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "job.h"
#include "log.h"
#include "model_train.h"
#include "pool.h"

static int
run(struct job_ctx *ctx)
{
	struct model_label_opts o;
	struct model_label_pass pass;
	struct pool *step;
	const char *why;
	int rc = 0;

	if (model_label_opts_load(&o, &why) < 0)
		return job_fail(ctx, "%s", why);
	memset(&pass, 0, sizeof(pass));
	step = pool_new();            /* one step's rows at a time */
	while (!pass.done && !job_should_stop()) {
		if (model_label_step(step, &o, &pass, ctx->dry_run) < 0) {
			rc = job_fail(ctx, "labelling failed after %lld signals",
			              (long long)pass.labelled);
			break;
		}
		pool_reset(step);
	}
	pool_free(step);
	ctx->items = pass.labelled;
	log_kv(LOG_INFO, ctx->dry_run ? "signals due a label (dry run)" : "signals labelled",
	       "labelled", db_i64(ctx->pool, pass.labelled),
	       "unlabelled_seen", db_i64(ctx->pool, pass.seen),
	       "horizon_days", db_i64(ctx->pool, o.horizon), NULL);
	return rc;
}

static const struct job job = {
	"label-signals", run,
	"Labels every signal whose horizon has passed: the realised return over\n"
	"LABEL_HORIZON_DAYS trading days (default 5: the symbol's next candles) and\n"
	"the outcome against LABEL_FLAT_THRESHOLD (default 0.005): buy wins above\n"
	"+threshold and loses below -threshold, sell the reverse, both flat in\n"
	"between; hold wins when the move stays within the threshold. A label is\n"
	"written once: running again changes nothing."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }
