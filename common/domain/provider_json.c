/* provider_json.c: the provider parsers' JSON reader: jsonv_check's strict
 * grammar, then json-c, then jsonv_duplicate_key (json-c keeps the last of
 * two equal keys silently, which would hide a repeated date). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonv.h"
#include "pool.h"
#include "pool_json.h"
#include "provider_parse.h"
#include "valid.h"

/* ---- JSON ------------------------------------------------------------- */

static const char not_a_container[] = "not a JSON object or array";

json_object *
prov_json_object(struct pool *p, const char *body, size_t len, const char **msg)
{
	json_object *obj = prov_json_value(p, body, len, msg);

	if ((obj == NULL && *msg == not_a_container) ||
	    (obj != NULL && !json_object_is_type(obj, json_type_object))) {
		*msg = "not a JSON object";
		return NULL;
	}
	return obj;
}

json_object *
prov_json_value(struct pool *p, const char *body, size_t len, const char **msg)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	const char *dup;
	size_t dup_len;
	const char *why = NULL;
	size_t lead;

	for (lead = 0; lead < len && strchr(" \t\r\n", body[lead]) && body[lead]; lead++)
		;
	if (lead == len) {
		*msg = "empty body";
		return NULL;
	}
	if (body[lead] == '<') {
		*msg = "not JSON (an HTML page?)";
		return NULL;
	}
	if (len > INT_MAX - 1) {
		*msg = "body too large";
		return NULL;
	}
	if (!valid_utf8(body, len)) {
		*msg = "not JSON (not UTF-8 text)";
		return NULL;
	}
	tok = json_tokener_new_ex(PROV_JSON_DEPTH + 1);
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (jsonv_check(body, len, PROV_JSON_DEPTH, &why) != 0) {
		/* json-c waiting for more input means the text stopped early */
		obj = json_tokener_parse_ex(tok, body, (int)len);
		jerr = json_tokener_get_error(tok);
		json_object_put(obj);
		json_tokener_free(tok);
		*msg = jerr == json_tokener_continue ? "truncated JSON"
		                                     : prov_text(p, "not valid JSON: ", why, strlen(why));
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		*msg = "not valid JSON";
		return NULL;
	}
	pool_json(p, obj);
	if (!json_object_is_type(obj, json_type_object) &&
	    !json_object_is_type(obj, json_type_array)) {
		*msg = not_a_container;
		return NULL;
	}
	if (jsonv_duplicate_key(p, body, len, &dup, &dup_len)) {
		*msg = pool_printf(p, "duplicate key %s", prov_text(p, "", dup, dup_len));
		return NULL;
	}
	return obj;
}
