/* provider_polygon.c: Polygon daily aggregates
 * (/v2/aggs/ticker/{T}/range/1/day/{from}/{to}). "status" is "OK" (or
 * "DELAYED" on free plans); failures say "ERROR", "NOT_AUTHORIZED" or
 * "NOT_FOUND" with an "error" or "message" text. */
#include <string.h>

#include "pool.h"
#include "provider_parse.h"

/* The provider's own words in o ("error", then "message"), or NULL. */
static const char *
said(json_object *o)
{
	const char *s = prov_member_string(o, "error");

	return s != NULL ? s : prov_member_string(o, "message");
}

/* The status an error reply stands for, from its HTTP status, "status"
 * and words. */
static enum provider_status
classify(long http_status, const char *status, const char *words)
{
	enum provider_status st = prov_http_class(http_status);

	if (words != NULL && (strstr(words, "exceeded the maximum requests") != NULL ||
	                      strstr(words, "too many requests") != NULL))
		return PROVIDER_RATE_LIMITED;
	if (st != PROVIDER_OK && st != PROVIDER_BAD_RESPONSE)
		return st;
	if (status != NULL && strcmp(status, "NOT_AUTHORIZED") == 0)
		return PROVIDER_FORBIDDEN;
	if (words != NULL && strstr(words, "API Key") != NULL)
		return PROVIDER_FORBIDDEN;
	if ((status != NULL && strcmp(status, "NOT_FOUND") == 0) || http_status == 404)
		return PROVIDER_NO_DATA;
	return PROVIDER_BAD_RESPONSE;
}

static int
number(struct pool *p, json_object *bar, size_t i, const char *key, double *out,
    const char **msg)
{
	json_object *v;

	if (!json_object_object_get_ex(bar, key, &v) || prov_json_number(v, out) < 0) {
		*msg = pool_printf(p, "result %zu: \"%s\" is not a number", i + 1, key);
		return -1;
	}
	return 0;
}

static int
bar_from(struct pool *p, json_object *bar, size_t i, struct candle *c, const char **msg)
{
	json_object *v;
	int64_t ms;
	double vol;

	if (!json_object_is_type(bar, json_type_object)) {
		*msg = pool_printf(p, "result %zu: not an object", i + 1);
		return -1;
	}
	if (number(p, bar, i, "o", &c->open, msg) < 0 ||
	    number(p, bar, i, "h", &c->high, msg) < 0 ||
	    number(p, bar, i, "l", &c->low, msg) < 0 ||
	    number(p, bar, i, "c", &c->close, msg) < 0 ||
	    number(p, bar, i, "v", &vol, msg) < 0)
		return -1;
	c->adjclose = c->close;
	if (prov_volume(vol, &c->volume) < 0) {
		*msg = pool_printf(p, "result %zu: \"v\" is not a count", i + 1);
		return -1;
	}
	/* t: the window's start in ms; New York midnight is the same UTC date */
	if (!json_object_object_get_ex(bar, "t", &v) || prov_json_int64(v, &ms) < 0 ||
	    candle_date_from_unix(ms / 1000 - (ms % 1000 < 0), c->date) < 0) {
		*msg = pool_printf(p, "result %zu: \"t\" is not a time", i + 1);
		return -1;
	}
	return 0;
}

enum provider_status
provider_parse_polygon_aggs(struct pool *p, long http_status,
    const char *body, size_t len, struct candles *out, const char **msg)
{
	enum provider_status st;
	json_object *o, *res, *cnt;
	struct candles tmp = { NULL, 0 };
	const char *status, *words, *jmsg;
	int64_t count;
	size_t n;

	o = prov_json_object(p, body, len, &jmsg);
	status = o != NULL ? prov_member_string(o, "status") : NULL;
	words = o != NULL ? said(o) : NULL;
	if (prov_http_class(http_status) != PROVIDER_OK ||
	    (status != NULL && strcmp(status, "OK") != 0 && strcmp(status, "DELAYED") != 0)) {
		st = classify(http_status, status, words);
		*msg = words != NULL ? prov_text(p, "", words, strlen(words))
		     : status != NULL ? prov_text(p, "status ", status, strlen(status))
		     : prov_http_msg(p, http_status);
		return st;
	}
	if (o == NULL) {
		*msg = jmsg;
		return PROVIDER_BAD_RESPONSE;
	}
	if (status == NULL) {
		*msg = "no \"status\"";
		return PROVIDER_BAD_RESPONSE;
	}
	if (!json_object_object_get_ex(o, "results", &res)) {
		if (json_object_object_get_ex(o, "resultsCount", &cnt) &&
		    prov_json_int64(cnt, &count) == 0 && count == 0) {
			*msg = "no results";
			return PROVIDER_NO_DATA;
		}
		*msg = "no \"results\" and no zero \"resultsCount\"";
		return PROVIDER_BAD_RESPONSE;
	}
	if (!json_object_is_type(res, json_type_array)) {
		*msg = "\"results\" is not an array";
		return PROVIDER_BAD_RESPONSE;
	}
	n = json_object_array_length(res);
	tmp.v = pool_alloc(p, (n ? n : 1) * sizeof(*tmp.v));
	for (; tmp.n < n; tmp.n++)
		if (bar_from(p, json_object_array_get_idx(res, tmp.n), tmp.n, &tmp.v[tmp.n], msg) < 0)
			return PROVIDER_BAD_RESPONSE;
	return prov_finish(p, &tmp, 1, out, msg);
}
