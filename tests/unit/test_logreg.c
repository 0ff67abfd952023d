/* test_logreg.c: common/domain/logreg.h on hand-checkable cases: a separable 1-D
 * set, AUC of known rankings (ties count 1/2), log loss and accuracy of
 * known probabilities, scaling, holdout sizes, determinism bit for bit,
 * the effect of lambda, and recovering known coefficients. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "logreg.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
assert_near(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("got %.17g, want %.17g (tol %g)", got, want, tol);
}

/* A fixed-seed 64-bit LCG (Knuth's MMIX constants): uniform in [0, 1). */
static double
lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

/* n rows of d uniform features in [-1, 1) and labels drawn from the
 * logistic model with intercept b and weights w. */
static void
synth(uint64_t seed, size_t n, size_t d, double b, const double *w, double *x, int *y)
{
	for (size_t i = 0; i < n; i++) {
		double eta = b;

		for (size_t j = 0; j < d; j++) {
			x[i * d + j] = 2 * lcg(&seed) - 1;
			eta += w[j] * x[i * d + j];
		}
		y[i] = lcg(&seed) < 1 / (1 + exp(-eta));
	}
}

static void
test_separable_1d(void **state)
{
	static const double x[] = { -2, -1, 1, 2 };
	static const int y[] = { 0, 0, 1, 1 };
	struct logreg_opts o = logreg_opts_default();
	struct logreg m;
	struct logreg_metrics e;
	double grad = 0, sd = sqrt(2.5);

	(void)state;
	assert_int_equal(logreg_train(pool, x, y, 4, 1, &o, &m), 0);
	assert_true(m.converged);
	assert_true(m.iterations < 30);
	assert_near(m.mean[0], 0, 0);
	assert_near(m.std[0], sd, 1e-15);
	/* the set is symmetric about 0: no intercept, a positive slope */
	assert_near(m.intercept, 0, 1e-12);
	assert_true(m.w[0] > 1);
	/* stationary: mean((p - y) z) + lambda w = 0 */
	for (int i = 0; i < 4; i++)
		grad += (1 / (1 + exp(-m.w[0] * x[i] / sd)) - y[i]) * (x[i] / sd) / 4;
	assert_near(grad + o.lambda * m.w[0], 0, 1e-12);
	for (int i = 0; i < 4; i++) {
		double pr = logreg_predict(&m, &x[i]);

		assert_true(y[i] ? pr > 0.5 : pr < 0.5);
	}
	assert_near(logreg_predict(&m, &(double){ 0 }), 0.5, 1e-12);
	logreg_evaluate(pool, &m, x, y, 4, &e);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.positives, 2);
	assert_near(e.auc, 1, 0);
	assert_near(e.accuracy, 1, 0);
	assert_true(e.log_loss > 0 && e.log_loss < log(2));
}

static void
test_auc_known_rankings(void **state)
{
	static const int y4[] = { 0, 0, 1, 1 };
	static const double perfect[] = { 0.1, 0.2, 0.3, 0.4 };
	static const double reversed[] = { 0.4, 0.3, 0.2, 0.1 };
	static const double classic[] = { 0.1, 0.4, 0.35, 0.8 };
	static const double flat[] = { 0.7, 0.7, 0.7, 0.7 };
	static const int y_tie[] = { 0, 1, 0, 1 };
	static const double tie[] = { 0.2, 0.5, 0.5, 0.9 };
	static const int ones[] = { 1, 1, 1 };

	(void)state;
	assert_near(logreg_auc(pool, perfect, y4, 4), 1, 0);
	assert_near(logreg_auc(pool, reversed, y4, 4), 0, 0);
	/* pairs (pos > neg): 0.35>0.1, 0.8>0.1, 0.8>0.4; 0.35<0.4 -> 3/4 */
	assert_near(logreg_auc(pool, classic, y4, 4), 0.75, 0);
	assert_near(logreg_auc(pool, flat, y4, 4), 0.5, 0);
	/* 0.5 vs 0.2: 1, 0.5 vs 0.5: 1/2, 0.9 vs both: 2 -> 3.5/4 */
	assert_near(logreg_auc(pool, tie, y_tie, 4), 0.875, 0);
	assert_near(logreg_auc(pool, (double[]){ 0.5, 0.5 }, (int[]){ 0, 1 }, 2), 0.5, 0);
	assert_true(isnan(logreg_auc(pool, perfect, ones, 3)));
	assert_true(isnan(logreg_auc(pool, perfect, y4, 0)));
}

static void
test_log_loss_and_accuracy(void **state)
{
	static const double p2[] = { 0.9, 0.2 };
	static const int y2[] = { 1, 0 };
	static const double pa[] = { 0.5, 0.49, 0.51, 0.1 };
	static const int ya[] = { 1, 1, 0, 0 };

	(void)state;
	assert_near(logreg_log_loss((double[]){ 0.5 }, (int[]){ 1 }, 1), log(2), 1e-15);
	assert_near(logreg_log_loss((double[]){ 0.5 }, (int[]){ 0 }, 1), log(2), 1e-15);
	assert_near(logreg_log_loss(p2, y2, 2), -(log(0.9) + log(0.8)) / 2, 1e-15);
	/* clipped: a certain wrong answer costs -log(1e-15), a right one ~0 */
	assert_near(logreg_log_loss((double[]){ 0 }, (int[]){ 1 }, 1), -log(1e-15), 1e-12);
	assert_near(logreg_log_loss((double[]){ 1 }, (int[]){ 0 }, 1), -log(1e-15), 1e-3);
	assert_near(logreg_log_loss((double[]){ 1 }, (int[]){ 1 }, 1), 0, 1e-14);
	assert_true(isnan(logreg_log_loss(p2, y2, 0)));
	/* 0.5 counts as 1: right, wrong, wrong, right */
	assert_near(logreg_accuracy(pa, ya, 4), 0.5, 0);
	assert_near(logreg_accuracy(p2, y2, 2), 1, 0);
	assert_true(isnan(logreg_accuracy(p2, y2, 0)));
}

static void
test_scale_and_missing(void **state)
{
	/* columns: 1 2 3 | constant 5 | NAN 4 8 | all missing */
	const double x[] = { 1, 5, NAN, NAN, 2, 5, 4, NAN, 3, 5, 8, NAN };
	static const int y[] = { 0, 1, 1 };
	double mean[4], std[4];
	struct logreg_opts o = logreg_opts_default();
	struct logreg m;

	(void)state;
	logreg_scale(x, 3, 4, mean, std);
	assert_near(mean[0], 2, 0);
	assert_near(std[0], sqrt(2.0 / 3), 1e-15);
	assert_near(mean[1], 5, 0);
	assert_near(std[1], 1, 0);
	assert_near(mean[2], 6, 0);
	assert_near(std[2], 2, 0);
	assert_near(mean[3], 0, 0);
	assert_near(std[3], 1, 0);
	/* a missing value predicts as the training mean */
	assert_int_equal(logreg_train(pool, x, y, 3, 4, &o, &m), 0);
	assert_near(logreg_predict(&m, (double[]){ 2, 5, NAN, 7 }),
	            logreg_predict(&m, (double[]){ 2, 5, 6, NAN }), 0);
	/* constant and all-missing features carry no weight */
	assert_near(m.w[1], 0, 1e-12);
	assert_near(m.w[3], 0, 1e-12);
}

static void
test_holdout_rows(void **state)
{
	(void)state;
	assert_int_equal(logreg_holdout_rows(10, 0.2), 2);
	assert_int_equal(logreg_holdout_rows(1000, 0.2), 200);
	assert_int_equal(logreg_holdout_rows(3, 0.2), 1);
	assert_int_equal(logreg_holdout_rows(1, 0.2), 0);
	assert_int_equal(logreg_holdout_rows(10, 0), 0);
	assert_int_equal(logreg_holdout_rows(10, 0.99), 9);
	assert_int_equal(logreg_holdout_rows(9, 0.5), 4);
}

static void
test_holdout_is_the_newest_rows(void **state)
{
	enum { N = 50 };
	double x[N];
	int y[N];
	struct logreg_opts o = logreg_opts_default();
	struct logreg m;
	struct logreg_metrics h;

	(void)state;
	/* the oldest 40 rows are x = 0..39 (mean 19.5); the newest 10 are 1000 */
	for (int i = 0; i < N; i++) {
		x[i] = i < 40 ? i : 1000;
		y[i] = i < 40 ? i % 2 : 1;
	}
	assert_int_equal(logreg_fit_holdout(pool, x, y, N, 1, 0.2, &o, &m, &h), 0);
	assert_near(m.mean[0], 19.5, 0);
	assert_int_equal(h.n, 10);
	assert_int_equal(h.positives, 10);
	assert_true(isnan(h.auc));
	assert_int_equal(logreg_fit_holdout(pool, x, y, N, 1, 1.0, &o, &m, &h), -1);
	assert_int_equal(logreg_fit_holdout(pool, x, y, N, 1, -0.1, &o, &m, &h), -1);
	assert_int_equal(logreg_fit_holdout(pool, x, y, N, 1, 0, &o, &m, &h), 0);
	assert_int_equal(h.n, 0);
}

static void
test_bad_input(void **state)
{
	const double x[] = { 1, 2, INFINITY };
	struct logreg_opts o = logreg_opts_default(), bad;
	struct logreg m;

	(void)state;
	assert_int_equal(logreg_train(pool, x, (int[]){ 0, 2 }, 2, 1, &o, &m), -1);
	assert_int_equal(logreg_train(pool, x, (int[]){ 0, 1, 1 }, 3, 1, &o, &m), -1);
	assert_int_equal(logreg_train(pool, x, (int[]){ 0 }, 0, 1, &o, &m), -1);
	assert_int_equal(logreg_train(pool, x, (int[]){ 0 }, 1, 0, &o, &m), -1);
	bad = o;
	bad.lambda = -1;
	assert_int_equal(logreg_train(pool, x, (int[]){ 0, 1 }, 2, 1, &bad, &m), -1);
	bad = o;
	bad.lambda = NAN;
	assert_int_equal(logreg_train(pool, x, (int[]){ 0, 1 }, 2, 1, &bad, &m), -1);
	bad = o;
	bad.max_iter = 0;
	assert_int_equal(logreg_train(pool, x, (int[]){ 0, 1 }, 2, 1, &bad, &m), -1);
	assert_int_equal(logreg_train(pool, x, (int[]){ 0, 1 }, 2, 1, &o, &m), 0);
}

static void
test_deterministic_bit_for_bit(void **state)
{
	enum { N = 2000, D = 6 };
	static double x[N * D];
	static int y[N];
	static const double w[D] = { 1.5, -2, 0.5, 0, 0.25, -0.75 };
	struct logreg_opts o = logreg_opts_default();
	struct logreg a, b;
	struct logreg_metrics ha, hb;
	struct pool *other = pool_new();

	(void)state;
	synth(42, N, D, -0.3, w, x, y);
	assert_int_equal(logreg_fit_holdout(pool, x, y, N, D, 0.2, &o, &a, &ha), 0);
	assert_int_equal(logreg_fit_holdout(other, x, y, N, D, 0.2, &o, &b, &hb), 0);
	assert_true(a.converged);
	assert_int_equal(a.iterations, b.iterations);
	assert_memory_equal(&a.intercept, &b.intercept, sizeof(double));
	assert_memory_equal(a.w, b.w, D * sizeof(double));
	assert_memory_equal(a.mean, b.mean, D * sizeof(double));
	assert_memory_equal(a.std, b.std, D * sizeof(double));
	assert_memory_equal(&ha.auc, &hb.auc, sizeof(double));
	assert_memory_equal(&ha.log_loss, &hb.log_loss, sizeof(double));
	/* the data carry signal: the holdout ranks well above chance */
	assert_true(ha.auc > 0.75);
	pool_free(other);
}

static void
test_recovers_known_coefficients(void **state)
{
	enum { N = 20000, D = 3 };
	static double x[N * D];
	static int y[N];
	static const double w[D] = { 1, -2, 0.5 };
	struct logreg_opts o = logreg_opts_default();
	struct logreg m;

	(void)state;
	synth(7, N, D, 0.5, w, x, y);
	o.lambda = 1e-6;
	assert_int_equal(logreg_train(pool, x, y, N, D, &o, &m), 0);
	assert_true(m.converged);
	/* back on the raw scale: w_raw = w / std, b_raw = b - sum w mean / std */
	for (int j = 0; j < D; j++)
		assert_near(m.w[j] / m.std[j], w[j], 0.15);
	assert_near(m.intercept - m.w[0] * m.mean[0] / m.std[0] -
	            m.w[1] * m.mean[1] / m.std[1] - m.w[2] * m.mean[2] / m.std[2], 0.5, 0.1);
}

static void
test_lambda_shrinks_the_weights(void **state)
{
	enum { N = 1000, D = 4 };
	static double x[N * D];
	static int y[N];
	static const double w[D] = { 2, -1, 0.5, 1 };
	static const double lambdas[] = { 0, 0.001, 0.01, 0.1, 1, 10 };
	double prev = INFINITY;

	(void)state;
	synth(99, N, D, 0, w, x, y);
	for (size_t k = 0; k < NELEM(lambdas); k++) {
		struct logreg_opts o = logreg_opts_default();
		struct logreg m;
		double norm = 0;

		o.lambda = lambdas[k];
		assert_int_equal(logreg_train(pool, x, y, N, D, &o, &m), 0);
		assert_true(m.converged);
		for (int j = 0; j < D; j++)
			norm += m.w[j] * m.w[j];
		assert_true(sqrt(norm) < prev);
		prev = sqrt(norm);
	}
	assert_true(prev < 0.1);
}

int
main(void)
{
#define T(f) cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
		T(test_separable_1d),
		T(test_auc_known_rankings),
		T(test_log_loss_and_accuracy),
		T(test_scale_and_missing),
		T(test_holdout_rows),
		T(test_holdout_is_the_newest_rows),
		T(test_bad_input),
		T(test_deterministic_bit_for_bit),
		T(test_recovers_known_coefficients),
		T(test_lambda_shrinks_the_weights),
	};
#undef T
	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
