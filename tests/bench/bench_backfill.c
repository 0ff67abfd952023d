/* bench_backfill.c: the signal backfill's computation in bars per second on
 * one core: analysis_series() of the whole S&P 500 series (default
 * tests/fixtures/sp500-2000.csv, or the CSV named by the first argument)
 * and signal_backfill_bar() of every bar (momentum and value rows, as for a
 * symbol without fundamentals), without the database, again and again for
 * at least BENCH_IND_SECONDS (default 1). Prints
 *   backfill_bars_per_sec <n>
 * Exit status 1 when the data cannot be read or parsed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analysis.h"
#include "pool.h"
#include "provider.h"
#include "signal_backfill.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The rows of every bar of c; returns how many. */
static size_t
run(const struct candles *c)
{
	struct pool *p = pool_new(), *scratch = pool_new();
	struct analysis_series a;
	size_t rows = 0;

	if (analysis_series(p, c, &a) == 0)
		for (size_t i = 0; i < c->n; i++) {
			json_object *r = json_object_new_array();

			signal_backfill_bar(scratch, &a, i, 1, r);
			rows += json_object_array_length(r);
			json_object_put(r);
			pool_reset(scratch);
		}
	pool_free(scratch);
	pool_free(p);
	return rows;
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/fixtures/sp500-2000.csv";
	const char *env = getenv("BENCH_IND_SECONDS");
	double seconds = env ? atof(env) : 1.0, t0, t;
	struct pool *p = pool_new();
	struct candles c;
	const char *msg;
	size_t reps = 0, rows = 0, len;
	char *body;
	FILE *f = fopen(path, "rb");

	if (!(seconds > 0))
		seconds = 1.0;
	if (f == NULL) {
		fprintf(stderr, "bench_backfill: cannot read %s\n", path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	body = pool_alloc(p, len + 1);
	len = fread(body, 1, len, f);
	fclose(f);
	if (provider_parse_csv(p, 0, body, len, &c, &msg) != PROVIDER_OK || c.n == 0) {
		fprintf(stderr, "bench_backfill: %s: no series\n", path);
		pool_free(p);
		return 1;
	}
	run(&c);                   /* warm the caches */
	t0 = now();
	do {
		rows += run(&c);
		reps++;
		t = now() - t0;
	} while (t < seconds);
	printf("backfill_bars_per_sec %.0f\n", (double)reps * (double)c.n / t);
	fprintf(stderr, "bench_backfill: %zu bars from %s, %zu rows a pass, %zu passes\n",
	        c.n, path, rows / reps, reps);
	pool_free(p);
	return 0;
}
