/* market_store.c: symbols, candles and fundamentals in PostgreSQL. Whole
 * series travel as array parameters, so storing one is one statement. */
#include "market_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "candle.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "valid.h"

static const char SQL_SYMBOL_CREATE[] =
	"WITH ins AS (INSERT INTO symbols (symbol) VALUES ($1) "
	"             ON CONFLICT (symbol) DO NOTHING RETURNING id) "
	"SELECT id FROM ins UNION ALL SELECT id FROM symbols WHERE symbol = $1 LIMIT 1";

static const char SQL_SYMBOL[] = "SELECT id FROM symbols WHERE symbol = $1";

static const char SQL_UPSERT[] =
	"INSERT INTO candles (symbol_id, date, open, high, low, close, adjclose, volume, source) "
	"SELECT $1, t.d, t.o, t.h, t.l, t.c, t.a, t.v, $9 "
	"FROM unnest($2::date[], $3::numeric[], $4::numeric[], $5::numeric[], "
	"            $6::numeric[], $7::numeric[], $8::bigint[]) AS t(d, o, h, l, c, a, v) "
	MARKET_MERGE_TAIL;

static const char SQL_LOAD[] =
	"SELECT to_char(c.date, 'YYYY-MM-DD'), c.open, c.high, c.low, c.close, c.adjclose, "
	"       c.volume "
	"FROM candles c JOIN symbols s ON s.id = c.symbol_id "
	"WHERE s.symbol = $1 AND ($2::date IS NULL OR c.date >= $2::date) "
	"  AND ($3::date IS NULL OR c.date <= $3::date) "
	"ORDER BY c.date";

static const char SQL_LATEST[] =
	"SELECT coalesce(to_char(max(c.date), 'YYYY-MM-DD'), ''), "
	"       coalesce(" DB_TIME("max(c.updated_at)") ", '') "
	"FROM candles c JOIN symbols s ON s.id = c.symbol_id WHERE s.symbol = $1";

static const char SQL_FUND_UPSERT[] =
	"INSERT INTO fundamentals (symbol_id, source, name, currency, latest_quarter, pe, peg, "
	"  dividend_yield, eps, beta, market_cap, earnings_growth, revenue_growth) "
	"VALUES ($1, $2, $3, $4, $5::date, $6, $7, $8, $9, $10, $11, $12, $13) "
	"ON CONFLICT (symbol_id, day) DO UPDATE SET fetched_at = now(), "
	"  source = EXCLUDED.source, name = EXCLUDED.name, currency = EXCLUDED.currency, "
	"  latest_quarter = EXCLUDED.latest_quarter, pe = EXCLUDED.pe, peg = EXCLUDED.peg, "
	"  dividend_yield = EXCLUDED.dividend_yield, eps = EXCLUDED.eps, "
	"  beta = EXCLUDED.beta, market_cap = EXCLUDED.market_cap, "
	"  earnings_growth = EXCLUDED.earnings_growth, revenue_growth = EXCLUDED.revenue_growth";

static const char SQL_SYMBOL_NAME[] =
	"UPDATE symbols SET name = $2 WHERE id = $1 AND name IS DISTINCT FROM $2";

static const char SQL_FUND_LOAD[] =
	"SELECT f.name, f.currency, coalesce(to_char(f.latest_quarter, 'YYYY-MM-DD'), ''), "
	"       f.pe, f.peg, f.dividend_yield, f.eps, f.beta, f.market_cap, "
	"       f.earnings_growth, f.revenue_growth "
	"FROM fundamentals f JOIN symbols s ON s.id = f.symbol_id "
	"WHERE s.symbol = $1 ORDER BY f.day DESC LIMIT 1";

/* Any decimal of 15 significant digits or fewer reads back as the double
 * nearest to it and %.15g of that double prints it again (trailing zeros
 * dropped), so the search starts at 15. */
void
market_price_text(char *out, size_t size, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* Append v's shortest decimal to array literal b. */
static void
append_price(struct buf *b, double v)
{
	char s[40];

	market_price_text(s, sizeof(s), v);
	buf_append(b, s, strlen(s));
}

int
market_symbol_id(struct pool *p, const char *symbol, int create, int64_t *id)
{
	PGresult *res = NULL;

	*id = 0;
	if (!valid_symbol(symbol)) {
		log_kv(LOG_WARN, "market: invalid symbol refused", NULL);
		return -1;
	}
	/* a concurrent insert can hide the row from this statement: ask twice */
	for (int attempt = 0; attempt < 2; attempt++) {
		res = db_query(p, create ? SQL_SYMBOL_CREATE : SQL_SYMBOL, DB_ARGS(symbol));
		if (res == NULL)
			return -1;
		if (PQntuples(res) > 0 || !create)
			break;
	}
	if (PQntuples(res) > 0)
		*id = db_int(res, 0, 0);
	else if (create)
		return -1;
	return 0;
}

/* The series as the eight array parameters of SQL_UPSERT (after $1). */
static void
series_arrays(struct pool *p, const struct candles *c, const char *arrays[7])
{
	struct buf b[7];

	for (int k = 0; k < 7; k++) {
		buf_init(&b[k], p);
		buf_append(&b[k], "{", 1);
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct candle *k = &c->v[i];
		char vol[24];

		if (i > 0)
			for (int j = 0; j < 7; j++)
				buf_append(&b[j], ",", 1);
		buf_append(&b[0], k->date, strlen(k->date));
		append_price(&b[1], k->open);
		append_price(&b[2], k->high);
		append_price(&b[3], k->low);
		append_price(&b[4], k->close);
		append_price(&b[5], k->adjclose);
		snprintf(vol, sizeof(vol), "%lld", (long long)k->volume);
		buf_append(&b[6], vol, strlen(vol));
	}
	for (int k = 0; k < 7; k++) {
		buf_append(&b[k], "}", 1);
		arrays[k] = buf_cstr(&b[k]);
	}
}

int
market_store_candles(struct pool *p, const char *symbol, const char *source,
    const struct candles *c, int *changed)
{
	const char *a[7], *why = NULL, *sid;
	int own_tx = !db_in_transaction();
	int64_t id;
	size_t bad = 0;
	PGresult *res;

	*changed = 0;
	if (candles_validate(c, &bad, &why) < 0) {
		log_kv(LOG_WARN, "market: invalid series not stored", "date",
		       c->v[bad].date, "reason", why, NULL);
		return -1;
	}
	if (c->n == 0)
		return 0;
	if (own_tx && db_begin(p) < 0)
		return -1;
	if (market_symbol_id(p, symbol, 1, &id) < 0)
		goto fail;
	series_arrays(p, c, a);
	sid = db_i64(p, id);
	res = db_query(p, SQL_UPSERT, DB_ARGS(sid, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
	                                      source));
	if (res == NULL)
		goto fail;
	if (own_tx && db_commit(p) < 0)
		goto fail;
	*changed = atoi(PQcmdTuples(res));
	return 0;
fail:
	if (own_tx)
		db_rollback(p);
	return -1;
}

/* A stored price: numeric text read back into the double it was made from. */
static double
price(const PGresult *res, int row, int col)
{
	return strtod(db_text(res, row, col), NULL);
}

int
market_load_candles(struct pool *p, const char *symbol, const char *from,
    const char *to, struct candles *out)
{
	PGresult *res;
	int n;

	out->v = NULL;
	out->n = 0;
	if ((from && !candle_date_valid(from, strlen(from))) ||
	    (to && !candle_date_valid(to, strlen(to)))) {
		log_kv(LOG_WARN, "market: malformed date range refused", NULL);
		return -1;
	}
	res = db_query(p, SQL_LOAD, DB_ARGS(symbol, from, to));
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	out->v = pool_alloc(p, sizeof(*out->v) * (size_t)(n > 0 ? n : 1));
	for (int i = 0; i < n; i++) {
		struct candle *k = &out->v[i];

		snprintf(k->date, sizeof(k->date), "%s", db_text(res, i, 0));
		k->open = price(res, i, 1);
		k->high = price(res, i, 2);
		k->low = price(res, i, 3);
		k->close = price(res, i, 4);
		k->adjclose = price(res, i, 5);
		k->volume = db_int(res, i, 6);
	}
	out->n = (size_t)n;
	return 0;
}

int
market_latest(struct pool *p, const char *symbol, char out[11], const char **updated)
{
	PGresult *res = db_query(p, SQL_LATEST, DB_ARGS(symbol));

	out[0] = '\0';
	if (updated)
		*updated = "";
	if (res == NULL)
		return -1;
	snprintf(out, 11, "%s", db_text(res, 0, 0));
	if (updated)
		*updated = pool_strdup(p, db_text(res, 0, 1));
	return 0;
}

/* A fundamentals value as a parameter: NULL when the provider had none. */
static const char *
fund_arg(struct pool *p, const struct fund_value *v)
{
	char s[40];

	if (!v->present || !isfinite(v->value))
		return NULL;
	market_price_text(s, sizeof(s), v->value);
	return pool_strdup(p, s);
}

/* A provider's text cut to max bytes on a UTF-8 boundary; NULL stays NULL. */
static const char *
fund_text(struct pool *p, const char *s, size_t max)
{
	if (s == NULL || *s == '\0' || !valid_utf8(s, strlen(s)))
		return NULL;
	return valid_utf8_trunc(p, s, max);
}

int
market_store_fundamentals(struct pool *p, const char *symbol, const char *source,
    const struct fundamentals *f)
{
	const char *name = fund_text(p, f->name, 200), *sid;
	int own_tx = !db_in_transaction();
	int64_t id;

	if (own_tx && db_begin(p) < 0)
		return -1;
	if (market_symbol_id(p, symbol, 1, &id) < 0)
		goto fail;
	sid = db_i64(p, id);
	if (db_query(p, SQL_FUND_UPSERT, DB_ARGS(sid, source, name,
	        fund_text(p, f->currency, 10),
	        f->latest_quarter[0] ? f->latest_quarter : NULL,
	        fund_arg(p, &f->pe), fund_arg(p, &f->peg), fund_arg(p, &f->dividend_yield),
	        fund_arg(p, &f->eps), fund_arg(p, &f->beta), fund_arg(p, &f->market_cap),
	        fund_arg(p, &f->earnings_growth), fund_arg(p, &f->revenue_growth))) == NULL)
		goto fail;
	if (name != NULL && db_query(p, SQL_SYMBOL_NAME, DB_ARGS(sid, name)) == NULL)
		goto fail;
	if (own_tx && db_commit(p) < 0)
		goto fail;
	return 0;
fail:
	if (own_tx)
		db_rollback(p);
	return -1;
}

/* Column col of row 0 as a fundamentals value. */
static struct fund_value
fund_value(const PGresult *res, int col)
{
	struct fund_value v = { 0, 0 };

	if (!PQgetisnull(res, 0, col)) {
		v.present = 1;
		v.value = strtod(db_text(res, 0, col), NULL);
	}
	return v;
}

int
market_load_fundamentals(struct pool *p, const char *symbol, struct fundamentals *out,
    int *found)
{
	PGresult *res = db_query(p, SQL_FUND_LOAD, DB_ARGS(symbol));

	memset(out, 0, sizeof(*out));
	*found = 0;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	*found = 1;
	out->symbol = pool_strdup(p, symbol);
	out->name = PQgetisnull(res, 0, 0) ? NULL : pool_strdup(p, db_text(res, 0, 0));
	out->currency = PQgetisnull(res, 0, 1) ? NULL : pool_strdup(p, db_text(res, 0, 1));
	snprintf(out->latest_quarter, sizeof(out->latest_quarter), "%s", db_text(res, 0, 2));
	out->pe = fund_value(res, 3);
	out->peg = fund_value(res, 4);
	out->dividend_yield = fund_value(res, 5);
	out->eps = fund_value(res, 6);
	out->beta = fund_value(res, 7);
	out->market_cap = fund_value(res, 8);
	out->earnings_growth = fund_value(res, 9);
	out->revenue_growth = fund_value(res, 10);
	return 0;
}

int
market_record_refresh(struct pool *p, const char *symbol, enum provider_status st,
    const char *provider, const char *message)
{
	static const char sql[] =
		"INSERT INTO market_refreshes (symbol, status, provider, message, refreshed_at) "
		"VALUES ($1, $2, $3, $4, CASE WHEN $2 = 'ok' THEN now() END) "
		"ON CONFLICT (symbol) DO UPDATE SET attempted_at = now(), status = EXCLUDED.status, "
		"  provider = EXCLUDED.provider, message = EXCLUDED.message, "
		"  refreshed_at = coalesce(EXCLUDED.refreshed_at, market_refreshes.refreshed_at)";

	return db_query(p, sql, DB_ARGS(symbol, provider_status_name(st),
	                valid_utf8_trunc(p, provider, 32),
	                valid_utf8_trunc(p, message, MARKET_MESSAGE_MAX))) == NULL ? -1 : 0;
}
