/* openapi.h: the OpenAPI 3.1 description of route tables.
 *
 * Each binary prints the paths of its own table (`X --openapi`);
 * `edgescout openapi` runs every binary and wraps their paths in one
 * document with openapi_document, so a new binary is described with no
 * other edit. */
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

/* The whole document around paths (taken over): info, servers, security
 * schemes, the error envelope and one error response per status of the
 * catalogue (err.c). The caller owns the result. */
json_object *openapi_document(json_object *paths, const char *version);

/* The document of every binary in dir: each one's --openapi paths merged
 * (a method and path twice is an error) in path order, then wrapped by
 * openapi_document. NULL after a message on stderr. Caller owns it. */
json_object *openapi_collect(const char *dir, const char *version);

/* The JSON Schema of a compact reply shape ("{id:int, name:str, note~:str?}",
 * the grammar is in openapi_schema.c), or NULL with *why set. The caller
 * owns the result. */
json_object *openapi_schema(const char *shape, const char **why);

/* The JSON Schema of the error envelope, as the document's components hold it. */
json_object *openapi_error_schema(void);

#endif
