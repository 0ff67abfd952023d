/* bench_backtest.c: the CPU time of one backtest of one symbol over twenty
 * years of daily bars (default tests/fixtures/sp500-2000.csv, the S&P 500
 * series, or the CSV named by the first argument): the indicator suite of
 * every bar, a strategy's signal at every bar, and the replay with every
 * exit rule, fees and slippage, as a backtest task computes it without the
 * database. Each built-in strategy is run again and again for at least
 * BENCH_IND_SECONDS (default 1) of CPU time. Prints, a line a strategy,
 *   backtest_ms_<strategy> <CPU milliseconds a backtest>
 * Exit status 1 when the data cannot be read or parsed. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analysis.h"
#include "backtest.h"
#include "pool.h"
#include "provider.h"

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One backtest of c under st; the number of trades. */
static size_t
run(const struct candles *c, enum analysis_strategy st)
{
	struct backtest_params prm = { .exit_on_sell = 1, .hold_bars = 60, .stop_loss_pct = 8,
	                               .take_profit_pct = 20, .sizing = BACKTEST_FRACTION,
	                               .size = 1, .fees_bps = 5, .slippage_bps = 5 };
	struct pool *p = pool_new();
	struct analysis_series a;
	struct backtest_result r;
	unsigned char *sig = pool_alloc(p, c->n);
	size_t trades = 0;

	if (analysis_series(p, c, &a) == 0) {
		struct analysis_spec sp;

		analysis_builtin_spec(st, &sp);
		backtest_signals(&a, &sp, sig);
		if (backtest_run(p, c, sig, 0, c->n - 1, &prm, &r) == 0)
			trades = r.ntrades;
	}
	pool_free(p);
	return trades;
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/fixtures/sp500-2000.csv";
	const char *env = getenv("BENCH_IND_SECONDS");
	double seconds = env ? atof(env) : 1.0;
	struct pool *p = pool_new();
	struct candles c;
	const char *msg;
	size_t len;
	char *body;
	FILE *f = fopen(path, "rb");

	if (!(seconds > 0))
		seconds = 1.0;
	if (f == NULL) {
		fprintf(stderr, "bench_backtest: cannot read %s\n", path);
		pool_free(p);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	body = pool_alloc(p, len + 1);
	len = fread(body, 1, len, f);
	fclose(f);
	if (provider_parse_csv(p, 0, body, len, &c, &msg) != PROVIDER_OK || c.n == 0) {
		fprintf(stderr, "bench_backtest: %s: no series\n", path);
		pool_free(p);
		return 1;
	}
	for (int st = 0; st < STRATEGY_COUNT; st++) {
		double t0, t;
		size_t reps = 0, trades = run(&c, st);   /* warm the caches */

		t0 = cpu_now();
		do {
			run(&c, st);
			reps++;
			t = cpu_now() - t0;
		} while (t < seconds);
		printf("backtest_ms_%s %.3f\n", analysis_strategy_name(st), 1000 * t / (double)reps);
		fprintf(stderr, "bench_backtest: %s: %zu bars from %s, %zu trades, %zu runs\n",
		        analysis_strategy_name(st), c.n, path, trades, reps);
	}
	pool_free(p);
	return 0;
}
