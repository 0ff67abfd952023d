/* model_db.h: the fixture of test_model_db: the S&P 500 series stored
 * under this run's symbol, its backfilled signals checked against the
 * prefix analyses, the job locks held so the stack's jobs leave the data
 * alone, and group set-up and teardown. Include once, after unit.h. */
#ifndef EDGESCOUT_TEST_MODEL_DB_H
#define EDGESCOUT_TEST_MODEL_DB_H

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "app.h"
#include "market_store.h"
#include "model.h"
#include "model_train.h"
#include "signal_backfill.h"

#define SP500 "tests/fixtures/sp500-2000.csv"
#define HORIZON 5

static char sym[16];               /* "^GM" and the pid */
static struct candles series;
static int64_t symbol_id;
static int64_t nsignals;           /* this run's signals */
static int64_t first_bar;          /* the first bar with a signal */

static __attribute__((unused)) PGresult *
sql(const char *q, const char *const *args, int n)
{
	PGresult *res = db_query(pool, q, args, n);

	if (res == NULL)
		fail_msg("query failed (%s): %s", db_sqlstate(), q);
	return res;
}

static __attribute__((unused)) int64_t
sql_int(const char *q, const char *a)
{
	return db_int(sql(q, DB_ARGS(a)), 0, 0);
}

static __attribute__((unused)) const char *
sid(void)
{
	return db_i64(pool, symbol_id);
}

static __attribute__((unused)) void
load_series(void)
{
	FILE *f = fopen(SP500, "rb");
	struct buf b;
	char chunk[8192];
	const char *msg;
	size_t n;
	int changed;

	assert_non_null(f);
	buf_init(&b, pool);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	assert_int_equal(provider_parse_csv(pool, 0, b.data, b.len, &series, &msg), PROVIDER_OK);
	assert_int_equal(series.n, 5105);
	assert_int_equal(market_store_candles(pool, sym, "csv", &series, &changed), 0);
	assert_int_equal(market_symbol_id(pool, sym, 0, &symbol_id), 0);
}

/* The signals of every bar, as the analysis would have issued them that
 * day: signal_backfill() over the whole series. */
static __attribute__((unused)) void
make_signals(void)
{
	const char *first;
	int written = -1;

	assert_int_equal(signal_backfill(pool, sym, 0, &written), 0);
	nsignals = written;
	first = pool_strdup(pool, db_text(sql("SELECT to_char(min(day), 'YYYY-MM-DD') "
	    "FROM signals WHERE symbol_id = $1", DB_ARGS(sid())), 0, 0));
	first_bar = -1;
	for (size_t i = 0; i < series.n && first_bar < 0; i++)
		if (strcmp(series.v[i].date, first) == 0)
			first_bar = (int64_t)i;
	/* a second run writes nothing */
	assert_int_equal(signal_backfill(pool, sym, 0, &written), 0);
	assert_int_equal(written, 0);
}

/* The stored signal of bar i under st is the analysis of the series up to
 * bar i (analysis_snapshot of the prefix): close, score, recommendation and
 * the indicators object, member for member. */
static __attribute__((unused)) void
check_bar(struct pool *scratch, size_t i, enum analysis_strategy st)
{
	struct candles prefix = { series.v, i + 1 };
	struct analysis_snapshot want;
	struct analysis_score sc;
	json_object *a, *ind;
	char close[40], score[16];
	PGresult *res;

	assert_int_equal(analysis_snapshot(scratch, &prefix, &want), 0);
	analysis_score(scratch, st, &want, NULL, &sc);
	a = analysis_json(sym, &want, &sc);
	assert_true(json_object_object_get_ex(a, "indicators", &ind));
	jsonv_shortest(close, sizeof(close), want.close);
	snprintf(score, sizeof(score), "%.2f", sc.score);
	res = sql("SELECT close = $4::float8, score = $5::numeric, recommendation, "
	          "indicators = $6::jsonb, source, version FROM signals "
	          "WHERE symbol_id = $1 AND strategy = $2 AND day = $3::date",
	          DB_ARGS(sid(), analysis_strategy_name(st), want.date, close, score,
	                  json_object_to_json_string_ext(ind, JSON_C_TO_STRING_PLAIN)));
	if (isnan(sc.score)) {
		assert_int_equal(PQntuples(res), 0);
	} else {
		assert_int_equal(PQntuples(res), 1);
		assert_string_equal(db_text(res, 0, 0), "t");
		assert_string_equal(db_text(res, 0, 1), "t");
		/* the side of the score, whatever its coverage (signal_backfill.h) */
		assert_string_equal(db_text(res, 0, 2), analysis_recommendation(sc.score));
		assert_string_equal(db_text(res, 0, 3), "t");
		assert_string_equal(db_text(res, 0, 4), "backfill");
		assert_int_equal(db_int(res, 0, 5), ANALYSIS_VERSION);
	}
	json_object_put(a);
}

static __attribute__((unused)) void
check_signals(void)
{
	struct pool *scratch = pool_new();

	for (size_t i = 0; i < series.n; i++) {
		if (i % 397 != 0 && i != series.n - 1 && i != 10 && i != 19)
			continue;
		check_bar(scratch, i, STRATEGY_MOMENTUM);
		check_bar(scratch, i, STRATEGY_VALUE);
		pool_reset(scratch);
	}
	pool_free(scratch);
}

static __attribute__((unused)) void
clear_models(void)
{
	sql("DELETE FROM models", DB_NOARGS);
}

/* Hold the locks of the label-signals and retrain jobs on this session,
 * as a run of them would: the stack's jobs loop skips them meanwhile. */
static __attribute__((unused)) int
hold_job_locks(void)
{
	static const char q[] =
	    "SELECT pg_try_advisory_lock(hashtext('edgescout.job.' || $1))";

	for (int i = 0; i < 600; i++) {
		PGresult *a = db_query(pool, q, DB_ARGS("label-signals"));
		PGresult *b;

		if (a == NULL)
			return -1;
		if (strcmp(db_text(a, 0, 0), "t") == 0) {
			for (int j = 0; j < 600; j++) {
				if ((b = db_query(pool, q, DB_ARGS("retrain"))) == NULL)
					return -1;
				if (strcmp(db_text(b, 0, 0), "t") == 0)
					return 0;
				nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
			}
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
	}
	return -1;
}

static int
group_setup(void **state)
{
	(void)state;
	pool = pool_new();
	if (hold_job_locks() < 0) {
		fprintf(stderr, "test_model_db: the job locks stayed taken\n");
		return -1;
	}
	snprintf(sym, sizeof(sym), "^GM%d", (int)(getpid() % 1000000));
	db_query(pool, "DELETE FROM symbols WHERE symbol = $1", DB_ARGS(sym));
	db_query(pool, "DELETE FROM models", DB_NOARGS);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	db_query(pool, "DELETE FROM symbols WHERE symbol = $1", DB_ARGS(sym));
	db_query(pool, "DELETE FROM models", DB_NOARGS);
	pool_free(pool);
	db_close();
	return 0;
}


#endif
