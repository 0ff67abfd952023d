/* odds_eval.c: rows into lines, each line's fair line, each row's EV
 * (odds_eval.h). */
#include "odds_eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "odds_fair.h"
#include "pool.h"


static const struct odds_row *sort_rows;

static double
abs_point(const struct odds_row *r)
{
	return r->has_point ? fabs(r->point) : 0;
}

/* Order: event, market, |point| (the line), then book, outcome. */
static int
cmp_line(const struct odds_row *a, const struct odds_row *b)
{
	int c;

	if ((c = strcmp(a->event_id, b->event_id)) != 0 || (c = strcmp(a->market, b->market)) != 0)
		return c;
	return abs_point(a) < abs_point(b) ? -1 : abs_point(a) > abs_point(b);
}

static int
cmp_index(const void *x, const void *y)
{
	const struct odds_row *a = &sort_rows[*(const size_t *)x], *b = &sort_rows[*(const size_t *)y];
	int c = cmp_line(a, b);

	if (c == 0)
		c = strcmp(a->book, b->book);
	return c;
}

static int
same_outcome(const struct odds_row *a, const struct odds_row *b)
{
	return strcmp(a->outcome, b->outcome) == 0 && a->has_point == b->has_point &&
	       (!a->has_point || a->point == b->point);
}

/* One line: rows idx[0..k). */
static void
line(struct pool *p, const struct odds_row *rows, const size_t *idx, size_t k, int no,
     enum devig_method m, const char *sharp, struct odds_eval *out)
{
	const struct odds_row *names[DEVIG_MAX_OUTCOMES];
	struct odds_book_prices *b = pool_alloc(p, (k + 1) * sizeof(*b));
	struct odds_fair f;
	int nout = 0, nb = 0, known;

	for (size_t i = 0; i < k; i++) {
		const struct odds_row *r = &rows[idx[i]];
		int o;

		out[idx[i]].line = no;
		for (o = 0; o < nout && !same_outcome(names[o], r); o++)
			;
		if (o == nout && nout < DEVIG_MAX_OUTCOMES)
			names[nout++] = r;
	}
	for (size_t i = 0; i < k; i++) {
		const struct odds_row *r = &rows[idx[i]];

		if (nb == 0 || strcmp(b[nb - 1].book, r->book) != 0) {
			memset(&b[nb], 0, sizeof(b[nb]));
			b[nb++].book = r->book;
		}
		for (int o = 0; o < nout; o++)
			if (same_outcome(names[o], r))
				b[nb - 1].price[o] = r->price;
	}
	known = nout >= 2 && odds_fair_line(b, nb, nout, m, sharp, &f) == 0;
	for (size_t i = 0; i < k && known; i++) {
		struct odds_eval *e = &out[idx[i]];
		const struct odds_row *r = &rows[idx[i]];

		for (int o = 0; o < nout; o++)
			if (same_outcome(names[o], r))
				e->fair = f.p[o];
		e->fair_known = e->fair > 0;
		e->fair_price = e->fair > 0 ? 1.0 / e->fair : 0;
		e->ev = ev_value(e->fair, r->price);
		e->kelly = ev_kelly(e->fair, r->price);
		e->source = f.source;
		e->overround = f.overround;
		e->hold = f.hold;
		e->books = f.books;
	}
}

int
odds_evaluate(struct pool *p, const struct odds_row *rows, size_t n,
              enum devig_method m, const char *sharp, struct odds_eval **out)
{
	size_t *idx = pool_alloc(p, (n + 1) * sizeof(*idx)), start = 0;
	struct odds_eval *e = pool_alloc(p, (n + 1) * sizeof(*e));
	int lines = 0;

	memset(e, 0, (n + 1) * sizeof(*e));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_rows = rows;
	qsort(idx, n, sizeof(*idx), cmp_index);
	for (size_t i = 1; i <= n; i++)
		if (i == n || cmp_line(&rows[idx[start]], &rows[idx[i]]) != 0) {
			line(p, rows, idx + start, i - start, lines++, m, sharp, e);
			start = i;
		}
	*out = e;
	return lines;
}
