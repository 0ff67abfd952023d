/* provider_alphavantage.c: Alpha Vantage TIME_SERIES_DAILY(_ADJUSTED) and
 * OVERVIEW replies. Every value is a JSON string; a 200 reply may carry a
 * "Note" or "Information" notice (quota) or an "Error Message" instead. */
#include <string.h>

#include "pool.h"
#include "provider_parse.h"
#include "valid.h"

/* What a notice in o says (OK when o has none). "Error Message" is an
 * unknown symbol unless it is about the key; "Information" is the quota
 * unless it is about a premium endpoint or the demo key. */
static enum provider_status
notice(struct pool *p, json_object *o, const char **msg)
{
	const char *s;

	if ((s = prov_member_string(o, "Error Message")) != NULL) {
		if (strstr(s, "apikey") != NULL) {
			*msg = prov_text(p, "key refused: ", s, strlen(s));
			return PROVIDER_FORBIDDEN;
		}
		*msg = prov_text(p, "no data: ", s, strlen(s));
		return PROVIDER_NO_DATA;
	}
	if ((s = prov_member_string(o, "Note")) != NULL) {
		*msg = prov_text(p, "rate limited: ", s, strlen(s));
		return PROVIDER_RATE_LIMITED;
	}
	if ((s = prov_member_string(o, "Information")) != NULL) {
		if (strstr(s, "premium endpoint") != NULL || strstr(s, "API key") != NULL) {
			*msg = prov_text(p, "access refused: ", s, strlen(s));
			return PROVIDER_FORBIDDEN;
		}
		*msg = prov_text(p, "rate limited: ", s, strlen(s));
		return PROVIDER_RATE_LIMITED;
	}
	return PROVIDER_OK;
}

/* Parse body as a JSON object and handle the HTTP status and notices:
 * NULL with the status in *st and *msg set, unless the reply is a 2xx object
 * without a notice. */
static json_object *
open_reply(struct pool *p, long http_status, const char *body, size_t len,
    enum provider_status *st, const char **msg)
{
	json_object *o;
	const char *jmsg;
	enum provider_status said;

	*st = prov_http_class(http_status);
	o = prov_json_object(p, body, len, &jmsg);
	if (o != NULL && (said = notice(p, o, msg)) != PROVIDER_OK) {
		*st = said;
		return NULL;
	}
	if (*st != PROVIDER_OK) {
		*msg = prov_http_msg(p, http_status);
		return NULL;
	}
	if (o == NULL) {
		*st = PROVIDER_BAD_RESPONSE;
		*msg = jmsg;
	}
	return o;
}

/* The number in string member key of bar; -1 with *msg set otherwise. */
static int
field(struct pool *p, json_object *bar, const char *date, const char *key,
    double *out, const char **msg)
{
	json_object *v;

	if (!json_object_object_get_ex(bar, key, &v)) {
		*msg = pool_printf(p, "%s: no \"%s\"", date, key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    prov_number(json_object_get_string(v), (size_t)json_object_get_string_len(v), out) < 0) {
		*msg = pool_printf(p, "%s: \"%s\" is not a number", date, key);
		return -1;
	}
	return 0;
}

static int
bar_from(struct pool *p, const char *key, json_object *bar, struct candle *c,
    const char **msg)
{
	double vol;
	int adjusted;

	if (!candle_date_valid(key, strlen(key))) {
		*msg = prov_text(p, "not a date: ", key, strlen(key));
		return -1;
	}
	memcpy(c->date, key, sizeof(c->date));
	if (!json_object_is_type(bar, json_type_object)) {
		*msg = pool_printf(p, "%s: not an object", key);
		return -1;
	}
	adjusted = json_object_object_get_ex(bar, "5. adjusted close", NULL);
	if (field(p, bar, key, "1. open", &c->open, msg) < 0 ||
	    field(p, bar, key, "2. high", &c->high, msg) < 0 ||
	    field(p, bar, key, "3. low", &c->low, msg) < 0 ||
	    field(p, bar, key, "4. close", &c->close, msg) < 0 ||
	    (adjusted && field(p, bar, key, "5. adjusted close", &c->adjclose, msg) < 0) ||
	    field(p, bar, key, adjusted ? "6. volume" : "5. volume", &vol, msg) < 0)
		return -1;
	if (!adjusted)
		c->adjclose = c->close;
	if (prov_volume(vol, &c->volume) < 0) {
		*msg = pool_printf(p, "%s: volume is not a count", key);
		return -1;
	}
	return 0;
}

enum provider_status
provider_parse_alphavantage_daily(struct pool *p, long http_status,
    const char *body, size_t len, struct candles *out, const char **msg)
{
	enum provider_status st;
	json_object *o, *ts;
	struct candles tmp = { NULL, 0 };
	size_t n;

	if ((o = open_reply(p, http_status, body, len, &st, msg)) == NULL)
		return st;
	if (!json_object_object_get_ex(o, "Time Series (Daily)", &ts) ||
	    !json_object_is_type(ts, json_type_object)) {
		*msg = "no \"Time Series (Daily)\" object";
		return PROVIDER_BAD_RESPONSE;
	}
	n = (size_t)json_object_object_length(ts);
	tmp.v = pool_alloc(p, (n ? n : 1) * sizeof(*tmp.v));
	json_object_object_foreach(ts, key, bar) {
		if (bar_from(p, key, bar, &tmp.v[tmp.n], msg) < 0)
			return PROVIDER_BAD_RESPONSE;
		tmp.n++;
	}
	return prov_finish(p, &tmp, 1, out, msg);
}

static const struct {
	const char *key;
	size_t off;
} fund_fields[] = {
	{ "PERatio", offsetof(struct fundamentals, pe) },
	{ "PEGRatio", offsetof(struct fundamentals, peg) },
	{ "DividendYield", offsetof(struct fundamentals, dividend_yield) },
	{ "EPS", offsetof(struct fundamentals, eps) },
	{ "Beta", offsetof(struct fundamentals, beta) },
	{ "MarketCapitalization", offsetof(struct fundamentals, market_cap) },
	{ "QuarterlyEarningsGrowthYOY", offsetof(struct fundamentals, earnings_growth) },
	{ "QuarterlyRevenueGrowthYOY", offsetof(struct fundamentals, revenue_growth) },
};

/* The text of member key when it is a string passing valid_text with at
 * most max characters; NULL otherwise. */
static const char *
text_member(json_object *o, const char *key, size_t max)
{
	const char *s = prov_member_string(o, key);

	return s != NULL && valid_text(s, 1, max, max * 4) == 0 ? s : NULL;
}

enum provider_status
provider_parse_alphavantage_overview(struct pool *p, long http_status,
    const char *body, size_t len, struct fundamentals *out, const char **msg)
{
	enum provider_status st;
	struct fundamentals f;
	json_object *o, *v;
	const char *s, *q;
	double d;

	if ((o = open_reply(p, http_status, body, len, &st, msg)) == NULL)
		return st;
	if (json_object_object_length(o) == 0) {
		*msg = "unknown symbol (empty overview)";
		return PROVIDER_NO_DATA;
	}
	memset(&f, 0, sizeof(f));
	if ((f.symbol = text_member(o, "Symbol", 16)) == NULL) {
		*msg = "no \"Symbol\" in the overview";
		return PROVIDER_BAD_RESPONSE;
	}
	f.name = text_member(o, "Name", 200);
	f.currency = text_member(o, "Currency", 8);
	q = text_member(o, "LatestQuarter", 10);
	if (q != NULL && candle_date_valid(q, strlen(q)))
		memcpy(f.latest_quarter, q, sizeof(f.latest_quarter));
	for (size_t i = 0; i < sizeof(fund_fields) / sizeof(fund_fields[0]); i++) {
		struct fund_value *fv = (struct fund_value *)((char *)&f + fund_fields[i].off);

		if (!json_object_object_get_ex(o, fund_fields[i].key, &v) ||
		    json_object_is_type(v, json_type_null))
			continue;
		s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (s == NULL) {
			*msg = pool_printf(p, "\"%s\" is not a string", fund_fields[i].key);
			return PROVIDER_BAD_RESPONSE;
		}
		if (strcmp(s, "None") == 0 || strcmp(s, "-") == 0 || s[0] == '\0')
			continue;
		if (prov_number(s, strlen(s), &d) < 0) {
			*msg = pool_printf(p, "\"%s\" is not a number", fund_fields[i].key);
			return PROVIDER_BAD_RESPONSE;
		}
		if (d == 0)                   /* "0": Alpha Vantage's "not known" */
			continue;
		fv->present = 1;
		fv->value = d;
	}
	f.symbol = pool_strdup(p, f.symbol);
	f.name = pool_strdup(p, f.name);
	f.currency = pool_strdup(p, f.currency);
	*out = f;
	*msg = "ok";
	return PROVIDER_OK;
}
