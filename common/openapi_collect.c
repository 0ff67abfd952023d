/* openapi_collect.c: one OpenAPI document from every binary of a directory
 * (`X --openapi`). */
#include "openapi.h"

#include <stdlib.h>
#include <string.h>

#include "binaries.h"
#include "buf.h"
#include "pool.h"

/* Merge the path items of one binary into paths; -1 on a clash or bad text. */
static int
merge(json_object *paths, const char *binary, const char *text)
{
	json_object *mine = json_tokener_parse(text);

	if (mine == NULL || !json_object_is_type(mine, json_type_object)) {
		fprintf(stderr, "openapi: %s --openapi did not print a JSON object\n",
		        binary);
		json_object_put(mine);
		return -1;
	}
	json_object_object_foreach(mine, path, item) {
		json_object *have;

		if (!json_object_object_get_ex(paths, path, &have)) {
			json_object_object_add(paths, path, json_object_get(item));
			continue;
		}
		json_object_object_foreach(item, method, op) {
			if (json_object_object_get_ex(have, method, NULL)) {
				fprintf(stderr, "openapi: %s %s is served twice (again by %s)\n",
				        method, path, binary);
				json_object_put(mine);
				return -1;
			}
			json_object_object_add(have, method, json_object_get(op));
		}
	}
	json_object_put(mine);
	return 0;
}

/* The paths sorted by name, so the document does not depend on which binary
 * serves which path. */
static json_object *
sorted(json_object *paths)
{
	json_object *out = json_object_new_object();
	const char **keys;
	size_t n = 0, i = 0;

	json_object_object_foreach(paths, k0, v0) {
		(void)k0;
		(void)v0;
		n++;
	}
	keys = calloc(n ? n : 1, sizeof(*keys));
	if (keys == NULL)
		abort();
	json_object_object_foreach(paths, k, v) {
		(void)v;
		keys[i++] = k;
	}
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
			const char *t = keys[b];

			keys[b] = keys[b - 1];
			keys[b - 1] = t;
		}
	for (i = 0; i < n; i++) {
		json_object *item;

		json_object_object_get_ex(paths, keys[i], &item);
		json_object_object_add(out, keys[i], json_object_get(item));
	}
	free(keys);
	json_object_put(paths);
	return out;
}

json_object *
openapi_collect(const char *dir, const char *version)
{
	struct pool *p = pool_new();
	json_object *paths = json_object_new_object(), *doc = NULL;
	const char **names;
	size_t n;

	if (binaries_list(p, dir, &names, &n) < 0)
		goto out;
	if (n == 0) {
		fprintf(stderr, "openapi: %s: no executables\n", dir);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct buf text;
		char err[256];

		buf_init(&text, p);
		if (binaries_run(pool_printf(p, "%s/%s", dir, names[i]), "--openapi", &text,
		                 err, sizeof(err)) < 0) {
			fprintf(stderr, "openapi: %s/%s: %s\n", dir, names[i], err);
			goto out;
		}
		if (merge(paths, names[i], buf_cstr(&text)) < 0)
			goto out;
	}
	doc = openapi_document(sorted(paths), version);
	paths = NULL;
out:
	json_object_put(paths);
	pool_free(p);
	return doc;
}
