/* alert_sign.c: webhook signatures and unsubscribe tokens (alert_sign.h). */
#include "alert_sign.h"

#include <sodium.h>
#include <string.h>

#include "pool.h"

/* Hex HMAC-SHA256 of the two parts a and b under key (pool memory). */
static const char *
hmac_hex(struct pool *p, const unsigned char *key, size_t klen, const char *a, const char *b,
         size_t blen)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	char *hex = pool_alloc(p, 2 * sizeof(mac) + 1);

	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)a, strlen(a));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)b, blen);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, 2 * sizeof(mac) + 1, mac, sizeof(mac));
	return hex;
}

const char *
alert_signature(struct pool *p, const char *secret, long long t, const char *body, size_t len)
{
	return pool_printf(p, "t=%lld,v1=%s", t,
	                   hmac_hex(p, (const unsigned char *)secret, strlen(secret), pool_printf(p, "%lld.", t), body, len));
}

const char *
alert_unsubscribe_token(struct pool *p, const unsigned char key[32], long long id)
{
	const char *what = pool_printf(p, "%lld", id);

	return hmac_hex(p, key, 32, "unsubscribe:", what, strlen(what));
}

int
alert_unsubscribe_check(struct pool *p, const unsigned char key[32], long long id,
                        const char *token)
{
	const char *want = alert_unsubscribe_token(p, key, id);

	return strlen(token) == strlen(want) &&
	       sodium_memcmp(want, token, strlen(want)) == 0;
}

const char *
alert_verify_code(struct pool *p, const unsigned char key[32], long long id,
                  const char *nonce, int digits)
{
	const char *what = pool_printf(p, ":%lld:%s", id, nonce);
	const char *hex = hmac_hex(p, key, 32, "verify", what, strlen(what));
	unsigned long v = 0;

	if (!digits)
		return pool_strndup(p, hex, 32);
	for (int i = 0; i < 8; i++)   /* the first 32 bits, mod 10^6 */
		v = v * 16 + (unsigned long)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	return pool_printf(p, "%06lu", v % 1000000UL);
}
