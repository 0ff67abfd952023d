/* valid.h: checks for values that come from outside (request bodies, query
 * strings, path segments, provider data).
 *
 * Every check is pure: it reads its argument, keeps no state and allocates
 * nothing (except valid_html_escape, which writes into a pool). A NULL string
 * is always invalid and never crashes. Boolean checks return 1/0; checks that
 * also produce a value return 0/-1 and write the value only on success. */
#ifndef EDGESCOUT_VALID_H
#define EDGESCOUT_VALID_H

#include <stddef.h>
#include <stdint.h>

struct pool;

/* Limits shared with callers that build error messages. */
#define VALID_EMAIL_MAX 254     /* bytes in an e-mail address */
#define VALID_URL_MAX 2048      /* bytes in a URL */
#define VALID_SYMBOL_MAX 10     /* bytes in a ticker symbol, '^' included */

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF, no NUL byte); 0 otherwise, and for NULL. */
int valid_utf8(const char *s, size_t n);

/* The number of code points in s[0..n), which should be valid UTF-8
 * (otherwise: the number of bytes that are not continuation bytes). 0 for NULL. */
size_t valid_utf8_len(const char *s, size_t n);

/* Parse s as a strict base-10 integer ("0", "42", "-7": no sign but a leading
 * '-', no spaces, no leading zeros, no "-0") within [min, max]. Returns 0 and
 * stores it in *out (if out is not NULL), or -1 without touching *out. */
int valid_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* The index of s in the NULL-terminated list allowed (exact, case-sensitive
 * match), or -1 when absent or either argument is NULL. */
int valid_enum(const char *s, const char *const *allowed);

/* 0 if s is valid UTF-8 free of control characters (C0, DEL and C1; only \t
 * \n \r are allowed), with [min_chars, max_chars] code points and at most
 * max_bytes bytes; -1 otherwise. */
/* The length of s[0..n) cut to at most max bytes without splitting a UTF-8
 * character: n when it fits, else max backed off (by 3 bytes at most) to
 * the start of a character that would cross max. Bytes that are not UTF-8
 * are cut anywhere. */
size_t valid_utf8_cut(const char *s, size_t n, size_t max);

/* s cut to at most max bytes as valid_utf8_cut: s itself when it fits,
 * else a copy in p's memory. NULL stays NULL. */
const char *valid_utf8_trunc(struct pool *p, const char *s, size_t max);

int valid_text(const char *s, size_t min_chars, size_t max_chars,
    size_t max_bytes);

/* 1 if s is a practical ASCII e-mail address: local part of 1..64 atext
 * characters and single inner dots, one '@', a DNS domain with at least one
 * dot and an alphabetic TLD of 2+ letters, 254 bytes in all; 0 otherwise. */
int valid_email(const char *s);

/* 1 if s is an absolute http(s) URL (https only when https_only; scheme in any
 * case): DNS/IPv4/[IPv6] host, port 1..65535, RFC 3986 path/query/fragment with
 * valid %XX; no userinfo or whitespace; <= 2048 bytes. Not an SSRF check. */
int valid_url(const char *s, int https_only);

/* 1 if s is an E.164 phone number: '+' then 8..15 digits, the first 1-9;
 * 0 otherwise. */
int valid_phone(const char *s);

/* Parse "12", "12.50", "-0.5" (no exponent/inf/nan/'+'/"01"/"5."/".5"/"-0";
 * '-' only if allow_negative; digit limits max_int >= 1, max_frac >= 0). 0 and
 * the nearest double in *out (if not NULL), or -1 leaving *out untouched. */
int valid_decimal(const char *s, int max_int_digits, int max_frac_digits,
    int allow_negative, double *out);

/* 1 if s is a ticker symbol: upper-case letters, digits, '.' and '-',
 * starting with a letter, optionally after one leading '^' (an index), at
 * most 10 bytes in all, no '.' or '-' at the end or twice in a row; 0 otherwise. */
int valid_symbol(const char *s);

/* Upper-case the ASCII letters of s in place: a symbol as typed ("aapl")
 * becomes the one stored ("AAPL"). s may be NULL. */
void valid_symbol_normalise(char *s);

/* A copy of s with & < > " ' replaced by &amp; &lt; &gt; &quot; &#39;,
 * owned by pool p (which must not be NULL). NULL when s is NULL. */
char *valid_html_escape(struct pool *p, const char *s);

#endif
