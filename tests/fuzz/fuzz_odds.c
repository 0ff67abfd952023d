/* fuzz_odds.c: the odds parsers of odds_provider.h.
 *
 * The first byte picks the parser (low 3 bits: events in decimal, events
 * in American, recorded CSV, sports, scores) and the HTTP status it is told
 * (next 3 bits); the rest is the reply body, in a buffer of exactly its
 * size. Invariants: every call sets a short printable-ASCII message; an OK
 * reply's rows all carry a valid price, a known market and every name, and
 * come in whole markets (taken + refused counts the markets seen); a
 * refused call leaves the output untouched. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odds_price.h"
#include "odds_provider.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_odds: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static const long statuses[8] = { 200, 0, 429, 401, 422, 404, 500, 204 };

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
check_rows(enum provider_status st, const struct odds_rows *r)
{
	if (st != PROVIDER_OK) {
		CHECK(r->n == 7 && r->v == NULL);
		return;
	}
	CHECK(r->n >= 2 * r->markets);
	CHECK((r->refused == 0) == (r->refusal == NULL));
	for (size_t i = 0; i < r->n; i++) {
		const struct odds_row *w = &r->v[i];

		CHECK(odds_price_valid(w->price));
		CHECK(odds_market_known(w->market));
		CHECK(w->event_id && w->sport && w->commence_time && w->home_team && w->away_team);
		CHECK(w->book && w->book_title && w->outcome && w->observed_at);
		CHECK(odds_time_valid(w->commence_time) && odds_time_valid(w->observed_at));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *p;
	char *body;
	const char *msg = NULL;
	struct odds_rows rows = { NULL, 7, 0, 0, NULL };
	enum provider_status st;
	long status;
	int which;

	if (size < 1)
		return 0;
	which = data[0] & 7;
	status = statuses[(data[0] >> 3) & 7];
	p = pool_new();
	body = pool_alloc(p, size - 1 ? size - 1 : 1);
	memcpy(body, data + 1, size - 1);
	switch (which) {
	case 0:
	case 1:
		st = odds_parse_events(p, status, body, size - 1, which, NULL, &rows, &msg);
		check_msg(msg);
		check_rows(st, &rows);
		break;
	case 2:
		st = odds_parse_csv(p, body, size - 1, 0, NULL, &rows, &msg);
		check_msg(msg);
		check_rows(st, &rows);
		break;
	case 3: {
		struct odds_sport *s = NULL;
		size_t n = 7;

		st = odds_parse_sports(p, status, body, size - 1, &s, &n, &msg);
		check_msg(msg);
		CHECK(st == PROVIDER_OK || (s == NULL && n == 7));
		for (size_t i = 0; st == PROVIDER_OK && i < n; i++)
			CHECK(s[i].key != NULL && strlen(s[i].key) <= 64);
		break;
	}
	default: {
		struct odds_score *s = NULL;
		size_t n = 7;

		st = odds_parse_scores(p, status, body, size - 1, &s, &n, &msg);
		check_msg(msg);
		CHECK(st == PROVIDER_OK || (s == NULL && n == 7));
		for (size_t i = 0; st == PROVIDER_OK && i < n; i++)
			CHECK(s[i].event_id != NULL && odds_time_valid(s[i].commence_time));
		break;
	}
	}
	pool_free(p);
	return 0;
}
