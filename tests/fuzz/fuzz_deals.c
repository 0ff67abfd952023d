/* fuzz_deals.c: the listing parsers of deal_provider.h, and the deal score
 * of what they accept.
 *
 * The first byte picks the parser (low 2 bits: recorded CSV, eBay token,
 * eBay search, chat-completions opinion) and the HTTP status it is told (next 3 bits); the rest is
 * the reply body, in a buffer of exactly its size. Invariants: every call
 * sets a short printable-ASCII message; an accepted listing has an id, a
 * title, a price above 0, a three-letter currency, shipping unknown or at
 * least 0 and feedback unknown or 0..100; an accepted opinion is text of
 * at most DEAL_OPINION_MAX bytes; a refused call leaves the output
 * untouched; the score of every accepted listing against the others is
 * NAN (no comparables) or within 0..100. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deal.h"
#include "deal_opinion.h"
#include "deal_provider.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_deals: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static const long statuses[8] = { 200, 0, 429, 401, 400, 404, 500, 204 };

static void
check_msg(const char *msg)
{
	size_t n;

	CHECK(msg != NULL);
	n = strlen(msg);
	CHECK(n > 0 && n < 600);
	for (size_t i = 0; i < n; i++)
		CHECK(msg[i] >= 0x20 && msg[i] < 0x7f);
}

static void
check_items(struct pool *p, enum provider_status st, const struct deal_items *it)
{
	struct deal_score *sc;

	if (st != PROVIDER_OK) {
		CHECK(it->n == 0 && it->v == NULL);
		return;
	}
	for (size_t i = 0; i < it->n; i++) {
		const struct deal_item *d = &it->v[i];

		CHECK(d->l.item_id && *d->l.item_id && d->l.title && *d->l.title);
		CHECK(d->l.price > 0 && isfinite(d->l.price));
		CHECK(d->currency && strlen(d->currency) == 3);
		CHECK(isnan(d->l.shipping) || d->l.shipping >= 0);
		CHECK(isnan(d->l.feedback_pct) || (d->l.feedback_pct >= 0 &&
		                                   d->l.feedback_pct <= 100));
		CHECK(d->l.condition >= 0 && d->l.condition < DEAL_CONDITION_COUNT);
	}
	if (it->n == 0)
		return;
	sc = pool_alloc(p, it->n * sizeof(*sc));
	{
		struct deal_listing *l = pool_alloc(p, it->n * sizeof(*l));

		for (size_t i = 0; i < it->n; i++)
			l[i] = it->v[i].l;
		deal_score_search(p, l, it->n, NULL, 0, sc);
	}
	for (size_t i = 0; i < it->n; i++)
		CHECK(isnan(sc[i].score) || (sc[i].score >= 0 && sc[i].score <= 100));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deal_items items = { NULL, 0 };
	const char *msg = NULL, *next = NULL, *token = NULL;
	enum provider_status st;
	struct pool *p;
	long status, secs = 0;
	char *body;

	if (size < 1)
		return 0;
	status = statuses[(data[0] >> 2) & 7];
	p = pool_new();
	body = pool_alloc(p, size - 1 ? size - 1 : 1);
	memcpy(body, data + 1, size - 1);
	switch (data[0] & 3) {
	case 0:
		st = deal_parse_csv(p, body, size - 1, &items, &msg);
		check_msg(msg);
		check_items(p, st, &items);
		break;
	case 1:
		st = deal_ebay_parse_token(p, status, body, size - 1, &token, &secs, &msg);
		check_msg(msg);
		CHECK(st != PROVIDER_OK || (token && *token && secs > 0));
		break;
	case 3:
		st = deal_opinion_parse(p, status, body, size - 1, &token, &msg);
		check_msg(msg);
		CHECK(st != PROVIDER_OK || (token && *token && strlen(token) <= DEAL_OPINION_MAX));
		break;
	default:
		st = deal_ebay_parse_search(p, status, body, size - 1, &items, &next, &msg);
		check_msg(msg);
		check_items(p, st, &items);
		break;
	}
	pool_free(p);
	return 0;
}
