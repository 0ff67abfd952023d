/* logreg.c: L2 logistic regression by Newton's method, and its metrics. */
#include "logreg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define JITTER 1e-12            /* added to the Hessian's diagonal */
#define ARMIJO 1e-4
#define MIN_STEP (1.0 / 1048576)

struct logreg_opts
logreg_opts_default(void)
{
	return (struct logreg_opts){ LOGREG_LAMBDA, LOGREG_MAX_ITER, LOGREG_TOL };
}

static double
sigmoid(double eta)
{
	if (eta >= 0)
		return 1.0 / (1.0 + exp(-eta));
	return exp(eta) / (1.0 + exp(eta));
}

/* log(1 + exp(eta)) without overflow. */
static double
softplus(double eta)
{
	return eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta));
}

void
logreg_scale(const double *x, size_t n, size_t d, double *mean, double *std)
{
	for (size_t j = 0; j < d; j++) {
		double sum = 0, ss = 0;
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			double v = x[i * d + j];

			if (!isnan(v)) {
				sum += v;
				k++;
			}
		}
		mean[j] = k ? sum / (double)k : 0;
		for (size_t i = 0; i < n; i++) {
			double v = x[i * d + j];

			if (!isnan(v))
				ss += (v - mean[j]) * (v - mean[j]);
		}
		std[j] = k ? sqrt(ss / (double)k) : 0;
		if (!(std[j] > 1e-9 * fmax(1.0, fabs(mean[j]))))
			std[j] = 1;
	}
}

/* Row x standardised into z (d values; missing: 0). */
static void
standardise(const struct logreg *m, const double *x, double *z)
{
	for (size_t j = 0; j < m->d; j++)
		z[j] = isnan(x[j]) ? 0 : (x[j] - m->mean[j]) / m->std[j];
}

static double
eta_of(const double *beta, const double *z, size_t d)
{
	double e = beta[0];

	for (size_t j = 0; j < d; j++)
		e += beta[j + 1] * z[j];
	return e;
}

/* The penalised objective at beta over the standardised rows z. */
static double
objective(const double *beta, const double *z, const int *y, size_t n, size_t d,
    double lambda)
{
	double f = 0, pen = 0;

	for (size_t i = 0; i < n; i++) {
		double e = eta_of(beta, z + i * d, d);

		f += softplus(e) - (y[i] ? e : 0);
	}
	for (size_t j = 1; j <= d; j++)
		pen += beta[j] * beta[j];
	return f / (double)n + 0.5 * lambda * pen;
}

/* Solve a x = b in place (b becomes x) for the k by k symmetric positive
 * definite a (overwritten by its Cholesky factor). 0, or -1 if not PD. */
static int
cholesky_solve(double *a, double *b, size_t k)
{
	for (size_t j = 0; j < k; j++) {
		double s = a[j * k + j];

		for (size_t t = 0; t < j; t++)
			s -= a[j * k + t] * a[j * k + t];
		if (!(s > 0))
			return -1;
		a[j * k + j] = sqrt(s);
		for (size_t i = j + 1; i < k; i++) {
			double v = a[i * k + j];

			for (size_t t = 0; t < j; t++)
				v -= a[i * k + t] * a[j * k + t];
			a[i * k + j] = v / a[j * k + j];
		}
	}
	for (size_t i = 0; i < k; i++) {          /* L y = b */
		for (size_t t = 0; t < i; t++)
			b[i] -= a[i * k + t] * b[t];
		b[i] /= a[i * k + i];
	}
	for (size_t i = k; i-- > 0;) {            /* L' x = y */
		for (size_t t = i + 1; t < k; t++)
			b[i] -= a[t * k + i] * b[t];
		b[i] /= a[i * k + i];
	}
	return 0;
}

/* Gradient g and Hessian h (k = d + 1, full) of the objective at beta;
 * index 0 is the intercept. */
static void
derivatives(const double *beta, const double *z, const int *y, size_t n, size_t d,
    double lambda, double *g, double *h)
{
	size_t k = d + 1;

	memset(g, 0, k * sizeof(*g));
	memset(h, 0, k * k * sizeof(*h));
	for (size_t i = 0; i < n; i++) {
		const double *zi = z + i * d;
		double pr = sigmoid(eta_of(beta, zi, d)), r = pr - y[i], w = pr * (1 - pr);

		g[0] += r;
		h[0] += w;
		for (size_t a = 0; a < d; a++) {
			double wz = w * zi[a];

			g[a + 1] += r * zi[a];
			h[(a + 1) * k] += wz;
			for (size_t b = 0; b <= a; b++)
				h[(a + 1) * k + b + 1] += wz * zi[b];
		}
	}
	for (size_t a = 0; a < k; a++) {
		g[a] /= (double)n;
		for (size_t b = 0; b <= a; b++)
			h[a * k + b] /= (double)n;
		if (a > 0) {
			g[a] += lambda * beta[a];
			h[a * k + a] += lambda;
		}
		h[a * k + a] += JITTER;
	}
	for (size_t a = 0; a < k; a++)          /* mirror the lower triangle */
		for (size_t b = a + 1; b < k; b++)
			h[a * k + b] = h[b * k + a];
}

static int
valid_input(const double *x, const int *y, size_t n, size_t d, const struct logreg_opts *o)
{
	if (n == 0 || d == 0 || x == NULL || y == NULL || o == NULL ||
	    !(o->lambda >= 0) || !isfinite(o->lambda) || o->max_iter < 1 || !(o->tol > 0))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (y[i] != 0 && y[i] != 1)
			return 0;
		for (size_t j = 0; j < d; j++)
			if (isinf(x[i * d + j]))
				return 0;
	}
	return 1;
}

int
logreg_train(struct pool *p, const double *x, const int *y, size_t n, size_t d,
    const struct logreg_opts *o, struct logreg *m)
{
	size_t k = d + 1;
	double *z, *beta, *g, *h, *step, *trial, f;

	memset(m, 0, sizeof(*m));
	if (!valid_input(x, y, n, d, o))
		return -1;
	m->d = d;
	m->lambda = o->lambda;
	m->w = pool_alloc(p, d * sizeof(double));
	m->mean = pool_alloc(p, d * sizeof(double));
	m->std = pool_alloc(p, d * sizeof(double));
	logreg_scale(x, n, d, m->mean, m->std);
	z = pool_alloc(p, n * d * sizeof(double));
	for (size_t i = 0; i < n; i++)
		standardise(m, x + i * d, z + i * d);
	beta = pool_alloc(p, k * sizeof(double));
	trial = pool_alloc(p, k * sizeof(double));
	g = pool_alloc(p, k * sizeof(double));
	step = pool_alloc(p, k * sizeof(double));
	h = pool_alloc(p, k * k * sizeof(double));
	f = objective(beta, z, y, n, d, o->lambda);
	while (m->iterations < o->max_iter && !m->converged) {
		double t = 1, slope = 0, big = 0, ft;

		derivatives(beta, z, y, n, d, o->lambda, g, h);
		for (size_t a = 0; a < k; a++)
			step[a] = -g[a];
		if (cholesky_solve(h, step, k) < 0)
			return -1;
		for (size_t a = 0; a < k; a++)
			slope += g[a] * step[a];           /* < 0: a descent direction */
		for (;;) {
			for (size_t a = 0; a < k; a++)
				trial[a] = beta[a] + t * step[a];
			ft = objective(trial, z, y, n, d, o->lambda);
			if (ft <= f + ARMIJO * t * slope || t <= MIN_STEP)
				break;
			t /= 2;
		}
		for (size_t a = 0; a < k; a++)
			big = fmax(big, fabs(trial[a] - beta[a]));
		memcpy(beta, trial, k * sizeof(double));
		f = ft;
		m->iterations++;
		m->converged = big < o->tol;
	}
	m->intercept = beta[0];
	memcpy(m->w, beta + 1, d * sizeof(double));
	return 0;
}

double
logreg_predict(const struct logreg *m, const double *x)
{
	double e = m->intercept;

	for (size_t j = 0; j < m->d; j++)
		if (!isnan(x[j]))
			e += m->w[j] * (x[j] - m->mean[j]) / m->std[j];
	return sigmoid(e);
}

struct ranked { double s; size_t i; };

static int
ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

double
logreg_auc(struct pool *p, const double *score, const int *y, size_t n)
{
	struct ranked *r;
	double pos = 0, rank_sum = 0, neg;

	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	neg = (double)n - pos;
	if (pos == 0 || neg == 0)
		return NAN;
	r = pool_alloc(p, n * sizeof(*r));
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked){ score[i], i };
	qsort(r, n, sizeof(*r), ranked_cmp);
	for (size_t a = 0; a < n;) {
		size_t b = a;
		double avg;

		while (b + 1 < n && r[b + 1].s == r[a].s)
			b++;
		avg = ((double)a + (double)b) / 2 + 1;     /* mean of ranks a+1 .. b+1 */
		for (size_t t = a; t <= b; t++)
			if (y[r[t].i])
				rank_sum += avg;
		a = b + 1;
	}
	return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

double
logreg_accuracy(const double *prob, const int *y, size_t n)
{
	size_t right = 0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		right += (prob[i] >= 0.5) == (y[i] != 0);
	return (double)right / (double)n;
}

double
logreg_log_loss(const double *prob, const int *y, size_t n)
{
	double sum = 0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		double q = fmin(fmax(prob[i], LOGREG_CLIP), 1 - LOGREG_CLIP);

		sum -= y[i] ? log(q) : log1p(-q);
	}
	return sum / (double)n;
}

void
logreg_evaluate(struct pool *p, const struct logreg *m, const double *x, const int *y,
    size_t n, struct logreg_metrics *out)
{
	double *prob = pool_alloc(p, (n ? n : 1) * sizeof(double));

	memset(out, 0, sizeof(*out));
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		prob[i] = logreg_predict(m, x + i * m->d);
		out->positives += y[i] != 0;
	}
	out->auc = logreg_auc(p, prob, y, n);
	out->accuracy = logreg_accuracy(prob, y, n);
	out->log_loss = logreg_log_loss(prob, y, n);
}

size_t
logreg_holdout_rows(size_t n, double h)
{
	size_t k;

	if (!(h > 0) || n < 2)
		return 0;
	k = (size_t)floor(h * (double)n);
	if (k < 1)
		k = 1;
	return k >= n ? n - 1 : k;
}

int
logreg_fit_holdout(struct pool *p, const double *x, const int *y, size_t n, size_t d,
    double h, const struct logreg_opts *o, struct logreg *m, struct logreg_metrics *hold)
{
	size_t k, ntrain;

	memset(hold, 0, sizeof(*hold));
	hold->auc = hold->accuracy = hold->log_loss = NAN;
	if (!(h >= 0 && h < 1))
		return -1;
	k = logreg_holdout_rows(n, h);
	ntrain = n - k;
	if (logreg_train(p, x, y, ntrain, d, o, m) < 0)
		return -1;
	if (k > 0)
		logreg_evaluate(p, m, x + ntrain * d, y + ntrain, k, hold);
	return 0;
}
