/* bench_indicators.c: indicator throughput in bars per second on one core.
 * Reads the S&P 500 series (default tests/fixtures/sp500-2000.csv, or the
 * file named by the first argument: a CSV with high, low, close and volume
 * columns) and runs it again and again through
 *   core: SMA(20) + EMA(12) + RSI(14) + MACD(12, 26, 9) + Bollinger(20, 2)
 *         + ATR(14), the set the throughput target names;
 *   full: core + stochastic(14, 3) + OBV + ROC(10) + ADX(14),
 * for at least BENCH_IND_SECONDS (default 1) each, and prints
 *   indicators_core_bars_per_sec <n>
 *   indicators_full_bars_per_sec <n>
 * where a bar is one input bar through the whole set. Exit status 1 when
 * the data cannot be read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "indicators.h"

#define MAXBARS 1000000

struct series {
	double *h, *l, *c, *v;
	size_t n;
};

struct outs {
	double *a, *b, *c;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Column index of name in the header line hdr, or -1. */
static int
column(const char *hdr, const char *name)
{
	char copy[512];
	int i = 0;

	snprintf(copy, sizeof(copy), "%s", hdr);
	for (char *s = strtok(copy, ",\r\n"); s; s = strtok(NULL, ",\r\n"), i++)
		if (strcmp(s, name) == 0)
			return i;
	return -1;
}

static int
load(const char *path, struct series *s)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int ch, cl, cc, cv;

	if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
		fprintf(stderr, "bench_indicators: cannot read %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	ch = column(line, "high");
	cl = column(line, "low");
	cc = column(line, "close");
	cv = column(line, "volume");
	if (ch < 0 || cl < 0 || cc < 0 || cv < 0) {
		fprintf(stderr, "bench_indicators: %s: no high/low/close/volume\n", path);
		fclose(f);
		return -1;
	}
	s->h = malloc(MAXBARS * sizeof(double));
	s->l = malloc(MAXBARS * sizeof(double));
	s->c = malloc(MAXBARS * sizeof(double));
	s->v = malloc(MAXBARS * sizeof(double));
	s->n = 0;
	while (s->n < MAXBARS && fgets(line, sizeof(line), f) != NULL) {
		char *p = line;

		for (int col = 0; p != NULL; col++) {
			double x = strtod(p, NULL);

			if (col == ch)
				s->h[s->n] = x;
			else if (col == cl)
				s->l[s->n] = x;
			else if (col == cc)
				s->c[s->n] = x;
			else if (col == cv)
				s->v[s->n] = x;
			p = strchr(p, ',');
			if (p)
				p++;
		}
		s->n++;
	}
	fclose(f);
	if (s->n == 0) {
		fprintf(stderr, "bench_indicators: %s: no bars\n", path);
		return -1;
	}
	return 0;
}

/* One pass of the set over the series; returns a checksum of last bars. */
static double
run_set(const struct series *s, const struct outs *o, int full)
{
	size_t n = s->n, last = n - 1;
	double sum = 0.0;

	ind_sma(s->c, n, 20, o->a);
	sum += o->a[last];
	ind_ema(s->c, n, 12, o->a);
	sum += o->a[last];
	ind_rsi(s->c, n, 14, o->a);
	sum += o->a[last];
	ind_macd(s->c, n, 12, 26, 9, o->a, o->b, o->c);
	sum += o->c[last];
	ind_bbands(s->c, n, 20, 2.0, o->a, o->b, o->c);
	sum += o->c[last];
	ind_atr(s->h, s->l, s->c, n, 14, o->a);
	sum += o->a[last];
	if (!full)
		return sum;
	ind_stoch(s->h, s->l, s->c, n, 14, 3, o->a, o->b);
	sum += o->b[last];
	ind_obv(s->c, s->v, n, o->a);
	sum += o->a[last];
	ind_roc(s->c, n, 10, o->a);
	sum += o->a[last];
	ind_adx(s->h, s->l, s->c, n, 14, o->a, o->b, o->c);
	sum += o->c[last];
	return sum;
}

/* Bars per second of the set, measured over at least `seconds`. */
static double
measure(const struct series *s, const struct outs *o, int full,
        double seconds, double *check)
{
	size_t reps = 0;
	double t0, t;

	run_set(s, o, full);    /* warm the caches */
	t0 = now();
	do {
		for (int i = 0; i < 16; i++)
			*check += run_set(s, o, full);
		reps += 16;
		t = now() - t0;
	} while (t < seconds);
	return (double)reps * (double)s->n / t;
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/fixtures/sp500-2000.csv";
	const char *env = getenv("BENCH_IND_SECONDS");
	double seconds = env ? atof(env) : 1.0, check = 0.0, core, full;
	struct series s;
	struct outs o;

	if (!(seconds > 0))
		seconds = 1.0;
	if (load(path, &s) < 0)
		return 1;
	o.a = malloc(s.n * sizeof(double));
	o.b = malloc(s.n * sizeof(double));
	o.c = malloc(s.n * sizeof(double));
	core = measure(&s, &o, 0, seconds, &check);
	full = measure(&s, &o, 1, seconds, &check);
	printf("indicators_core_bars_per_sec %.0f\n", core);
	printf("indicators_full_bars_per_sec %.0f\n", full);
	fprintf(stderr, "bench_indicators: %zu bars from %s; core = SMA20 EMA12 "
	    "RSI14 MACD BB20 ATR14, full = core + STOCH OBV ROC ADX; "
	    "checksum %g\n", s.n, path, check);
	free(o.a);
	free(o.b);
	free(o.c);
	free(s.h);
	free(s.l);
	free(s.c);
	free(s.v);
	return isfinite(check) ? 0 : 1;
}
