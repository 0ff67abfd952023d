/* provider_parse.c: what the provider parsers share: HTTP status classes,
 * strict JSON with no duplicate keys, strict numbers, safe messages, and the
 * last step of every series (sort, validate, hand over). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonv.h"
#include "pool.h"
#include "provider_parse.h"
#include "valid.h"

enum provider_status
prov_http_class(long http_status)
{
	if (http_status == 0 || (http_status >= 200 && http_status < 300))
		return PROVIDER_OK;
	if (http_status == 429)
		return PROVIDER_RATE_LIMITED;
	if (http_status == 401 || http_status == 403)
		return PROVIDER_FORBIDDEN;
	if (http_status >= 500 && http_status < 600)
		return PROVIDER_UNAVAILABLE;
	return PROVIDER_BAD_RESPONSE;
}

const char *
prov_http_msg(struct pool *p, long http_status)
{
	switch (prov_http_class(http_status)) {
	case PROVIDER_RATE_LIMITED:
		return "rate limited (HTTP 429)";
	case PROVIDER_FORBIDDEN:
		return pool_printf(p, "access refused (HTTP %ld)", http_status);
	default:
		return pool_printf(p, "HTTP %ld", http_status);
	}
}

const char *
prov_text(struct pool *p, const char *prefix, const char *s, size_t n)
{
	struct buf b;
	int space = 0;

	buf_init(&b, p);
	buf_puts(&b, prefix);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = 1;
			continue;
		}
		if (space && b.len > strlen(prefix))
			buf_putc(&b, ' ');
		space = 0;
		if (b.len >= PROVIDER_MSG_MAX + strlen(prefix)) {
			buf_puts(&b, "...");
			break;
		}
		if (c >= 0x80) {           /* one '?' per UTF-8 sequence */
			while (i + 1 < n && ((unsigned char)s[i + 1] & 0xc0) == 0x80)
				i++;
			c = '?';
		} else if (c < 0x20 || c == 0x7f) {
			c = '?';
		}
		buf_putc(&b, (char)c);
	}
	return buf_cstr(&b);
}

/* ---- duplicate keys --------------------------------------------------- */

/* A walk over text jsonv_check has accepted, so its syntax is known good. */
struct dscan {
	struct pool *p;
	const char *s;
	size_t n, i;
	const char *dup;          /* the first duplicate key found */
	size_t dup_len;
};

struct key {
	const char *k;
	size_t n;
};

static void
dskip_ws(struct dscan *sc)
{
	while (sc->i < sc->n && strchr(" \t\r\n", sc->s[sc->i]) != NULL && sc->s[sc->i] != '\0')
		sc->i++;
}

static unsigned
hex4(const char *s)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* The string starting at sc->i ('"'), decoded when it has escapes; moves
 * past its closing quote. */
static struct key
dstring(struct dscan *sc)
{
	struct key k;
	size_t start = ++sc->i, esc = 0;
	struct buf b;

	while (sc->s[sc->i] != '"') {
		if (sc->s[sc->i] == '\\') {
			esc = 1;
			sc->i++;
		}
		sc->i++;
	}
	k.k = sc->s + start;
	k.n = sc->i - start;
	sc->i++;
	if (!esc)
		return k;
	buf_init(&b, sc->p);
	for (size_t j = 0; j < k.n; j++) {
		const char *e = k.k + j;
		unsigned cp;

		if (*e != '\\') {
			buf_putc(&b, *e);
			continue;
		}
		j++;
		switch (e[1]) {
		case 'b': buf_putc(&b, '\b'); continue;
		case 'f': buf_putc(&b, '\f'); continue;
		case 'n': buf_putc(&b, '\n'); continue;
		case 'r': buf_putc(&b, '\r'); continue;
		case 't': buf_putc(&b, '\t'); continue;
		case 'u': break;
		default: buf_putc(&b, e[1]); continue;
		}
		cp = hex4(e + 2);
		j += 4;
		if (cp >= 0xd800 && cp < 0xdc00) {        /* jsonv: a pair follows */
			cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(e + 8) - 0xdc00);
			j += 6;
		}
		if (cp < 0x80) {
			buf_putc(&b, (char)cp);
		} else if (cp < 0x800) {
			buf_putc(&b, (char)(0xc0 | cp >> 6));
			buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
		} else if (cp < 0x10000) {
			buf_putc(&b, (char)(0xe0 | cp >> 12));
			buf_putc(&b, (char)(0x80 | (cp >> 6 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
		} else {
			buf_putc(&b, (char)(0xf0 | cp >> 18));
			buf_putc(&b, (char)(0x80 | (cp >> 12 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (cp >> 6 & 0x3f)));
			buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
		}
	}
	k.k = buf_cstr(&b);
	k.n = b.len;
	return k;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = memcmp(x->k, y->k, x->n < y->n ? x->n : y->n);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

static int dvalue(struct dscan *sc);

static int
dobject(struct dscan *sc)
{
	struct key *keys = NULL, *grown;
	size_t nk = 0, cap = 0;
	int rc = -1;

	sc->i++;
	dskip_ws(sc);
	while (sc->s[sc->i] != '}') {
		if (nk == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(keys, cap * sizeof(*keys));
			if (grown == NULL)
				abort();
			keys = grown;
		}
		keys[nk++] = dstring(sc);
		dskip_ws(sc);
		sc->i++;                  /* ':' */
		dskip_ws(sc);
		if (dvalue(sc) < 0)
			goto out;
		dskip_ws(sc);
		if (sc->s[sc->i] == ',') {
			sc->i++;
			dskip_ws(sc);
		}
	}
	sc->i++;
	if (nk > 1)
		qsort(keys, nk, sizeof(*keys), key_cmp);
	for (size_t j = 1; j < nk; j++) {
		if (key_cmp(&keys[j - 1], &keys[j]) == 0) {
			sc->dup = keys[j].k;
			sc->dup_len = keys[j].n;
			goto out;
		}
	}
	rc = 0;
out:
	free(keys);
	return rc;
}

static int
dvalue(struct dscan *sc)
{
	switch (sc->s[sc->i]) {
	case '{':
		return dobject(sc);
	case '[':
		sc->i++;
		dskip_ws(sc);
		while (sc->s[sc->i] != ']') {
			if (dvalue(sc) < 0)
				return -1;
			dskip_ws(sc);
			if (sc->s[sc->i] == ',') {
				sc->i++;
				dskip_ws(sc);
			}
		}
		sc->i++;
		return 0;
	case '"':
		(void)dstring(sc);
		return 0;
	default:                          /* number or literal */
		while (sc->i < sc->n && strchr(",]} \t\r\n", sc->s[sc->i]) == NULL)
			sc->i++;
		return 0;
	}
}

/* ---- JSON ------------------------------------------------------------- */

static void
put_json(void *obj)
{
	json_object_put(obj);
}

json_object *
prov_json_object(struct pool *p, const char *body, size_t len, const char **msg)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	struct dscan sc = { p, body, len, 0, NULL, 0 };
	const char *why = NULL;
	size_t lead;

	for (lead = 0; lead < len && strchr(" \t\r\n", body[lead]) && body[lead]; lead++)
		;
	if (lead == len) {
		*msg = "empty body";
		return NULL;
	}
	if (body[lead] == '<') {
		*msg = "not JSON (an HTML page?)";
		return NULL;
	}
	if (len > INT_MAX - 1 || !valid_utf8(body, len)) {
		*msg = "not JSON (not UTF-8 text)";
		return NULL;
	}
	tok = json_tokener_new_ex(PROV_JSON_DEPTH + 1);
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (jsonv_check(body, len, PROV_JSON_DEPTH, &why) != 0) {
		/* json-c waiting for more input means the text stopped early */
		obj = json_tokener_parse_ex(tok, body, (int)len);
		jerr = json_tokener_get_error(tok);
		json_object_put(obj);
		json_tokener_free(tok);
		*msg = jerr == json_tokener_continue ? "truncated JSON"
		                                     : prov_text(p, "not valid JSON: ", why, strlen(why));
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		*msg = "not valid JSON";
		return NULL;
	}
	pool_defer(p, put_json, obj);
	if (!json_object_is_type(obj, json_type_object)) {
		*msg = "not a JSON object";
		return NULL;
	}
	dskip_ws(&sc);
	if (dvalue(&sc) < 0) {
		*msg = pool_printf(p, "duplicate key %s",
		    prov_text(p, "", sc.dup, sc.dup_len));
		return NULL;
	}
	return obj;
}

/* ---- numbers ---------------------------------------------------------- */

static size_t
span_digits(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

int
prov_number(const char *s, size_t n, double *out)
{
	char tmp[65];
	size_t i = 0, j;
	double v;

	if (s == NULL || n == 0 || n > 64)
		return -1;
	if (s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		i = span_digits(s, i, n);
	else
		return -1;
	if (i < n && s[i] == '.') {
		j = span_digits(s, i + 1, n);
		if (j == i + 1)
			return -1;
		i = j;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		j = span_digits(s, i, n);
		if (j == i)
			return -1;
		i = j;
	}
	if (i != n)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	v = strtod(tmp, NULL);
	if (!isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int
prov_json_number(json_object *v, double *out)
{
	double d;

	if (json_object_is_type(v, json_type_int))
		d = (double)json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_double))
		d = json_object_get_double(v);
	else
		return -1;
	if (!isfinite(d))
		return -1;
	*out = d;
	return 0;
}

int
prov_json_int64(json_object *v, int64_t *out)
{
	double d;

	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_double))
		return -1;
	d = json_object_get_double(v);
	if (!isfinite(d) || d != floor(d) || d < -9.2e18 || d > 9.2e18)
		return -1;
	*out = (int64_t)d;
	return 0;
}

int
prov_volume(double v, int64_t *out)
{
	if (!isfinite(v) || v < 0 || v >= 9.2e18)
		return -1;
	*out = (int64_t)llround(v);
	return 0;
}

const char *
prov_member_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* ---- the end of every series ------------------------------------------ */

enum provider_status
prov_finish(struct pool *p, struct candles *tmp, int sort, struct candles *out,
    const char **msg)
{
	size_t bad;
	const char *why;

	if (tmp->n == 0) {
		*msg = "no candles";
		return PROVIDER_NO_DATA;
	}
	if (sort)
		candles_sort(tmp);
	if (candles_validate(tmp, &bad, &why) != 0) {
		*msg = candle_date_valid(tmp->v[bad].date, strnlen(tmp->v[bad].date, 11))
		    ? pool_printf(p, "%s: %s", tmp->v[bad].date, why)
		    : pool_printf(p, "bar %zu: %s", bad + 1, why);
		return PROVIDER_BAD_RESPONSE;
	}
	*out = *tmp;
	*msg = pool_printf(p, "%zu candles", tmp->n);
	return PROVIDER_OK;
}

const char *
provider_status_name(enum provider_status s)
{
	switch (s) {
	case PROVIDER_OK: return "ok";
	case PROVIDER_NO_DATA: return "no_data";
	case PROVIDER_RATE_LIMITED: return "rate_limited";
	case PROVIDER_FORBIDDEN: return "forbidden";
	case PROVIDER_BAD_RESPONSE: return "bad_response";
	case PROVIDER_UNAVAILABLE: return "unavailable";
	}
	return "unknown";
}
