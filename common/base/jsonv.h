/* jsonv.h: a strict RFC 8259 syntax check, run on every JSON body before
 * json-c builds objects from it (json-c alone accepts NaN, comments,
 * single quotes and other extensions). */
#ifndef EDGESCOUT_JSONV_H
#define EDGESCOUT_JSONV_H

#include <json-c/json.h>
#include <stddef.h>

struct pool;

/* 0 when s[0..n) is exactly one JSON value (with optional surrounding white
 * space) nested at most max_depth deep, with no unpaired surrogate and no
 * escaped NUL (\u0000); -1 otherwise with *why set to a short static reason.
 * Does not check that the bytes are UTF-8 (see valid_utf8). */
int jsonv_check(const char *s, size_t n, int max_depth, const char **why);

/* 1 when an object in s[0..n) — text jsonv_check accepted — has two members
 * whose keys are equal once unescaped; *key (pool memory) and *key_len name
 * the first found. 0 when every key is unique. */
int jsonv_duplicate_key(struct pool *p, const char *s, size_t n, const char **key,
                        size_t *key_len);

/* Room for any text of jsonv_shortest, with its NUL. */
#define JSONV_NUMBER_MAX 40

/* The shortest decimal that reads back exactly as v into out (size at least
 * JSONV_NUMBER_MAX): plain digits between 1e-4 and 1e15 ("2874.560059"),
 * else exponent form ("1e+20", "1e-05"); no "-0". 0, or -1 with out empty
 * when v is not finite. The one number formatter of JSON and CSV replies. */
int jsonv_shortest(char *out, size_t size, double v);

/* v as a JSON number printed by jsonv_shortest; NULL (JSON null) when not
 * finite. A new part for the caller's parent (see pool_json.h). */
json_object *jsonv_number(double v);

/* Parse s[0..n) as one JSON object: valid UTF-8, jsonv_check at max_depth,
 * no key twice. Returns it (owned by the pool) or NULL with *why set ("the
 * body is not valid JSON", "the body must be a JSON object", ...). */
json_object *jsonv_parse(struct pool *p, const char *s, size_t n, int max_depth,
                         const char **why);

#endif
