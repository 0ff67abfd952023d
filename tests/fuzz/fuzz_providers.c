/* fuzz_providers.c: the market-data parsers of provider.h.
 *
 * The first byte picks the parser (low 3 bits) and the HTTP status it is
 * told (next 3 bits); the rest is the reply body, in a buffer of exactly its
 * size. Invariants: every call sets a short printable-ASCII message; a
 * series comes back only with OK, non-empty, valid and strictly ascending,
 * and a refused call leaves the output untouched; an OK CSV series written
 * back as CSV parses to the same series; quotes and fundamentals hold only
 * finite values. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "candle.h"
#include "pool.h"
#include "provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_providers: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

typedef enum provider_status (*series_fn)(struct pool *, long, const char *, size_t,
    struct candles *, const char **);

static const long statuses[8] = { 200, 0, 429, 403, 401, 404, 500, 204 };

static void
check_msg(const char *msg)
{
	size_t n;

	CHECK(msg != NULL);
	n = strlen(msg);
	CHECK(n > 0 && n < 400);
	for (size_t i = 0; i < n; i++)
		CHECK(msg[i] >= 0x20 && msg[i] < 0x7f);
}

static void
check_series(enum provider_status st, const struct candles *s, const struct candle *sentinel)
{
	CHECK(st >= PROVIDER_OK && st <= PROVIDER_UNAVAILABLE);
	if (st != PROVIDER_OK) {
		CHECK(s->v == sentinel && s->n == 7);
		return;
	}
	CHECK(s->n > 0 && s->v != NULL && s->v != sentinel);
	CHECK(candles_validate(s, NULL, NULL) == 0);
	for (size_t i = 1; i < s->n; i++)
		CHECK(strcmp(s->v[i - 1].date, s->v[i].date) < 0);
}

/* Write s back as CSV and parse it again: the same bars must come out. */
static void
check_csv_round_trip(struct pool *p, const struct candles *s)
{
	struct buf b;
	struct candles again;
	const char *msg;
	char *copy;

	buf_init(&b, p);
	buf_puts(&b, "date,open,high,low,close,adjclose,volume\r\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct candle *c = &s->v[i];

		buf_printf(&b, "%s,%.17g,%.17g,%.17g,%.17g,%.17g,%lld\r\n", c->date, c->open,
		           c->high, c->low, c->close, c->adjclose, (long long)c->volume);
	}
	copy = malloc(b.len);
	memcpy(copy, b.data, b.len);
	CHECK(provider_parse_csv(p, 200, copy, b.len, &again, &msg) == PROVIDER_OK);
	free(copy);
	CHECK(again.n == s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct candle *x = &s->v[i], *y = &again.v[i];

		CHECK(strcmp(x->date, y->date) == 0 && x->open == y->open && x->high == y->high &&
		      x->low == y->low && x->close == y->close && x->adjclose == y->adjclose &&
		      x->volume == y->volume);
	}
}

static void
check_fund(const struct fund_value *v)
{
	CHECK(v->present == 0 || v->present == 1);
	CHECK(v->present ? isfinite(v->value) && v->value != 0 : v->value == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const series_fn series[4] = {
		provider_parse_alphavantage_daily, provider_parse_finnhub_candles,
		provider_parse_polygon_aggs, provider_parse_csv,
	};
	static struct pool *p;
	static struct candle sentinel[1];
	struct candles s = { sentinel, 7 };
	struct fundamentals f;
	struct quote q;
	const char *msg = NULL;
	enum provider_status st;
	unsigned pick;
	long http;
	char *body;

	if (size == 0)
		return 0;
	if (p == NULL)
		p = pool_new();
	pick = data[0] & 7;
	http = statuses[(data[0] >> 3) & 7];
	size--;
	body = malloc(size ? size : 1);
	memcpy(body, data + 1, size);
	if (pick < 4 || pick == 7) {
		st = series[pick == 7 ? 3 : pick](p, http, body, size, &s, &msg);
		check_msg(msg);
		check_series(st, &s, sentinel);
		if (st == PROVIDER_OK && (pick == 3 || pick == 7))
			check_csv_round_trip(p, &s);
	} else if (pick == 4) {
		memset(&f, 0x5a, sizeof(f));
		st = provider_parse_alphavantage_overview(p, http, body, size, &f, &msg);
		check_msg(msg);
		if (st == PROVIDER_OK) {
			CHECK(f.symbol != NULL && f.symbol[0] != '\0');
			CHECK(f.latest_quarter[0] == '\0' ||
			      candle_date_valid(f.latest_quarter, strlen(f.latest_quarter)));
			check_fund(&f.pe);
			check_fund(&f.peg);
			check_fund(&f.dividend_yield);
			check_fund(&f.eps);
			check_fund(&f.beta);
			check_fund(&f.market_cap);
			check_fund(&f.earnings_growth);
			check_fund(&f.revenue_growth);
		}
	} else {
		memset(&q, 0x5a, sizeof(q));
		st = provider_parse_finnhub_quote(p, http, body, size, &q, &msg);
		check_msg(msg);
		if (st == PROVIDER_OK) {
			CHECK(isfinite(q.price) && q.price > 0);
			CHECK(isfinite(q.change) && isfinite(q.change_pct) && isfinite(q.high) &&
			      isfinite(q.low) && isfinite(q.open) && isfinite(q.prev_close));
			CHECK(q.time > 0 && candle_date_valid(q.date, strlen(q.date)));
		}
	}
	free(body);
	pool_reset(p);
	return 0;
}
