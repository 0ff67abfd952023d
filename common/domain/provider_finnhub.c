/* provider_finnhub.c: Finnhub /stock/candle and /quote replies. Errors come
 * as {"error":"..."} with 401 (bad key), 403 (the plan lacks the data: free
 * keys get it on candles) or 429 (API limit reached). */
#include <math.h>
#include <string.h>

#include "pool.h"
#include "provider_parse.h"

/* Parse the reply and handle the HTTP status and {"error":...}: the object
 * of a usable 2xx reply, or NULL with the status in *st and *msg set. */
static json_object *
open_reply(struct pool *p, long http_status, const char *body, size_t len,
    const char *forbidden, enum provider_status *st, const char **msg)
{
	json_object *o;
	const char *jmsg, *err;

	*st = prov_http_class(http_status);
	o = prov_json_object(p, body, len, &jmsg);
	err = o != NULL ? prov_member_string(o, "error") : NULL;
	if (err != NULL && *st == PROVIDER_OK) {
		/* an error in a 200 reply: classify by its words */
		if (strstr(err, "limit") != NULL)
			*st = PROVIDER_RATE_LIMITED;
		else if (strstr(err, "access") != NULL || strstr(err, "API key") != NULL)
			*st = PROVIDER_FORBIDDEN;
		else
			*st = PROVIDER_BAD_RESPONSE;
	}
	/* the plan lacks the data (Finnhub sends this with 403, at times 401) */
	if (*st == PROVIDER_FORBIDDEN && (err != NULL ? strstr(err, "API key") == NULL
	                                              : http_status == 403)) {
		*msg = forbidden;
		return NULL;
	}
	if (*st != PROVIDER_OK) {
		*msg = err != NULL ? prov_text(p, *st == PROVIDER_RATE_LIMITED ? "rate limited: "
		                                  : *st == PROVIDER_FORBIDDEN ? "access refused: " : "error: ",
		                               err, strlen(err))
		                   : prov_http_msg(p, http_status);
		return NULL;
	}
	if (o == NULL) {
		*st = PROVIDER_BAD_RESPONSE;
		*msg = jmsg;
	}
	return o;
}

/* The array member key of o with n elements (n taken from the first array
 * when *n is (size_t)-1); NULL with *msg set otherwise. */
static json_object *
column(struct pool *p, json_object *o, const char *key, size_t *n, const char **msg)
{
	json_object *a;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array)) {
		*msg = pool_printf(p, "no \"%s\" array", key);
		return NULL;
	}
	if (*n == (size_t)-1)
		*n = json_object_array_length(a);
	if (json_object_array_length(a) != *n) {
		*msg = "candle arrays of unequal length";
		return NULL;
	}
	return a;
}

enum provider_status
provider_parse_finnhub_candles(struct pool *p, long http_status,
    const char *body, size_t len, struct candles *out, const char **msg)
{
	static const char *const keys[6] = { "o", "h", "l", "c", "v", "t" };
	enum provider_status st;
	json_object *o, *col[6];
	struct candles tmp = { NULL, 0 };
	const char *s;
	size_t n = (size_t)-1;
	double x[5];
	int64_t t;

	o = open_reply(p, http_status, body, len, "candles need a paid Finnhub plan", &st, msg);
	if (o == NULL)
		return st;
	if ((s = prov_member_string(o, "s")) == NULL) {
		*msg = "no \"s\" status";
		return PROVIDER_BAD_RESPONSE;
	}
	if (strcmp(s, "no_data") == 0) {
		*msg = "no data";
		return PROVIDER_NO_DATA;
	}
	if (strcmp(s, "ok") != 0) {
		*msg = prov_text(p, "unknown status: ", s, strlen(s));
		return PROVIDER_BAD_RESPONSE;
	}
	for (int k = 0; k < 6; k++)
		if ((col[k] = column(p, o, keys[k], &n, msg)) == NULL)
			return PROVIDER_BAD_RESPONSE;
	tmp.v = pool_alloc(p, (n ? n : 1) * sizeof(*tmp.v));
	for (size_t i = 0; i < n; i++, tmp.n++) {
		struct candle *c = &tmp.v[i];

		for (int k = 0; k < 5; k++) {
			if (prov_json_number(json_object_array_get_idx(col[k], i), &x[k]) < 0) {
				*msg = pool_printf(p, "bar %zu: \"%s\" is not a number", i + 1, keys[k]);
				return PROVIDER_BAD_RESPONSE;
			}
		}
		if (prov_json_int64(json_object_array_get_idx(col[5], i), &t) < 0 ||
		    candle_date_from_unix(t, c->date) < 0) {
			*msg = pool_printf(p, "bar %zu: \"t\" is not a time", i + 1);
			return PROVIDER_BAD_RESPONSE;
		}
		c->open = x[0];
		c->high = x[1];
		c->low = x[2];
		c->close = c->adjclose = x[3];
		if (prov_volume(x[4], &c->volume) < 0) {
			*msg = pool_printf(p, "bar %zu: \"v\" is not a count", i + 1);
			return PROVIDER_BAD_RESPONSE;
		}
	}
	return prov_finish(p, &tmp, 1, out, msg);
}

enum provider_status
provider_parse_finnhub_quote(struct pool *p, long http_status,
    const char *body, size_t len, struct quote *out, const char **msg)
{
	static const char *const keys[7] = { "c", "h", "l", "o", "pc", "d", "dp" };
	enum provider_status st;
	json_object *o, *v;
	struct quote q;
	double x[7];
	int nulls = 0;

	o = open_reply(p, http_status, body, len, "quotes refused for this Finnhub key", &st, msg);
	if (o == NULL)
		return st;
	memset(&q, 0, sizeof(q));
	for (int k = 0; k < 7; k++) {
		x[k] = 0;
		if (k >= 5 && (!json_object_object_get_ex(o, keys[k], &v) ||
		               json_object_is_type(v, json_type_null))) {
			nulls++;      /* d and dp: null for unknown symbols, absent in old replies */
			continue;
		}
		if (!json_object_object_get_ex(o, keys[k], &v) || prov_json_number(v, &x[k]) < 0 ||
		    (k < 5 && x[k] < 0)) {
			*msg = pool_printf(p, "\"%s\" is not a %snumber", keys[k], k < 5 ? "non-negative " : "");
			return PROVIDER_BAD_RESPONSE;
		}
	}
	if (!json_object_object_get_ex(o, "t", &v) || prov_json_int64(v, &q.time) < 0 || q.time < 0) {
		*msg = "\"t\" is not a time";
		return PROVIDER_BAD_RESPONSE;
	}
	if (x[0] == 0 && q.time == 0) {
		*msg = "unknown symbol (empty quote)";
		return PROVIDER_NO_DATA;
	}
	if (x[0] <= 0 || q.time <= 0 || candle_date_from_unix(q.time, q.date) < 0) {
		*msg = x[0] <= 0 ? "\"c\" is not a positive price" : "\"t\" is not a time";
		return PROVIDER_BAD_RESPONSE;
	}
	q.price = x[0];
	q.high = x[1];
	q.low = x[2];
	q.open = x[3];
	q.prev_close = x[4];
	q.change = x[5];
	q.change_pct = x[6];
	if (nulls > 0 && x[4] > 0) {          /* derive what was left out */
		q.change = x[0] - x[4];
		q.change_pct = 100 * q.change / x[4];
		if (!isfinite(q.change_pct)) {
			*msg = "\"dp\" is null and cannot be derived";
			return PROVIDER_BAD_RESPONSE;
		}
	}
	*out = q;
	*msg = "ok";
	return PROVIDER_OK;
}
