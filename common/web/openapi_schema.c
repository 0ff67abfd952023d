/* openapi_schema.c: the compact reply shapes of route tables as JSON Schema.
 *
 *   type   := unit {'|' unit}        one of them (anyOf)
 *   unit   := base ['?']            '?': may also be null
 *   base   := str | int | num | bool | any | obj | str(a|b|c)
 *           | '{' [field {',' field}] '}' | '[' type ']'
 *   field  := name ['~'] ':' type    '~': the key may be absent
 *           | '*' ':' type           any other key, of this type
 *
 * An object lists its keys: all are required unless marked '~', and no
 * other key is allowed unless a '*' field says what they hold. */
#include "openapi.h"

#include <string.h>

struct cursor {
	const char *s;
	const char *why;
};

static void
skip(struct cursor *c)
{
	while (*c->s == ' ' || *c->s == '\n' || *c->s == '\t')
		c->s++;
}

static int
eat(struct cursor *c, char ch)
{
	skip(c);
	if (*c->s != ch)
		return 0;
	c->s++;
	return 1;
}

/* A name of a-z, A-Z, 0-9, '_', '-', '.' or '%' into buf; 0 when none. */
static int
name(struct cursor *c, char *buf, size_t n)
{
	size_t len;

	skip(c);
	len = strspn(c->s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.%^");
	if (len == 0 || len >= n)
		return 0;
	memcpy(buf, c->s, len);
	buf[len] = '\0';
	c->s += len;
	return 1;
}

static json_object *type(struct cursor *c);
static json_object *unit(struct cursor *c);

static json_object *
typed(const char *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(t));
	return o;
}

static json_object *
fail(struct cursor *c, const char *why, json_object *partial)
{
	if (c->why == NULL)
		c->why = why;
	json_object_put(partial);
	return NULL;
}

static json_object *
object(struct cursor *c)
{
	json_object *o = typed("object"), *props = json_object_new_object();
	json_object *req = json_object_new_array(), *rest = NULL;
	char key[64];

	json_object_object_add(o, "properties", props);
	if (eat(c, '}'))
		goto done;
	do {
		int optional = 0;
		json_object *t;

		if (eat(c, '*')) {
			if (!eat(c, ':') || (rest = type(c)) == NULL)
				return json_object_put(req), fail(c, "bad '*' field", o);
			continue;
		}
		if (!name(c, key, sizeof(key)))
			return json_object_put(req), fail(c, "a field name is expected", o);
		optional = eat(c, '~');
		if (!eat(c, ':') || (t = type(c)) == NULL)
			return json_object_put(req), fail(c, "':' and a type are expected", o);
		json_object_object_add(props, key, t);
		if (!optional)
			json_object_array_add(req, json_object_new_string(key));
	} while (eat(c, ','));
	if (!eat(c, '}'))
		return json_object_put(req), json_object_put(rest), fail(c, "'}' is expected", o);
done:
	if (json_object_array_length(req) > 0)
		json_object_object_add(o, "required", req);
	else
		json_object_put(req);
	json_object_object_add(o, "additionalProperties",
	                       rest ? rest : json_object_new_boolean(0));
	return o;
}

/* str(a|b|c) after "str". */
static json_object *
enumeration(struct cursor *c)
{
	json_object *o = typed("string"), *e = json_object_new_array();
	char v[64];

	json_object_object_add(o, "enum", e);
	do {
		if (!name(c, v, sizeof(v)))
			return fail(c, "an enum value is expected", o);
		json_object_array_add(e, json_object_new_string(v));
	} while (eat(c, '|'));
	if (!eat(c, ')'))
		return fail(c, "')' is expected", o);
	return o;
}

static json_object *
base(struct cursor *c)
{
	static const struct { const char *word, *type; } words[] = {
		{ "str", "string" }, { "int", "integer" }, { "num", "number" },
		{ "bool", "boolean" }, { "obj", "object" },
	};
	char w[16];

	if (eat(c, '{'))
		return object(c);
	if (eat(c, '[')) {
		json_object *a = typed("array"), *items = type(c);

		if (items == NULL)
			return fail(c, "an item type is expected", a);
		json_object_object_add(a, "items", items);
		if (!eat(c, ']'))
			return fail(c, "']' is expected", a);
		return a;
	}
	if (!name(c, w, sizeof(w)))
		return fail(c, "a type is expected", NULL);
	if (strcmp(w, "any") == 0)
		return json_object_new_object();
	if (strcmp(w, "str") == 0 && eat(c, '('))
		return enumeration(c);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i].word) == 0)
			return typed(words[i].type);
	return fail(c, "an unknown type word", NULL);
}

/* base, and '?' making it nullable: "type": [t, "null"] or an anyOf. */
static json_object *
unit(struct cursor *c)
{
	json_object *t = base(c), *tt, *pair;

	if (t == NULL || !eat(c, '?'))
		return t;
	if (json_object_object_get_ex(t, "enum", NULL) ||
	    !json_object_object_get_ex(t, "type", &tt)) {
		json_object *any = json_object_new_object(), *of = json_object_new_array();

		json_object_array_add(of, t);
		json_object_array_add(of, typed("null"));
		json_object_object_add(any, "anyOf", of);
		return any;
	}
	pair = json_object_new_array();
	json_object_array_add(pair, json_object_new_string(json_object_get_string(tt)));
	json_object_array_add(pair, json_object_new_string("null"));
	json_object_object_add(t, "type", pair);
	return t;
}

/* unit {'|' unit}: one unit, or an anyOf of them. */
static json_object *
type(struct cursor *c)
{
	json_object *t = unit(c), *of, *any;

	if (t == NULL || !eat(c, '|'))
		return t;
	of = json_object_new_array();
	json_object_array_add(of, t);
	do {
		if ((t = unit(c)) == NULL)
			return fail(c, "a type after '|' is expected", of);
		json_object_array_add(of, t);
	} while (eat(c, '|'));
	any = json_object_new_object();
	json_object_object_add(any, "anyOf", of);
	return any;
}

json_object *
openapi_schema(const char *shape, const char **why)
{
	struct cursor c = { shape, NULL };
	json_object *t = type(&c);

	skip(&c);
	if (t != NULL && *c.s != '\0') {
		json_object_put(t);
		t = NULL;
		c.why = "text after the type";
	}
	if (t == NULL && why != NULL)
		*why = c.why ? c.why : "not a shape";
	return t;
}
