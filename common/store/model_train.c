/* model_train.c: retraining the win-probability model on labelled signals,
 * the promotion decision and the stored versions (model_train.h). */
#include "model_train.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "db.h"
#include "jsonv.h"
#include "log.h"
#include "pool.h"
#include "pool_json.h"

static const char SQL_ROWS[] =
	"SELECT g.id, to_char(g.day, 'YYYY-MM-DD'), g.strategy, g.recommendation, "
	"       g.score::float8, g.close, g.indicators::text, g.outcome = 'win' "
	"FROM signals g WHERE g.outcome IS NOT NULL ORDER BY g.day, g.id";

static const char SQL_COUNT[] = "SELECT count(*) FROM signals WHERE outcome IS NOT NULL";

static const char SQL_SAME_DATA[] =
	"SELECT version, promoted, decision FROM models WHERE data_hash = $1";

/* The current model, and the last day it may have trained on: rows after
 * it are rows it never saw (its holdout day when it held rows out, which
 * may have shared that day with training rows, else its last day). */
static const char SQL_CURRENT[] =
	"SELECT version, to_char(coalesce(holdout_day, last_day), 'YYYY-MM-DD') FROM models "
	"WHERE promoted ORDER BY version DESC LIMIT 1";

static const char SQL_STORE[] =
	"INSERT INTO models (version, feature_set, features, coefficients, means, stds, lambda, "
	"  holdout_fraction, training_rows, training_wins, holdout_rows, holdout_wins, auc, "
	"  accuracy, log_loss, iterations, converged, first_day, holdout_day, last_day, "
	"  data_hash, promoted, baseline_version, baseline_auc, baseline_log_loss, decision, "
	"  recommendation_auc) "
	"SELECT coalesce(max(version), 0) + 1, $1, $2::json, $3::json, $4::json, $5::json, "
	"  $6::double precision, $7::double precision, $8, $9, $10, $11, $12::double precision, "
	"  $13::double precision, $14::double precision, $15, $16::boolean, $17::date, "
	"  $18::date, $19::date, $20, $21::boolean, $22::integer, $23::double precision, "
	"  $24::double precision, $25, $26::double precision FROM models "
	"ON CONFLICT (data_hash) DO NOTHING RETURNING version";

/* The labelled signals, oldest first, as features and labels. */
struct dataset {
	size_t n, d;
	double *x;                 /* n by d, model.h's feature set */
	int *y;
	int64_t *ids;
	const char **days;
	struct model_input *in;    /* to compute another model's features */
};

int
model_train_opts_load(struct model_train_opts *o, const char **why)
{
	long long min_rows = config_int("RETRAIN_MIN_ROWS", RETRAIN_MIN_ROWS);

	o->max_iter = LOGREG_MAX_ITER;
	o->tol = LOGREG_TOL;
	if (model_config_double("RETRAIN_LAMBDA", LOGREG_LAMBDA, &o->lambda) < 0 ||
	    !(o->lambda >= 0)) {
		*why = "RETRAIN_LAMBDA must be a number >= 0";
		return -1;
	}
	if (model_config_double("RETRAIN_HOLDOUT", LOGREG_HOLDOUT, &o->holdout) < 0 ||
	    !(o->holdout >= 0 && o->holdout < 1)) {
		*why = "RETRAIN_HOLDOUT must be a fraction from 0 to below 1";
		return -1;
	}
	if (model_config_double("RETRAIN_LOGLOSS_EPSILON", RETRAIN_LOGLOSS_EPSILON,
	                        &o->epsilon) < 0 || !(o->epsilon >= 0)) {
		*why = "RETRAIN_LOGLOSS_EPSILON must be a number >= 0";
		return -1;
	}
	if (min_rows < 2 || min_rows > 100000000) {
		*why = "RETRAIN_MIN_ROWS must be at least 2";
		return -1;
	}
	o->min_rows = (int)min_rows;
	return 0;
}

const char *
model_train_status_name(enum model_train_status s)
{
	switch (s) {
	case TRAIN_NOT_ENOUGH_ROWS: return "not_enough_rows";
	case TRAIN_UNCHANGED: return "unchanged";
	case TRAIN_STORED: return "stored";
	case TRAIN_DRY_RUN: return "dry_run";
	}
	return "?";
}

static int
load_rows(struct pool *p, struct dataset *ds)
{
	PGresult *res = db_query(p, SQL_ROWS, DB_NOARGS);
	size_t d = model_feature_count();

	memset(ds, 0, sizeof(*ds));
	if (res == NULL)
		return -1;
	ds->n = (size_t)PQntuples(res);
	ds->d = d;
	ds->x = pool_alloc(p, (ds->n ? ds->n : 1) * d * sizeof(double));
	ds->y = pool_alloc(p, (ds->n ? ds->n : 1) * sizeof(int));
	ds->ids = pool_alloc(p, (ds->n ? ds->n : 1) * sizeof(int64_t));
	ds->days = pool_alloc(p, (ds->n ? ds->n : 1) * sizeof(char *));
	ds->in = pool_alloc(p, (ds->n ? ds->n : 1) * sizeof(struct model_input));
	for (size_t i = 0; i < ds->n; i++) {
		int r = (int)i;

		ds->ids[i] = db_int(res, r, 0);
		ds->days[i] = pool_strdup(p, db_text(res, r, 1));
		model_input_from_signal(p, db_text(res, r, 6), db_text(res, r, 5),
		                        db_text(res, r, 4), db_text(res, r, 2),
		                        db_text(res, r, 3), &ds->in[i]);
		ds->y[i] = strcmp(db_text(res, r, 7), "t") == 0;
		model_features(&ds->in[i], &ds->x[i * d]);
	}
	return 0;
}

/* SHA-256 (hex) of what determines the fit: feature set and names,
 * hyperparameters, and every row's id, label and feature values (NANs as
 * one canonical pattern). */
static void
data_hash(const struct dataset *ds, const struct model_train_opts *o, char hex[65])
{
	crypto_hash_sha256_state st;
	unsigned char out[crypto_hash_sha256_BYTES];
	char head[200];

	crypto_hash_sha256_init(&st);
	snprintf(head, sizeof(head), "edgescout-model set=%d lambda=%a holdout=%a iter=%d tol=%a\n",
	         MODEL_FEATURE_SET, o->lambda, o->holdout, o->max_iter, o->tol);
	crypto_hash_sha256_update(&st, (const unsigned char *)head, strlen(head));
	for (size_t j = 0; j < ds->d; j++)
		crypto_hash_sha256_update(&st, (const unsigned char *)model_feature_name(j),
		                          strlen(model_feature_name(j)) + 1);
	for (size_t i = 0; i < ds->n; i++) {
		unsigned char y = (unsigned char)ds->y[i];

		crypto_hash_sha256_update(&st, (const unsigned char *)&ds->ids[i], sizeof(int64_t));
		crypto_hash_sha256_update(&st, &y, 1);
		for (size_t j = 0; j < ds->d; j++) {
			double v = ds->x[i * ds->d + j];

			if (isnan(v))
				v = NAN;
			crypto_hash_sha256_update(&st, (const unsigned char *)&v, sizeof(v));
		}
	}
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
}

/* Rows x (n by d of ds) and labels of the rows i in [from, n) of ds whose
 * day is after seen, as features of names (d of them; NULL: ds's own). */
static size_t
unseen_rows(struct pool *p, const struct dataset *ds, size_t from, const char *seen,
    char *const *names, size_t d, double **x, int **y)
{
	size_t k = 0;

	*x = pool_alloc(p, (ds->n - from + 1) * d * sizeof(double));
	*y = pool_alloc(p, (ds->n - from + 1) * sizeof(int));
	for (size_t i = from; i < ds->n; i++) {
		if (strcmp(ds->days[i], seen) <= 0)
			continue;
		for (size_t j = 0; j < d; j++)
			(*x)[k * d + j] = names ? model_feature(&ds->in[i], names[j])
			                        : ds->x[i * ds->d + j];
		(*y)[k++] = ds->y[i];
	}
	return k;
}

/* The current promoted model and the candidate lr, both evaluated on the
 * rows of the candidate's holdout [from, n) that the current model never
 * trained on (day after its holdout day): *base and *cand. 1 when there is
 * a current model, 0 when none, -1 on failure. */
static int
baseline(struct pool *p, const struct dataset *ds, size_t from, const struct logreg *lr,
    int *version, struct logreg_metrics *base, struct logreg_metrics *cand)
{
	PGresult *res = db_query(p, SQL_CURRENT, DB_NOARGS);
	struct model m;
	double *x;
	int *y;
	size_t k;

	*version = 0;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	if (model_load(p, (int)db_int(res, 0, 0), &m) != 1)
		return -1;
	*version = m.version;
	k = unseen_rows(p, ds, from, db_text(res, 0, 1), m.names, m.d, &x, &y);
	logreg_evaluate(p, &m.lr, x, y, k, base);
	k = unseen_rows(p, ds, from, db_text(res, 0, 1), NULL, ds->d, &x, &y);
	logreg_evaluate(p, lr, x, y, k, cand);
	return 1;
}

int
model_promote(struct pool *p, const struct model_train_opts *o,
    const struct logreg_metrics *n, int baseline_version, const struct logreg_metrics *b,
    const char **decision)
{
	int auc_ok, ll_ok, promoted;

	if (baseline_version == 0) {
		*decision = "promoted: the first model";
		return 1;
	}
	if (n->n == 0) {
		*decision = pool_printf(p, "not promoted: no holdout rows that model %d did not "
		                        "train on to compare with", baseline_version);
		return 0;
	}
	auc_ok = isnan(n->auc) || isnan(b->auc) || n->auc >= b->auc;
	ll_ok = n->log_loss <= b->log_loss + o->epsilon;
	promoted = auc_ok && ll_ok;
	*decision = pool_printf(p, "%s: holdout AUC %.4f %s %.4f and log loss %.4f %s "
	    "%.4f + %g of model %d on the same %zu holdout rows neither trained on",
	    promoted ? "promoted" : "not promoted", n->auc,
	    isnan(n->auc) || isnan(b->auc) ? "vs" : auc_ok ? ">=" : "<", b->auc,
	    n->log_loss, ll_ok ? "<=" : ">", b->log_loss, o->epsilon, baseline_version, n->n);
	return promoted;
}

/* v as its shortest exact decimal (pool), NULL for NAN. */
static const char *
number(struct pool *p, double v)
{
	char s[40];

	if (!isfinite(v))
		return NULL;
	jsonv_shortest(s, sizeof(s), v == 0 ? 0 : v);
	return pool_strdup(p, s);
}

/* The d values as a JSON array (owned by the caller). */
static json_object *
array_json(const double *v, size_t d)
{
	json_object *a = json_object_new_array();

	for (size_t j = 0; j < d; j++)
		json_object_array_add(a, jsonv_number(v[j]));
	return a;
}

/* The d values as a JSON array text (pool). */
static const char *
array_text(struct pool *p, const double *v, size_t d)
{
	json_object *a = array_json(v, d);

	pool_json(p, a);
	return json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
}

/* The holdout [from, n) AUC of the recommendation-only predictor
 * (model_train.h); NAN without holdout rows or with one class. */
static double
recommendation_auc(struct pool *p, const struct dataset *ds, size_t from)
{
	enum { PAIRS = STRATEGY_COUNT * 3 };
	static const char *const recs[3] = { "buy", "hold", "sell" };
	double wins[PAIRS] = { 0 }, rows[PAIRS] = { 0 }, all_wins = 0, *score;
	size_t k = ds->n - from;

	if (k == 0 || from == 0)
		return NAN;
	score = pool_alloc(p, sizeof(*score) * k);
	for (size_t i = 0; i < ds->n; i++) {
		int st = analysis_strategy_parse(ds->in[i].strategy), pair = -1;

		for (int r = 0; r < 3 && st >= 0; r++)
			if (ds->in[i].recommendation && strcmp(ds->in[i].recommendation, recs[r]) == 0)
				pair = st * 3 + r;
		if (i < from) {
			all_wins += ds->y[i];
			if (pair >= 0) {
				wins[pair] += ds->y[i];
				rows[pair]++;
			}
		} else {
			score[i - from] = pair >= 0 && rows[pair] > 0 ? wins[pair] / rows[pair] :
			                  all_wins / (double)from;
		}
	}
	return logreg_auc(p, score, ds->y + from, k);
}

static int
store(struct pool *p, const struct dataset *ds, const struct model_train_opts *o,
    struct model_train_result *r)
{
	json_object *names = json_object_new_array(), *coef = json_object_new_object();
	size_t k = r->hold.n, ntrain = ds->n - k, wins = 0;
	PGresult *res;

	pool_json(p, names);
	pool_json(p, coef);
	for (size_t j = 0; j < ds->d; j++)
		json_object_array_add(names, json_object_new_string(model_feature_name(j)));
	json_object_object_add(coef, "intercept", jsonv_number(r->lr.intercept));
	json_object_object_add(coef, "weights", array_json(r->lr.w, ds->d));
	for (size_t i = 0; i < ntrain; i++)
		wins += (size_t)ds->y[i];
	res = db_query(p, SQL_STORE, DB_ARGS(db_i64(p, MODEL_FEATURE_SET),
	    json_object_to_json_string_ext(names, JSON_C_TO_STRING_PLAIN),
	    json_object_to_json_string_ext(coef, JSON_C_TO_STRING_PLAIN),
	    array_text(p, r->lr.mean, ds->d), array_text(p, r->lr.std, ds->d),
	    number(p, o->lambda), number(p, o->holdout), db_i64(p, (int64_t)ntrain),
	    db_i64(p, (int64_t)wins), db_i64(p, (int64_t)k), db_i64(p, (int64_t)r->hold.positives),
	    number(p, r->hold.auc), number(p, r->hold.accuracy), number(p, r->hold.log_loss),
	    db_i64(p, r->lr.iterations), r->lr.converged ? "true" : "false", ds->days[0],
	    k ? ds->days[ntrain] : NULL, ds->days[ds->n - 1], r->hash,
	    r->promoted ? "true" : "false",
	    r->baseline_version ? db_i64(p, r->baseline_version) : NULL,
	    r->baseline_version ? number(p, r->baseline.auc) : NULL,
	    r->baseline_version ? number(p, r->baseline.log_loss) : NULL, r->decision,
	    number(p, r->recommendation_auc)));
	if (res == NULL)
		return -1;
	r->version = PQntuples(res) == 1 ? (int)db_int(res, 0, 0) : 0;
	r->status = r->version ? TRAIN_STORED : TRAIN_UNCHANGED;
	return 0;
}

int
model_retrain(struct pool *p, const struct model_train_opts *o, int dry_run,
    struct model_train_result *r, const char **why)
{
	struct logreg_opts lo = { o->lambda, o->max_iter, o->tol };
	struct dataset ds;
	PGresult *res;

	memset(r, 0, sizeof(*r));
	r->hold.auc = r->baseline.auc = r->recommendation_auc = NAN;
	*why = "the database is unavailable";
	if ((res = db_query(p, SQL_COUNT, DB_NOARGS)) == NULL)
		return -1;
	r->rows = (size_t)db_int(res, 0, 0);
	if (r->rows < (size_t)o->min_rows) {
		r->status = TRAIN_NOT_ENOUGH_ROWS;
		r->decision = pool_printf(p, "not enough rows: %zu labelled signals, %d needed",
		                          r->rows, o->min_rows);
		return 0;
	}
	if (load_rows(p, &ds) < 0)
		return -1;
	r->rows = ds.n;
	data_hash(&ds, o, r->hash);
	if ((res = db_query(p, SQL_SAME_DATA, DB_ARGS(r->hash))) == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		r->status = TRAIN_UNCHANGED;
		r->version = (int)db_int(res, 0, 0);
		r->promoted = strcmp(db_text(res, 0, 1), "t") == 0;
		r->decision = pool_strdup(p, db_text(res, 0, 2));
		return 0;
	}
	if (logreg_fit_holdout(p, ds.x, ds.y, ds.n, ds.d, o->holdout, &lo, &r->lr, &r->hold) < 0) {
		*why = "the fit failed (singular system)";
		return -1;
	}
	if (!r->lr.converged)
		log_kv(LOG_WARN, "retrain: the fit did not converge within its budget",
		       "iterations", db_i64(p, r->lr.iterations), NULL);
	r->recommendation_auc = recommendation_auc(p, &ds, ds.n - r->hold.n);
	if (baseline(p, &ds, ds.n - r->hold.n, &r->lr, &r->baseline_version, &r->baseline,
	             &r->compared) < 0)
		return -1;
	r->promoted = model_promote(p, o, &r->compared, r->baseline_version, &r->baseline,
	                            &r->decision);
	if (dry_run) {
		r->status = TRAIN_DRY_RUN;
		return 0;
	}
	return store(p, &ds, o, r);
}
