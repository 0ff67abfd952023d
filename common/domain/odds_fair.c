/* odds_fair.c: a market's fair line: sharp book or consensus (odds_fair.h). */
#include "odds_fair.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
odds_median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
odds_fair_line(const struct odds_book_prices *b, int nb, int n,
               enum devig_method m, const char *sharp, struct odds_fair *out)
{
	double *per = NULL, *col = NULL, *over = NULL, *hold = NULL, fair[DEVIG_MAX_OUTCOMES];
	int used = 0, rc = -1;
	double sum = 0;

	if (n < 2 || n > DEVIG_MAX_OUTCOMES || nb <= 0)
		return -1;
	for (int k = 0; sharp != NULL && k < nb; k++) {
		if (b[k].book == NULL || strcmp(b[k].book, sharp) != 0 ||
		    devig(m, b[k].price, n, fair) < 0)
			continue;
		memcpy(out->p, fair, sizeof(fair[0]) * (size_t)n);
		out->source = b[k].book;
		out->books = 1;
		out->overround = devig_overround(b[k].price, n);
		out->hold = devig_hold(b[k].price, n);
		return 0;
	}
	per = malloc(sizeof(*per) * (size_t)nb * (size_t)n);
	col = malloc(sizeof(*col) * (size_t)nb);
	over = malloc(sizeof(*over) * (size_t)nb);
	hold = malloc(sizeof(*hold) * (size_t)nb);
	if (per == NULL || col == NULL || over == NULL || hold == NULL)
		abort();
	for (int k = 0; k < nb; k++) {
		if (devig(m, b[k].price, n, per + (size_t)used * (size_t)n) < 0)
			continue;
		over[used] = devig_overround(b[k].price, n);
		hold[used] = devig_hold(b[k].price, n);
		used++;
	}
	if (used == 0)
		goto out;
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < used; k++)
			col[k] = per[(size_t)k * (size_t)n + (size_t)i];
		out->p[i] = odds_median(col, used);
		sum += out->p[i];
	}
	/* medians of three or more outcomes need not sum to 1: rescaled */
	for (int i = 0; i < n; i++)
		out->p[i] /= sum;
	out->source = "consensus";
	out->books = used;
	out->overround = odds_median(over, used);
	out->hold = odds_median(hold, used);
	rc = 0;
out:
	free(per);
	free(col);
	free(over);
	free(hold);
	return rc;
}
