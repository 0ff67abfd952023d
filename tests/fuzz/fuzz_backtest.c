/* fuzz_backtest.c: backtest_request_parse, the check of a backtest's
 * request (POST /api/backtests, a task's params), and the engine on what it
 * accepts.
 *
 * Invariants: a refusal always names why; an accepted request is within
 * its bounds, its canonical form (backtest_request_json) is accepted again
 * and writes itself the same way, and backtest_run accepts its parameters
 * and replays a short series with finite equity. */
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_backtest: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#define TO_STRING (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Replay a short series of alternating signals under q's parameters. */
static void
check_replay(struct pool *p, const struct backtest_request *q)
{
	static const unsigned char sig[] = { 1, 0, 2, 1, 1, 0, 2, 2, 1, 0 };
	struct candle v[10];
	struct candles c = { v, 10 };
	struct backtest_result r;

	memset(v, 0, sizeof(v));
	for (int i = 0; i < 10; i++) {
		snprintf(v[i].date, sizeof(v[i].date), "2024-01-%02d", i + 1);
		v[i].open = 100 + (i % 3) * 7;
		v[i].close = v[i].adjclose = 100 + (i % 4) * 5;
		v[i].high = 130;
		v[i].low = 90;
	}
	CHECK(backtest_run(p, &c, sig, 0, 9, &q->prm, &r) == 0);
	for (size_t i = 0; i < r.n; i++)
		CHECK(isfinite(r.equity[i]) && r.equity[i] >= 0);
	CHECK(r.hold.total_return == v[9].close / v[0].close - 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *p = pool_new();
	char *s = pool_alloc(p, size + 1);
	struct backtest_request q, again;
	const char *field, *why;
	json_object *o, *canon, *canon2;

	memcpy(s, data, size);
	o = json_tokener_parse(s);
	if (backtest_request_parse(p, o, &q, &field, &why) < 0) {
		CHECK(why != NULL && *why != '\0');
	} else {
		CHECK(q.nsymbols >= 1 && q.nsymbols <= BACKTEST_MAX_SYMBOLS);
		CHECK(strcmp(q.from, q.to) < 0);
		CHECK(q.prm.fees_bps >= 0 && q.prm.fees_bps <= BACKTEST_MAX_BPS);
		canon = backtest_request_json(&q);
		CHECK(backtest_request_parse(p, canon, &again, &field, &why) == 0);
		canon2 = backtest_request_json(&again);
		CHECK(strcmp(json_object_to_json_string_ext(canon, TO_STRING),
		             json_object_to_json_string_ext(canon2, TO_STRING)) == 0);
		check_replay(p, &q);
		json_object_put(canon2);
		json_object_put(canon);
	}
	json_object_put(o);
	pool_free(p);
	return 0;
}
