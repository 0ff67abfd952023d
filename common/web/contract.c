/* contract.c: enforcing a route's declared query parameters and body fields,
 * and reading their typed values. */
#include "contract.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "valid.h"

static const char *const bools[] = { "true", "false", NULL };

/* name as an error's field when it looks like a name (it echoes input), else
 * NULL: 1 to 64 of a-z, 0-9, '_', '-' and '.'. */
static const char *
field_name(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

	return n >= 1 && n <= 64 && name[n] == '\0' ? name : NULL;
}

const struct param *
contract_find(const struct route *rt, const char *name, int *in_body)
{
	for (const struct param *p = rt->query; p != NULL && p->name != NULL; p++)
		if (strcmp(p->name, name) == 0) {
			if (in_body)
				*in_body = 0;
			return p;
		}
	for (const struct param *p = rt->body; p != NULL && p->name != NULL; p++)
		if (strcmp(p->name, name) == 0) {
			if (in_body)
				*in_body = 1;
			return p;
		}
	return NULL;
}

/* "one of a, b or c" for values (pool). */
static const char *
one_of(struct pool *pool, const char *const *values)
{
	const char *s = "";
	int n = 0;

	while (values[n] != NULL)
		n++;
	for (int i = 0; i < n; i++)
		s = pool_printf(pool, "%s%s%s", s, i == 0 ? "" : i == n - 1 ? " or " : ", ",
		                values[i]);
	return n > 1 ? pool_printf(pool, "one of %s", s) : s;
}

/* A finite number written plainly (digits, sign, point, exponent) into *d:
 * 0, or -1. */
static int
number_of(const char *v, double *d)
{
	char *end;

	if (*v == '\0' || strspn(v, "+-0123456789.eE") != strlen(v))
		return -1;
	*d = strtod(v, &end);
	return *end == '\0' && isfinite(*d) ? 0 : -1;
}

const char *
contract_value_fault(struct req *r, const struct param *p, const char *v)
{
	struct pool *pool = r->pool;
	size_t len = strlen(v);
	double d;

	switch (p->type) {
	case PARAM_STRING:
		if ((int64_t)len < p->min || (p->max > 0 && (int64_t)len > p->max))
			return pool_printf(pool, "%s must be %s%lld bytes", p->name,
			                   (int64_t)len < p->min ? "at least " : "at most ",
			                   (long long)((int64_t)len < p->min ? p->min : p->max));
		break;
	case PARAM_TEXT:
		if (valid_text(v, (size_t)p->min, (size_t)p->max, (size_t)p->max * 4) != 0)
			return pool_printf(pool, "%s must be %lld to %lld characters of text",
			                   p->name, (long long)p->min, (long long)p->max);
		break;
	case PARAM_INT:
		if (valid_i64(v, p->min, p->max, NULL) != 0)
			return pool_printf(pool, "%s must be a whole number from %lld to %lld",
			                   p->name, (long long)p->min, (long long)p->max);
		break;
	case PARAM_BOOL:
		if (valid_enum(v, bools) < 0)
			return pool_printf(pool, "%s must be true or false", p->name);
		break;
	case PARAM_NUMBER:
		if (number_of(v, &d) < 0 || d < (double)p->min || d > (double)p->max)
			return pool_printf(pool, "%s must be a number from %lld to %lld",
			                   p->name, (long long)p->min, (long long)p->max);
		break;
	case PARAM_ENUM:
	case PARAM_LIST:
		if (p->values != NULL && valid_enum(v, p->values) < 0)
			return pool_printf(pool, "%s must be %s", p->name, one_of(pool, p->values));
		break;
	case PARAM_OBJECTS:
	case PARAM_NUMBERS:
		return pool_printf(pool, "%s must be %s", p->name, p->type == PARAM_OBJECTS ?
		                   "an array of objects" : "an object of numbers");
	}
	if (p->check != NULL && !p->check(v))
		return pool_printf(pool, "%s must be %s", p->name, p->rule ? p->rule : "valid");
	return NULL;
}

/* v itself, or for a field that wants it (.upper) an upper-cased pool copy. */
static const char *
normalised(struct req *r, const struct param *p, const char *v)
{
	char *up;

	if (!p->upper)
		return v;
	up = pool_strdup(r->pool, v);
	valid_symbol_normalise(up);
	return up;
}

/* A JSON string member normalised in place (.upper); its new text. */
static const char *
normalise_member(struct req *r, const struct param *p, json_object *v)
{
	const char *s = normalised(r, p, json_object_get_string(v));

	if (p->upper)
		json_object_set_string(v, s);
	return json_object_get_string(v);
}

/* Every query argument declared, none twice, each valid; required present. */
static int
query_or_reply(struct req *r)
{
	const struct param *q = r->route->query;
	const char *why;

	for (int i = 0; i < r->nargs; i++) {
		const char *name = r->args[i].name;
		const struct param *p = NULL;

		for (const struct param *k = q; k != NULL && k->name != NULL; k++)
			if (strcmp(k->name, name) == 0)
				p = k;
		if (p == NULL)
			return reply_errorf(r, ERR_VALIDATION_FAILED, field_name(name),
			                    "unknown query parameter%s", q && q->name ? "" :
			                    ": this resource takes no query"), -1;
		for (int k = 0; k < i; k++)
			if (strcmp(r->args[k].name, name) == 0)
				return reply_errorf(r, ERR_VALIDATION_FAILED, p->name,
				                    "%s is given more than once", p->name), -1;
		r->args[i].value = normalised(r, p, r->args[i].value);
		if ((why = contract_value_fault(r, p, r->args[i].value)) != NULL)
			return reply_error(r, ERR_VALIDATION_FAILED, p->name, why), -1;
	}
	for (const struct param *p = q; p != NULL && p->name != NULL; p++)
		if (p->required && req_query(r, p->name) == NULL)
			return reply_errorf(r, ERR_VALIDATION_FAILED, p->name, "%s is required",
			                    p->name), -1;
	return 0;
}

static int member_or_reply(struct req *r, const struct param *p, json_object *v);

static const char *
type_name(enum param_type t)
{
	switch (t) {
	case PARAM_OBJECTS: return "an array of objects";
	case PARAM_NUMBERS: return "an object of numbers";
	case PARAM_INT: return "a whole number";
	case PARAM_BOOL: return "true or false";
	case PARAM_LIST: return "an array of strings";
	case PARAM_NUMBER: return "a number";
	default: return "a string";
	}
}

/* -1 after a 422 when n, the items or members of p, is out of its bounds. */
static int
count_or_reply(struct req *r, const struct param *p, size_t n)
{
	if ((int64_t)n >= p->min && (int64_t)n <= p->max)
		return 0;
	return reply_errorf(r, ERR_VALIDATION_FAILED, p->name, "%s must %s at %s %lld",
	                    p->name, p->type == PARAM_NUMBERS ? "hold" : "list",
	                    (int64_t)n < p->min ? "least" : "most",
	                    (long long)((int64_t)n < p->min ? p->min : p->max)), -1;
}

/* Object o, item i of p (PARAM_OBJECTS), against p->fields: each member
 * checked as "p[i].field"; -1 after replying. */
static int
item_or_reply(struct req *r, const struct param *p, size_t i, json_object *o)
{
	json_object *v;

	if (!json_object_is_type(o, json_type_object))
		return reply_errorf(r, ERR_VALIDATION_FAILED,
		                    pool_printf(r->pool, "%s[%zu]", p->name, i),
		                    "%s[%zu] must be an object", p->name, i), -1;
	json_object_object_foreach(o, key, val) {
		const struct param *k = p->fields;
		struct param sub;

		while (k->name != NULL && strcmp(k->name, key) != 0)
			k++;
		if (k->name == NULL)
			return reply_errorf(r, ERR_VALIDATION_FAILED,
			                    pool_printf(r->pool, "%s[%zu]", p->name, i),
			                    "%s[%zu]: unknown field%s%s", p->name, i,
			                    field_name(key) ? " " : "",
			                    field_name(key) ? key : ""), -1;
		sub = *k;
		sub.name = pool_printf(r->pool, "%s[%zu].%s", p->name, i, k->name);
		if (member_or_reply(r, &sub, val) < 0)
			return -1;
	}
	for (const struct param *k = p->fields; k->name != NULL; k++)
		if (k->required && !json_object_object_get_ex(o, k->name, &v)) {
			const char *f = pool_printf(r->pool, "%s[%zu].%s", p->name, i, k->name);

			return reply_errorf(r, ERR_VALIDATION_FAILED, f, "%s is required", f), -1;
		}
	return 0;
}

/* One body member against its field; -1 after replying. */
static int
member_or_reply(struct req *r, const struct param *p, json_object *v)
{
	const char *why = NULL;

	switch (p->type) {
	case PARAM_INT:
		if (!json_object_is_type(v, json_type_int))
			goto wrong;
		why = contract_value_fault(r, p, json_object_get_string(v));
		break;
	case PARAM_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			goto wrong;
		break;
	case PARAM_NUMBER:
		if (!json_object_is_type(v, json_type_int) &&
		    !json_object_is_type(v, json_type_double))
			goto wrong;
		why = contract_value_fault(r, p, json_object_get_string(v));
		break;
	case PARAM_LIST: {
		size_t n;

		if (!json_object_is_type(v, json_type_array))
			goto wrong;
		n = json_object_array_length(v);
		if ((int64_t)n < p->min || (int64_t)n > p->max)
			return reply_errorf(r, ERR_VALIDATION_FAILED, p->name,
			                    "%s must list at %s %lld", p->name,
			                    (int64_t)n < p->min ? "least" : "most",
			                    (long long)((int64_t)n < p->min ? p->min : p->max)), -1;
		for (size_t i = 0; i < n && why == NULL; i++) {
			json_object *s = json_object_array_get_idx(v, i);

			if (!json_object_is_type(s, json_type_string))
				return reply_errorf(r, ERR_VALIDATION_FAILED, p->name,
				                    "%s[%zu] must be a string", p->name, i), -1;
			why = contract_value_fault(r, p, normalise_member(r, p, s));
			if (why != NULL)
				why = pool_printf(r->pool, "%s[%zu]: %s", p->name, i, why);
			for (size_t k = 0; k < i && why == NULL; k++)
				if (strcmp(json_object_get_string(json_object_array_get_idx(v, k)),
				           json_object_get_string(s)) == 0)
					why = pool_printf(r->pool, "%s[%zu] repeats %s", p->name,
					                  i, json_object_get_string(s));
		}
		break;
	}
	case PARAM_OBJECTS:
		if (!json_object_is_type(v, json_type_array))
			goto wrong;
		if (count_or_reply(r, p, json_object_array_length(v)) < 0)
			return -1;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (item_or_reply(r, p, i, json_object_array_get_idx(v, i)) < 0)
				return -1;
		break;
	case PARAM_NUMBERS:
		if (!json_object_is_type(v, json_type_object))
			goto wrong;
		if (count_or_reply(r, p, (size_t)json_object_object_length(v)) < 0)
			return -1;
		json_object_object_foreach(v, key, num) {
			if (field_name(key) == NULL)
				return reply_errorf(r, ERR_VALIDATION_FAILED, p->name,
				                    "%s: a member's name is not a name", p->name), -1;
			if ((!json_object_is_type(num, json_type_int) &&
			     !json_object_is_type(num, json_type_double)) ||
			    !isfinite(json_object_get_double(num)))
				return reply_errorf(r, ERR_VALIDATION_FAILED, p->name,
				                    "%s.%s must be a number", p->name, key), -1;
		}
		break;
	default:
		if (!json_object_is_type(v, json_type_string))
			goto wrong;
		why = contract_value_fault(r, p, normalise_member(r, p, v));
		break;
	}
	if (why != NULL)
		return reply_error(r, ERR_VALIDATION_FAILED, p->name, why), -1;
	return 0;
wrong:
	return reply_errorf(r, ERR_VALIDATION_FAILED, p->name, "%s must be %s", p->name,
	                    type_name(p->type)), -1;
}

static int
json_content_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* The body members against the declared fields; -1 after replying. */
static int
body_or_reply(struct req *r)
{
	const struct param *b = r->route->body;
	const char *why = NULL;
	json_object *v;

	if (r->json == NULL) {
		if (r->body_len == 0)
			goto required;
		if (!json_content_type(req_param(r, "CONTENT_TYPE")))
			return reply_error(r, ERR_UNSUPPORTED_MEDIA_TYPE, NULL, NULL), -1;
		if ((r->json = req_parse_json(r->pool, r->body, r->body_len, &why)) == NULL)
			return reply_error(r, ERR_INVALID_JSON, NULL, why), -1;
	}
	json_object_object_foreach(r->json, key, val) {
		const struct param *p = NULL;

		for (const struct param *k = b; k->name != NULL; k++)
			if (strcmp(k->name, key) == 0)
				p = k;
		if (p == NULL)
			return reply_error(r, ERR_VALIDATION_FAILED, field_name(key),
			                   "unknown field"), -1;
		if (member_or_reply(r, p, val) < 0)
			return -1;
	}
required:
	for (const struct param *p = b; p->name != NULL; p++)
		if (p->required && (r->json == NULL ||
		                    !json_object_object_get_ex(r->json, p->name, &v)))
			return reply_errorf(r, ERR_VALIDATION_FAILED, p->name, "%s is required",
			                    p->name), -1;
	return 0;
}

int
contract_check_or_reply(struct req *r)
{
	if (query_or_reply(r) < 0)
		return -1;
	if (r->route->body != NULL)
		return body_or_reply(r);
	if (r->json != NULL && json_object_object_length(r->json) > 0) {
		json_object_object_foreach(r->json, key, val) {
			(void)val;
			return reply_error(r, ERR_VALIDATION_FAILED, field_name(key),
			                   "unknown field"), -1;
		}
	}
	return 0;
}

/* The declared value of name: query text, or the body member. */
static const char *
value_of(const struct req *r, const char *name, json_object **member)
{
	int in_body = 0;
	const struct param *p = contract_find(r->route, name, &in_body);

	assert(p != NULL && "a handler reads only what its route declares");
	*member = NULL;
	if (p == NULL)
		return NULL;
	if (!in_body)
		return req_query(r, name);
	if (r->json == NULL || !json_object_object_get_ex(r->json, name, member))
		return NULL;
	return json_object_get_string(*member);
}

const char *
req_str(const struct req *r, const char *name)
{
	json_object *m;

	return value_of(r, name, &m);
}

int64_t
req_int(const struct req *r, const char *name, int64_t def)
{
	json_object *m;
	const char *v = value_of(r, name, &m);
	int64_t out;

	if (m != NULL)
		return json_object_get_int64(m);
	return v != NULL && valid_i64(v, INT64_MIN, INT64_MAX, &out) == 0 ? out : def;
}

double
req_number(const struct req *r, const char *name, double def)
{
	json_object *m;
	const char *v = value_of(r, name, &m);
	double d;

	if (m != NULL)
		return json_object_get_double(m);
	return v != NULL && number_of(v, &d) == 0 ? d : def;
}

int
req_bool(const struct req *r, const char *name, int def)
{
	json_object *m;
	const char *v = value_of(r, name, &m);

	if (m != NULL)
		return json_object_get_boolean(m);
	return v == NULL ? def : strcmp(v, "true") == 0;
}

int
req_list(const struct req *r, const char *name, const char ***out)
{
	json_object *m;
	const char **v;
	size_t n;

	value_of(r, name, &m);
	*out = NULL;
	if (m == NULL || !json_object_is_type(m, json_type_array))
		return 0;
	n = json_object_array_length(m);
	v = pool_alloc(r->pool, sizeof(*v) * (n + 1));
	for (size_t i = 0; i < n; i++)
		v[i] = json_object_get_string(json_object_array_get_idx(m, i));
	v[n] = NULL;
	*out = v;
	return (int)n;
}

json_object *
req_member(const struct req *r, const char *name)
{
	json_object *m;

	value_of(r, name, &m);
	return m;
}

int
req_has(const struct req *r, const char *name)
{
	json_object *m;

	return value_of(r, name, &m) != NULL || m != NULL;
}

int
contract_unknown_quotas(const struct route *routes, const char *const *known,
                        void (*fn)(const char *quota, void *ctx), void *ctx)
{
	int n = 0;

	for (const struct route *rt = routes; rt->method != NULL; rt++) {
		if (rt->quota == NULL || valid_enum(rt->quota, known) >= 0)
			continue;
		if (fn != NULL)
			fn(rt->quota, ctx);
		n++;
	}
	return n;
}
