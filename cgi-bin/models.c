/* models.c: the win-probability model of signals: the current one with its
 * coefficients, and the history of every version with its metrics. */
#include "app.h"

#include "analysis.h"
#include "analysis_req.h"
#include "reply_rows.h"

static int current_model(struct req *r);
static int list_models(struct req *r);

#define LIMIT_DEFAULT 20
#define LIMIT_MAX 100

static const struct param page_query[] = { PARAM_PAGE(LIMIT_MAX), { 0 } };

#define SUMMARY "version:int, trained_at:str, promoted:bool, current:bool, " \
	"feature_set:int?, metrics:{auc:num?, recommendation_auc:num?, accuracy:num?, " \
	"majority_accuracy:num?, log_loss:num?, holdout_rows:int?, holdout_wins:int?}, training:{rows:int?, wins:int?, lambda:num?, " \
	"holdout_fraction:num?, iterations:int?, converged:bool}, data:{first_day:str?, " \
	"holdout_day:str?, last_day:str?}, baseline:{version:int?, auc:num?, log_loss:num?}?, " \
	"decision:str"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/models/current", .handler = current_model,
	  .flags = NEED_AUTH, .summary = "the promoted model with its coefficients",
	  .reply = "{" SUMMARY ", intercept:num, features:[{name:str, coefficient:num, "
	           "mean:num, std:num}]}" },
	{ .method = "GET", .path = "/api/models", .handler = list_models, .flags = NEED_AUTH,
	  .query = page_query, .reply = SHAPE_PAGE("{" SUMMARY "}"),
	  .summary = "every model version, newest first" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* The holdout metrics to four decimals, what a holdout of some thousand
 * rows can tell apart. */
#define R4(col) "round(" col "::numeric, 4)::float8"

/* The columns both replies show (0..18), the current model's version (19),
 * the compared model (20..22), and the baselines of the holdout metrics:
 * the AUC of the recommendation alone (23) and the accuracy of always
 * answering the holdout's majority class (24). */
#define SQL_COLUMNS \
	"SELECT version, " DB_TIME("trained_at") ", promoted, feature_set, " R4("auc") ", " \
	"       " R4("accuracy") ", " R4("log_loss") ", training_rows, training_wins, holdout_rows, holdout_wins, " \
	"       lambda, holdout_fraction, iterations, converged, " \
	"       to_char(first_day, 'YYYY-MM-DD'), to_char(holdout_day, 'YYYY-MM-DD'), " \
	"       to_char(last_day, 'YYYY-MM-DD'), decision, " \
	"       (SELECT max(version) FROM models WHERE promoted), " \
	"       baseline_version, " R4("baseline_auc") ", " R4("baseline_log_loss") ", " \
	"       " R4("recommendation_auc") ", " \
	"       round(greatest(holdout_wins, holdout_rows - holdout_wins)::numeric / " \
	"             nullif(holdout_rows, 0), 4)::float8 "

static const char SQL_CURRENT[] =
	SQL_COLUMNS ", features::text, coefficients::text, means::text, stds::text "
	"FROM models WHERE promoted ORDER BY version DESC LIMIT 1";

static const char SQL_EXISTS[] = "SELECT 1 FROM models WHERE version = $1::bigint";

/* One row more than the page, to tell whether another page follows. */
static const char SQL_PAGE[] =
	SQL_COLUMNS "FROM models WHERE ($1::int = 0 OR version < $1::int) "
	"ORDER BY version DESC LIMIT $2";

/* A model's summary from the SQL_COLUMNS of a row, in parts. */
static const struct reply_col SUMMARY_COLS[] = {
	{ "version",          0,  RCOL_INT,    RCOL_NULLABLE },
	{ "trained_at",       1,  RCOL_TEXT,   0 },
	{ "promoted",         2,  RCOL_BOOL,   0 },
	{ "feature_set",      3,  RCOL_INT,    RCOL_NULLABLE },
	{ "decision",         18, RCOL_TEXT,   0 },
	{ NULL }
};

static const struct reply_col METRICS_COLS[] = {
	{ "auc",              4,  RCOL_NUMBER, RCOL_NULLABLE },
	{ "recommendation_auc", 23, RCOL_NUMBER, RCOL_NULLABLE },
	{ "accuracy",         5,  RCOL_NUMBER, RCOL_NULLABLE },
	{ "majority_accuracy", 24, RCOL_NUMBER, RCOL_NULLABLE },
	{ "log_loss",         6,  RCOL_NUMBER, RCOL_NULLABLE },
	{ "holdout_rows",     9,  RCOL_INT,    RCOL_NULLABLE },
	{ "holdout_wins",     10, RCOL_INT,    RCOL_NULLABLE },
	{ NULL }
};

static const struct reply_col TRAINING_COLS[] = {
	{ "rows",             7,  RCOL_INT,    RCOL_NULLABLE },
	{ "wins",             8,  RCOL_INT,    RCOL_NULLABLE },
	{ "lambda",           11, RCOL_NUMBER, RCOL_NULLABLE },
	{ "holdout_fraction", 12, RCOL_NUMBER, RCOL_NULLABLE },
	{ "iterations",       13, RCOL_INT,    RCOL_NULLABLE },
	{ "converged",        14, RCOL_BOOL,   0 },
	{ NULL }
};

static const struct reply_col DATA_COLS[] = {
	{ "first_day",        15, RCOL_TEXT,   RCOL_NULLABLE },
	{ "holdout_day",      16, RCOL_TEXT,   RCOL_NULLABLE },
	{ "last_day",         17, RCOL_TEXT,   RCOL_NULLABLE },
	{ NULL }
};

static const struct reply_col BASELINE_COLS[] = {
	{ "version",          20, RCOL_INT,    RCOL_NULLABLE },
	{ "auc",              21, RCOL_NUMBER, RCOL_NULLABLE },
	{ "log_loss",         22, RCOL_NUMBER, RCOL_NULLABLE },
	{ NULL }
};

static void
put(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

/* The summary of row i: version, when, whether promoted and current, the
 * holdout metrics and how it was trained. */
static json_object *
summary(const PGresult *res, int i)
{
	json_object *o = reply_row_json(res, i, SUMMARY_COLS);

	put(o, "current", json_object_new_boolean(!PQgetisnull(res, i, 19) &&
	    db_int(res, i, 19) == db_int(res, i, 0)));
	put(o, "metrics", reply_row_json(res, i, METRICS_COLS));
	put(o, "training", reply_row_json(res, i, TRAINING_COLS));
	put(o, "data", reply_row_json(res, i, DATA_COLS));
	put(o, "baseline", PQgetisnull(res, i, 20) ? NULL : reply_row_json(res, i, BASELINE_COLS));
	return o;
}

/* Column col of row 0 parsed as JSON (owned by the pool), or NULL. */
static json_object *
json_col(struct req *r, const PGresult *res, int col)
{
	return pool_json(r->pool, json_tokener_parse(db_text(res, 0, col)));
}

/* GET /api/models/current: the promoted model; 404 before the first. */
static int
current_model(struct req *r)
{
	json_object *o, *names, *coef, *means, *stds, *w = NULL, *b = NULL, *fs;
	PGresult *res;
	size_t d;

	if ((res = db_query_or_reply(r, SQL_CURRENT, DB_NOARGS)) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no model has been promoted yet");
	names = json_col(r, res, 25);
	coef = json_col(r, res, 26);
	means = json_col(r, res, 27);
	stds = json_col(r, res, 28);
	if (names == NULL || coef == NULL || means == NULL || stds == NULL ||
	    !json_object_object_get_ex(coef, "weights", &w) ||
	    !json_object_object_get_ex(coef, "intercept", &b) ||
	    (d = json_object_array_length(names)) != json_object_array_length(w) ||
	    d != json_object_array_length(means) || d != json_object_array_length(stds)) {
		log_kv(LOG_ERROR, "models: the current model's row is malformed",
		       "version", db_text(res, 0, 0), NULL);
		return reply_error(r, ERR_INTERNAL, NULL, NULL);
	}
	o = pool_json(r->pool, summary(res, 0));
	put(o, "intercept", json_object_get(b));
	fs = json_object_new_array();
	for (size_t j = 0; j < d; j++) {
		json_object *f = json_object_new_object();

		put(f, "name", json_object_get(json_object_array_get_idx(names, j)));
		put(f, "coefficient", json_object_get(json_object_array_get_idx(w, j)));
		put(f, "mean", json_object_get(json_object_array_get_idx(means, j)));
		put(f, "std", json_object_get(json_object_array_get_idx(stds, j)));
		json_object_array_add(fs, f);
	}
	put(o, "features", fs);
	return reply_json(r, 200, o);
}

/* GET /api/models?limit=&cursor=: every version, newest first. */
static int
list_models(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	json_object *items;
	PGresult *res;
	int n;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, NULL) < 0)
		return r->status;
	res = db_query_or_reply(r, SQL_PAGE, DB_ARGS(db_i64(r->pool, cursor),
	                        db_i64(r->pool, limit + 1)));
	if (res == NULL)
		return r->status;
	n = PQntuples(res);
	items = json_object_new_array();
	for (int i = 0; i < n && i < limit; i++)
		json_object_array_add(items, summary(res, i));
	return reply_page(r, items, n > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}
