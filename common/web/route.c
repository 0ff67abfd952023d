/* route.c: matching a method and path against a route table. */
#include "route.h"

#include <string.h>

#include "buf.h"
#include "pool.h"
#include "url.h"

#define MAX_SEGMENTS 32

struct segments {
	const char *seg[MAX_SEGMENTS];
	int n;
};

/* Split path ("/a/b%20c") into decoded segments; -1 on bad encoding, -2
 * when path does not start with '/', -3 for more segments than any route. */
static int
split_path(struct pool *p, const char *path, struct segments *s)
{
	const char *at, *end;

	if (path[0] != '/')
		return -2;
	s->n = 0;
	at = path + 1;
	for (;;) {
		end = strchr(at, '/');
		if (end == NULL)
			end = at + strlen(at);
		if (s->n == MAX_SEGMENTS)
			return -3;
		s->seg[s->n] = url_decode(p, at, (size_t)(end - at), 0);
		if (s->seg[s->n] == NULL)
			return -1;
		s->n++;
		if (*end == '\0')
			return 0;
		at = end + 1;
	}
}

/* Does the template match the segments? Fills params when it does. */
static int
template_match(struct pool *p, const char *tmpl, const struct segments *s,
               struct route_param *params, int *nparams)
{
	const char *at = tmpl + 1, *end;
	int i = 0, np = 0;

	for (;;) {
		size_t len;

		end = strchr(at, '/');
		if (end == NULL)
			end = at + strlen(at);
		len = (size_t)(end - at);
		if (i == s->n)
			return 0;
		if (len >= 2 && at[0] == '{' && at[len - 1] == '}') {
			if (s->seg[i][0] == '\0' || np == ROUTE_MAX_PARAMS)
				return 0;
			if (params != NULL) {
				params[np].name = pool_strndup(p, at + 1, len - 2);
				params[np].value = s->seg[i];
			}
			np++;
		} else if (strlen(s->seg[i]) != len || memcmp(s->seg[i], at, len) != 0) {
			return 0;
		}
		i++;
		if (*end == '\0')
			break;
		at = end + 1;
	}
	if (i != s->n)
		return 0;
	if (nparams != NULL)
		*nparams = np;
	return 1;
}

static int
method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

enum route_result
route_match(struct pool *p, const struct route *routes, const char *method,
            const char *path, const struct route **found,
            struct route_param *params, int *nparams, const char **allow)
{
	struct segments s;
	struct buf methods;
	int any = 0;

	*found = NULL;
	*nparams = 0;
	switch (split_path(p, path, &s)) {
	case 0:
		break;
	case -3:
		return ROUTE_NOT_FOUND;
	default:
		return ROUTE_BAD_PATH;
	}
	for (const struct route *rt = routes; rt->method != NULL; rt++) {
		if (method_matches(rt->method, method) &&
		    template_match(p, rt->path, &s, params, nparams)) {
			*found = rt;
			return ROUTE_FOUND;
		}
	}
	buf_init(&methods, p);
	for (const struct route *rt = routes; rt->method != NULL; rt++) {
		if (!template_match(p, rt->path, &s, NULL, NULL))
			continue;
		if (strstr(buf_cstr(&methods), rt->method) == NULL) {
			if (any++)
				buf_puts(&methods, ", ");
			buf_puts(&methods, rt->method);
		}
		if (strcmp(rt->method, "GET") == 0 && strstr(buf_cstr(&methods), "HEAD") == NULL)
			buf_puts(&methods, ", HEAD");
	}
	if (!any)
		return ROUTE_NOT_FOUND;
	*allow = buf_cstr(&methods);
	return ROUTE_BAD_METHOD;
}

const char *
route_flag_names(struct pool *p, unsigned flags)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ NEED_JSON, "json" }, { NEED_AUTH, "auth" }, { NEED_ADMIN, "admin" },
		{ INTERNAL_ONLY, "internal" }, { RL_NONE, "rl_none" },
		{ RL_LOGIN, "rl_login" }, { RL_REGISTER, "rl_register" },
		{ STREAMING, "stream" }, { SCOPE_READ, "scope_read" },
		{ SCOPE_WRITE, "scope_write" }, { SCOPE_EXPORT, "scope_export" },
		{ NO_API_KEY, "no_api_key" }, { QUOTA_IN_HANDLER, "quota_in_handler" },
		{ SCOPE_INGEST, "scope_ingest" }, { RL_WEBHOOK, "rl_webhook" },
		{ PUBSUB, "pubsub" },
	};
	struct buf b;

	buf_init(&b, p);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].bit) {
			if (b.len)
				buf_putc(&b, ',');
			buf_puts(&b, names[i].name);
		}
	}
	return b.len ? buf_cstr(&b) : "-";
}
