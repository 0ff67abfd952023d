/* providers.h: what the market-data parser tests share: fixture files
 * read into exact-size pool memory, running a series parser on a file or a
 * string, and the checks of a parsed series. Include after unit.h. */
#ifndef EDGESCOUT_TEST_PROVIDERS_H
#define EDGESCOUT_TEST_PROVIDERS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candle.h"
#include "provider.h"
#include "provider_parse.h"

#define FIX "tests/fixtures/providers/"

typedef enum provider_status (*series_fn)(struct pool *, long, const char *, size_t,
    struct candles *, const char **);

/* The file's bytes in pool memory of exactly its size (ASan sees any read
 * past the end); fails the test when it cannot be read. */
static inline const char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s (run from the repository root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = pool_alloc(pool, n > 0 ? (size_t)n : 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* Copy of s without its NUL, so that reads past the end are caught. */
static inline const char *
exact(const char *s, size_t *len)
{
	char *d;

	*len = strlen(s);
	d = pool_alloc(pool, *len ? *len : 1);
	memcpy(d, s, *len);
	return d;
}

/* Run a series parser on a fixture file. */
static inline enum provider_status
series_file(series_fn fn, const char *name, long http, struct candles *out, const char **msg)
{
	char path[256];
	const char *body;
	size_t len;

	snprintf(path, sizeof(path), FIX "%s", name);
	body = slurp(path, &len);
	memset(out, 0, sizeof(*out));
	*msg = NULL;
	return fn(pool, http, body, len, out, msg);
}

/* Run a series parser on a string. */
static inline enum provider_status
series_str(series_fn fn, const char *text, long http, struct candles *out, const char **msg)
{
	size_t len;
	const char *body = exact(text, &len);

	memset(out, 0, sizeof(*out));
	*msg = NULL;
	return fn(pool, http, body, len, out, msg);
}

#define EXPECT(fn, src, http, want_st, want_msg) do { \
	struct candles s_; \
	const char *m_; \
	enum provider_status st_ = series_str(fn, src, http, &s_, &m_); \
	assert_non_null(m_); \
	if (st_ != (want_st) || ((want_msg) != NULL && strcmp(m_, (want_msg) ? (want_msg) : "") != 0)) \
		fail_msg("%s:%d: got %s \"%s\", want %s \"%s\"", __FILE__, __LINE__, \
		         provider_status_name(st_), m_, provider_status_name(want_st), \
		         (want_msg) ? (want_msg) : "*"); \
	if (st_ != PROVIDER_OK) \
		assert_int_equal(s_.n, 0); \
} while (0)

#define EXPECT_FILE(fn, name, http, want_st, want_msg) do { \
	struct candles s_; \
	const char *m_; \
	enum provider_status st_ = series_file(fn, name, http, &s_, &m_); \
	assert_non_null(m_); \
	if (st_ != (want_st) || ((want_msg) != NULL && strncmp(m_, (want_msg) ? (want_msg) : "", \
	                                                     strlen((want_msg) ? (want_msg) : "")) != 0)) \
		fail_msg("%s:%d: %s: got %s \"%s\", want %s \"%s...\"", __FILE__, __LINE__, name, \
		         provider_status_name(st_), m_, provider_status_name(want_st), \
		         (want_msg) ? (want_msg) : "*"); \
	if (st_ != PROVIDER_OK) \
		assert_int_equal(s_.n, 0); \
} while (0)

static inline void
assert_bar(const struct candle *c, const char *date, double o, double h, double l,
    double cl, double adj, int64_t vol)
{
	assert_string_equal(c->date, date);
	assert_true(c->open == o);
	assert_true(c->high == h);
	assert_true(c->low == l);
	assert_true(c->close == cl);
	assert_true(c->adjclose == adj);
	assert_int_equal(c->volume, vol);
}

static inline void
assert_valid(const struct candles *s)
{
	size_t bad = 0;
	const char *why = NULL;

	if (candles_validate(s, &bad, &why) != 0)
		fail_msg("bar %zu: %s", bad, why);
	for (size_t i = 1; i < s->n; i++)
		assert_true(strcmp(s->v[i - 1].date, s->v[i].date) < 0);
}

/* The ten S&P 500 bars every "ok" fixture carries, from csv_ok.csv. */
static const char *const sp_dates[10] __attribute__((unused)) = {
	"2020-04-03", "2020-04-06", "2020-04-07", "2020-04-08", "2020-04-09",
	"2020-04-13", "2020-04-14", "2020-04-15", "2020-04-16", "2020-04-17"
};


#endif
