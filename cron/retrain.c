/* retrain: the win-probability model retrained on labelled signals,
 * stored as a new version and promoted when no worse than the current one
 * (common/store/model_train.h). */
#include <json-c/json.h>

#include "analysis.h"
#include "job.h"
#include "log.h"
#include "model_train.h"

/* v as a JSON number (its shortest exact decimal), null for NAN. */
static json_object *
metric(double v)
{
	return jsonv_number(v);
}

static void
report(const struct model_train_result *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "msg", json_object_new_string("retrain finished"));
	json_object_object_add(o, "outcome",
	                       json_object_new_string(model_train_status_name(r->status)));
	json_object_object_add(o, "labelled_rows", json_object_new_int64((int64_t)r->rows));
	if (r->version)
		json_object_object_add(o, "version", json_object_new_int(r->version));
	if (r->status != TRAIN_NOT_ENOUGH_ROWS) {
		json_object_object_add(o, "promoted", json_object_new_boolean(r->promoted));
		json_object_object_add(o, "data_hash", json_object_new_string(r->hash));
	}
	if (r->status == TRAIN_STORED || r->status == TRAIN_DRY_RUN) {
		json_object_object_add(o, "holdout_rows", json_object_new_int64((int64_t)r->hold.n));
		json_object_object_add(o, "auc", metric(r->hold.auc));
		json_object_object_add(o, "accuracy", metric(r->hold.accuracy));
		json_object_object_add(o, "log_loss", metric(r->hold.log_loss));
		json_object_object_add(o, "iterations", json_object_new_int(r->lr.iterations));
	}
	if (r->decision)
		json_object_object_add(o, "decision", json_object_new_string(r->decision));
	log_json(LOG_INFO, o);
}

static int
run(struct job_ctx *ctx)
{
	struct model_train_opts o;
	struct model_train_result r;
	const char *why;

	if (model_train_opts_load(&o, &why) < 0)
		return job_fail(ctx, "%s", why);
	if (model_retrain(ctx->pool, &o, ctx->dry_run, &r, &why) < 0)
		return job_fail(ctx, "%s", why);
	ctx->items = r.status == TRAIN_STORED || r.status == TRAIN_DRY_RUN;
	report(&r);
	return 0;
}

static const struct job job = {
	"retrain", run,
	"Trains an L2-regularised logistic regression of P(win) on the labelled\n"
	"signals (features: the indicators, score, strategy and recommendation at\n"
	"signal time, standardised) with the newest RETRAIN_HOLDOUT (default 0.2)\n"
	"held out, and stores it as a new model version. It is promoted when its\n"
	"holdout AUC is no lower and its log loss no higher (+ RETRAIN_LOGLOSS_EPSILON,\n"
	"default 0.001) than the current model's on the holdout rows neither was\n"
	"trained on (after the current model's holdout day). Needs\n"
	"RETRAIN_MIN_ROWS (default 200) labelled signals; the same data never make a\n"
	"second version. RETRAIN_LAMBDA (default 0.01) is the L2 strength."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }
