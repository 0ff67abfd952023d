/* model.c: loading stored models, the per-process cache of the current
 * one, predictions, and the hooks analyses and signals call. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "jsonv.h"
#include "log.h"
#include "pool.h"
#include "pool_json.h"

#define MODEL_MAX_FEATURES 64

static const char SQL_LOAD[] =
	"SELECT features::text, coefficients::text, means::text, stds::text, lambda "
	"FROM models WHERE version = $1";

static const char SQL_CURRENT[] =
	"SELECT coalesce(max(version), 0) FROM models WHERE promoted";

static const char SQL_SIGNAL[] =
	"SELECT g.indicators::text, g.close, g.score::float8, g.strategy, g.recommendation, "
	"       EXISTS (SELECT 1 FROM signal_predictions x WHERE x.signal_id = g.id) "
	"FROM signals g WHERE g.id = $1";

static const char SQL_RECORD[] =
	"INSERT INTO signal_predictions (signal_id, model_version, win_probability) "
	"VALUES ($1, $2, $3::double precision) ON CONFLICT (signal_id) DO NOTHING";

/* text parsed as a JSON array of exactly n items when n > 0 (any length
 * when n == 0); owned by the pool. NULL when it is not. */
static json_object *
array_of(struct pool *p, const char *text, size_t n)
{
	json_object *a = json_tokener_parse(text);

	if (a == NULL)
		return NULL;
	pool_json(p, a);
	if (!json_object_is_type(a, json_type_array) ||
	    (n > 0 && json_object_array_length(a) != n))
		return NULL;
	return a;
}

/* Item i of array a as a finite double into *out: 0, or -1. */
static int
item_number(json_object *a, size_t i, double *out)
{
	json_object *v = json_object_array_get_idx(a, i);

	if (v == NULL || (!json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int)))
		return -1;
	*out = json_object_get_double(v);
	return isfinite(*out) ? 0 : -1;
}

/* The row's columns into m; 0, or -1 when malformed. */
static int
parse_row(struct pool *p, const PGresult *res, struct model *m)
{
	json_object *names, *coef, *means, *stds, *w, *b;
	size_t d;

	if ((names = array_of(p, db_text(res, 0, 0), 0)) == NULL)
		return -1;
	d = json_object_array_length(names);
	coef = json_tokener_parse(db_text(res, 0, 1));
	if (coef == NULL)
		return -1;
	pool_json(p, coef);
	if (d == 0 || d > MODEL_MAX_FEATURES ||
	    (means = array_of(p, db_text(res, 0, 2), d)) == NULL ||
	    (stds = array_of(p, db_text(res, 0, 3), d)) == NULL ||
	    !json_object_is_type(coef, json_type_object) ||
	    !json_object_object_get_ex(coef, "intercept", &b) ||
	    !json_object_object_get_ex(coef, "weights", &w) ||
	    !json_object_is_type(w, json_type_array) || json_object_array_length(w) != d)
		return -1;
	m->d = m->lr.d = d;
	m->names = pool_alloc(p, d * sizeof(*m->names));
	m->lr.w = pool_alloc(p, d * sizeof(double));
	m->lr.mean = pool_alloc(p, d * sizeof(double));
	m->lr.std = pool_alloc(p, d * sizeof(double));
	m->lr.intercept = json_object_get_double(b);
	m->lr.lambda = strtod(db_text(res, 0, 4), NULL);
	m->lr.converged = 1;
	if (!isfinite(m->lr.intercept))
		return -1;
	for (size_t j = 0; j < d; j++) {
		json_object *n = json_object_array_get_idx(names, j);

		if (!json_object_is_type(n, json_type_string) ||
		    item_number(w, j, &m->lr.w[j]) < 0 ||
		    item_number(means, j, &m->lr.mean[j]) < 0 ||
		    item_number(stds, j, &m->lr.std[j]) < 0 || !(m->lr.std[j] > 0))
			return -1;
		m->names[j] = pool_strdup(p, json_object_get_string(n));
	}
	return 0;
}

int
model_load(struct pool *p, int version, struct model *m)
{
	PGresult *res = db_query(p, SQL_LOAD, DB_ARGS(db_i64(p, version)));

	memset(m, 0, sizeof(*m));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	m->version = version;
	if (parse_row(p, res, m) < 0) {
		log_kv(LOG_ERROR, "model: stored model is malformed",
		       "version", db_i64(p, version), NULL);
		return -1;
	}
	return 1;
}

double
model_predict(const struct model *m, const struct model_input *in)
{
	double x[MODEL_MAX_FEATURES];

	for (size_t j = 0; j < m->d && j < MODEL_MAX_FEATURES; j++)
		x[j] = model_feature(in, m->names[j]);
	return logreg_predict(&m->lr, x);
}

/* ---- the per-process cache of the current model ------------------------ */

static struct {
	struct pool *pool;         /* holds m; NULL when nothing is cached */
	struct model m;
	double checked;            /* monotonic seconds of the last check */
	int ever;
} cache;

static void
cache_drop(void)
{
	pool_free(cache.pool);
	cache.pool = NULL;
	memset(&cache.m, 0, sizeof(cache.m));
}

const struct model *
model_current(struct pool *p)
{
	long long every = config_int("MODEL_CHECK_SECONDS", MODEL_CHECK_SECONDS);
	double now = clock_now();
	struct pool *fresh;
	struct model m;
	PGresult *res;
	int version;

	if (cache.ever && now - cache.checked < (double)every)
		return cache.pool ? &cache.m : NULL;
	if ((res = db_query(p, SQL_CURRENT, DB_NOARGS)) == NULL)
		return cache.pool ? &cache.m : NULL;
	cache.checked = now;
	cache.ever = 1;
	version = (int)db_int(res, 0, 0);
	if (version == 0) {
		cache_drop();
		return NULL;
	}
	if (cache.pool && cache.m.version == version)
		return &cache.m;
	fresh = pool_new();
	if (model_load(fresh, version, &m) != 1) {
		pool_free(fresh);
		cache.ever = 0;            /* ask again next time */
		return cache.pool ? &cache.m : NULL;
	}
	cache_drop();
	cache.pool = fresh;
	cache.m = m;
	log_kv(LOG_INFO, "model: current model loaded", "version", db_i64(p, version), NULL);
	return &cache.m;
}

/* ---- hooks --------------------------------------------------------------- */

/* The "model" member of an analysis: m's version and the win probability
 * prob, rounded to four places (owned by the caller). */
static json_object *
prediction_json(const struct model *m, double prob)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "version", json_object_new_int(m->version));
	json_object_object_add(o, "win_probability", jsonv_number(round(prob * 1e4) / 1e4));
	return o;
}

void
model_annotate(struct pool *p, json_object *obj)
{
	struct model_input in;
	const struct model *m;
	double prob;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return;
	if (model_input_from_analysis(obj, &in) < 0 || (m = model_current(p)) == NULL) {
		json_object_object_add(obj, "model", NULL);
		return;
	}
	prob = model_predict(m, &in);
	json_object_object_add(obj, "model", prediction_json(m, prob));
}

const char *
model_features_text(struct pool *p, json_object *obj)
{
	struct model_input in;
	double x[MODEL_MAX_FEATURES];
	size_t n = model_feature_count();
	struct buf b;
	char num[40];

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    model_input_from_analysis(obj, &in) < 0 || n > MODEL_MAX_FEATURES)
		return NULL;
	model_features(&in, x);
	buf_init(&b, p);
	buf_putc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		if (isnan(x[i]))
			buf_puts(&b, "NaN");
		else if (isinf(x[i]))
			buf_puts(&b, x[i] > 0 ? "Infinity" : "-Infinity");
		else {
			jsonv_shortest(num, sizeof(num), x[i]);
			buf_puts(&b, num);
		}
	}
	buf_putc(&b, '}');
	return buf_cstr(&b);
}

/* The n values of PostgreSQL array literal text into x (NULL items NAN).
 * 0, or -1 when it is not n numbers. */
static int
features_parse(const char *text, double *x, size_t n)
{
	const char *s = text;
	char *end;
	size_t i = 0;

	if (*s++ != '{')
		return -1;
	for (; i < n; i++) {
		if (strncmp(s, "NULL", 4) == 0) {
			x[i] = NAN;
			s += 4;
		} else {
			x[i] = strtod(s, &end);
			if (end == s)
				return -1;
			s = end;
		}
		if (*s != (i + 1 < n ? ',' : '}'))
			return -1;
		s++;
	}
	return *s == '\0' ? 0 : -1;
}

const char *
model_annotation_text(struct pool *p, const char *features)
{
	double all[MODEL_MAX_FEATURES], x[MODEL_MAX_FEATURES];
	size_t n = model_feature_count();
	const struct model *m;
	json_object *o;

	if (features == NULL || *features == '\0')
		return "null";
	if (n > MODEL_MAX_FEATURES || features_parse(features, all, n) < 0)
		return NULL;
	if ((m = model_current(p)) == NULL)
		return "null";
	for (size_t j = 0; j < m->d && j < MODEL_MAX_FEATURES; j++) {
		x[j] = NAN;
		for (size_t i = 0; i < n; i++)
			if (strcmp(model_feature_name(i), m->names[j]) == 0)
				x[j] = all[i];
	}
	o = pool_json(p, prediction_json(m, logreg_predict(&m->lr, x)));
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                      JSON_C_TO_STRING_NOSLASHESCAPE);
}

int
model_record_signal(struct pool *p, int64_t signal_id)
{
	struct model_input in;
	const struct model *m;
	PGresult *res;
	char prob[40];

	res = db_query(p, SQL_SIGNAL, DB_ARGS(db_i64(p, signal_id)));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0 || strcmp(db_text(res, 0, 5), "t") == 0)
		return 0;
	if ((m = model_current(p)) == NULL)
		return 0;
	model_input_from_signal(p, db_text(res, 0, 0), db_text(res, 0, 1), db_text(res, 0, 2),
	                        db_text(res, 0, 3), db_text(res, 0, 4), &in);
	jsonv_shortest(prob, sizeof(prob), model_predict(m, &in));
	res = db_query(p, SQL_RECORD, DB_ARGS(db_i64(p, signal_id), db_i64(p, m->version), prob));
	if (res == NULL)
		return -1;
	return strcmp(PQcmdTuples(res), "1") == 0;
}
