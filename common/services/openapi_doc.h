/* openapi_doc.h: the OpenAPI 3.1 document of every binary.
 *
 * Each binary prints the path items of its own route table (`X --openapi`,
 * openapi.h); openapi_collect runs them all and wraps the merged paths in
 * one document, which needs no route table: the CLI links it without the
 * web layer. */
#ifndef EDGESCOUT_OPENAPI_DOC_H
#define EDGESCOUT_OPENAPI_DOC_H

#include <json-c/json.h>

/* The whole document around paths (taken over): info, servers, security
 * schemes, the error envelope and one error response per status of the
 * catalogue (err.c). The caller owns the result. */
json_object *openapi_document(json_object *paths, const char *version);

/* The document of every binary in dir: each one's --openapi paths merged
 * (a method and path twice is an error) in path order, then wrapped by
 * openapi_document. NULL after a message on stderr. Caller owns it. */
json_object *openapi_collect(const char *dir, const char *version);

/* The JSON Schema of the error envelope, as the document's components hold it. */
json_object *openapi_error_schema(void);

#endif
