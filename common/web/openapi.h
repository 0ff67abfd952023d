/* openapi.h: the OpenAPI 3.1 description of route tables.
 *
 * Each binary prints the paths of its own table (`X --openapi`);
 * `edgescout openapi` runs every binary and wraps their paths in one
 * document with openapi_document (openapi_doc.h), so a new binary is
 * described with no other edit. */
#ifndef EDGESCOUT_OPENAPI_H
#define EDGESCOUT_OPENAPI_H

#include <json-c/json.h>
#include <stdio.h>

#include "route.h"

/* The OpenAPI path items of routes: {"/path": {"get": operation, ...}}.
 * NULL with *why set when a route's reply schema is not valid JSON. The
 * caller owns the result (json_object_put). */
json_object *openapi_paths(const struct route *routes, const char **why);

/* Print openapi_paths(routes) as JSON on f. 0, or -1 after a message on
 * stderr. */
int openapi_print_paths(FILE *f, const struct route *routes);

/* The JSON Schema of a compact reply shape ("{id:int, name:str, note~:str?}",
 * the grammar is in openapi_schema.c), or NULL with *why set. The caller
 * owns the result. */
json_object *openapi_schema(const char *shape, const char **why);

#endif
