/* model_train.h: labelling signals with how they turned out, and
 * retraining the win-probability model on the labels (cron/label-signals,
 * cron/retrain).
 *
 * Labels. A signal of day t is due once its symbol has `horizon` candles
 * after t (trading days: the symbol's next bars, not calendar days). Its
 * realised return is close[t + horizon] / close[t] - 1, both closes from
 * the symbol's candles (the signal's own close when the bar of day t is
 * gone). With threshold T (a fraction):
 *   buy   win when return > T, loss when return < -T, flat otherwise;
 *   sell  win when return < -T, loss when return > T, flat otherwise;
 *   hold  win when |return| <= T (staying out was right), loss otherwise.
 * A label is written once (only where outcome IS NULL): relabelling changes
 * nothing, even if candles are revised later.
 *
 * Training. The rows are the labelled signals in time order (day, id); the
 * target is outcome = win (flat and loss are 0); the features are model.h's
 * set. The newest `holdout` fraction is held out (logreg_fit_holdout). A
 * SHA-256 of the feature set, hyperparameters, row ids, labels and feature
 * values identifies the training data: data already trained on stores no
 * new version. Promotion: the first model is promoted; a later one only
 * when it is no worse than the current model on the rows of its holdout
 * that neither trained on — those after the current model's holdout day
 * (its last day when it held none out): rows do not only grow at the new
 * end (a backfill adds older signals), so the new holdout may hold rows the
 * current model was trained on, and comparing on them would favour it.
 * No worse: AUC >= the current model's (skipped when either AUC is
 * undefined, a one-class set) and log loss <= the current model's +
 * epsilon. Without such rows nothing is promoted over an existing model. */
#ifndef EDGESCOUT_MODEL_TRAIN_H
#define EDGESCOUT_MODEL_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "logreg.h"
#include "model.h"

struct pool;

#define LABEL_HORIZON_DAYS 5
#define LABEL_FLAT_THRESHOLD 0.005
#define LABEL_BATCH 1000
#define RETRAIN_MIN_ROWS 200
#define RETRAIN_LOGLOSS_EPSILON 0.001

struct model_label_opts {
	int horizon;               /* trading days, 1..250 */
	double threshold;          /* 0 <= T < 1 */
	int batch;                 /* signals per statement, 1..100000 */
};

/* Options from config (LABEL_HORIZON_DAYS, LABEL_FLAT_THRESHOLD,
 * LABEL_BATCH, defaults above). 0, or -1 with *why naming the bad key. */
int model_label_opts_load(struct model_label_opts *o, const char **why);

/* "win", "loss" or "flat" for a signal with recommendation rec whose price
 * moved by ret, as above; NULL for an unknown recommendation or a NAN ret. */
const char *model_outcome(const char *rec, double ret, double threshold);

/* Where a labelling pass is and what it did; zeroed to start. A pass
 * walks every unlabelled signal oldest first (day, id), so signals that
 * cannot be labelled yet (a symbol whose prices stopped) never hold others
 * back. */
struct model_label_pass {
	char day[11];              /* the last signal looked at ("" before the first) */
	int64_t id;
	int64_t seen;              /* unlabelled signals looked at */
	int64_t labelled;          /* labelled (in a dry run: due) */
	int done;                  /* no unlabelled signal after the position */
};

/* Look at the next o->batch unlabelled signals after pass's position and
 * label, in one statement, those whose horizon has passed; a dry run only
 * counts them. 0, or -1 on DB failure (logged). */
int model_label_step(struct pool *p, const struct model_label_opts *o,
    struct model_label_pass *pass, int dry_run);

struct model_train_opts {
	double lambda;             /* RETRAIN_LAMBDA, >= 0 */
	double holdout;            /* RETRAIN_HOLDOUT, 0 <= h < 1 */
	int min_rows;              /* RETRAIN_MIN_ROWS, >= 2 */
	double epsilon;            /* RETRAIN_LOGLOSS_EPSILON, >= 0 */
	int max_iter;              /* LOGREG_MAX_ITER */
	double tol;                /* LOGREG_TOL */
};

/* Options from config (keys above; defaults LOGREG_LAMBDA, LOGREG_HOLDOUT,
 * RETRAIN_MIN_ROWS, RETRAIN_LOGLOSS_EPSILON). 0, or -1 with *why. */
int model_train_opts_load(struct model_train_opts *o, const char **why);

enum model_train_status {
	TRAIN_NOT_ENOUGH_ROWS,     /* fewer labelled signals than min_rows */
	TRAIN_UNCHANGED,           /* a model of exactly these data exists */
	TRAIN_STORED,              /* a new version was stored */
	TRAIN_DRY_RUN,             /* trained and decided, nothing stored */
};

struct model_train_result {
	enum model_train_status status;
	size_t rows;               /* labelled signals */
	int version;               /* stored, or the one with the same data */
	int promoted;
	const char *decision;      /* why (not) promoted */
	char hash[65];             /* of the training data */
	struct logreg lr;          /* the fit (not for TRAIN_UNCHANGED) */
	struct logreg_metrics hold;
	double recommendation_auc; /* the holdout AUC of the recommendation alone:
	                              each row scored with the training rows' win
	                              rate of its strategy and recommendation (the
	                              overall rate for a pair training never saw);
	                              NAN without a holdout or with one class */
	int baseline_version;      /* the current model compared with, 0: none */
	struct logreg_metrics baseline;   /* its metrics on the compared rows */
	struct logreg_metrics compared;   /* the fit's metrics on the same rows: the
	                                     holdout rows after the current model's
	                                     holdout day, which neither trained on */
};

/* Retrain as described above; dry_run trains and decides but stores
 * nothing. 0 with *out filled, or -1 on DB failure or a failed fit (*why). */
int model_retrain(struct pool *p, const struct model_train_opts *o, int dry_run,
    struct model_train_result *out, const char **why);

/* Whether a model with metrics n on the compared rows replaces the current
 * model, whose metrics on the same rows are b (baseline_version 0: there is none), by
 * the rule above: 1 or 0, with *decision (pool or static) saying why. */
int model_promote(struct pool *p, const struct model_train_opts *o,
    const struct logreg_metrics *n, int baseline_version, const struct logreg_metrics *b,
    const char **decision);

/* Config key as a finite double into *out (def when unset): 0, or -1
 * (with *out = def or garbage) when set but not a finite number. */
int model_config_double(const char *key, double def, double *out);

/* The name of a status ("stored"). */
const char *model_train_status_name(enum model_train_status s);

#endif
