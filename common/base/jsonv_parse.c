/* jsonv_parse.c: strict parsing of a JSON object into pool-owned json-c
 * objects. */
#include "jsonv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "pool_json.h"
#include "valid.h"

json_object *
jsonv_parse(struct pool *p, const char *body, size_t len, int max_depth, const char **why)
{
	struct json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t used;

	if (len == 0) {
		*why = "the body is empty";
		return NULL;
	}
	if (memchr(body, '\0', len) != NULL || !valid_utf8(body, len)) {
		*why = "the body is not valid UTF-8";
		return NULL;
	}
	if (jsonv_check(body, len, max_depth, why) != 0)
		return NULL;
	if (body[strspn(body, " \t\r\n")] != '{') {
		*why = "the body must be a JSON object";
		return NULL;
	}
	{
		const char *dup;
		size_t dup_len;

		if (jsonv_duplicate_key(p, body, len, &dup, &dup_len)) {
			*why = "the body has a key twice";
			return NULL;
		}
	}
	tok = json_tokener_new_ex(max_depth + 1);
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		*why = jerr == json_tokener_success ? "the body must be a JSON object"
		                                    : "the body is not valid JSON";
		return NULL;
	}
	while (used < len && isspace((unsigned char)body[used]))
		used++;
	if (used != len) {
		json_object_put(obj);
		*why = "the body has data after the JSON value";
		return NULL;
	}
	pool_json(p, obj);
	if (!json_object_is_type(obj, json_type_object)) {
		*why = "the body must be a JSON object";
		return NULL;
	}
	return obj;
}

