/* test_model_db.c: labelling and retraining on the real S&P 500 series
 * (tests/fixtures/sp500-2000.csv, 5,105 bars), promotion against the
 * current model, and the current model as analyses and signals use it.
 *
 * The signals are made by signal_backfill(): for every bar, the analysis of
 * the series up to that bar (checked against analysis_snapshot of the
 * prefix on a sample of bars), scored under momentum and under value (mean
 * reversion only: no fundamentals), stored with the analysis' indicators
 * object. Uses the test stack's
 * database; run from the repository root. The test holds the advisory locks
 * of the label-signals and retrain jobs throughout, so the stack's jobs
 * loop leaves its data alone; the models table is emptied before and after
 * (the API tests expect no model). */
#include "unit.h"

#include "model_db.h"
#include "pool_json.h"

/* ---- on the S&P 500 series --------------------------------------------- */

/* Signals of this run at bars up to the last with HORIZON later bars. */
static int64_t
due_signals(void)
{
	return sql_int("SELECT count(*) FROM signals WHERE symbol_id = $1 AND day <= "
	               "(SELECT date FROM candles WHERE symbol_id = $1 ORDER BY date DESC "
	               " OFFSET 5 LIMIT 1)", sid());
}

static const char *
label_digest(void)
{
	return pool_strdup(pool, db_text(sql(
	    "SELECT md5(string_agg(id || ':' || realised_return || ':' || outcome || ':' || "
	    "labelled_at, ',' ORDER BY id)) FROM signals WHERE symbol_id = $1",
	    DB_ARGS(sid())), 0, 0));
}

static void
test_signals_from_the_series(void **state)
{
	(void)state;
	load_series();
	make_signals();
	check_signals();
	/* momentum scores from bar 10 (ROC10), value from bar 19 (Bollinger) */
	assert_int_equal(first_bar, 10);
	assert_int_equal(nsignals, (5105 - 10) + (5105 - 19));
	assert_int_equal(sql_int("SELECT count(*) FROM signals WHERE symbol_id = $1", sid()),
	                 nsignals);
}

/* Run labelling passes until done; the pass. */
static struct model_label_pass
label_all(const struct model_label_opts *o, int dry_run)
{
	struct model_label_pass pass;
	int steps = 0;

	memset(&pass, 0, sizeof(pass));
	while (!pass.done) {
		assert_int_equal(model_label_step(pool, o, &pass, dry_run), 0);
		assert_true(++steps < 1000);
	}
	return pass;
}

static void
test_labels(void **state)
{
	struct model_label_opts o;
	struct model_label_pass pass;
	const char *digest, *why;
	int64_t wins = 0, flats = 0;
	PGresult *res;
	size_t k = 0;

	(void)state;
	assert_int_equal(model_label_opts_load(&o, &why), 0);    /* the defaults */
	assert_int_equal(o.horizon, 5);
	assert_true(o.threshold == 0.005);
	assert_int_equal(o.batch, 1000);
	o.batch = 700;
	/* a dry run counts and writes nothing */
	pass = label_all(&o, 1);
	assert_true(pass.labelled >= due_signals());
	assert_true(pass.seen >= nsignals);
	assert_int_equal(sql_int("SELECT count(*) FROM signals WHERE symbol_id = $1 "
	                         "AND outcome IS NOT NULL", sid()), 0);
	pass = label_all(&o, 0);
	assert_true(pass.labelled >= due_signals());
	/* every signal with 5 later bars is labelled, the newest 5 days are not */
	assert_int_equal(sql_int("SELECT count(*) FROM signals WHERE symbol_id = $1 "
	                         "AND outcome IS NOT NULL", sid()), due_signals());
	assert_int_equal(sql_int("SELECT count(*) FROM signals WHERE symbol_id = $1 "
	                         "AND outcome IS NULL", sid()), 2 * HORIZON);
	/* each label recomputed from the series: the same double, the rule */
	res = sql("SELECT to_char(day, 'YYYY-MM-DD'), recommendation, realised_return, outcome "
	          "FROM signals WHERE symbol_id = $1 AND outcome IS NOT NULL "
	          "AND labelled_at IS NOT NULL ORDER BY day, strategy", DB_ARGS(sid()));
	assert_int_equal(PQntuples(res), due_signals());
	for (int i = 0; i < PQntuples(res); i++) {
		double ret;

		while (k < series.n && strcmp(series.v[k].date, db_text(res, i, 0)) != 0)
			k++;
		assert_true(k + HORIZON < series.n);
		ret = series.v[k + HORIZON].close / series.v[k].close - 1;
		if (strtod(db_text(res, i, 2), NULL) != ret)
			fail_msg("%s: return %s, want %.17g", db_text(res, i, 0), db_text(res, i, 2), ret);
		assert_string_equal(db_text(res, i, 3), model_outcome(db_text(res, i, 1), ret, 0.005));
		wins += strcmp(db_text(res, i, 3), "win") == 0;
		flats += strcmp(db_text(res, i, 3), "flat") == 0;
	}
	print_message("labels: %d signals, %lld wins, %lld flat, %lld losses\n", PQntuples(res),
	              (long long)wins, (long long)flats, (long long)(PQntuples(res) - wins - flats));
	/* labelling again changes nothing */
	digest = label_digest();
	pass = label_all(&o, 0);
	assert_int_equal(pass.labelled, 0);
	assert_int_equal(pass.seen, sql_int("SELECT count(*) FROM signals WHERE outcome IS NULL "
	                                    "AND $1 <> ''", "x"));
	assert_string_equal(label_digest(), digest);
}

static const char *
model_text(int version, const char *col)
{
	PGresult *res = sql(pool_printf(pool, "SELECT %s FROM models WHERE version = $1", col),
	                    DB_ARGS(db_i64(pool, version)));

	assert_int_equal(PQntuples(res), 1);
	return pool_strdup(pool, db_text(res, 0, 0));
}

static int64_t
model_count(void)
{
	return db_int(sql("SELECT count(*) FROM models", DB_NOARGS), 0, 0);
}

/* The holdout AUC of a model knowing only each signal's recommendation and
 * strategy (same rows, same split): what the indicators add is the rest. */
static double
recommendation_only_auc(void)
{
	PGresult *res = sql("SELECT recommendation, strategy, outcome = 'win' FROM signals "
	                    "WHERE outcome IS NOT NULL ORDER BY day, id", DB_NOARGS);
	size_t n = (size_t)PQntuples(res);
	double *x = pool_alloc(pool, n * 3 * sizeof(double));
	int *y = pool_alloc(pool, n * sizeof(int));
	struct logreg_opts o = logreg_opts_default();
	struct logreg m;
	struct logreg_metrics h;

	for (size_t i = 0; i < n; i++) {
		x[i * 3] = strcmp(db_text(res, (int)i, 0), "buy") == 0;
		x[i * 3 + 1] = strcmp(db_text(res, (int)i, 0), "sell") == 0;
		x[i * 3 + 2] = strcmp(db_text(res, (int)i, 1), "value") == 0;
		y[i] = db_text(res, (int)i, 2)[0] == 't';
	}
	assert_int_equal(logreg_fit_holdout(pool, x, y, n, 3, LOGREG_HOLDOUT, &o, &m, &h), 0);
	return h.auc;
}

static void
test_retrain_is_deterministic(void **state)
{
	struct model_train_opts o;
	struct model_train_result r1, r2, r3, r4;
	struct model stored;
	const char *why, *coef, *means, *stds;
	int64_t labelled;
	char shortest[40];

	(void)state;
	assert_int_equal(model_train_opts_load(&o, &why), 0);
	assert_int_equal(o.min_rows, 200);
	labelled = db_int(sql("SELECT count(*) FROM signals WHERE outcome IS NOT NULL",
	                      DB_NOARGS), 0, 0);
	/* too few rows: nothing trained, nothing stored */
	o.min_rows = (int)labelled + 1;
	assert_int_equal(model_retrain(pool, &o, 0, &r1, &why), 0);
	assert_int_equal(r1.status, TRAIN_NOT_ENOUGH_ROWS);
	assert_int_equal(model_count(), 0);
	o.min_rows = 200;

	assert_int_equal(model_retrain(pool, &o, 0, &r1, &why), 0);
	assert_int_equal(r1.status, TRAIN_STORED);
	assert_true(r1.promoted);
	assert_int_equal(r1.baseline_version, 0);
	assert_int_equal(r1.rows, labelled);
	assert_int_equal(r1.hold.n, (size_t)floor(0.2 * (double)labelled));
	assert_true(r1.lr.converged);
	print_message("model %d on %lld labelled S&P signals: holdout %zu rows, AUC %.4f, "
	              "accuracy %.4f, log loss %.4f (%d Newton steps)\n", r1.version,
	              (long long)labelled, r1.hold.n, r1.hold.auc, r1.hold.accuracy,
	              r1.hold.log_loss, r1.lr.iterations);
	assert_true(r1.hold.auc > 0 && r1.hold.auc < 1);
	print_message("the same holdout from recommendation and strategy alone: AUC %.4f\n",
	              recommendation_only_auc());
	jsonv_shortest(shortest, sizeof(shortest), r1.hold.auc);
	assert_string_equal(model_text(r1.version, "auc"), shortest);
	assert_string_equal(model_text(r1.version, pool_printf(pool,
	    "training_rows + holdout_rows = %lld", (long long)labelled)), "t");
	assert_string_equal(model_text(r1.version, "data_hash"), r1.hash);
	coef = model_text(r1.version, "coefficients::text");
	means = model_text(r1.version, "means::text");
	stds = model_text(r1.version, "stds::text");

	/* the same data again: no second version */
	assert_int_equal(model_retrain(pool, &o, 0, &r2, &why), 0);
	assert_int_equal(r2.status, TRAIN_UNCHANGED);
	assert_int_equal(r2.version, r1.version);
	assert_int_equal(model_count(), 1);

	/* a dry run says the same */
	assert_int_equal(model_retrain(pool, &o, 1, &r3, &why), 0);
	assert_int_equal(r3.status, TRAIN_UNCHANGED);
	assert_int_equal(r3.version, r1.version);

	/* stored and read back: the trained doubles bit for bit */
	assert_int_equal(model_load(pool, r1.version, &stored), 1);
	assert_int_equal(stored.d, model_feature_count());
	assert_memory_equal(&stored.lr.intercept, &r1.lr.intercept, sizeof(double));
	assert_memory_equal(stored.lr.w, r1.lr.w, r1.lr.d * sizeof(double));
	assert_memory_equal(stored.lr.mean, r1.lr.mean, r1.lr.d * sizeof(double));
	assert_memory_equal(stored.lr.std, r1.lr.std, r1.lr.d * sizeof(double));

	/* trained again from scratch: the very same coefficients and row */
	clear_models();
	assert_int_equal(model_retrain(pool, &o, 0, &r4, &why), 0);
	assert_int_equal(r4.status, TRAIN_STORED);
	assert_memory_equal(&r4.lr.intercept, &r1.lr.intercept, sizeof(double));
	assert_memory_equal(r4.lr.w, r1.lr.w, r1.lr.d * sizeof(double));
	assert_memory_equal(r4.lr.mean, r1.lr.mean, r1.lr.d * sizeof(double));
	assert_memory_equal(r4.lr.std, r1.lr.std, r1.lr.d * sizeof(double));
	assert_memory_equal(&r4.hold.auc, &r1.hold.auc, sizeof(double));
	assert_memory_equal(&r4.hold.log_loss, &r1.hold.log_loss, sizeof(double));
	assert_string_equal(r4.hash, r1.hash);
	assert_string_equal(model_text(r4.version, "coefficients::text"), coef);
	assert_string_equal(model_text(r4.version, "means::text"), means);
	assert_string_equal(model_text(r4.version, "stds::text"), stds);
}

/* Store a promoted model predicting sigmoid(intercept) for everything;
 * its data hash is 64 times digit, its holdout day holdout_day (NULL: it
 * held none out and trained on rows up to 2000-01-03). */
static void
insert_constant_model(int version, const char *intercept, char digit, const char *holdout_day)
{
	json_object *names = json_object_new_array(), *zeros = json_object_new_array();
	json_object *ones = json_object_new_array();
	char hash[65];

	memset(hash, digit, 64);
	hash[64] = '\0';

	for (size_t j = 0; j < model_feature_count(); j++) {
		json_object_array_add(names, json_object_new_string(model_feature_name(j)));
		json_object_array_add(zeros, json_object_new_int(0));
		json_object_array_add(ones, json_object_new_int(1));
	}
	sql("INSERT INTO models (version, feature_set, features, coefficients, means, stds, "
	    "  lambda, holdout_fraction, training_rows, training_wins, holdout_rows, holdout_wins, "
	    "  iterations, converged, first_day, holdout_day, last_day, data_hash, promoted, "
	    "  decision) "
	    "VALUES ($1, 1, $2, json_build_object('intercept', $3::float8, 'weights', $4::json), "
	    "  $4, $5, 0, 0.2, 1, 0, 0, 0, 1, true, '2000-01-03', $7::date, "
	    "  coalesce($7::date, '2000-01-03'), $6, true, 'a constant model')",
	    DB_ARGS(db_i64(pool, version), json_object_to_json_string(names), intercept,
	            json_object_to_json_string(zeros), json_object_to_json_string(ones), hash,
	            holdout_day));
	json_object_put(names);
	json_object_put(zeros);
	json_object_put(ones);
}

static void
test_promotion_against_the_current_model(void **state)
{
	struct model_train_opts o;
	struct model_train_result r;
	const char *why;
	double p8 = 1 / (1 + exp(-8.0)), want_ll;
	int expect;

	(void)state;
	clear_models();
	insert_constant_model(1, "8", '0', NULL);
	assert_int_equal(model_train_opts_load(&o, &why), 0);
	assert_int_equal(model_retrain(pool, &o, 0, &r, &why), 0);
	assert_int_equal(r.status, TRAIN_STORED);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.baseline_version, 1);
	/* the constant model on the new holdout: every pair tied, p = sigmoid(8) */
	assert_true(r.baseline.auc == 0.5);
	assert_int_equal(r.baseline.n, r.hold.n);
	want_ll = -((double)r.hold.positives * log(p8) +
	            (double)(r.hold.n - r.hold.positives) * log1p(-p8)) / (double)r.hold.n;
	assert_true(fabs(r.baseline.log_loss - want_ll) < 1e-9);
	expect = r.hold.auc >= 0.5 && r.hold.log_loss <= want_ll + o.epsilon;
	assert_int_equal(r.promoted, expect);
	print_message("against a constant model: %s\n", r.decision);
	assert_string_equal(model_text(2, "promoted::text"), expect ? "true" : "false");
	assert_string_equal(model_text(2, "baseline_version"), "1");
	assert_string_equal(model_text(2, "baseline_auc"), "0.5");
	assert_string_equal(model_text(2, "decision"), r.decision);
	assert_int_equal(db_int(sql("SELECT max(version) FROM models WHERE promoted", DB_NOARGS),
	                        0, 0), expect ? 2 : 1);
}

/* A backfill adds older signals, so a new holdout can hold rows the current
 * model trained on (days up to its holdout day): both models are compared
 * only on the holdout rows after that day. */
static void
test_promotion_compares_only_rows_neither_model_trained_on(void **state)
{
	struct model_train_opts o;
	struct model_train_result dry, r;
	const char *why, *cut;
	int64_t labelled, after;

	(void)state;
	clear_models();
	assert_int_equal(model_train_opts_load(&o, &why), 0);
	assert_int_equal(model_retrain(pool, &o, 1, &dry, &why), 0);
	assert_true(dry.hold.n >= 4);
	/* the current model "trained" up to a day in the middle of the new holdout */
	labelled = db_int(sql("SELECT count(*) FROM signals WHERE outcome IS NOT NULL",
	                      DB_NOARGS), 0, 0);
	cut = pool_strdup(pool, db_text(sql("SELECT to_char(day, 'YYYY-MM-DD') FROM signals "
	    "WHERE outcome IS NOT NULL ORDER BY day, id OFFSET $1 LIMIT 1",
	    DB_ARGS(db_i64(pool, labelled - (int64_t)dry.hold.n / 2))), 0, 0));
	after = db_int(sql("SELECT count(*) FROM signals WHERE outcome IS NOT NULL "
	                   "AND day > $1::date", DB_ARGS(cut)), 0, 0);
	assert_true(after > 0 && after < (int64_t)dry.hold.n);
	insert_constant_model(1, "8", '0', cut);
	assert_int_equal(model_retrain(pool, &o, 0, &r, &why), 0);
	assert_int_equal(r.baseline_version, 1);
	assert_int_equal(r.hold.n, dry.hold.n);
	assert_int_equal((int64_t)r.baseline.n, after);
	assert_int_equal((int64_t)r.compared.n, after);
	assert_non_null(strstr(r.decision, pool_printf(pool,
	    "of model 1 on the same %lld holdout rows neither trained on", (long long)after)));
	print_message("a current model trained up to %s: %s\n", cut, r.decision);
}

/* The model input of signal id (the newest of this run when id is 0). */
static int64_t
signal_input(int64_t id, struct model_input *in, json_object **analysis)
{
	PGresult *res = sql("SELECT id, indicators::text, close, score::float8, strategy, "
	    "recommendation FROM signals WHERE symbol_id = $1 AND ($2::bigint = 0 OR id = $2) "
	    "ORDER BY day DESC, id DESC LIMIT 1", DB_ARGS(sid(), db_i64(pool, id)));
	json_object *o = json_object_new_object();

	assert_int_equal(PQntuples(res), 1);
	json_object_object_add(o, "close", json_object_new_double(strtod(db_text(res, 0, 2), NULL)));
	json_object_object_add(o, "score", json_object_new_double(strtod(db_text(res, 0, 3), NULL)));
	json_object_object_add(o, "strategy", json_object_new_string(db_text(res, 0, 4)));
	json_object_object_add(o, "recommendation", json_object_new_string(db_text(res, 0, 5)));
	json_object_object_add(o, "indicators", json_tokener_parse(db_text(res, 0, 1)));
	pool_json(pool, o);
	assert_int_equal(model_input_from_analysis(o, in), 0);
	*analysis = o;
	return db_int(res, 0, 0);
}

static void
test_current_model_and_predictions(void **state)
{
	const struct model *m;
	struct model_input in;
	json_object *a, *mo, *v;
	double x[64], prob;
	int64_t id, other;
	int cur;
	PGresult *res;

	(void)state;
	setenv("MODEL_CHECK_SECONDS", "0", 1);
	cur = (int)db_int(sql("SELECT max(version) FROM models WHERE promoted", DB_NOARGS), 0, 0);
	assert_non_null(m = model_current(pool));
	assert_int_equal(m->version, cur);
	id = signal_input(0, &in, &a);
	for (size_t j = 0; j < m->d; j++)
		x[j] = model_feature(&in, m->names[j]);
	prob = model_predict(m, &in);
	assert_true(prob == logreg_predict(&m->lr, x));
	/* an analysis carries the current model's probability and version */
	model_annotate(pool, a);
	assert_true(json_object_object_get_ex(a, "model", &mo) && mo != NULL);
	assert_true(json_object_object_get_ex(mo, "version", &v));
	assert_int_equal(json_object_get_int(v), cur);
	assert_true(json_object_object_get_ex(mo, "win_probability", &v));
	assert_true(json_object_get_double(v) == round(prob * 1e4) / 1e4);
	/* a cached analysis gets the same member from the features kept with
	 * it, without its JSON being parsed again */
	assert_string_equal(model_annotation_text(pool, model_features_text(pool, a)),
	                    json_object_to_json_string_ext(mo, JSON_C_TO_STRING_PLAIN |
	                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
	assert_string_equal(model_annotation_text(pool, NULL), "null");
	assert_null(model_annotation_text(pool, "{1,2}"));       /* another feature set */
	assert_null(model_annotation_text(pool, "1,2"));
	/* a signal keeps the prediction it was issued with, written once */
	assert_int_equal(model_record_signal(pool, id), 1);
	assert_int_equal(model_record_signal(pool, id), 0);
	res = sql("SELECT model_version, win_probability FROM signal_predictions "
	          "WHERE signal_id = $1", DB_ARGS(db_i64(pool, id)));
	assert_int_equal(PQntuples(res), 1);
	assert_int_equal(db_int(res, 0, 0), cur);
	assert_true(strtod(db_text(res, 0, 1), NULL) == prob);
	assert_int_equal(model_record_signal(pool, INT64_MAX), 0);

	/* the cache asks again only after MODEL_CHECK_SECONDS */
	setenv("MODEL_CHECK_SECONDS", "3600", 1);
	insert_constant_model(cur + 1, "0", '1', NULL);
	assert_int_equal(model_current(pool)->version, cur);
	setenv("MODEL_CHECK_SECONDS", "0", 1);
	assert_int_equal(model_current(pool)->version, cur + 1);
	assert_true(model_predict(model_current(pool), &in) == 0.5);

	/* no model: null, and nothing stored */
	clear_models();
	assert_null(model_current(pool));
	model_annotate(pool, a);
	assert_true(json_object_object_get_ex(a, "model", &mo) && mo == NULL);
	assert_string_equal(model_annotation_text(pool, model_features_text(pool, a)), "null");
	other = signal_input(id - 1, &in, &a);
	assert_int_equal(model_record_signal(pool, other), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM signal_predictions p JOIN signals g "
	                         "ON g.id = p.signal_id WHERE g.symbol_id = $1", sid()), 0);
	unsetenv("MODEL_CHECK_SECONDS");
}

int
main(void)
{
#define T(f) cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
		T(test_signals_from_the_series),
		T(test_labels),
		T(test_retrain_is_deterministic),
		T(test_promotion_against_the_current_model),
		T(test_promotion_compares_only_rows_neither_model_trained_on),
		T(test_current_model_and_predictions),
	};
#undef T
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_model_db: needs EDGESCOUT_ENV_FILE of a migrated stack %s\n",
		        err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_model_db");
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
