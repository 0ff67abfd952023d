/* provider_parse.c: what the provider parsers share: HTTP status classes,
 * strict numbers, safe messages, and the last step of every series (sort,
 * validate, hand over). The JSON reader is in provider_json.c. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
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
	if (b.len == strlen(prefix))
		buf_puts(&b, "(no text)");
	return buf_cstr(&b);
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
