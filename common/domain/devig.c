/* devig.c: fair probabilities from a book's prices (devig.h). */
#include "devig.h"

#include <math.h>
#include <string.h>

#include "odds_price.h"

#define SOLVE_STEPS 400

const char *const devig_method_names[] = {
	"multiplicative", "additive", "power", "shin", "worst_case", NULL
};

const char *
devig_method_name(enum devig_method m)
{
	return devig_method_names[m];
}

int
devig_method_parse(const char *name)
{
	for (int i = 0; name != NULL && devig_method_names[i] != NULL; i++)
		if (strcmp(name, devig_method_names[i]) == 0)
			return i;
	return -1;
}

static double
book(const double *price, int n)
{
	double b = 0;

	for (int i = 0; i < n; i++)
		b += 1.0 / price[i];
	return b;
}

double
devig_overround(const double *price, int n)
{
	return book(price, n) - 1.0;
}

double
devig_hold(const double *price, int n)
{
	return 1.0 - 1.0 / book(price, n);
}

static void
multiplicative(const double *r, int n, double b, double *p)
{
	for (int i = 0; i < n; i++)
		p[i] = r[i] / b;
}

static int
additive(const double *r, int n, double b, double *p)
{
	double cut = (b - 1.0) / n;

	for (int i = 0; i < n; i++)
		if (r[i] - cut <= 0)
			return -1;
	for (int i = 0; i < n; i++)
		p[i] = r[i] - cut;
	return 0;
}

/* sum p_i(x) - 1 for the power (x = k) or Shin (x = z) model; p filled. */
static double
model_sum(int shin, const double *r, int n, double b, double x, double *p)
{
	double s = 0;

	for (int i = 0; i < n; i++) {
		if (shin)
			p[i] = (sqrt(x * x + 4.0 * (1.0 - x) * r[i] * r[i] / b) - x) /
			       (2.0 * (1.0 - x));
		else
			p[i] = pow(r[i], x);
		s += p[i];
	}
	return s - 1.0;
}

/* Solve model_sum(x) = 0 by bisection; both models fall as x grows. The
 * bracket grows from the no-margin point (k = 1, z = 0) outwards. */
static int
solve(int shin, const double *r, int n, double b, double *p)
{
	double mid = shin ? 0.0 : 1.0, lo = mid, hi = mid, f, step = shin ? 0.5 : 1.0;

	f = model_sum(shin, r, n, b, mid, p);
	if (fabs(f) <= DEVIG_TOLERANCE / 4)
		return 0;
	for (int i = 0; i < 60; i++) {      /* a bracket with the root inside */
		if (f > 0) {
			lo = hi;
			hi = shin ? 1.0 - (1.0 - hi) / 2 : hi + step;
			step *= 2;
			if (model_sum(shin, r, n, b, hi, p) <= 0)
				break;
		} else {
			hi = lo;
			lo = shin ? lo - step : lo / 2;
			step *= 2;
			if (model_sum(shin, r, n, b, lo, p) >= 0)
				break;
		}
	}
	for (int i = 0; i < SOLVE_STEPS; i++) {
		double x = lo + (hi - lo) / 2;

		f = model_sum(shin, r, n, b, x, p);
		if (fabs(f) <= DEVIG_TOLERANCE / 4 || x == lo || x == hi)
			break;
		if (f > 0)
			lo = x;
		else
			hi = x;
	}
	return fabs(f) <= DEVIG_TOLERANCE ? 0 : -1;
}

int
devig(enum devig_method m, const double *price, int n, double *fair)
{
	double r[DEVIG_MAX_OUTCOMES], p[DEVIG_MAX_OUTCOMES], q[DEVIG_MAX_OUTCOMES], b;

	if (n < 2 || n > DEVIG_MAX_OUTCOMES)
		return -1;
	for (int i = 0; i < n; i++) {
		if (!odds_price_valid(price[i]))
			return -1;
		r[i] = 1.0 / price[i];
	}
	b = book(price, n);
	switch (m) {
	case DEVIG_MULTIPLICATIVE:
		multiplicative(r, n, b, p);
		break;
	case DEVIG_ADDITIVE:
		if (additive(r, n, b, p) < 0)
			return -1;
		break;
	case DEVIG_POWER:
	case DEVIG_SHIN:
		if (solve(m == DEVIG_SHIN, r, n, b, p) < 0)
			return -1;
		break;
	case DEVIG_WORST_CASE:
		multiplicative(r, n, b, p);
		for (int k = DEVIG_ADDITIVE; k <= DEVIG_SHIN; k++) {
			if (devig((enum devig_method)k, price, n, q) < 0)
				continue;
			for (int i = 0; i < n; i++)
				if (q[i] < p[i])
					p[i] = q[i];
		}
		break;
	default:
		return -1;
	}
	memcpy(fair, p, sizeof(*fair) * (size_t)n);
	return 0;
}
