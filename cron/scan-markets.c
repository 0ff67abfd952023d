/* scan-markets: the market scanner. The universe is every symbol on any
 * watchlist plus MARKET_UNIVERSE (a comma-separated list, unset by default).
 * Each symbol's candles are refreshed through the provider chain without
 * forcing (a reply cached within MARKET_CACHE_TTL is used again, so the
 * providers see at most one call per symbol per TTL), and once the chain
 * reports its quota exhausted the remaining symbols wait for the next run.
 * The outcome is recorded (market_refreshes) for a symbol with prices, as
 * an analysis records its own, so the analyses that follow neither refresh
 * again nor ask a failing provider before ANALYSIS_RETRY_SECONDS; a symbol
 * without prices is left for a user's call to try. Then each symbol with
 * prices is analysed under every strategy (the same cached analysis the
 * endpoint serves) and a signal is stored per symbol, strategy and bar
 * day; each new signal's id is NOTIFYed on SIGNAL_CHANNEL in the
 * transaction that inserts it. A second run over the same data inserts
 * nothing. The run fails when providers were tried and none could refresh
 * any symbol; one symbol's failure alone does not. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "analysis_db.h"
#include "config.h"
#include "db.h"
#include "job.h"
#include "log.h"
#include "market_fetch.h"
#include "market_store.h"
#include "pool.h"
#include "provider_parse.h"
#include "stream_pub.h"
#include "valid.h"

#define SIGNAL_CHANNEL "edgescout_signals"

static const char SQL_WATCHED[] =
	"SELECT DISTINCT s.symbol FROM watchlist_symbols w JOIN symbols s ON s.id = w.symbol_id";

/* Notify the signal when this transaction inserted it (a row another
 * transaction wrote before has another xmin). */
static const char SQL_NOTIFY_NEW[] =
	"SELECT pg_notify('" SIGNAL_CHANNEL "', id::text) FROM signals "
	"WHERE id = $1::bigint AND xmin = pg_current_xact_id()::xid";

static const char SQL_SIGNAL_EXISTS[] =
	"SELECT 1 FROM signals g JOIN symbols s ON s.id = g.symbol_id "
	"WHERE s.symbol = $1 AND g.strategy = $2 AND g.day = $3::date";

/* What a run saw. */
struct scan {
	int symbols, refreshed, no_data, untried, limited, down, deferred;
	int with_data, signals, fresh;
	int quota_out;             /* the chain ran out of quota: no more refreshes */
	const char *why;           /* the last provider failure */
};

static int scan(struct job_ctx *ctx);

static const struct job job = {
	"scan-markets", scan,
	"The market scanner: refreshes the candles of every symbol on a watchlist\n"
	"and of MARKET_UNIVERSE (comma-separated symbols, unset by default) through\n"
	"MARKET_PROVIDERS, using replies cached within MARKET_CACHE_TTL and stopping\n"
	"the refreshes when the providers' quota runs out; then stores one signal\n"
	"per symbol, strategy and bar day for each symbol with data, and NOTIFYs\n"
	"edgescout_signals with each new signal's id. Fails when providers were\n"
	"tried and none refreshed any symbol. Idempotent: a second run over the\n"
	"same data inserts no signal. --dry-run refreshes nothing and counts the\n"
	"signals the stored data would add."
};

int main(int argc, char **argv) { return job_main(argc, argv, &job); }

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The universe, sorted and distinct, into *out and *n; -1 after job_fail. */
static int
universe(struct job_ctx *ctx, const char ***out, int *n)
{
	PGresult *res = db_query(ctx->pool, SQL_WATCHED, DB_NOARGS);
	const char *list = config_get("MARKET_UNIVERSE"), **v;
	size_t cap, k = 0;

	if (res == NULL)
		return job_fail(ctx, "reading the watched symbols failed (SQLSTATE %s)",
		                db_sqlstate());
	cap = (size_t)PQntuples(res) + (list ? strlen(list) / 2 + 1 : 0) + 1;
	v = pool_alloc(ctx->pool, cap * sizeof(*v));
	for (int i = 0; i < PQntuples(res); i++)
		v[k++] = pool_strdup(ctx->pool, db_text(res, i, 0));
	while (list != NULL && *list != '\0') {
		size_t len = strcspn(list, ",");
		char *s = pool_strndup(ctx->pool, list, len), *e;

		list += len + (list[len] == ',');
		while (isspace((unsigned char)*s))
			s++;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		for (e = s; *e; e++)
			*e = (char)toupper((unsigned char)*e);
		if (*s == '\0')
			continue;
		if (!valid_symbol(s)) {
			log_kv(LOG_WARN, "MARKET_UNIVERSE: not a symbol, skipped", "symbol", s, NULL);
			continue;
		}
		v[k++] = s;
	}
	qsort(v, k, sizeof(*v), cmp_str);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]) != 0)
			v[(*n)++] = v[i];
	*out = v;
	return 0;
}

static int
record(struct job_ctx *ctx, struct pool *p, const char *symbol, enum provider_status st,
    const char *provider, const char *message)
{
	if (market_record_refresh(p, symbol, st, provider, message) < 0)
		return job_fail(ctx, "recording the refresh of %s failed (SQLSTATE %s)", symbol,
		                db_sqlstate());
	return 0;
}

/* Refresh symbol's candles, recording the outcome when it has prices:
 * 1 it has prices, 0 not, -1 after job_fail. */
static int
refresh(struct job_ctx *ctx, struct scan *sc, struct pool *p, const char *symbol)
{
	struct market_refresh m;
	enum provider_status st;
	char latest[11];

	if (market_latest(p, symbol, latest, NULL) < 0)
		return job_fail(ctx, "reading the prices of %s failed (SQLSTATE %s)", symbol,
		                db_sqlstate());
	if (sc->quota_out) {
		sc->deferred++;
		if (latest[0] == '\0')
			return 0;
		return record(ctx, p, symbol, PROVIDER_RATE_LIMITED, "",
		              "not refreshed: the providers' quota ran out during a scan") < 0 ? -1 : 1;
	}
	memset(&m, 0, sizeof(m));
	st = market_refresh_run(p, symbol, &m);
	if (st == PROVIDER_OK)
		sc->refreshed++;
	else if (m.used[0] == '\0')
		sc->untried++;         /* no provider configured, or not a symbol */
	else if (st == PROVIDER_NO_DATA)
		sc->no_data++;
	else if (st == PROVIDER_RATE_LIMITED)
		sc->limited++;
	else {
		sc->down++;
		sc->why = pool_printf(ctx->pool, "%s: %s", symbol, m.message);
	}
	if (st != PROVIDER_OK)
		log_kv(LOG_INFO, "refresh failed", "symbol", symbol, "status",
		       provider_status_name(st), "reason", m.message, NULL);
	if (st == PROVIDER_RATE_LIMITED && m.used[0] != '\0') {
		sc->quota_out = 1;
		log_kv(LOG_WARN, "the providers' quota ran out: no more refreshes this run",
		       "symbol", symbol, NULL);
	}
	if (st != PROVIDER_OK && latest[0] == '\0')
		return 0;
	return record(ctx, p, symbol, st, m.used, m.message) < 0 ? -1 : 1;
}

/* Store the signals of outcomes o (NULL entries skipped) of symbol in one
 * transaction, notifying the new ones; -1 after job_fail. */
static int
store(struct job_ctx *ctx, struct scan *sc, struct pool *p, const char *symbol,
    const struct analysis_outcome *o)
{
	int fresh = 0;

	if (db_begin(p) < 0)
		return job_fail(ctx, "cannot begin a transaction (SQLSTATE %s)", db_sqlstate());
	for (int st = 0; st < STRATEGY_COUNT; st++) {
		PGresult *res;
		int64_t id;

		if (o[st].obj == NULL || o[st].recommendation == NULL)
			continue;
		if (analysis_store_signal(p, symbol, (enum analysis_strategy)st, &o[st], "scan",
		                          &id) < 0 ||
		    (res = db_query(p, SQL_NOTIFY_NEW, DB_ARGS(db_i64(p, id)))) == NULL) {
			db_rollback(p);
			return job_fail(ctx, "storing the signals of %s failed (SQLSTATE %s)", symbol,
			                db_sqlstate());
		}
		sc->signals++;
		fresh += PQntuples(res);
	}
	if (db_commit(p) < 0) {
		db_rollback(p);
		return job_fail(ctx, "storing the signals of %s failed (SQLSTATE %s)", symbol,
		                db_sqlstate());
	}
	sc->fresh += fresh;
	ctx->items += fresh;
	return 0;
}

/* Analyse symbol under every strategy and store its signals; -1 after
 * job_fail. */
static int
signals(struct job_ctx *ctx, struct scan *sc, struct pool *p, const char *symbol)
{
	struct analysis_outcome o[STRATEGY_COUNT];

	for (int st = 0; st < STRATEGY_COUNT; st++) {
		if (analysis_get(p, symbol, (enum analysis_strategy)st, &o[st]) == 0)
			continue;
		if (o[st].err == ERR_DB_UNAVAILABLE || o[st].err == ERR_INTERNAL)
			return job_fail(ctx, "analysing %s failed: %s", symbol, o[st].message);
		return 0;              /* no data (or none that a provider would give) */
	}
	sc->with_data++;
	return store(ctx, sc, p, symbol, o);
}

/* The signals symbol's stored data would add, counted without writing. */
static int
dry_signals(struct job_ctx *ctx, struct scan *sc, struct pool *p, const char *symbol)
{
	struct analysis_snapshot snap;
	struct fundamentals f;
	struct candles c;
	int found;

	if (market_load_candles(p, symbol, NULL, NULL, &c) < 0 ||
	    market_load_fundamentals(p, symbol, &f, &found) < 0)
		return job_fail(ctx, "reading the data of %s failed (SQLSTATE %s)", symbol,
		                db_sqlstate());
	if (c.n == 0 || analysis_snapshot(p, &c, &snap) < 0)
		return 0;
	sc->with_data++;
	for (int st = 0; st < STRATEGY_COUNT; st++) {
		struct analysis_score s;
		PGresult *res;

		analysis_score(p, (enum analysis_strategy)st, &snap, found ? &f : NULL, &s);
		if (s.recommendation == NULL)   /* no score, or too little coverage */
			continue;
		sc->signals++;
		res = db_query(p, SQL_SIGNAL_EXISTS, DB_ARGS(symbol,
		               analysis_strategy_name((enum analysis_strategy)st), snap.date));
		if (res == NULL)
			return job_fail(ctx, "reading the signals of %s failed (SQLSTATE %s)", symbol,
			                db_sqlstate());
		if (PQntuples(res) == 0) {
			sc->fresh++;
			ctx->items++;
		}
	}
	return 0;
}

static int
scan(struct job_ctx *ctx)
{
	struct scan sc;
	struct pool *p;
	const char **symbols = NULL;
	int n = 0, rc = 0;

	memset(&sc, 0, sizeof(sc));
	if (universe(ctx, &symbols, &n) < 0)
		return -1;
	p = pool_new();                /* one symbol's memory at a time */
	for (int i = 0; i < n && rc == 0 && !job_should_stop(); i++) {
		sc.symbols++;
		if (ctx->dry_run)
			rc = dry_signals(ctx, &sc, p, symbols[i]);
		else if ((rc = refresh(ctx, &sc, p, symbols[i])) > 0)
			rc = signals(ctx, &sc, p, symbols[i]);
		pool_reset(p);
	}
	pool_free(p);
	log_kv(LOG_INFO, ctx->dry_run ? "scan done (dry run: nothing refreshed or stored)" :
	       "scan done", "symbols", db_i64(ctx->pool, sc.symbols),
	       "universe", db_i64(ctx->pool, n),
	       "refreshed", db_i64(ctx->pool, sc.refreshed),
	       "failed", db_i64(ctx->pool, sc.down),
	       "no_data", db_i64(ctx->pool, sc.no_data),
	       "no_provider", db_i64(ctx->pool, sc.untried),
	       "rate_limited", db_i64(ctx->pool, sc.limited),
	       "deferred", db_i64(ctx->pool, sc.deferred),
	       "with_data", db_i64(ctx->pool, sc.with_data),
	       "signals", db_i64(ctx->pool, sc.signals),
	       "new_signals", db_i64(ctx->pool, sc.fresh), NULL);
	if (rc == 0 && sc.refreshed == 0 && sc.down > 0)
		return job_fail(ctx, "no provider could refresh any of %d symbols (%d failed; "
		                "last: %s)", sc.symbols, sc.down, sc.why);
	if (!ctx->dry_run)
		stream_publish_pending(ctx->pool);   /* new signals' hits to the live stream */
	return rc;
}
