/* model_label.c: the outcome of signals once their horizon has passed. */
#include "model_train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "pool.h"

/* The next unlabelled signals after ($1, $2), oldest first. */
static const char SQL_NEXT[] =
	"SELECT g.id, to_char(g.day, 'YYYY-MM-DD'), g.symbol_id, g.recommendation, g.close "
	"FROM signals g WHERE g.outcome IS NULL AND (g.day, g.id) > ($1::date, $2::bigint) "
	"ORDER BY g.day, g.id LIMIT $3";

/* A symbol's closes from day $2 on. */
static const char SQL_CLOSES[] =
	"SELECT to_char(date, 'YYYY-MM-DD'), close FROM candles "
	"WHERE symbol_id = $1 AND date >= $2::date ORDER BY date";

/* Compare-and-set: a signal labelled meanwhile keeps its label. */
static const char SQL_LABEL[] =
	"UPDATE signals s SET realised_return = u.ret, outcome = u.outcome, labelled_at = now() "
	"FROM unnest($1::bigint[], $2::float8[], $3::text[]) AS u(id, ret, outcome) "
	"WHERE s.id = u.id AND s.outcome IS NULL";

int
model_config_double(const char *key, double def, double *out)
{
	const char *v = config_get(key);
	char *end;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	*out = strtod(v, &end);
	return errno || *end != '\0' || !isfinite(*out) ? -1 : 0;
}

int
model_label_opts_load(struct model_label_opts *o, const char **why)
{
	long long h = config_int("LABEL_HORIZON_DAYS", LABEL_HORIZON_DAYS);
	long long b = config_int("LABEL_BATCH", LABEL_BATCH);

	if (h < 1 || h > 250) {
		*why = "LABEL_HORIZON_DAYS must be 1 to 250 trading days";
		return -1;
	}
	if (b < 1 || b > 100000) {
		*why = "LABEL_BATCH must be 1 to 100000";
		return -1;
	}
	if (model_config_double("LABEL_FLAT_THRESHOLD", LABEL_FLAT_THRESHOLD, &o->threshold) < 0 ||
	    !(o->threshold >= 0 && o->threshold < 1)) {
		*why = "LABEL_FLAT_THRESHOLD must be a fraction from 0 to below 1";
		return -1;
	}
	o->horizon = (int)h;
	o->batch = (int)b;
	return 0;
}

const char *
model_outcome(const char *rec, double ret, double threshold)
{
	if (rec == NULL || isnan(ret))
		return NULL;
	if (strcmp(rec, "buy") == 0)
		return ret > threshold ? "win" : ret < -threshold ? "loss" : "flat";
	if (strcmp(rec, "sell") == 0)
		return ret < -threshold ? "win" : ret > threshold ? "loss" : "flat";
	if (strcmp(rec, "hold") == 0)
		return fabs(ret) <= threshold ? "win" : "loss";
	return NULL;
}

/* One symbol's closes, ascending by date. */
struct closes {
	int64_t symbol_id;
	int n;
	const char **date;
	double *close;
};

/* The closes of symbol from day on into *c; 0 or -1. */
static int
load_closes(struct pool *p, int64_t symbol, const char *day, struct closes *c)
{
	PGresult *res = db_query(p, SQL_CLOSES, DB_ARGS(db_i64(p, symbol), day));

	if (res == NULL)
		return -1;
	c->symbol_id = symbol;
	c->n = PQntuples(res);
	c->date = pool_alloc(p, ((size_t)c->n + 1) * sizeof(char *));
	c->close = pool_alloc(p, ((size_t)c->n + 1) * sizeof(double));
	for (int i = 0; i < c->n; i++) {
		c->date[i] = db_text(res, i, 0);
		c->close[i] = strtod(db_text(res, i, 1), NULL);
	}
	return 0;
}

/* The realised return of a signal of day with close c0 over horizon bars
 * of c: NAN when fewer than horizon bars follow day. */
static double
realised(const struct closes *c, const char *day, double c0, int horizon)
{
	int lo = 0, hi = c->n;

	while (lo < hi) {                         /* the first bar after day */
		int mid = lo + (hi - lo) / 2;

		if (strcmp(c->date[mid], day) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo + horizon - 1 >= c->n)
		return NAN;
	if (lo > 0 && strcmp(c->date[lo - 1], day) == 0)
		c0 = c->close[lo - 1];
	return c->close[lo + horizon - 1] / c0 - 1;
}

/* Append v to the array literal b ("{" already there). */
static void
element(struct buf *b, int first, const char *v)
{
	if (!first)
		buf_putc(b, ',');
	buf_puts(b, v);
}

/* The closes of the symbol of row i of res (the batch), loaded from the
 * oldest day of that symbol in the batch; NULL on DB failure. */
static const struct closes *
closes_of(struct pool *p, const PGresult *res, int i, struct closes *all, int *nall)
{
	int64_t symbol = db_int(res, i, 2);

	for (int k = 0; k < *nall; k++)
		if (all[k].symbol_id == symbol)
			return &all[k];
	/* rows are by day: row i is the symbol's oldest in the batch */
	if (load_closes(p, symbol, db_text(res, i, 1), &all[*nall]) < 0)
		return NULL;
	return &all[(*nall)++];
}

int
model_label_step(struct pool *p, const struct model_label_opts *o,
    struct model_label_pass *pass, int dry_run)
{
	struct buf ids, rets, outs;
	struct closes *all;
	PGresult *res;
	int n, nall = 0, k = 0;

	res = db_query(p, SQL_NEXT, DB_ARGS(pass->day[0] ? pass->day : "-infinity",
	               db_i64(p, pass->id), db_i64(p, o->batch)));
	if (res == NULL)
		return -1;
	if ((n = PQntuples(res)) == 0) {
		pass->done = 1;
		return 0;
	}
	all = pool_alloc(p, (size_t)n * sizeof(*all));
	buf_init(&ids, p);
	buf_init(&rets, p);
	buf_init(&outs, p);
	buf_putc(&ids, '{');
	buf_putc(&rets, '{');
	buf_putc(&outs, '{');
	for (int i = 0; i < n; i++) {
		const struct closes *c = closes_of(p, res, i, all, &nall);
		double ret;
		const char *out;
		char num[40];

		if (c == NULL)
			return -1;
		ret = realised(c, db_text(res, i, 1), strtod(db_text(res, i, 4), NULL), o->horizon);
		if (!isfinite(ret) || (out = model_outcome(db_text(res, i, 3), ret,
		                                           o->threshold)) == NULL)
			continue;                   /* not due yet */
		snprintf(num, sizeof(num), "%.17g", ret);
		element(&ids, k == 0, db_text(res, i, 0));
		element(&rets, k == 0, num);
		element(&outs, k == 0, out);
		k++;
	}
	buf_putc(&ids, '}');
	buf_putc(&rets, '}');
	buf_putc(&outs, '}');
	pass->seen += n;
	snprintf(pass->day, sizeof(pass->day), "%s", db_text(res, n - 1, 1));
	pass->id = db_int(res, n - 1, 0);
	if (k == 0 || dry_run) {
		pass->labelled += k;
		return 0;
	}
	res = db_query(p, SQL_LABEL, DB_ARGS(buf_cstr(&ids), buf_cstr(&rets), buf_cstr(&outs)));
	if (res == NULL)
		return -1;
	pass->labelled += strtoll(PQcmdTuples(res), NULL, 10);
	return 0;
}
