/* token.c: random secrets, their keyed hashes, and subkeys of SECRET_KEY.
 *
 * Each subkey is derived once per value of SECRET_KEY and kept: every call
 * compares the current value with a copy of the one the cache was built
 * from, so a change of SECRET_KEY takes effect at once. Key material on the
 * stack is wiped before returning. */
#include "token.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#include "config.h"
#include "pool.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Subkeys derived from the SECRET_KEY value in secret_copy (secret_len
 * bytes); secret_len 0 means nothing is cached. */
#define SUBKEY_SLOTS 4
#define SECRET_COPY_MAX 512
static char secret_copy[SECRET_COPY_MAX];
static size_t secret_len;
static struct {
	char purpose[24];       /* "": free slot */
	unsigned char key[TOKEN_KEY_BYTES];
} subkeys[SUBKEY_SLOTS];

static void
subkey_cache_reset(void)
{
	sodium_memzero(secret_copy, sizeof(secret_copy));
	sodium_memzero(subkeys, sizeof(subkeys));
	secret_len = 0;
}

int
token_subkey(const char *purpose, unsigned char out[TOKEN_KEY_BYTES])
{
	const char *secret = config_get("SECRET_KEY");
	unsigned char master[crypto_hash_sha256_BYTES];
	size_t n, i;
	int cacheable;

	assert(purpose != NULL);
	if (secret == NULL || *secret == '\0')
		return -1;
	n = strlen(secret);
	cacheable = n < sizeof(secret_copy);
	if (cacheable && n == secret_len && memcmp(secret, secret_copy, n) == 0) {
		for (i = 0; i < SUBKEY_SLOTS && subkeys[i].purpose[0] != '\0'; i++)
			if (strcmp(subkeys[i].purpose, purpose) == 0) {
				memcpy(out, subkeys[i].key, TOKEN_KEY_BYTES);
				return 0;
			}
	} else {
		subkey_cache_reset();
		if (cacheable) {
			memcpy(secret_copy, secret, n);
			secret_len = n;
		}
	}
	crypto_hash_sha256(master, (const unsigned char *)secret, n);
	crypto_auth_hmacsha256(out, (const unsigned char *)purpose, strlen(purpose), master);
	sodium_memzero(master, sizeof(master));
	/* purposes beyond the slots, or too long for one, are derived each time */
	if (secret_len != 0 && *purpose != '\0' && strlen(purpose) < sizeof(subkeys[0].purpose))
		for (i = 0; i < SUBKEY_SLOTS; i++)
			if (subkeys[i].purpose[0] == '\0') {
				memcpy(subkeys[i].purpose, purpose, strlen(purpose) + 1);
				memcpy(subkeys[i].key, out, TOKEN_KEY_BYTES);
				break;
			}
	return 0;
}

char *
token_b64url(struct pool *p, const unsigned char *bin, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, B64URL);
	char *out = pool_alloc(p, cap);

	sodium_bin2base64(out, cap, bin, n, B64URL);
	return out;
}

unsigned char *
token_b64url_decode(struct pool *p, const char *s, size_t len, size_t *n)
{
	unsigned char *bin;
	const char *end = NULL;
	size_t got = 0;

	if (s == NULL)
		return NULL;
	/* len * 3 / 4 bytes at most; one more keeps an empty result non-NULL */
	bin = pool_alloc(p, len / 4 * 3 + 3);
	/* With b64_end given, libsodium stops at the first byte outside the
	 * alphabet instead of failing: everything must have been consumed. It
	 * fails by itself on a dangling character or non-zero trailing bits. */
	if (sodium_base642bin(bin, len / 4 * 3 + 3, s, len, NULL, &got, &end, B64URL) != 0 ||
	    end != s + len)
		return NULL;
	if (n != NULL)
		*n = got;
	return bin;
}

char *
token_new(struct pool *p, const char *prefix, size_t bytes)
{
	unsigned char *raw;
	char *b64, *out;

	assert(bytes > 0);
	raw = pool_alloc(p, bytes);
	randombytes_buf(raw, bytes);
	b64 = token_b64url(p, raw, bytes);
	sodium_memzero(raw, bytes);
	if (prefix == NULL || *prefix == '\0')
		return b64;
	out = pool_printf(p, "%s%s", prefix, b64);
	sodium_memzero(b64, strlen(b64));
	return out;
}

char *
token_hash(struct pool *p, const char *token)
{
	unsigned char key[TOKEN_KEY_BYTES], mac[crypto_auth_hmacsha256_BYTES];
	char *hex;

	if (token == NULL || token_subkey("token-hash", key) != 0)
		return NULL;
	crypto_auth_hmacsha256(mac, (const unsigned char *)token, strlen(token), key);
	sodium_memzero(key, sizeof(key));
	hex = pool_alloc(p, sizeof(mac) * 2 + 1);
	sodium_bin2hex(hex, sizeof(mac) * 2 + 1, mac, sizeof(mac));
	return hex;
}

int
token_equal(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return 0;
	n = strlen(a);
	if (strlen(b) != n)
		return 0;
	return sodium_memcmp(a, b, n) == 0;
}
