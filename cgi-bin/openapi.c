/* openapi.c: the OpenAPI 3.1 document of every binary beside this one,
 * made once per worker at its first request (each binary runs with
 * --openapi, as `edgescout openapi` does) and served from memory after. */
#include "app.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_info.h"
#include "openapi_doc.h"

static int document(struct req *r);

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/openapi.json", .handler = document,
	  .reply = "{openapi:str(3.1.0), info:{title:str, version:str, description:str}, "
	           "paths:obj, components:obj}",
	  .summary = "this document: every route's parameters, bodies, replies and errors" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static char *text;      /* the document, kept for the worker's life */
static size_t text_len;

/* The directory of this executable (pool), or NULL. */
static const char *
own_dir(struct pool *p)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return NULL;
	*slash = '\0';
	return pool_strdup(p, self);
}

/* GET /api/openapi.json: the same document as `edgescout openapi`. */
static int
document(struct req *r)
{
	if (text == NULL) {
		const char *dir = own_dir(r->pool);
		json_object *doc = dir ? openapi_collect(dir, build_version) : NULL;

		if (doc == NULL)
			return reply_error(r, ERR_INTERNAL, NULL, "the document could not be made");
		text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
		              JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
		if (text == NULL)
			abort();
		text_len = strlen(text);
	}
	return reply_raw(r, 200, "application/json", text, text_len);
}
