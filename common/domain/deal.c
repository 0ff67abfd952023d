/* deal.c: conditions, comparables and their spread, a search scored
 * (deal.h); the score of one listing is in deal_score.c. */
#include "deal.h"

#include <math.h>
#include <string.h>

#include "pool.h"

const char *const deal_conditions[DEAL_CONDITION_COUNT + 1] = {
	"new", "open_box", "refurbished", "used", "parts", "unknown", NULL
};

const char *
deal_condition_name(enum deal_condition c)
{
	return c >= 0 && c < DEAL_CONDITION_COUNT ? deal_conditions[c] : "";
}

int
deal_condition_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < DEAL_CONDITION_COUNT; i++)
		if (strcmp(s, deal_conditions[i]) == 0)
			return i;
	return -1;
}

enum deal_condition
deal_condition_bucket(enum deal_condition c)
{
	return c == DEAL_OPEN_BOX ? DEAL_NEW : c;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* 1 when needle occurs in hay, ASCII case-insensitive. */
static int
contains(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);

	for (; *hay; hay++) {
		size_t i = 0;

		while (i < nl && hay[i] && lower((unsigned char)hay[i]) ==
		       lower((unsigned char)needle[i]))
			i++;
		if (i == nl)
			return 1;
	}
	return 0;
}

int
deal_excluded(const char *title, const char *const *words, size_t n)
{
	if (title == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (words[i] != NULL && *words[i] && contains(title, words[i]))
			return 1;
	return 0;
}

static int
same_item(const struct deal_listing *a, const struct deal_listing *b)
{
	return a->item_id != NULL && b->item_id != NULL && strcmp(a->item_id, b->item_id) == 0;
}

/* The totals of all[self]'s comparables into out; excluded[i] says whether
 * all[i]'s title holds an exclusion word, totals[i] is its total. */
static size_t
gather(const struct deal_listing *all, size_t n, size_t self,
    const unsigned char *excluded, const double *totals, double *out)
{
	enum deal_condition bucket = deal_condition_bucket(all[self].condition);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (i != self && !excluded[i] && !same_item(&all[i], &all[self]) &&
		    deal_condition_bucket(all[i].condition) == bucket)
			out[k++] = totals[i];
	return k;
}

/* excluded and totals of every listing of all (pool memory). */
static void
prepare(struct pool *p, const struct deal_listing *all, size_t n,
    const char *const *exclude, size_t nex, unsigned char **excluded, double **totals)
{
	*excluded = pool_alloc(p, n + 1);
	*totals = pool_alloc(p, (n + 1) * sizeof(**totals));
	for (size_t i = 0; i < n; i++) {
		(*excluded)[i] = (unsigned char)deal_excluded(all[i].title, exclude, nex);
		(*totals)[i] = deal_total(&all[i]);
	}
}

size_t
deal_comparables(const struct deal_listing *all, size_t n, size_t self,
    const char *const *exclude, size_t nex, double *totals)
{
	struct pool *p = pool_new();
	unsigned char *excluded;
	double *t;
	size_t k;

	prepare(p, all, n, exclude, nex, &excluded, &t);
	k = gather(all, n, self, excluded, t, totals);
	pool_free(p);
	return k;
}

void
deal_score_search(struct pool *p, const struct deal_listing *all, size_t n,
    const char *const *exclude, size_t nex, struct deal_score *out)
{
	unsigned char *excluded;
	double *totals, *scratch;

	if (n == 0)
		return;
	prepare(p, all, n, exclude, nex, &excluded, &totals);
	scratch = pool_alloc(p, n * sizeof(*scratch));
	for (size_t i = 0; i < n; i++) {
		struct deal_stats st;

		deal_stats(scratch, gather(all, n, i, excluded, totals, scratch), &st);
		deal_score(p, &all[i], &st, &out[i]);
	}
}

/* Move the k-th smallest of v[0..n) to v[k], the smaller ones before it
 * and the larger after (Wirth's selection). */
static void
select_kth(double *v, long n, long k)
{
	long l = 0, m = n - 1;

	while (l < m) {
		double x = v[k];
		long i = l, j = m;

		do {
			while (v[i] < x)
				i++;
			while (x < v[j])
				j--;
			if (i <= j) {
				double t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		} while (i <= j);
		if (j < k)
			l = i;
		if (k < i)
			m = j;
	}
}

double
deal_median(double *v, size_t n)
{
	double hi, lo;

	if (n == 0)
		return NAN;
	select_kth(v, (long)n, (long)(n / 2));
	hi = v[n / 2];
	if (n % 2)
		return hi;
	/* the lower middle is the largest value left of n / 2 */
	lo = v[0];
	for (size_t i = 1; i < n / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	return (lo + hi) / 2;
}

int
deal_stats(double *totals, size_t n, struct deal_stats *out)
{
	double floor;

	out->count = n;
	if (n == 0) {
		out->median = out->mad = out->scale = out->spread = NAN;
		return -1;
	}
	out->median = deal_median(totals, n);
	for (size_t i = 0; i < n; i++)
		totals[i] = fabs(totals[i] - out->median);
	out->mad = deal_median(totals, n);
	floor = DEAL_MIN_SCALE_SHARE * out->median;
	out->scale = DEAL_MAD_SCALE * out->mad;
	if (out->scale < floor)
		out->scale = floor;
	if (out->scale < 0.01)
		out->scale = 0.01;
	out->spread = out->median > 0 ? out->scale / out->median : NAN;
	return 0;
}
