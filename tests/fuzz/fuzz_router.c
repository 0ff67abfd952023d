/* fuzz_router.c: route_match against a realistic table.
 *
 * Input: "METHOD PATH" (no space: GET and the whole input as the path).
 * Invariants: FOUND names a route of that method (or GET for HEAD) whose
 * template matches the decoded segments, with every {param} filled,
 * non-empty and valid UTF-8; BAD_METHOD comes with a non-empty Allow list of
 * distinct table methods that excludes the request's, HEAD exactly when GET;
 * NOT_FOUND means no method at all would match; nothing else sets params. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "req.h"
#include "route.h"
#include "url.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_router: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static int
h(struct req *r)
{
	(void)r;
	return 200;
}

static const struct route routes[] = {
	{ "GET",    "/health",                                   h, RL_NONE },
	{ "GET",    "/metrics",                                  h, INTERNAL_ONLY | RL_NONE },
	{ "POST",   "/api/auth/register",                        h, NEED_JSON | RL_REGISTER },
	{ "POST",   "/api/auth/login",                           h, NEED_JSON | RL_LOGIN },
	{ "GET",    "/api/watchlists",                           h, NEED_AUTH },
	{ "POST",   "/api/watchlists",                           h, NEED_AUTH | NEED_JSON },
	{ "GET",    "/api/watchlists/{id}",                      h, NEED_AUTH },
	{ "PATCH",  "/api/watchlists/{id}",                      h, NEED_AUTH | NEED_JSON },
	{ "DELETE", "/api/watchlists/{id}",                      h, NEED_AUTH },
	{ "POST",   "/api/watchlists/{id}/symbols",              h, NEED_AUTH | NEED_JSON },
	{ "DELETE", "/api/watchlists/{id}/symbols/{symbol}",     h, NEED_AUTH },
	{ "GET",    "/api/stocks/{symbol}/analysis/{strategy}",  h, 0 },
	{ "GET",    "/api/signals",                              h, 0 },
	{ "GET",    "/api/odds/{sport}/events/{event}/bets",     h, 0 },
	{ "GET",    "/api/deals/{id}",                           h, 0 },
	{ "PUT",    "/api/alerts/{id}",                          h, NEED_AUTH | NEED_JSON },
	{ "GET",    "/api/admin/users/{id}/audit",               h, NEED_ADMIN },
	{ "GET",    "/api/stream",                               h, NEED_AUTH | STREAMING },
	{ "GET",    "/",                                         h, 0 },
	{ 0 }
};

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", NULL };

/* The segments of path, split at '/', after the leading one. */
static int
split(struct pool *p, const char *path, char **seg, int max)
{
	int n = 0;
	const char *at = path + 1, *end;

	for (;;) {
		end = strchr(at, '/');
		if (end == NULL)
			end = at + strlen(at);
		if (n == max)
			return -1;
		seg[n++] = pool_strndup(p, at, (size_t)(end - at));
		if (*end == '\0')
			return n;
		at = end + 1;
	}
}

static void
check_found(struct pool *p, const char *method, const char *path, const struct route *rt,
            const struct route_param *params, int nparams)
{
	char *tseg[64], *pseg[64];
	int nt, np, k = 0;

	CHECK(rt != NULL);
	CHECK(strcmp(rt->method, method) == 0 ||
	      (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0));
	nt = split(p, rt->path, tseg, 64);
	np = split(p, path, pseg, 64);
	CHECK(nt > 0 && nt == np);
	for (int i = 0; i < nt; i++) {
		const char *dec = url_decode(p, pseg[i], strlen(pseg[i]), 0);

		CHECK(dec != NULL);
		if (tseg[i][0] == '{') {
			CHECK(k < nparams);
			CHECK(strncmp(params[k].name, tseg[i] + 1, strlen(tseg[i]) - 2) == 0);
			CHECK(params[k].name[strlen(tseg[i]) - 2] == '\0');
			CHECK(params[k].value != NULL && params[k].value[0] != '\0');
			CHECK(strcmp(params[k].value, dec) == 0);
			CHECK(valid_utf8(params[k].value, strlen(params[k].value)));
			k++;
		} else {
			CHECK(strcmp(tseg[i], dec) == 0);
		}
	}
	CHECK(k == nparams);
}

/* Is m one of the comma-separated methods in allow? */
static int
listed(const char *allow, const char *m)
{
	size_t n = strlen(m);

	for (const char *at = allow; at != NULL; at = strchr(at, ',') ? strchr(at, ',') + 2 : NULL)
		if (strncmp(at, m, n) == 0 && (at[n] == ',' || at[n] == '\0'))
			return 1;
	return 0;
}

static void
check_allow(const char *method, const char *allow)
{
	int count = 0;

	CHECK(allow != NULL && allow[0] != '\0');
	CHECK(!listed(allow, method));
	CHECK(listed(allow, "GET") == listed(allow, "HEAD"));
	for (const char *at = allow; at != NULL; at = strchr(at, ',') ? strchr(at, ',') + 2 : NULL)
		count++;
	for (int i = 0; methods[i]; i++)
		count -= listed(allow, methods[i]);
	CHECK(count == 0);      /* only known methods, each once */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool *p;
	struct route_param params[ROUTE_MAX_PARAMS];
	const struct route *found = (const void *)1;
	const char *allow = NULL, *method = "GET", *path;
	char *in, *space;
	int nparams = -1;
	enum route_result res;

	if (p == NULL)
		p = pool_new();
	in = pool_strndup(p, (const char *)data, size);
	space = strchr(in, ' ');
	path = in;
	if (space != NULL) {
		*space = '\0';
		method = in;
		path = space + 1;
	}
	res = route_match(p, routes, method, path, &found, params, &nparams, &allow);
	switch (res) {
	case ROUTE_FOUND:
		CHECK(nparams >= 0 && nparams <= ROUTE_MAX_PARAMS);
		check_found(p, method, path, found, params, nparams);
		break;
	case ROUTE_BAD_METHOD:
		CHECK(found == NULL && nparams == 0);
		check_allow(method, allow);
		break;
	case ROUTE_NOT_FOUND:
		CHECK(found == NULL && nparams == 0);
		for (int i = 0; methods[i]; i++) {
			const struct route *f2;
			const char *a2 = NULL;
			int n2;

			CHECK(route_match(p, routes, methods[i], path, &f2, params, &n2, &a2) ==
			      ROUTE_NOT_FOUND);
		}
		break;
	case ROUTE_BAD_PATH:
		CHECK(found == NULL && nparams == 0);
		break;
	default:
		CHECK(!"unknown result");
	}
	pool_reset(p);
	return 0;
}
