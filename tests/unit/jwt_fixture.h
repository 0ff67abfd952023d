/* jwt_fixture.h: the fixture of the access-token tests (test_jwt,
 * test_jwt_claims): the golden token, set-up and teardown with its secret,
 * forging tokens with chosen parts, and the refused / accepted checks.
 *
 * The golden token was computed independently with OpenSSL:
 *   S='golden-secret-key-for-unit-tests-0123456789'
 *   M=$(printf %s "$S" | openssl dgst -sha256 -r | cut -c1-64)
 *   K=$(printf %s jwt | openssl dgst -sha256 -mac HMAC -macopt hexkey:$M -r | cut -c1-64)
 *   H=$(printf %s '{"alg":"HS256","typ":"at+jwt"}' | basenc --base64url | tr -d =)
 *   P=$(printf %s '{"iss":"edgescout","aud":"edgescout-api","sub":"42","iat":1700000000,'\
 *   '"nbf":1700000000,"exp":1700000900,"jti":"AAAAAAAAAAAAAAAAAAAAAA","tier":"pro",'\
 *   '"role":"admin","gen":3}' | basenc --base64url -w0 | tr -d =)
 *   printf %s "$H.$P" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K -binary |
 *     basenc --base64url | tr -d =
 * and the HMAC primitive against RFC 4231 test cases 1 and 2:
 *   printf %s 'what do ya want for nothing?' | openssl dgst -sha256 -hmac Jefe */
#ifndef EDGESCOUT_TEST_JWT_FIXTURE_H
#define EDGESCOUT_TEST_JWT_FIXTURE_H

#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"
#include "token.h"

#define GOLDEN_SECRET "golden-secret-key-for-unit-tests-0123456789"
#define OTHER_SECRET "another-secret-key-for-unit-tests-987654321"
#define GOLDEN_TOKEN \
	"eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9." \
	"eyJpc3MiOiJlZGdlc2NvdXQiLCJhdWQiOiJlZGdlc2NvdXQtYXBpIiwic3ViIjoiNDIiLCJpYXQiOjE3MDAw" \
	"MDAwMDAsIm5iZiI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwOTAwLCJqdGkiOiJBQUFBQUFBQUFBQUFBQUFB" \
	"QUFBQUFBIiwidGllciI6InBybyIsInJvbGUiOiJhZG1pbiIsImdlbiI6M30." \
	"a2Az0HtCP7LQPuCkXCv_laNWHa6e5gAWjHHnS4oATMM"
#define GOLDEN_HEADER "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}"
#define NOW INT64_C(1700000100)

static __attribute__((unused)) int
setup(void **state)
{
	*state = pool_new();
	setenv("SECRET_KEY", GOLDEN_SECRET, 1);
	unsetenv("JWT_ISSUER");
	unsetenv("JWT_AUDIENCE");
	return 0;
}

static __attribute__((unused)) int
teardown(void **state)
{
	pool_free(*state);
	unsetenv("SECRET_KEY");
	unsetenv("JWT_ISSUER");
	unsetenv("JWT_AUDIENCE");
	return 0;
}

/* h64.p64.MAC with the real "jwt" subkey, whatever the parts hold. */
static __attribute__((unused)) const char *
forge_raw(struct pool *p, const char *h64, const char *p64)
{
	unsigned char key[TOKEN_KEY_BYTES], mac[crypto_auth_hmacsha256_BYTES];
	char *input = pool_printf(p, "%s.%s", h64, p64);

	assert_int_equal(token_subkey("jwt", key), 0);
	crypto_auth_hmacsha256(mac, (const unsigned char *)input, strlen(input), key);
	return pool_printf(p, "%s.%s", input, token_b64url(p, mac, sizeof(mac)));
}

/* A correctly signed token of these header and payload texts. */
static __attribute__((unused)) const char *
forge(struct pool *p, const char *header, const char *payload)
{
	return forge_raw(p, token_b64url(p, (const unsigned char *)header, strlen(header)),
	    token_b64url(p, (const unsigned char *)payload, strlen(payload)));
}

/* Set claim key to the raw JSON value (removed when value is NULL). */
static __attribute__((unused)) void
set_claim(json_object *o, const char *key, const char *value)
{
	if (key != NULL && value == NULL)
		json_object_object_del(o, key);
	else if (key != NULL)
		json_object_object_add(o, key, json_tokener_parse(value));
}

/* Valid claims with these times, then up to two claims changed (k1 = NULL:
 * none) as set_claim() does. */
static __attribute__((unused)) const char *
claims_full(struct pool *p, int64_t iat, int64_t nbf, int64_t exp,
    const char *k1, const char *v1, const char *k2, const char *v2)
{
	json_object *o = json_object_new_object();
	const char *s;

	json_object_object_add(o, "iss", json_object_new_string("edgescout"));
	json_object_object_add(o, "aud", json_object_new_string("edgescout-api"));
	json_object_object_add(o, "sub", json_object_new_string("7"));
	json_object_object_add(o, "iat", json_object_new_int64(iat));
	json_object_object_add(o, "nbf", json_object_new_int64(nbf));
	json_object_object_add(o, "exp", json_object_new_int64(exp));
	json_object_object_add(o, "jti", json_object_new_string("abcdefghijklmnopqrstuv"));
	json_object_object_add(o, "tier", json_object_new_string("free"));
	json_object_object_add(o, "role", json_object_new_string("user"));
	json_object_object_add(o, "gen", json_object_new_int64(1));
	set_claim(o, k1, v1);
	set_claim(o, k2, v2);
	s = pool_strdup(p, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/* Valid claims issued at NOW for 15 minutes, with one claim changed. */
static __attribute__((unused)) const char *
claims(struct pool *p, const char *key, const char *value)
{
	return claims_full(p, NOW, NOW, NOW + 900, key, value, NULL, NULL);
}

/* Assert that token is refused at NOW with exactly the reason want. */
static __attribute__((unused)) void
refused(struct pool *p, const char *token, const char *want)
{
	struct jwt_claims c = { .sub = -5 };
	const char *why = NULL;

	if (jwt_verify(p, token, NOW, &c, &why) == 0)
		fail_msg("accepted: %s", token);
	assert_non_null(why);
	if (strcmp(why, want) != 0)
		fail_msg("refused with \"%s\", want \"%s\": %s", why, want, token);
	assert_int_equal(c.sub, -5);    /* untouched */
}

static __attribute__((unused)) void
accepted(struct pool *p, const char *token, int64_t now)
{
	struct jwt_claims c;
	const char *why = NULL;

	if (jwt_verify(p, token, now, &c, &why) != 0)
		fail_msg("refused (%s): %s", why, token);
}

/* A claim replaced, signed with the right key, refused with want. */
static __attribute__((unused)) void
claim_refused(struct pool *p, const char *key, const char *value, const char *want)
{
	refused(p, forge(p, GOLDEN_HEADER, claims(p, key, value)), want);
}


#endif
