/* market_store.h: symbols, daily candles and fundamentals in the database.
 *
 * Candle prices are stored as numeric, written from the shortest decimal
 * that reads back as the same double (so an imported "1455.219971" comes
 * back as exactly that text) and read back as doubles. Writes are
 * idempotent upserts: storing an identical series again changes no row. */
#ifndef EDGESCOUT_MARKET_STORE_H
#define EDGESCOUT_MARKET_STORE_H

#include <stdint.h>

#include "candle.h"
#include "provider.h"

struct pool;

/* The symbol's id, creating the row when create (symbol must pass
 * valid_symbol). 0 with *id set, 0 with *id = 0 when absent and !create,
 * or -1 (logged) on DB failure or an invalid symbol. */
int market_symbol_id(struct pool *p, const char *symbol, int create, int64_t *id);

/* Upsert candles for symbol from source ("csv", "alphavantage", ...) in one
 * transaction (joining the caller's when one is open): nothing stored on
 * failure. c must pass candles_validate(). *changed = rows inserted or
 * updated (0 when identical). 0, or -1 (logged). */
int market_store_candles(struct pool *p, const char *symbol, const char *source,
    const struct candles *c, int *changed);

/* ---- bulk imports (market_import.c) ------------------------------------ */

/* One symbol's series of an import. */
struct market_series {
	const char *symbol;        /* passes valid_symbol(), once in an import */
	const struct candles *c;   /* passes candles_validate() */
	int64_t changed;           /* out: rows inserted or updated (0: identical) */
};

/* Called while an import sends its rows: sent of total so far. */
typedef void market_import_progress(void *arg, size_t sent, size_t total);

/* Statement time limit of an import's transaction, in milliseconds. */
#define MARKET_IMPORT_TIMEOUT_MS 600000

/* Store n series from source in one transaction (the caller's must not be
 * open): every row COPYed into a staging table, then one merge into
 * candles that leaves identical rows alone (each s[i].changed set).
 * progress (may be NULL) hears of every 64 Ki rows sent. 0, or -1 with
 * nothing stored and *why a short reason (static or pool memory; the
 * database's own message is logged). */
int market_import_series(struct pool *p, struct market_series *s, size_t n,
    const char *source, market_import_progress *progress, void *arg, const char **why);

/* Candles of symbol with from <= date <= to (NULL for open ends), ascending,
 * in pool memory; 0 (n may be 0, also for an unknown symbol or from > to),
 * -1 on DB failure or when from or to is not a valid "YYYY-MM-DD". */
int market_load_candles(struct pool *p, const char *symbol, const char *from,
    const char *to, struct candles *out);

/* Store a fundamentals snapshot of symbol from source (creating the symbol).
 * 0, or -1 (logged). */
int market_store_fundamentals(struct pool *p, const char *symbol, const char *source,
    const struct fundamentals *f);

/* The latest fundamentals snapshot of symbol into *out (pool memory); *found
 * 0 when none. 0, or -1 on DB failure. */
int market_load_fundamentals(struct pool *p, const char *symbol,
    struct fundamentals *out, int *found);

/* Date of symbol's latest stored candle into out ("" when none) and the
 * time of its last update (RFC 3339, "" when none) into *updated (pool
 * memory, may be NULL). 0, or -1 on DB failure. */
int market_latest(struct pool *p, const char *symbol, char out[11],
    const char **updated);

/* Bytes of a provider's reason kept in market_refreshes.message. */
#define MARKET_MESSAGE_MAX 400

/* Record the outcome st of a refresh of symbol in market_refreshes: the
 * provider used ("" when none) and its message, cut to their columns on a
 * UTF-8 boundary. 0, or -1 on DB failure. */
int market_record_refresh(struct pool *p, const char *symbol, enum provider_status st,
    const char *provider, const char *message);

/* v as the shortest decimal that strtod() reads back as v ("1455.219971")
 * into out (size bytes, 32 or more). */
void market_price_text(char *out, size_t size, double v);

/* The ON CONFLICT tail of the candles merges: rows whose values are
 * identical are left alone (out of the update and out of the count). */
#define MARKET_MERGE_TAIL \
	"ON CONFLICT (symbol_id, date) DO UPDATE SET " \
	"  open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, " \
	"  close = EXCLUDED.close, adjclose = EXCLUDED.adjclose, volume = EXCLUDED.volume, " \
	"  source = EXCLUDED.source, updated_at = now() " \
	"WHERE (candles.open, candles.high, candles.low, candles.close, candles.adjclose, " \
	"       candles.volume) IS DISTINCT FROM " \
	"      (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, " \
	"       EXCLUDED.adjclose, EXCLUDED.volume)"

#endif
