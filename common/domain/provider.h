/* provider.h: parsing what market-data providers send.
 *
 * Each parser is pure: it reads a reply body (and the reply's HTTP status,
 * 0 when there was none, as for a file) and fills its output in pool p. It
 * trusts nothing: JSON must pass jsonv_check, be UTF-8, have no duplicate
 * keys; numbers must be finite and strings of numbers strictly formed; a
 * series comes out ascending and valid by candles_validate(). Each returns a
 * status and sets *msg to a short, log-safe reason (never NULL, static or
 * pool memory; a provider's own text is sanitised and truncated). Outputs
 * are only written in full on PROVIDER_OK. */
#ifndef EDGESCOUT_PROVIDER_H
#define EDGESCOUT_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "candle.h"

struct pool;

enum provider_status {
	PROVIDER_OK,
	PROVIDER_NO_DATA,          /* unknown symbol, empty series */
	PROVIDER_RATE_LIMITED,     /* quota or request rate exhausted */
	PROVIDER_FORBIDDEN,        /* key refused, or the plan lacks this data */
	PROVIDER_BAD_RESPONSE,     /* garbage, truncated, HTML, invalid values */
	PROVIDER_UNAVAILABLE       /* the provider failed (5xx) */
};

#define PROVIDER_MSG_MAX 160       /* bytes of a provider's own text kept in *msg */

/* One fundamentals value and whether the provider had it ("None", "-", "0"
 * and absent fields leave present 0 and value 0). */
struct fund_value {
	int present;
	double value;
};

struct fundamentals {
	const char *symbol;         /* as the provider spells it; NULL if absent */
	const char *name;           /* company name; NULL if absent */
	const char *currency;       /* "USD"; NULL if absent */
	char latest_quarter[11];    /* "YYYY-MM-DD", "" if absent */
	struct fund_value pe;              /* PERatio */
	struct fund_value peg;             /* PEGRatio */
	struct fund_value dividend_yield;  /* DividendYield, a fraction (0.0055) */
	struct fund_value eps;             /* EPS */
	struct fund_value beta;            /* Beta */
	struct fund_value market_cap;      /* MarketCapitalization */
	struct fund_value earnings_growth; /* QuarterlyEarningsGrowthYOY, a fraction */
	struct fund_value revenue_growth;  /* QuarterlyRevenueGrowthYOY, a fraction */
};

/* The latest quote (Finnhub /quote). */
struct quote {
	double price;          /* c: current or last price */
	double change;         /* d */
	double change_pct;     /* dp, in percent */
	double high, low, open;   /* of the day */
	double prev_close;     /* pc */
	int64_t time;          /* t: unix seconds */
	char date[11];         /* UTC date of time */
};

/* "ok", "no_data", "rate_limited", "forbidden", "bad_response", "unavailable". */
const char *provider_status_name(enum provider_status s);

/* Alpha Vantage TIME_SERIES_DAILY or TIME_SERIES_DAILY_ADJUSTED (JSON, values
 * are strings, newest first) into *out, ascending. "Note"/"Information" →
 * RATE_LIMITED (about a premium endpoint or the API key → FORBIDDEN);
 * "Error Message" or an empty series → NO_DATA (about the apikey → FORBIDDEN). */
enum provider_status provider_parse_alphavantage_daily(struct pool *p,
    long http_status, const char *body, size_t len, struct candles *out,
    const char **msg);

/* Alpha Vantage OVERVIEW into *out; "{}" (unknown symbol) → NO_DATA; notices
 * as for the daily series. */
enum provider_status provider_parse_alphavantage_overview(struct pool *p,
    long http_status, const char *body, size_t len, struct fundamentals *out,
    const char **msg);

/* Finnhub /stock/candle (parallel arrays c h l o t v, s "ok"|"no_data")
 * into *out, ascending; 403 → FORBIDDEN ("candles need a paid Finnhub plan"). */
enum provider_status provider_parse_finnhub_candles(struct pool *p,
    long http_status, const char *body, size_t len, struct candles *out,
    const char **msg);

/* Finnhub /quote into *out; an all-zero quote (unknown symbol) → NO_DATA. */
enum provider_status provider_parse_finnhub_quote(struct pool *p,
    long http_status, const char *body, size_t len, struct quote *out,
    const char **msg);

/* Polygon /v2/aggs/ticker/{T}/range/1/day/{from}/{to} into *out, ascending;
 * no results → NO_DATA; NOT_AUTHORIZED → FORBIDDEN; too many requests →
 * RATE_LIMITED. */
enum provider_status provider_parse_polygon_aggs(struct pool *p,
    long http_status, const char *body, size_t len, struct candles *out,
    const char **msg);

/* CSV "date,open,high,low,close[,adjclose],volume" (header required, columns
 * in any order and case, other columns ignored, RFC 4180 quoting, LF or CRLF)
 * into *out. Rows must already be ascending: a malformed row, or a date not
 * after the previous one, → BAD_RESPONSE "line N: ..."; header only → NO_DATA. */
enum provider_status provider_parse_csv(struct pool *p, long http_status,
    const char *body, size_t len, struct candles *out, const char **msg);

#endif
