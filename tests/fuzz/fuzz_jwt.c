/* fuzz_jwt.c: jwt_verify on outside input, and on signed claims.
 *
 * Each input is tried three ways:
 *   1. as a whole compact token: it must be refused (nobody outside holds the
 *      key), with a reason;
 *   2. as the claims of a token the harness signs with the real key and the
 *      standard header: whatever is accepted obeys every documented limit;
 *   3. split at the first newline into header and claims, both signed: the
 *      same.
 * Nothing may crash, leak or read out of bounds. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"
#include "pool.h"
#include "token.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_jwt: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#define NOW INT64_C(1700000100)
#define HEADER "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	setenv("SECRET_KEY", "fuzz-secret-key-0123456789abcdefghijklmnop", 1);
	unsetenv("JWT_ISSUER");
	unsetenv("JWT_AUDIENCE");
	return 0;
}

/* header.claims signed with the "jwt" subkey. */
static const char *
sign(struct pool *p, const uint8_t *h, size_t hn, const uint8_t *c, size_t cn)
{
	unsigned char key[TOKEN_KEY_BYTES], mac[crypto_auth_hmacsha256_BYTES];
	char *input;

	CHECK(token_subkey("jwt", key) == 0);
	input = pool_printf(p, "%s.%s", token_b64url(p, h, hn), token_b64url(p, c, cn));
	crypto_auth_hmacsha256(mac, (const unsigned char *)input, strlen(input), key);
	return pool_printf(p, "%s.%s", input, token_b64url(p, mac, sizeof(mac)));
}

/* Verify a signed token; when accepted, the claims must obey the limits. */
static void
verify_signed(struct pool *p, const char *token)
{
	struct jwt_claims c;
	const char *why = NULL;

	if (jwt_verify(p, token, NOW, &c, &why) != 0) {
		CHECK(why != NULL && *why != '\0');
		CHECK(strcmp(why, "bad signature") != 0);   /* the MAC is right */
		return;
	}
	CHECK(c.sub >= 1);
	CHECK(c.gen >= 1);
	CHECK(c.exp + JWT_LEEWAY > NOW);
	CHECK(c.nbf - JWT_LEEWAY <= NOW);
	CHECK(c.iat - JWT_LEEWAY <= NOW);
	CHECK(c.exp > c.iat && c.exp - c.iat <= 86400);
	CHECK(c.jti != NULL && *c.jti != '\0' && strlen(c.jti) <= 64);
	CHECK(strcmp(c.tier, "free") == 0 || strcmp(c.tier, "pro") == 0);
	CHECK(strcmp(c.role, "user") == 0 || strcmp(c.role, "admin") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool *p;
	const char *why = NULL;
	const uint8_t *nl;
	char *s;
	int rc;

	if (p == NULL)
		p = pool_new();
	/* 1: the bytes as a token; exactly size + 1 bytes, so overreads show */
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	rc = jwt_verify(p, s, NOW, NULL, &why);
	CHECK(rc == -1);
	CHECK(why != NULL && *why != '\0');
	free(s);
	/* 2 and 3: signed by the harness (tokens are at most 4096 bytes) */
	if (size <= 2800) {
		verify_signed(p, sign(p, (const uint8_t *)HEADER, strlen(HEADER), data, size));
		nl = memchr(data, '\n', size);
		if (nl != NULL)
			verify_signed(p, sign(p, data, (size_t)(nl - data), nl + 1,
			    size - (size_t)(nl - data) - 1));
	}
	pool_reset(p);
	return 0;
}
