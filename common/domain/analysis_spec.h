/* analysis_spec.h: a user's strategy (struct analysis_spec, analysis.h) as
 * JSON: its components [{name, weight, params}] read and checked against
 * the catalogue, written back in canonical form; the catalogue as JSON. */
#ifndef EDGESCOUT_ANALYSIS_SPEC_H
#define EDGESCOUT_ANALYSIS_SPEC_H

#include <json-c/json.h>
#include <stdint.h>

#include "analysis.h"

struct pool;

#define ANALYSIS_MAX_WEIGHT 1000.0   /* a component's weight: (0, 1000] */

/* Read components (an array of 1..ANALYSIS_MAX_COMPONENTS objects
 * {name, weight, params?}, each component once, weight in (0, 1000],
 * params by name within the catalogue's bounds, the others defaulted) and
 * thresholds buy_at in (0, 100], sell_at in [0, 100), sell_at < buy_at,
 * into out (out->name left NULL). 0, or -1 with *field naming the faulty
 * member ("components[1].params.low") and *why (both pool p or static). */
int analysis_spec_parse(struct pool *p, json_object *components, double buy_at,
    double sell_at, struct analysis_spec *out, const char **field, const char **why);

/* 1 when s is "user:<id>", a user's strategy (id 1 to 18 digits, no
 * leading zero), with the id in *id. */
int analysis_user_strategy_id(const char *s, int64_t *id);

/* sp's components as a JSON array (owned by the caller), every parameter
 * written out: what analysis_spec_parse() reads back as sp. */
json_object *analysis_spec_components_json(const struct analysis_spec *sp);

/* sp as a JSON object (owned by the caller): {components, buy_at,
 * sell_at}, what analysis_spec_parse() reads back as sp. */
json_object *analysis_spec_json(const struct analysis_spec *sp);

/* The catalogue as a JSON array (owned by the caller): each component's
 * name, description and parameters [{name, default, min, max,
 * description}]. */
json_object *analysis_catalogue_json(void);

#endif
