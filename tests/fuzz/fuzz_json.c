/* fuzz_json.c: req_parse_json and the jsonv_check it relies on.
 *
 * Invariants: jsonv_check never accepts a raw NUL byte (RFC 8259 has no
 * place for one); whatever it accepts (as UTF-8) json-c parses too; an object req_parse_json returns was accepted by jsonv_check,
 * and its serialisation is accepted again and serialises the same way; a
 * refusal always says why. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "pool.h"
#include "req.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_json: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#define TO_STRING (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* json-c, configured as req_parse_json configures it, must take s: the
 * trailing NUL tells it that a bare number at the end is complete. */
static void
check_jsonc_parses(const char *s, size_t n)
{
	struct json_tokener *tok = json_tokener_new_ex(REQ_MAX_JSON_DEPTH + 1);
	json_object *o;
	enum json_tokener_error err;

	CHECK(tok != NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)n + 1);
	err = json_tokener_get_error(tok);
	if (err != json_tokener_success)
		fprintf(stderr, "fuzz_json: json-c refused what jsonv accepted: %s\n",
		        json_tokener_error_desc(err));
	CHECK(err == json_tokener_success);
	json_object_put(o);
	json_tokener_free(tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool *p;
	const char *why = NULL, *jwhy = NULL, *text, *text2;
	char *body, *copy;
	json_object *obj, *again;
	size_t len, len2;
	int jv;

	if (p == NULL)
		p = pool_new();
	/* exactly size bytes, so reads past the end are caught */
	body = malloc(size ? size : 1);
	memcpy(body, data, size);
	obj = req_parse_json(p, body, size, &why);
	jv = jsonv_check(body, size, REQ_MAX_JSON_DEPTH, &jwhy);
	CHECK(jv == 0 || (jwhy != NULL && *jwhy != '\0'));
	CHECK(jv != 0 || memchr(body, '\0', size) == NULL);
	if (jv == 0 && valid_utf8(body, size)) {
		copy = pool_strndup(p, body, size);
		check_jsonc_parses(copy, size);
	}
	free(body);
	if (obj == NULL) {
		CHECK(why != NULL && *why != '\0');
		pool_reset(p);
		return 0;
	}
	CHECK(jv == 0);
	CHECK(json_object_is_type(obj, json_type_object));
	text = json_object_to_json_string_length(obj, TO_STRING, &len);
	CHECK(jsonv_check(text, len, REQ_MAX_JSON_DEPTH, &jwhy) == 0);
	why = NULL;
	again = req_parse_json(p, text, len, &why);
	if (again == NULL)
		fprintf(stderr, "fuzz_json: re-serialised object refused (%s): %s\n", why, text);
	CHECK(again != NULL);
	text2 = json_object_to_json_string_length(again, TO_STRING, &len2);
	CHECK(len2 == len && memcmp(text, text2, len) == 0);
	pool_reset(p);
	return 0;
}
