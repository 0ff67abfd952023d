/* token.h: random secrets, their keyed hashes, and subkeys of SECRET_KEY.
 *
 * Tokens handed to clients (refresh tokens, session cookies, CSRF tokens,
 * API keys) are 256 random bits in base64url; the database keeps only
 * token_hash() of them, an HMAC under a subkey of SECRET_KEY, so a copy of
 * the database alone cannot be replayed. */
#ifndef EDGESCOUT_TOKEN_H
#define EDGESCOUT_TOKEN_H

#include <stddef.h>

struct pool;

#define TOKEN_KEY_BYTES 32

/* Derive the 32-byte key for purpose ("jwt", "token-hash") from SECRET_KEY:
 * HMAC-SHA256(SHA-256(SECRET_KEY), purpose). -1 when SECRET_KEY is unset. */
int token_subkey(const char *purpose, unsigned char out[TOKEN_KEY_BYTES]);

/* prefix followed by `bytes` random bytes in unpadded base64url (pool). */
char *token_new(struct pool *p, const char *prefix, size_t bytes);

/* Lower-case hex HMAC-SHA256 of token under the "token-hash" subkey (pool);
 * NULL when SECRET_KEY is unset. */
char *token_hash(struct pool *p, const char *token);

/* Constant-time equality of two NUL-terminated strings (length is not secret). */
int token_equal(const char *a, const char *b);

/* Unpadded base64url of n bytes (pool). */
char *token_b64url(struct pool *p, const unsigned char *bin, size_t n);

/* Decode unpadded base64url into pool memory; NULL on any invalid input
 * (padding, other alphabets, trailing bits). *n receives the length; a NUL
 * byte follows the decoded bytes. */
unsigned char *token_b64url_decode(struct pool *p, const char *s, size_t len, size_t *n);

#endif
