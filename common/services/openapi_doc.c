/* openapi_doc.c: the OpenAPI document around the paths every binary prints
 * (`X --openapi`): info, security schemes, the error envelope and the
 * catalogue's error responses. */
#include "openapi_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "binaries.h"
#include "buf.h"
#include "err.h"
#include "pool.h"

#define JSON_MEDIA "application/json"

static json_object *
str(const char *s)
{
	return json_object_new_string(s);
}

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

json_object *
openapi_error_schema(void)
{
	static const char schema[] =
		"{\"type\":\"object\",\"required\":[\"error\"],\"additionalProperties\":false,"
		"\"properties\":{\"error\":{\"type\":\"object\","
		"\"required\":[\"code\",\"message\",\"request_id\"],\"additionalProperties\":false,"
		"\"properties\":{\"code\":{\"type\":\"string\",\"pattern\":\"^[A-Z_]+$\"},"
		"\"message\":{\"type\":\"string\",\"minLength\":1},"
		"\"field\":{\"type\":\"string\"},"
		"\"request_id\":{\"type\":\"string\",\"minLength\":1}}}}}";

	return json_tokener_parse(schema);
}

/* One error response per status of the catalogue, its codes listed. */
static void
error_responses(json_object *responses)
{
	json_object *any = json_object_new_object(), *c, *m, *ref;

	for (int status = 400; status < 600; status++) {
		char key[16], desc[512] = "";
		size_t n = 0;

		for (int e = 0; e < ERR_COUNT; e++) {
			const struct err_info *ei = err_info((enum err)e);

			if (ei->status == status)
				n += (size_t)snprintf(desc + n, sizeof(desc) - n, "%s%s: %s",
				                      n ? "; " : "", ei->code, ei->message);
			if (n >= sizeof(desc))
				n = sizeof(desc) - 1;
		}
		if (n == 0)
			continue;
		snprintf(key, sizeof(key), "Error%d", status);
		c = json_object_new_object();
		m = json_object_new_object();
		ref = json_object_new_object();
		json_object_object_add(ref, "$ref", str("#/components/schemas/Error"));
		json_object_object_add(m, "schema", ref);
		json_object_object_add(c, JSON_MEDIA, m);
		{
			json_object *r = json_object_new_object();

			json_object_object_add(r, "description", str(desc));
			json_object_object_add(r, "content", c);
			json_object_object_add(responses, key, r);
		}
	}
	c = json_object_new_object();
	m = json_object_new_object();
	ref = json_object_new_object();
	json_object_object_add(ref, "$ref", str("#/components/schemas/Error"));
	json_object_object_add(m, "schema", ref);
	json_object_object_add(c, JSON_MEDIA, m);
	json_object_object_add(any, "description",
	                       str("an error from the catalogue (common/base/err.c), same envelope"));
	json_object_object_add(any, "content", c);
	json_object_object_add(responses, "Error", any);
}

static json_object *
scheme(const char *type, const char *a, const char *av, const char *b, const char *bv,
       const char *desc)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", str(type));
	json_object_object_add(o, a, str(av));
	if (b != NULL)
		json_object_object_add(o, b, str(bv));
	json_object_object_add(o, "description", str(desc));
	return o;
}

json_object *
openapi_document(json_object *paths, const char *version)
{
	json_object *doc = json_object_new_object(), *info = json_object_new_object();
	json_object *comp = json_object_new_object(), *schemas = json_object_new_object();
	json_object *resp = json_object_new_object(), *sec = json_object_new_object();

	json_object_object_add(doc, "openapi", str("3.1.0"));
	json_object_object_add(info, "title", str("edgescout"));
	json_object_object_add(info, "version", str(version));
	json_object_object_add(info, "description", str(
		"Generated from the route tables of the binaries (edgescout openapi); "
		"do not edit by hand."));
	json_object_object_add(doc, "info", info);
	json_object_object_add(doc, "paths", paths);
	json_object_object_add(schemas, "Error", openapi_error_schema());
	error_responses(resp);
	json_object_object_add(sec, "bearer", scheme("http", "scheme", "bearer",
		"bearerFormat", "JWT", "an access token from POST /api/auth/login"));
	json_object_object_add(sec, "session", scheme("apiKey", "in", "cookie", "name",
		AUTH_SESSION_COOKIE, "a browser session; unsafe methods also need X-CSRF-Token"));
	json_object_object_add(sec, "api_key", scheme("apiKey", "in", "header", "name",
		"X-API-Key", "an API key (es_...) with the scope the route needs"));
	json_object_object_add(comp, "schemas", schemas);
	json_object_object_add(comp, "responses", resp);
	json_object_object_add(comp, "securitySchemes", sec);
	json_object_object_add(doc, "components", comp);
	return doc;
}
