/* analysis_spec.c: a user's strategy read from and written as JSON, and
 * the component catalogue as JSON (analysis_spec.h). */
#include "analysis_spec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "pool.h"

/* The catalogue's parameter name of component k, or -1. */
static int
param_index(enum analysis_component_kind k, const char *name)
{
	for (int i = 0; i < analysis_catalogue[k].nparams; i++)
		if (strcmp(analysis_catalogue[k].param[i].name, name) == 0)
			return i;
	return -1;
}

/* Part i of sp from object o ({name, weight, params}); 0 or -1 with *field
 * and *why (pool p). */
static int
part_parse(struct pool *p, json_object *o, int i, struct analysis_part *pt,
    const char **field, const char **why)
{
	json_object *name, *weight, *params;
	const struct analysis_component_def *d;
	int k;

	*field = pool_printf(p, "components[%d].name", i);
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "name", &name) ||
	    (k = analysis_component_parse(json_object_get_string(name))) < 0)
		return *why = "must name a component of GET /api/strategies/components", -1;
	d = &analysis_catalogue[k];
	pt->kind = (enum analysis_component_kind)k;
	*field = pool_printf(p, "components[%d].weight", i);
	if (!json_object_object_get_ex(o, "weight", &weight) ||
	    !(json_object_is_type(weight, json_type_int) ||
	      json_object_is_type(weight, json_type_double)) ||
	    !(json_object_get_double(weight) > 0 &&
	      json_object_get_double(weight) <= ANALYSIS_MAX_WEIGHT))
		return *why = "the weight must be a number above 0 and at most 1000", -1;
	pt->weight = json_object_get_double(weight);
	for (int j = 0; j < ANALYSIS_MAX_PARAMS; j++)
		pt->param[j] = j < d->nparams ? d->param[j].def : 0;
	if (!json_object_object_get_ex(o, "params", &params) || params == NULL)
		return 0;
	if (!json_object_is_type(params, json_type_object))
		return *field = pool_printf(p, "components[%d].params", i),
		       *why = "params must be an object of numbers", -1;
	json_object_object_foreach(params, key, val) {
		int j = param_index(pt->kind, key);
		double v = json_object_get_double(val);

		*field = pool_printf(p, "components[%d].params", i);
		if (j < 0)
			return *why = d->nparams == 0 ?
			    pool_printf(p, "%s takes no parameters", d->name) :
			    pool_printf(p, "%s takes only %s%s%s", d->name, d->param[0].name,
			                d->nparams > 1 ? " and " : "",
			                d->nparams > 1 ? d->param[1].name : ""), -1;
		*field = pool_printf(p, "components[%d].params.%s", i, d->param[j].name);
		if (!(json_object_is_type(val, json_type_int) ||
		      json_object_is_type(val, json_type_double)) ||
		    !(v >= d->param[j].min && v <= d->param[j].max))
			return *why = pool_printf(p, "must be a number from %g to %g",
			                          d->param[j].min, d->param[j].max), -1;
		pt->param[j] = v;
	}
	return 0;
}

int
analysis_spec_parse(struct pool *p, json_object *components, double buy_at,
    double sell_at, struct analysis_spec *out, const char **field, const char **why)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	*field = "components";
	if (!json_object_is_type(components, json_type_array))
		return *why = "components must be an array of objects", -1;
	n = json_object_array_length(components);
	if (n < 1 || n > ANALYSIS_MAX_COMPONENTS)
		return *why = "components must list 1 to 12 components", -1;
	for (size_t i = 0; i < n; i++) {
		if (part_parse(p, json_object_array_get_idx(components, i), (int)i,
		               &out->part[i], field, why) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (out->part[j].kind == out->part[i].kind)
				return *field = pool_printf(p, "components[%zu].name", i),
				       *why = "a component is listed once", -1;
	}
	out->n = (int)n;
	*field = "buy_at";
	if (!(buy_at > 0 && buy_at <= 100))
		return *why = "buy_at must be above 0 and at most 100", -1;
	*field = "sell_at";
	if (!(sell_at >= 0 && sell_at < 100))
		return *why = "sell_at must be at least 0 and below 100", -1;
	if (!(sell_at < buy_at))
		return *why = "sell_at must be below buy_at", -1;
	out->buy_at = buy_at;
	out->sell_at = sell_at;
	*field = *why = NULL;
	return 0;
}

int
analysis_user_strategy_id(const char *s, int64_t *id)
{
	size_t n;

	if (strncmp(s, "user:", 5) != 0)
		return 0;
	s += 5;
	n = strspn(s, "0123456789");
	if (n < 1 || n > 18 || s[n] != '\0' || s[0] == '0')
		return 0;
	*id = strtoll(s, NULL, 10);
	return 1;
}

json_object *
analysis_spec_components_json(const struct analysis_spec *sp)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < sp->n; i++) {
		const struct analysis_part *pt = &sp->part[i];
		const struct analysis_component_def *d = &analysis_catalogue[pt->kind];
		json_object *o = json_object_new_object(), *prm = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(d->name));
		json_object_object_add(o, "weight", jsonv_number(pt->weight));
		for (int j = 0; j < d->nparams; j++)
			json_object_object_add(prm, d->param[j].name, jsonv_number(pt->param[j]));
		json_object_object_add(o, "params", prm);
		json_object_array_add(a, o);
	}
	return a;
}

json_object *
analysis_spec_json(const struct analysis_spec *sp)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "components", analysis_spec_components_json(sp));
	json_object_object_add(o, "buy_at", jsonv_number(sp->buy_at));
	json_object_object_add(o, "sell_at", jsonv_number(sp->sell_at));
	return o;
}

json_object *
analysis_catalogue_json(void)
{
	json_object *items = json_object_new_array();

	for (int k = 0; k < COMPONENT_COUNT; k++) {
		const struct analysis_component_def *d = &analysis_catalogue[k];
		json_object *o = json_object_new_object(), *prm = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(d->name));
		json_object_object_add(o, "description", json_object_new_string(d->description));
		for (int j = 0; j < d->nparams; j++) {
			json_object *q = json_object_new_object();

			json_object_object_add(q, "name", json_object_new_string(d->param[j].name));
			json_object_object_add(q, "default", jsonv_number(d->param[j].def));
			json_object_object_add(q, "min", jsonv_number(d->param[j].min));
			json_object_object_add(q, "max", jsonv_number(d->param[j].max));
			json_object_object_add(q, "description",
			                       json_object_new_string(d->param[j].description));
			json_object_array_add(prm, q);
		}
		json_object_object_add(o, "parameters", prm);
		json_object_array_add(items, o);
	}
	return items;
}
