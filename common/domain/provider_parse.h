/* provider_parse.h: helpers shared by the provider parsers (provider_*.c);
 * not part of the public interface, which is provider.h. */
#ifndef EDGESCOUT_PROVIDER_PARSE_H
#define EDGESCOUT_PROVIDER_PARSE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "provider.h"

#define PROV_JSON_DEPTH 16          /* providers' replies nest 3 or 4 deep */

/* What the HTTP status alone says: OK for 0 and 2xx, RATE_LIMITED for 429,
 * FORBIDDEN for 401/403, UNAVAILABLE for 5xx, BAD_RESPONSE otherwise. */
enum provider_status prov_http_class(long http_status);

/* The generic message for a non-OK class of http_status ("HTTP 503"). */
const char *prov_http_msg(struct pool *p, long http_status);

/* Parse body as one JSON object: UTF-8 without NUL, jsonv_check strict,
 * no duplicate keys at any depth. The object is owned by pool p. NULL with
 * *msg set ("empty body", "not JSON (an HTML page?)", "truncated JSON", ...). */
json_object *prov_json_object(struct pool *p, const char *body, size_t len,
    const char **msg);

/* The same for a body that is one JSON object or one JSON array. */
json_object *prov_json_value(struct pool *p, const char *body, size_t len,
    const char **msg);

/* prefix then s[0..n) made log-safe: printable ASCII only (other bytes
 * become '?', white space runs one space), cut at PROVIDER_MSG_MAX bytes
 * with "...", "(no text)" when s has none. Pool memory. */
const char *prov_text(struct pool *p, const char *prefix, const char *s, size_t n);

/* Parse s[0..n) strictly as a JSON number (no spaces, '+', leading zeros,
 * "nan", "inf"; at most 64 bytes) to a finite double. 0, or -1. */
int prov_number(const char *s, size_t n, double *out);

/* The finite value of a JSON int or double; 0, or -1 for other types. */
int prov_json_number(json_object *v, double *out);

/* The value of a JSON integer, or of a double holding an integer exactly;
 * 0, or -1. */
int prov_json_int64(json_object *v, int64_t *out);

/* A volume from v: finite, >= 0, below 2^63, rounded to the nearest
 * integer. 0, or -1. */
int prov_volume(double v, int64_t *out);

/* The string member key of o, or NULL when absent or not a string. */
const char *prov_member_string(json_object *o, const char *key);

/* Sort tmp when sort is set, validate it, and on success store it in *out:
 * OK ("N candles"), NO_DATA for an empty series, or BAD_RESPONSE naming the
 * first bad bar's date. */
enum provider_status prov_finish(struct pool *p, struct candles *tmp, int sort,
    struct candles *out, const char **msg);

/* ---- CSV (provider_csv_read.c) ---- */

#define PROV_CSV_MAX_FIELDS 32

/* A CSV text being read: s[0..n), position i, 1-based line of i. */
struct prov_csv {
	const char *s;
	size_t n, i;
	size_t line;
};

/* One field of a record: s[0..n), not NUL-terminated. */
struct prov_span {
	const char *s;
	size_t n;
};

/* Read the record at c->i into f[0..*nf) (at most PROV_CSV_MAX_FIELDS):
 * 1, or -1 with *why set. The caller makes sure that c->i < c->n. Quoted
 * fields come back without their outer quotes (a doubled quote stays
 * doubled). */
int prov_csv_record(struct prov_csv *c, struct prov_span *f, size_t *nf, const char **why);

/* Field f as NUL-terminated pool text: doubled quotes made single. */
const char *prov_csv_text(struct pool *p, const struct prov_span *f);

/* 1 when only line breaks are left from c->i on. */
int prov_csv_rest_blank(const struct prov_csv *c);

#endif
