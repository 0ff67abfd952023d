/* test_indicators.c: common/domain/indicators.h against golden values computed
 * independently (R's TTR, tests/golden/make_golden.R) on two real data sets,
 * on every output bar (edge cases: test_indicators_edge.c). Run from the repository root (fixture paths are relative to it).
 *
 * Tolerance rule: a bar passes when both values are undefined (NAN / NA), or
 * both are defined and |got - want| <= 1e-6. One absolute rule for every
 * indicator; OBV is integer-valued and comes out exact. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators.h"

#define TOL 1e-6
#define MAXCOL 16
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a CSV of numbers with a header line ------------------------------- */

struct table {
	size_t nrow, ncol;
	char names[MAXCOL][32];
	double *col[MAXCOL];
};

/* A field: NA or empty is NAN; anything that is not a number is NAN too
 * (the date column, which no test reads). */
static double
field_value(const char *s, size_t len)
{
	char tmp[64], *end;
	double v;

	if (len == 0 || len >= sizeof(tmp) || (len == 2 && memcmp(s, "NA", 2) == 0))
		return NAN;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	v = strtod(tmp, &end);
	return *end == '\0' ? v : NAN;
}

static void
table_load(struct table *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t cap = 0;

	if (f == NULL)
		fail_msg("cannot open %s (run from the repository root)", path);
	memset(t, 0, sizeof(*t));
	if (fgets(line, sizeof(line), f) == NULL)
		fail_msg("%s: empty", path);
	for (char *s = strtok(line, ",\r\n"); s; s = strtok(NULL, ",\r\n")) {
		assert_true(t->ncol < MAXCOL);
		snprintf(t->names[t->ncol++], sizeof(t->names[0]), "%s", s);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *s = line;

		if (t->nrow == cap) {
			cap = cap ? 2 * cap : 1024;
			for (size_t c = 0; c < t->ncol; c++) {
				t->col[c] = realloc(t->col[c], cap * sizeof(double));
				assert_non_null(t->col[c]);
			}
		}
		for (size_t c = 0; c < t->ncol; c++) {
			size_t len = strcspn(s, ",\r\n");

			t->col[c][t->nrow] = field_value(s, len);
			s += len + (s[len] == ',');
		}
		t->nrow++;
	}
	fclose(f);
}

static const double *
table_col(const struct table *t, const char *name)
{
	for (size_t c = 0; c < t->ncol; c++)
		if (strcmp(t->names[c], name) == 0)
			return t->col[c];
	fail_msg("no column %s", name);
	return NULL;
}

static void
table_free(struct table *t)
{
	for (size_t c = 0; c < t->ncol; c++)
		free(t->col[c]);
	memset(t, 0, sizeof(*t));
}

/* ---- the two real data sets --------------------------------------------- */

struct dataset {
	const char *name, *path;
	size_t rows;                    /* known size of the file */
	struct table t;
	const double *h, *l, *c, *v;
	size_t n;
};

static struct dataset sets[] = {
	{ "sp500", "tests/fixtures/sp500-2000.csv", 5105, { 0 }, 0, 0, 0, 0, 0 },
	{ "regtest", "tests/fixtures/talib_regtest_252.csv", 252, { 0 }, 0, 0, 0, 0, 0 },
};

static int
load_sets(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(sets); i++) {
		struct dataset *d = &sets[i];

		table_load(&d->t, d->path);
		d->n = d->t.nrow;
		if (d->n != d->rows)
			return -1;
		d->h = table_col(&d->t, "high");
		d->l = table_col(&d->t, "low");
		d->c = table_col(&d->t, "close");
		d->v = table_col(&d->t, "volume");
	}
	return 0;
}

static int
free_sets(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(sets); i++)
		table_free(&sets[i].t);
	return 0;
}

/* Compare got with column col of the golden file <set>_<ind>.csv on every
 * bar; the golden series must also start exactly at `lookback`. */
static void
check_golden(const struct dataset *d, const char *ind, const char *col,
             const double *got, size_t lookback)
{
	char path[256];
	struct table g;
	const double *want;
	double max_abs = 0.0, max_rel = 0.0;
	size_t first = SIZE_MAX, defined = 0;

	snprintf(path, sizeof(path), "tests/fixtures/golden/%s_%s.csv", d->name, ind);
	table_load(&g, path);
	if (g.nrow != d->n)
		fail_msg("%s: %zu rows, want %zu", path, g.nrow, d->n);
	want = table_col(&g, col);
	for (size_t i = 0; i < d->n; i++) {
		double diff;

		if (isnan(want[i]) || isnan(got[i])) {
			if (isnan(want[i]) != isnan(got[i]))
				fail_msg("%s %s bar %zu: got %.17g, want %.17g",
				    d->name, col, i, got[i], want[i]);
			continue;
		}
		if (first == SIZE_MAX)
			first = i;
		defined++;
		diff = fabs(got[i] - want[i]);
		if (!(diff <= TOL))
			fail_msg("%s %s bar %zu: got %.17g, want %.17g (diff %.3g)",
			    d->name, col, i, got[i], want[i], diff);
		if (diff > max_abs)
			max_abs = diff;
		if (want[i] != 0.0 && diff / fabs(want[i]) > max_rel)
			max_rel = diff / fabs(want[i]);
	}
	if (first != lookback || defined != d->n - lookback)
		fail_msg("%s %s: defined from bar %zu (%zu bars), want from %zu",
		    d->name, col, first, defined, lookback);
	printf("    golden %-7s %-9s %5zu bars  max abs %.3g  max rel %.3g\n",
	    d->name, col, defined, max_abs, max_rel);
	table_free(&g);
}

/* Per data set: a fresh output array of n bars, poisoned with garbage so an
 * unwritten bar shows up. */
static double *
outbuf(size_t n)
{
	double *o = malloc((n ? n : 1) * sizeof(double));

	assert_non_null(o);
	for (size_t i = 0; i < n; i++)
		o[i] = 12345.678;
	return o;
}

/* ---- golden tests, one per indicator, on both data sets ----------------- */

static void
test_golden_sma(void **state)
{
	static const int periods[] = { 5, 20, 200 };

	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		double *o = outbuf(sets[s].n);

		for (size_t i = 0; i < NELEM(periods); i++) {
			char col[16];

			snprintf(col, sizeof(col), "sma%d", periods[i]);
			assert_int_equal(ind_sma(sets[s].c, sets[s].n, periods[i], o), 0);
			check_golden(&sets[s], "sma", col, o, (size_t)periods[i] - 1);
		}
		free(o);
	}
}

static void
test_golden_ema(void **state)
{
	static const int periods[] = { 5, 12, 26, 50 };

	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		double *o = outbuf(sets[s].n);

		for (size_t i = 0; i < NELEM(periods); i++) {
			char col[16];

			snprintf(col, sizeof(col), "ema%d", periods[i]);
			assert_int_equal(ind_ema(sets[s].c, sets[s].n, periods[i], o), 0);
			check_golden(&sets[s], "ema", col, o, (size_t)periods[i] - 1);
		}
		free(o);
	}
}

static void
test_golden_rsi(void **state)
{
	static const int periods[] = { 14, 5 };

	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		double *o = outbuf(sets[s].n);

		for (size_t i = 0; i < NELEM(periods); i++) {
			char col[16];

			snprintf(col, sizeof(col), "rsi%d", periods[i]);
			assert_int_equal(ind_rsi(sets[s].c, sets[s].n, periods[i], o), 0);
			check_golden(&sets[s], "rsi", col, o, (size_t)periods[i]);
		}
		free(o);
	}
}

static void
test_golden_macd(void **state)
{
	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		size_t n = sets[s].n;
		double *m = outbuf(n), *sg = outbuf(n), *h = outbuf(n);

		assert_int_equal(ind_macd(sets[s].c, n, 12, 26, 9, m, sg, h), 0);
		check_golden(&sets[s], "macd", "macd", m, 25);
		check_golden(&sets[s], "macd", "signal", sg, 33);
		check_golden(&sets[s], "macd", "hist", h, 33);
		free(m);
		free(sg);
		free(h);
	}
}

static void
test_golden_bbands(void **state)
{
	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		size_t n = sets[s].n;
		double *lo = outbuf(n), *mid = outbuf(n), *up = outbuf(n);

		assert_int_equal(ind_bbands(sets[s].c, n, 20, 2.0, lo, mid, up), 0);
		check_golden(&sets[s], "bbands", "lower", lo, 19);
		check_golden(&sets[s], "bbands", "mid", mid, 19);
		check_golden(&sets[s], "bbands", "upper", up, 19);
		free(lo);
		free(mid);
		free(up);
	}
}

static void
test_golden_atr(void **state)
{
	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		const struct dataset *d = &sets[s];
		double *o = outbuf(d->n);

		assert_int_equal(ind_atr(d->h, d->l, d->c, d->n, 14, o), 0);
		check_golden(d, "atr", "atr14", o, 14);
		assert_int_equal(ind_atr(d->h, d->l, d->c, d->n, 5, o), 0);
		check_golden(d, "atr", "atr5", o, 5);
		free(o);
	}
}

static void
test_golden_stoch(void **state)
{
	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		const struct dataset *d = &sets[s];
		double *k = outbuf(d->n), *dd = outbuf(d->n);

		assert_int_equal(ind_stoch(d->h, d->l, d->c, d->n, 14, 3, k, dd), 0);
		check_golden(d, "stoch", "k", k, 13);
		check_golden(d, "stoch", "d", dd, 15);
		free(k);
		free(dd);
	}
}

static void
test_golden_obv(void **state)
{
	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		const struct dataset *d = &sets[s];
		double *o = outbuf(d->n);

		assert_int_equal(ind_obv(d->c, d->v, d->n, o), 0);
		check_golden(d, "obv", "obv", o, 0);
		free(o);
	}
}

static void
test_golden_roc(void **state)
{
	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		const struct dataset *d = &sets[s];
		double *o = outbuf(d->n);

		assert_int_equal(ind_roc(d->c, d->n, 10, o), 0);
		check_golden(d, "roc", "roc10", o, 10);
		assert_int_equal(ind_roc(d->c, d->n, 1, o), 0);
		check_golden(d, "roc", "roc1", o, 1);
		free(o);
	}
}

static void
test_golden_adx(void **state)
{
	(void)state;
	for (size_t s = 0; s < NELEM(sets); s++) {
		const struct dataset *d = &sets[s];
		double *p = outbuf(d->n), *m = outbuf(d->n), *a = outbuf(d->n);

		assert_int_equal(ind_adx(d->h, d->l, d->c, d->n, 14, p, m, a), 0);
		check_golden(d, "adx", "plus_di", p, 14);
		check_golden(d, "adx", "minus_di", m, 14);
		check_golden(d, "adx", "adx", a, 27);
		free(p);
		free(m);
		free(a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_sma),
		cmocka_unit_test(test_golden_ema),
		cmocka_unit_test(test_golden_rsi),
		cmocka_unit_test(test_golden_macd),
		cmocka_unit_test(test_golden_bbands),
		cmocka_unit_test(test_golden_atr),
		cmocka_unit_test(test_golden_stoch),
		cmocka_unit_test(test_golden_obv),
		cmocka_unit_test(test_golden_roc),
		cmocka_unit_test(test_golden_adx),
	};

	return cmocka_run_group_tests(tests, load_sets, free_sets);
}
