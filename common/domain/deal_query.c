/* deal_query.c: a saved search's query applied to a listing
 * (deal_provider.h). */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "deal_provider.h"
#include "valid.h"

/* 1 when every one of the n words is in title. */
static int
has_all(const char *title, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (words[i] != NULL && *words[i] && !deal_excluded(title, &words[i], 1))
			return 0;
	return 1;
}

int
deal_query_match(const struct deal_query *q, const struct deal_item *it)
{
	const char *title = it->l.title;
	int b;

	if (!has_all(title, q->all, q->nall) ||
	    (q->nany > 0 && !deal_excluded(title, q->any, q->nany)) ||
	    deal_excluded(title, q->none, q->nnone) ||
	    deal_excluded(title, q->exclude, q->nexclude))
		return 0;
	if (q->category != NULL && strcasecmp(q->category, it->category ? it->category : "") != 0)
		return 0;
	if (q->conditions != 0 && !(q->conditions & (1u << it->l.condition)))
		return 0;
	if (q->buying != 0 && it->buying != NULL && *it->buying &&
	    ((b = valid_enum(it->buying, deal_buying_options)) < 0 || !(q->buying & (1u << b))))
		return 0;
	if ((!isnan(q->min_price) && it->l.price < q->min_price) ||
	    (!isnan(q->max_price) && it->l.price > q->max_price))
		return 0;
	if (!isnan(q->max_shipping) && !(it->l.shipping <= q->max_shipping))
		return 0;
	if (q->country != NULL && strcmp(q->country, it->country ? it->country : "") != 0)
		return 0;
	return 1;
}
