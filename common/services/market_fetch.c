/* market_fetch.c: the provider chain: build each provider's URL from config,
 * fetch through http_get, parse, validate, store; fall back on any failure. */
#include "market_fetch.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "candle.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "market_store.h"
#include "pool.h"
#include "provider_parse.h"
#include "url.h"
#include "valid.h"

#define DAY 86400L
#define OVERLAP_DAYS 14           /* re-read before the latest stored bar */
#define FIRST_DAYS_FINNHUB 7305   /* 20 years on a symbol's first fetch */
#define FIRST_DAYS_POLYGON 730    /* 2 years: what Polygon's free plan serves */
#define DEFAULT_CHAIN "alphavantage,finnhub,polygon"
#define TTL_MAX (30 * 86400)        /* the longest MARKET_CACHE_TTL honoured */

typedef enum provider_status (*parse_fn)(struct pool *, long, const char *, size_t,
                                         struct candles *, const char **);

/* The window of days a ranged provider is asked for. */
struct window {
	long from, to;            /* unix seconds at 00:00 UTC */
};

struct provider_def {
	const char *name;
	const char *base_key, *key_key;   /* config keys; key_key NULL for csv */
	long first_days;
	parse_fn parse;
};

static const struct provider_def defs[] = {
	{ "alphavantage", "ALPHAVANTAGE_BASE_URL", "ALPHAVANTAGE_API_KEY", 0,
	  provider_parse_alphavantage_daily },
	{ "finnhub", "FINNHUB_BASE_URL", "FINNHUB_API_KEY", FIRST_DAYS_FINNHUB,
	  provider_parse_finnhub_candles },
	{ "polygon", "POLYGON_BASE_URL", "POLYGON_API_KEY", FIRST_DAYS_POLYGON,
	  provider_parse_polygon_aggs },
	{ "csv", NULL, NULL, 0, provider_parse_csv },
	{ NULL, NULL, NULL, 0, NULL }
};

/* base without its trailing slashes. */
static const char *
base_url(struct pool *p, const char *key)
{
	const char *v = config_get(key);
	size_t n = v ? strlen(v) : 0;

	while (n > 0 && v[n - 1] == '/')
		n--;
	return pool_strndup(p, v ? v : "", n);
}

/* Days since 1970-01-01 of a valid "YYYY-MM-DD" (proleptic Gregorian). */
static long
days_from_date(const char *d)
{
	long y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	long m = (d[5] - '0') * 10 + (d[6] - '0');
	long dd = (d[8] - '0') * 10 + (d[9] - '0');
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Today's window for def: from the latest stored bar less an overlap, or
 * def->first_days back for a symbol without bars. */
static struct window
window_for(const struct provider_def *def, const char *latest)
{
	struct window w;

	w.to = (long)(time(NULL) / DAY) * DAY;
	if (latest[0] != '\0' && candle_date_valid(latest, strlen(latest)))
		w.from = (days_from_date(latest) - OVERLAP_DAYS) * DAY;
	else
		w.from = w.to - def->first_days * DAY;
	if (w.from > w.to)
		w.from = w.to;
	return w;
}

/* "YYYY-MM-DD" of unix seconds t (pool memory). */
static const char *
date_of(struct pool *p, long t)
{
	char d[11];

	if (candle_date_from_unix(t, d) < 0)
		snprintf(d, sizeof(d), "1970-01-01");
	return pool_strdup(p, d);
}

/* template with each {symbol} replaced by the encoded symbol. */
static const char *
expand(struct pool *p, const char *template, const char *sym)
{
	struct buf b;
	const char *at;

	buf_init(&b, p);
	while ((at = strstr(template, "{symbol}")) != NULL) {
		buf_append(&b, template, (size_t)(at - template));
		buf_puts(&b, sym);
		template = at + strlen("{symbol}");
	}
	buf_puts(&b, template);
	return buf_cstr(&b);
}

/* The candles URL of def for symbol. */
static const char *
candles_url(struct pool *p, const struct provider_def *def, const char *symbol,
    const char *key, const char *csv_template, const char *latest)
{
	const char *s = url_encode(p, symbol, 0), *k = key ? url_encode(p, key, 0) : "";
	const char *base = def->base_key ? base_url(p, def->base_key) : "";
	struct window w = window_for(def, latest);

	if (strcmp(def->name, "alphavantage") == 0)
		return pool_printf(p, "%s/query?function=TIME_SERIES_DAILY&symbol=%s"
		                   "&outputsize=full&apikey=%s", base, s, k);
	if (strcmp(def->name, "finnhub") == 0)
		return pool_printf(p, "%s/stock/candle?symbol=%s&resolution=D&from=%ld&to=%ld"
		                   "&token=%s", base, s, w.from, w.to + DAY - 1, k);
	if (strcmp(def->name, "polygon") == 0)
		return pool_printf(p, "%s/v2/aggs/ticker/%s/range/1/day/%s/%s?adjusted=true"
		                   "&sort=asc&limit=50000&apiKey=%s", base, s,
		                   date_of(p, w.from), date_of(p, w.to), k);
	return expand(p, csv_template, s);
}

/* Parse resp as def's candles into out, or (def NULL) as Alpha Vantage's
 * OVERVIEW into out. */
static enum provider_status
parse_reply(struct pool *p, const struct provider_def *def,
    const struct http_response *resp, void *out, const char **msg)
{
	if (def == NULL)
		return provider_parse_alphavantage_overview(p, resp->status, resp->body,
		                                            resp->len, out, msg);
	return def->parse(p, resp->status, resp->body, resp->len, out, msg);
}

/* GET url for provider and parse it (see parse_reply); a cached reply that
 * does not parse is fetched again (a 200 can carry a quota notice). */
static enum provider_status
fetch(struct pool *p, const char *provider, const struct provider_def *def,
    const char *url, int force, void *out, int *stale, const char **msg)
{
	long long ttl = config_int("MARKET_CACHE_TTL", 3600);
	struct http_request req = {
		provider, url, NULL, ttl < 0 ? 0 : ttl > TTL_MAX ? TTL_MAX : (int)ttl, force
	};
	struct http_response resp;
	enum provider_status st;

	*stale = 0;
	for (int attempt = 0;; attempt++) {
		if (http_get(p, &req, &resp) < 0) {
			*msg = resp.error ? resp.error : "no reply";
			return PROVIDER_UNAVAILABLE;
		}
		st = parse_reply(p, def, &resp, out, msg);
		if (st == PROVIDER_OK || !resp.from_cache || resp.stale || attempt > 0)
			break;
		req.refresh = 1;
	}
	*stale = resp.stale;
	return st;
}

/* Alpha Vantage's OVERVIEW, stored when it parses; failures only logged.
 * 1 when a snapshot was stored. */
static int
fetch_overview(struct pool *p, const char *symbol, const char *key, int force)
{
	const char *url = pool_printf(p, "%s/query?function=OVERVIEW&symbol=%s&apikey=%s",
	                              base_url(p, "ALPHAVANTAGE_BASE_URL"),
	                              url_encode(p, symbol, 0), url_encode(p, key, 0));
	struct fundamentals f;
	const char *msg = "";
	int stale;

	if (fetch(p, "alphavantage", NULL, url, force, &f, &stale, &msg) != PROVIDER_OK) {
		log_kv(LOG_INFO, "market: no fundamentals", "provider", "alphavantage",
		       "reason", msg, NULL);
		return 0;
	}
	return market_store_fundamentals(p, symbol, "alphavantage", &f) == 0;
}

/* The definition named name[0..n), or NULL. */
static const struct provider_def *
find_def(const char *name, size_t n)
{
	for (const struct provider_def *d = defs; d->name; d++)
		if (strlen(d->name) == n && strncmp(d->name, name, n) == 0)
			return d;
	return NULL;
}

/* Add "name: reason" to the notes of a refresh. */
static void
note(struct buf *b, const char *name, const char *reason)
{
	if (b->len > 0)
		buf_puts(b, "; ");
	buf_printf(b, "%s: %s", name, reason);
}

/* Why def cannot be tried with this configuration, or NULL. */
static const char *
unusable(struct pool *p, const struct provider_def *def, const char *key,
    const char *template)
{
	if (def->key_key == NULL)
		return template && *template ? NULL : "MARKET_CSV_URL_TEMPLATE is not set";
	if (key == NULL || *key == '\0')
		return pool_printf(p, "%s is not set", def->key_key);
	if (*base_url(p, def->base_key) == '\0')
		return pool_printf(p, "%s is not set", def->base_key);
	return NULL;
}

/* Try def for symbol; PROVIDER_OK once its series is stored. *fatal is set
 * when the database failed (no point in trying another provider). */
static enum provider_status
try_provider(struct pool *p, const struct provider_def *def, const char *symbol,
    const char *key, const char *template, const char *latest, struct market_refresh *m,
    const char **msg, int *fatal)
{
	const char *url = candles_url(p, def, symbol, key, template, latest);
	struct candles c = { NULL, 0 };
	enum provider_status st;
	int stale = 0, changed = 0;
	size_t bad;
	const char *why;

	st = fetch(p, def->name, def, url, m->force, &c, &stale, msg);
	if (st != PROVIDER_OK)
		return st;
	if (candles_validate(&c, &bad, &why) < 0) {
		*msg = pool_printf(p, "invalid bar on %s: %s", c.v[bad].date, why);
		return PROVIDER_BAD_RESPONSE;
	}
	if (market_store_candles(p, symbol, def->name, &c, &changed) < 0) {
		*fatal = 1;
		*msg = "the database failed; nothing stored";
		return PROVIDER_UNAVAILABLE;
	}
	m->candles = c.n;
	m->changed = changed;
	m->stale = stale;
	if (strcmp(def->name, "alphavantage") == 0)
		m->fundamentals = fetch_overview(p, symbol, key, m->force);
	*msg = pool_printf(p, "%zu candles, %d changed%s", c.n, changed,
	                   stale ? " (a stale cached copy: the provider failed)" : "");
	return PROVIDER_OK;
}

enum provider_status
market_refresh_run(struct pool *p, const char *symbol, struct market_refresh *m)
{
	const char *chain = m->chain ? m->chain : config_get("MARKET_PROVIDERS");
	const char *template = m->csv_template ? m->csv_template
	                                       : config_get("MARKET_CSV_URL_TEMPLATE");
	enum provider_status st = PROVIDER_UNAVAILABLE;
	char latest[11];
	struct buf notes;
	int tried = 0, fatal = 0;

	m->used = "";
	m->message = "";
	m->candles = 0;
	m->changed = m->stale = m->fundamentals = 0;
	if (!valid_symbol(symbol)) {
		m->message = "invalid symbol";
		return PROVIDER_NO_DATA;
	}
	if (market_latest(p, symbol, latest, NULL) < 0) {
		m->message = "the database failed; nothing stored";
		return PROVIDER_UNAVAILABLE;
	}
	buf_init(&notes, p);
	if (chain == NULL)
		chain = DEFAULT_CHAIN;
	for (size_t n = 0; *chain != '\0'; chain += n + (chain[n] == ',')) {
		const char *name = chain, *msg = "", *key, *why;
		const struct provider_def *def;
		size_t len;

		n = strcspn(chain, ",");
		len = n;
		while (len > 0 && (*name == ' ' || *name == '\t')) {
			name++;
			len--;
		}
		while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue;
		if ((def = find_def(name, len)) == NULL) {
			note(&notes, pool_strndup(p, name, len), "unknown provider");
			continue;
		}
		key = def->key_key ? config_get(def->key_key) : NULL;
		if ((why = unusable(p, def, key, template)) != NULL) {
			note(&notes, def->name, why);
			continue;
		}
		tried++;
		m->used = def->name;
		st = try_provider(p, def, symbol, key, template, latest, m, &msg, &fatal);
		if (st == PROVIDER_OK) {
			if (notes.len > 0)
				msg = pool_printf(p, "%s; %s: %s", buf_cstr(&notes), def->name, msg);
			m->message = msg;
			return st;
		}
		log_kv(LOG_INFO, "market: provider failed", "provider", def->name, "status",
		       provider_status_name(st), "reason", msg, NULL);
		note(&notes, def->name, msg);
		if (fatal)
			break;
	}
	if (tried == 0)
		m->message = pool_printf(p, "no provider could be tried (%s)",
		                         notes.len ? buf_cstr(&notes) : "MARKET_PROVIDERS is empty");
	else
		m->message = buf_cstr(&notes);
	return st;
}

enum provider_status
market_refresh(struct pool *p, const char *symbol, int force, const char **used,
    const char **message)
{
	struct market_refresh m = { .force = force };
	enum provider_status st = market_refresh_run(p, symbol, &m);

	if (used)
		*used = m.used;
	if (message)
		*message = m.message;
	return st;
}
