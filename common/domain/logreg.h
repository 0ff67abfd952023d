/* logreg.h: L2-regularised logistic regression, deterministic.
 *
 * Rows are feature vectors x (n rows of d doubles, row-major; NAN marks a
 * missing value) with labels y in {0, 1}. Training standardises every
 * feature with the mean and population standard deviation of the training
 * rows (missing values left out; a constant or wholly missing feature gets
 * std 1), replaces a missing value by its mean (0 once standardised), and
 * minimises
 *
 *     (1/n) sum_i [log(1 + exp(eta_i)) - y_i eta_i] + (lambda/2) |w|^2,
 *     eta_i = b + w . z_i
 *
 * (the intercept b is not penalised) by Newton's method with a
 * backtracking line search: no randomness, a fixed iteration budget and
 * tolerance, sums always taken in row order, so the same rows give the same
 * coefficients bit for bit.
 *
 * Metrics: AUC is the Mann-Whitney statistic (a tie between a positive and
 * a negative counts 1/2; NAN without both classes), accuracy classifies
 * p >= 0.5 as 1, log loss clips p to [1e-15, 1 - 1e-15]. */
#ifndef EDGESCOUT_LOGREG_H
#define EDGESCOUT_LOGREG_H

#include <stddef.h>

struct pool;

#define LOGREG_LAMBDA 0.01      /* default L2 strength */
#define LOGREG_MAX_ITER 100     /* default Newton step budget */
#define LOGREG_TOL 1e-10        /* default: stop when every |step| is below */
#define LOGREG_HOLDOUT 0.2      /* default holdout fraction */
#define LOGREG_CLIP 1e-15       /* log loss probability clip */

struct logreg_opts {
	double lambda;          /* >= 0 */
	int max_iter;           /* >= 1 */
	double tol;             /* > 0 */
};

struct logreg {
	size_t d;               /* features */
	double intercept;
	double *w;              /* d weights on the standardised features */
	double *mean;           /* d training means */
	double *std;            /* d training standard deviations (> 0) */
	double lambda;
	int iterations;         /* Newton steps taken */
	int converged;          /* the last step was below tol */
};

struct logreg_metrics {
	size_t n;               /* rows evaluated */
	size_t positives;       /* rows with y = 1 */
	double auc;             /* NAN when n has one class only */
	double accuracy;        /* NAN when n = 0 */
	double log_loss;        /* NAN when n = 0 */
};

/* The defaults: LOGREG_LAMBDA, LOGREG_MAX_ITER, LOGREG_TOL. */
struct logreg_opts logreg_opts_default(void);

/* Mean and population standard deviation of each of the d columns of the n
 * rows x, NANs left out, into mean and std (d each); a column with no value
 * gets mean 0, a (nearly) constant one std 1. */
void logreg_scale(const double *x, size_t n, size_t d, double *mean, double *std);

/* Fit m to rows x (n by d) and labels y: scaling from these rows, then
 * Newton steps. m's arrays are pool memory. 0 (m->converged tells whether
 * the tolerance was met), or -1 when n or d is 0, a label is not 0 or 1, a
 * value is infinite, the options are out of range, or the system is
 * singular. */
int logreg_train(struct pool *p, const double *x, const int *y, size_t n, size_t d,
    const struct logreg_opts *o, struct logreg *m);

/* The probability that y = 1 for the raw (unstandardised) features x of
 * length m->d; a NAN feature counts as its training mean. */
double logreg_predict(const struct logreg *m, const double *x);

/* Mann-Whitney AUC of scores against labels y (ties: 1/2); NAN when y has
 * one class only or n = 0. Scratch memory from p; scores must not be NAN. */
double logreg_auc(struct pool *p, const double *score, const int *y, size_t n);

/* Share of rows where (prob >= 0.5) equals y; NAN when n = 0. */
double logreg_accuracy(const double *prob, const int *y, size_t n);

/* Mean negative log-likelihood of y under prob, clipped to
 * [LOGREG_CLIP, 1 - LOGREG_CLIP]; NAN when n = 0. */
double logreg_log_loss(const double *prob, const int *y, size_t n);

/* All metrics of model m on rows x (n by m->d) and labels y. */
void logreg_evaluate(struct pool *p, const struct logreg *m, const double *x,
    const int *y, size_t n, struct logreg_metrics *out);

/* Rows held out of n for a holdout fraction h: floor(h * n), at least 1
 * when h > 0 and n >= 2, and never all n. */
size_t logreg_holdout_rows(size_t n, double h);

/* Train on the oldest rows and evaluate on the newest: rows are in time
 * order, the last logreg_holdout_rows(n, h) are held out (0 <= h < 1).
 * *hold gets the holdout metrics (n = 0 when nothing is held out).
 * 0, or -1 as logreg_train. */
int logreg_fit_holdout(struct pool *p, const double *x, const int *y, size_t n,
    size_t d, double h, const struct logreg_opts *o, struct logreg *m,
    struct logreg_metrics *hold);

#endif
