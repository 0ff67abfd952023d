/* req.c: reading what a request carries. */
#define _GNU_SOURCE
#include "req.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonv.h"
#include "pool.h"
#include "reply.h"
#include "valid.h"

const char *
req_param(const struct req *r, const char *name)
{
	size_t n = strlen(name);

	if (r->envp == NULL)
		return NULL;
	for (char **e = r->envp; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *
req_header(const struct req *r, const char *name)
{
	char key[128] = "HTTP_";
	size_t i, off = 5;

	if (strcasecmp(name, "Content-Type") == 0)
		return req_param(r, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return req_param(r, "CONTENT_LENGTH");
	for (i = 0; name[i] != '\0'; i++) {
		if (off + i >= sizeof(key) - 1)
			return NULL;
		key[off + i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	}
	key[off + i] = '\0';
	return req_param(r, key);
}

const char *
req_path(const struct req *r, const char *name)
{
	for (int i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return r->params[i].value;
	return NULL;
}

const char *
req_query(const struct req *r, const char *name)
{
	for (int i = 0; i < r->nargs; i++)
		if (strcmp(r->args[i].name, name) == 0)
			return r->args[i].value;
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
req_decode(struct pool *p, const char *s, size_t n, int plus_space)
{
	char *out = pool_alloc(p, n + 1);
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return NULL;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == '\0')
			return NULL;
		out[j++] = (char)c;
	}
	out[j] = '\0';
	return valid_utf8(out, j) ? out : NULL;
}

int
req_parse_query(struct pool *p, const char *query, struct query_arg **args,
                int *nargs, const char **why)
{
	const char *at = query, *end, *eq;
	size_t len = strlen(query);
	int n = 0;

	*args = NULL;
	*nargs = 0;
	if (len > REQ_MAX_QUERY_LEN) {
		*why = "the query string is too long";
		return -1;
	}
	if (len == 0)
		return 0;
	*args = pool_alloc(p, sizeof(**args) * REQ_MAX_QUERY_ARGS);
	while (*at != '\0') {
		end = strchr(at, '&');
		if (end == NULL)
			end = at + strlen(at);
		if (end > at) {
			if (n == REQ_MAX_QUERY_ARGS) {
				*why = "the query string has too many arguments";
				return -1;
			}
			eq = memchr(at, '=', (size_t)(end - at));
			(*args)[n].name = req_decode(p, at, (size_t)((eq ? eq : end) - at), 1);
			(*args)[n].value = eq ? req_decode(p, eq + 1, (size_t)(end - eq - 1), 1)
			                      : pool_strdup(p, "");
			if ((*args)[n].name == NULL || (*args)[n].value == NULL) {
				*why = "the query string has bad percent-encoding or invalid UTF-8";
				return -1;
			}
			n++;
		}
		at = *end ? end + 1 : end;
	}
	*nargs = n;
	return 0;
}

const char *
req_cookie(const struct req *r, const char *name)
{
	const char *c = req_param(r, "HTTP_COOKIE");
	size_t n = strlen(name);

	while (c != NULL && *c != '\0') {
		const char *end;

		while (*c == ' ' || *c == ';')
			c++;
		end = strchr(c, ';');
		if (end == NULL)
			end = c + strlen(c);
		if ((size_t)(end - c) > n && strncmp(c, name, n) == 0 && c[n] == '=')
			return pool_strndup(r->pool, c + n + 1, (size_t)(end - c - n - 1));
		c = end;
	}
	return NULL;
}

static void
put_json(void *obj)
{
	json_object_put(obj);
}

void
req_own_json(struct pool *p, json_object *obj)
{
	pool_defer(p, put_json, obj);
}

json_object *
req_parse_json(struct pool *p, const char *body, size_t len, const char **why)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t used;

	if (len == 0) {
		*why = "the body is empty";
		return NULL;
	}
	if (memchr(body, '\0', len) != NULL || !valid_utf8(body, len)) {
		*why = "the body is not valid UTF-8";
		return NULL;
	}
	if (jsonv_check(body, len, REQ_MAX_JSON_DEPTH, why) != 0)
		return NULL;
	if (body[strspn(body, " \t\r\n")] != '{') {
		*why = "the body must be a JSON object";
		return NULL;
	}
	{
		const char *dup;
		size_t dup_len;

		if (jsonv_duplicate_key(p, body, len, &dup, &dup_len)) {
			*why = "the body has a key twice";
			return NULL;
		}
	}
	tok = json_tokener_new_ex(REQ_MAX_JSON_DEPTH + 1);
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		*why = jerr == json_tokener_success ? "the body must be a JSON object"
		                                    : "the body is not valid JSON";
		return NULL;
	}
	while (used < len && isspace((unsigned char)body[used]))
		used++;
	if (used != len) {
		json_object_put(obj);
		*why = "the body has data after the JSON value";
		return NULL;
	}
	pool_defer(p, put_json, obj);
	if (!json_object_is_type(obj, json_type_object)) {
		*why = "the body must be a JSON object";
		return NULL;
	}
	return obj;
}

int
req_path_i64_or_reply(struct req *r, const char *name, int64_t *out)
{
	const char *v = req_path(r, name);

	if (v == NULL || valid_i64(v, 1, INT64_MAX, out) != 0) {
		reply_error(r, ERR_NOT_FOUND, NULL, NULL);
		return -1;
	}
	return 0;
}
