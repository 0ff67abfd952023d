/* openapi.c: route tables as an OpenAPI 3.1 document. */
#include "openapi.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "err.h"
#include "openapi_doc.h"

#define JSON_MEDIA "application/json"

static json_object *
str(const char *s)
{
	return json_object_new_string(s);
}

static const char *describe(const struct param *p, char *buf, size_t n);

/* The JSON Schema of one parameter or field. */
static json_object *
param_schema(const struct param *p, int in_query)
{
	json_object *s = json_object_new_object(), *e;

	switch (p->type) {
	case PARAM_STRING:
	case PARAM_TEXT:
		json_object_object_add(s, "type", str("string"));
		if (p->min > 0)
			json_object_object_add(s, "minLength", json_object_new_int64(p->min));
		if (p->max > 0)
			json_object_object_add(s, "maxLength", json_object_new_int64(p->max));
		break;
	case PARAM_INT:
		json_object_object_add(s, "type", str("integer"));
		json_object_object_add(s, "minimum", json_object_new_int64(p->min));
		json_object_object_add(s, "maximum", json_object_new_int64(p->max));
		break;
	case PARAM_BOOL:
		json_object_object_add(s, "type", str("boolean"));
		break;
	case PARAM_NUMBER:
		json_object_object_add(s, "type", str("number"));
		json_object_object_add(s, "minimum", json_object_new_int64(p->min));
		json_object_object_add(s, "maximum", json_object_new_int64(p->max));
		break;
	case PARAM_ENUM:
		json_object_object_add(s, "type", str("string"));
		break;
	case PARAM_OBJECTS: {
		json_object *items = json_object_new_object(), *props = json_object_new_object();
		json_object *req = json_object_new_array();
		char desc[512];

		for (const struct param *k = p->fields; k != NULL && k->name != NULL; k++) {
			json_object *f = param_schema(k, 0);

			json_object_object_add(f, "description", str(describe(k, desc, sizeof(desc))));
			json_object_object_add(props, k->name, f);
			if (k->required)
				json_object_array_add(req, str(k->name));
		}
		json_object_object_add(items, "type", str("object"));
		json_object_object_add(items, "properties", props);
		json_object_object_add(items, "required", req);
		json_object_object_add(items, "additionalProperties", json_object_new_boolean(0));
		json_object_object_add(s, "type", str("array"));
		json_object_object_add(s, "items", items);
		json_object_object_add(s, "minItems", json_object_new_int64(p->min));
		json_object_object_add(s, "maxItems", json_object_new_int64(p->max));
		break;
	}
	case PARAM_NUMBERS: {
		json_object *num = json_object_new_object();

		json_object_object_add(num, "type", str("number"));
		json_object_object_add(s, "type", str("object"));
		json_object_object_add(s, "additionalProperties", num);
		json_object_object_add(s, "minProperties", json_object_new_int64(p->min));
		json_object_object_add(s, "maxProperties", json_object_new_int64(p->max));
		break;
	}
	case PARAM_LIST: {
		json_object *items = json_object_new_object();

		json_object_object_add(s, "type", str("array"));
		json_object_object_add(items, "type", str("string"));
		if (p->values != NULL) {
			e = json_object_new_array();
			for (const char *const *v = p->values; *v != NULL; v++)
				json_object_array_add(e, str(*v));
			json_object_object_add(items, "enum", e);
		}
		json_object_object_add(s, "items", items);
		json_object_object_add(s, "minItems", json_object_new_int64(p->min));
		json_object_object_add(s, "maxItems", json_object_new_int64(p->max));
		json_object_object_add(s, "uniqueItems", json_object_new_boolean(1));
		break;
	}
	}
	if (p->type == PARAM_ENUM && p->values != NULL) {
		e = json_object_new_array();
		for (const char *const *v = p->values; *v != NULL; v++)
			json_object_array_add(e, str(*v));
		json_object_object_add(s, "enum", e);
	}
	if (p->format != NULL)
		json_object_object_add(s, "format", str(p->format));
	(void)in_query;
	return s;
}

static const char *
describe(const struct param *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s", p->desc ? p->desc : p->name,
	         p->rule ? " (" : "", p->rule ? p->rule : "", p->rule ? ")" : "");
	return buf;
}

/* The parameters: one per {name} of the path, then the query's. */
static json_object *
parameters(const struct route *rt)
{
	json_object *a = json_object_new_array();
	char desc[512];

	for (const char *at = strchr(rt->path, '{'); at != NULL; at = strchr(at + 1, '{')) {
		const char *end = strchr(at, '}');
		json_object *o = json_object_new_object(), *s = json_object_new_object();
		char *name = strndup(at + 1, end ? (size_t)(end - at - 1) : 0);

		if (name == NULL)
			abort();
		json_object_object_add(o, "name", str(name));
		json_object_object_add(o, "in", str("path"));
		json_object_object_add(o, "required", json_object_new_boolean(1));
		if (strcmp(name, "id") == 0) {
			json_object_object_add(s, "type", str("integer"));
			json_object_object_add(s, "minimum", json_object_new_int64(1));
			json_object_object_add(o, "description",
			                       str("the id; one that names nothing is a 404"));
		} else {
			json_object_object_add(s, "type", str("string"));
			json_object_object_add(s, "minLength", json_object_new_int64(1));
			json_object_object_add(o, "description", str("percent-encoded UTF-8"));
		}
		json_object_object_add(o, "schema", s);
		json_object_array_add(a, o);
		free(name);
	}
	for (const struct param *p = rt->query; p != NULL && p->name != NULL; p++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", str(p->name));
		json_object_object_add(o, "in", str("query"));
		json_object_object_add(o, "required", json_object_new_boolean(p->required));
		json_object_object_add(o, "description", str(describe(p, desc, sizeof(desc))));
		json_object_object_add(o, "schema", param_schema(p, 1));
		json_object_array_add(a, o);
	}
	return a;
}

/* The request body: a closed JSON object of the declared fields. */
static json_object *
request_body(const struct route *rt)
{
	json_object *rb = json_object_new_object(), *content = json_object_new_object();
	json_object *media = json_object_new_object(), *s = json_object_new_object();
	json_object *props = json_object_new_object(), *req = json_object_new_array();
	char desc[512];
	int any_required = 0;

	for (const struct param *p = rt->body; p->name != NULL; p++) {
		json_object *ps = param_schema(p, 0);

		json_object_object_add(ps, "description", str(describe(p, desc, sizeof(desc))));
		json_object_object_add(props, p->name, ps);
		if (p->required) {
			json_object_array_add(req, str(p->name));
			any_required = 1;
		}
	}
	json_object_object_add(s, "type", str("object"));
	json_object_object_add(s, "properties", props);
	if (any_required)
		json_object_object_add(s, "required", req);
	else
		json_object_put(req);
	json_object_object_add(s, "additionalProperties", json_object_new_boolean(0));
	json_object_object_add(media, "schema", s);
	json_object_object_add(content, JSON_MEDIA, media);
	json_object_object_add(rb, "required",
	                       json_object_new_boolean((rt->flags & NEED_JSON) != 0));
	json_object_object_add(rb, "content", content);
	return rb;
}

/* Who may call: public routes say so with an empty list. */
static json_object *
security(unsigned flags)
{
	json_object *a = json_object_new_array();
	static const char *const schemes[] = { "bearer", "session", "api_key" };

	if (!(flags & (NEED_AUTH | NEED_ADMIN)))
		return a;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		json_object *o;

		if (i == 2 && (flags & NO_API_KEY))
			break;
		o = json_object_new_object();
		json_object_object_add(o, schemes[i], json_object_new_array());
		json_object_array_add(a, o);
	}
	return a;
}

/* The catalogue's response for status, unless a success of the route
 * already documents that status (503 of a degraded health check). */
static void
add_error(json_object *responses, int status)
{
	char key[8], ref[64];
	json_object *o;

	snprintf(key, sizeof(key), "%d", status);
	if (json_object_object_get_ex(responses, key, NULL))
		return;
	o = json_object_new_object();
	snprintf(ref, sizeof(ref), "#/components/responses/Error%d", status);
	json_object_object_add(o, "$ref", str(ref));
	json_object_object_add(responses, key, o);
}

/* The success reply, the errors the flags and contract make possible, and
 * the error envelope for anything else. NULL with *why on a bad schema. */
static json_object *
responses(const struct route *rt, const char **why)
{
	json_object *rs = json_object_new_object(), *ok = json_object_new_object();
	int status = rt->status ? rt->status : 200;
	char key[8];

	json_object_object_add(ok, "description", str(rt->summary ? rt->summary : "success"));
	if (rt->reply != NULL) {
		json_object *schema = openapi_schema(rt->reply, why), *content, *media;

		if (schema == NULL) {
			json_object_put(ok);
			json_object_put(rs);
			return NULL;
		}
		content = json_object_new_object();
		media = json_object_new_object();
		json_object_object_add(media, "schema", schema);
		json_object_object_add(content, rt->media ? rt->media : JSON_MEDIA, media);
		json_object_object_add(ok, "content", content);
	}
	snprintf(key, sizeof(key), "%d", status);
	if (rt->status_also) {
		char also[8];

		snprintf(also, sizeof(also), "%d", rt->status_also);
		json_object_object_add(rs, also, json_object_get(ok));
	}
	json_object_object_add(rs, key, ok);
	add_error(rs, 400);
	if (rt->flags & (NEED_AUTH | NEED_ADMIN)) {
		add_error(rs, 401);
		add_error(rs, 403);
	}
	if (strchr(rt->path, '{') != NULL || (rt->flags & INTERNAL_ONLY))
		add_error(rs, 404);
	if (rt->body != NULL || (rt->flags & NEED_JSON)) {
		add_error(rs, 413);
		add_error(rs, 415);
	}
	add_error(rs, 422);
	if (rt->quota != NULL || (rt->flags & (RL_LOGIN | RL_REGISTER)))
		add_error(rs, 429);
	add_error(rs, 500);
	add_error(rs, 503);
	{
		json_object *d = json_object_new_object();

		json_object_object_add(d, "$ref", str("#/components/responses/Error"));
		json_object_object_add(rs, "default", d);
	}
	return rs;
}

/* "get_api_watchlists_id_symbols" for GET /api/watchlists/{id}/symbols. */
static json_object *
operation_id(const struct route *rt)
{
	char id[256];
	size_t n = 0;

	for (const char *m = rt->method; *m && n < sizeof(id) - 1; m++)
		id[n++] = (char)tolower((unsigned char)*m);
	for (const char *c = rt->path; *c && n < sizeof(id) - 1; c++) {
		if (isalnum((unsigned char)*c))
			id[n++] = *c;
		else if (*c != '{' && *c != '}' && n > 0 && id[n - 1] != '_')
			id[n++] = '_';
	}
	while (n > 0 && id[n - 1] == '_')
		n--;
	id[n] = '\0';
	return str(id);
}

static json_object *
operation(const struct route *rt, const char **why)
{
	json_object *op = json_object_new_object(), *rs = responses(rt, why);

	if (rs == NULL) {
		json_object_put(op);
		return NULL;
	}
	json_object_object_add(op, "operationId", operation_id(rt));
	if (rt->summary != NULL)
		json_object_object_add(op, "summary", str(rt->summary));
	json_object_object_add(op, "parameters", parameters(rt));
	if (rt->body != NULL)
		json_object_object_add(op, "requestBody", request_body(rt));
	json_object_object_add(op, "security", security(rt->flags));
	json_object_object_add(op, "responses", rs);
	if (rt->quota != NULL)
		json_object_object_add(op, "x-quota-class", str(rt->quota));
	if (rt->flags & INTERNAL_ONLY)
		json_object_object_add(op, "x-internal-only", json_object_new_boolean(1));
	return op;
}

json_object *
openapi_paths(const struct route *routes, const char **why)
{
	json_object *paths = json_object_new_object();

	for (const struct route *rt = routes; rt->method != NULL; rt++) {
		json_object *item, *op;
		char method[16];
		size_t i;

		if (!json_object_object_get_ex(paths, rt->path, &item)) {
			item = json_object_new_object();
			json_object_object_add(paths, rt->path, item);
		}
		for (i = 0; rt->method[i] != '\0' && i < sizeof(method) - 1; i++)
			method[i] = (char)tolower((unsigned char)rt->method[i]);
		method[i] = '\0';
		if ((op = operation(rt, why)) == NULL) {
			json_object_put(paths);
			return NULL;
		}
		json_object_object_add(item, method, op);
	}
	return paths;
}

int
openapi_print_paths(FILE *f, const struct route *routes)
{
	const char *why = NULL;
	json_object *paths = openapi_paths(routes, &why);

	if (paths == NULL) {
		fprintf(stderr, "openapi: a reply shape: %s\n", why);
		return -1;
	}
	fprintf(f, "%s\n", json_object_to_json_string_ext(paths, JSON_C_TO_STRING_PLAIN |
	        JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(paths);
	return 0;
}
