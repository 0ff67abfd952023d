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
#include "url.h"

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
			(*args)[n].name = url_decode(p, at, (size_t)((eq ? eq : end) - at), 1);
			(*args)[n].value = eq ? url_decode(p, eq + 1, (size_t)(end - eq - 1), 1)
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

json_object *
req_parse_json(struct pool *p, const char *body, size_t len, const char **why)
{
	return jsonv_parse(p, body, len, REQ_MAX_JSON_DEPTH, why);
}
