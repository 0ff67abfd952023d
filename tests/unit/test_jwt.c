/* test_jwt.c: signing and verifying access tokens.
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
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwt.h"
#include "pool.h"
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

static int
setup(void **state)
{
	*state = pool_new();
	setenv("SECRET_KEY", GOLDEN_SECRET, 1);
	unsetenv("JWT_ISSUER");
	unsetenv("JWT_AUDIENCE");
	return 0;
}

static int
teardown(void **state)
{
	pool_free(*state);
	unsetenv("SECRET_KEY");
	unsetenv("JWT_ISSUER");
	unsetenv("JWT_AUDIENCE");
	return 0;
}

/* h64.p64.MAC with the real "jwt" subkey, whatever the parts hold. */
static const char *
forge_raw(struct pool *p, const char *h64, const char *p64)
{
	unsigned char key[TOKEN_KEY_BYTES], mac[crypto_auth_hmacsha256_BYTES];
	char *input = pool_printf(p, "%s.%s", h64, p64);

	assert_int_equal(token_subkey("jwt", key), 0);
	crypto_auth_hmacsha256(mac, (const unsigned char *)input, strlen(input), key);
	return pool_printf(p, "%s.%s", input, token_b64url(p, mac, sizeof(mac)));
}

/* A correctly signed token of these header and payload texts. */
static const char *
forge(struct pool *p, const char *header, const char *payload)
{
	return forge_raw(p, token_b64url(p, (const unsigned char *)header, strlen(header)),
	    token_b64url(p, (const unsigned char *)payload, strlen(payload)));
}

/* Set claim key to the raw JSON value (removed when value is NULL). */
static void
set_claim(json_object *o, const char *key, const char *value)
{
	if (key != NULL && value == NULL)
		json_object_object_del(o, key);
	else if (key != NULL)
		json_object_object_add(o, key, json_tokener_parse(value));
}

/* Valid claims with these times, then up to two claims changed (k1 = NULL:
 * none) as set_claim() does. */
static const char *
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
static const char *
claims(struct pool *p, const char *key, const char *value)
{
	return claims_full(p, NOW, NOW, NOW + 900, key, value, NULL, NULL);
}

/* Assert that token is refused at NOW with exactly the reason want. */
static void
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

static void
accepted(struct pool *p, const char *token, int64_t now)
{
	struct jwt_claims c;
	const char *why = NULL;

	if (jwt_verify(p, token, now, &c, &why) != 0)
		fail_msg("refused (%s): %s", why, token);
}

/* A claim replaced, signed with the right key, refused with want. */
static void
claim_refused(struct pool *p, const char *key, const char *value, const char *want)
{
	refused(p, forge(p, GOLDEN_HEADER, claims(p, key, value)), want);
}

/* ---- the primitive and the golden token ------------------------------- */

static void
test_hmac_rfc4231(void **state)
{
	unsigned char key1[20], mac[32];
	crypto_auth_hmacsha256_state st;

	(void)state;
	memset(key1, 0x0b, sizeof(key1));
	crypto_auth_hmacsha256_init(&st, key1, sizeof(key1));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"Hi There", 8);
	crypto_auth_hmacsha256_final(&st, mac);
	assert_memory_equal(mac,
	    "\xb0\x34\x4c\x61\xd8\xdb\x38\x53\x5c\xa8\xaf\xce\xaf\x0b\xf1\x2b"
	    "\x88\x1d\xc2\x00\xc9\x83\x3d\xa7\x26\xe9\x37\x6c\x2e\x32\xcf\xf7", 32);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)"Jefe", 4);
	crypto_auth_hmacsha256_update(&st,
	    (const unsigned char *)"what do ya want for nothing?", 28);
	crypto_auth_hmacsha256_final(&st, mac);
	assert_memory_equal(mac,
	    "\x5b\xdc\xc1\x46\xbf\x60\x75\x4e\x6a\x04\x24\x26\x08\x95\x75\xc7"
	    "\x5a\x00\x3f\x08\x9d\x27\x39\x83\x9d\xec\x58\xb9\x64\xec\x38\x43", 32);
}

static void
test_sign_golden(void **state)
{
	struct pool *p = *state;
	struct jwt_claims in = {
		.sub = 42, .iat = 1700000000, .nbf = 1700000000, .exp = 1700000900,
		.jti = "AAAAAAAAAAAAAAAAAAAAAA", .tier = "pro", .role = "admin", .gen = 3,
	}, out;
	const char *why = NULL;

	assert_string_equal(jwt_sign(p, &in), GOLDEN_TOKEN);
	assert_int_equal(jwt_verify(p, GOLDEN_TOKEN, NOW, &out, &why), 0);
	assert_int_equal(out.sub, 42);
	assert_int_equal(out.iat, 1700000000);
	assert_int_equal(out.nbf, 1700000000);
	assert_int_equal(out.exp, 1700000900);
	assert_string_equal(out.jti, "AAAAAAAAAAAAAAAAAAAAAA");
	assert_string_equal(out.tier, "pro");
	assert_string_equal(out.role, "admin");
	assert_int_equal(out.gen, 3);
	/* out and why are optional */
	assert_int_equal(jwt_verify(p, GOLDEN_TOKEN, NOW, NULL, NULL), 0);
}

static void
test_sign_generates_jti_and_needs_a_key(void **state)
{
	struct pool *p = *state;
	struct jwt_claims in = {
		.sub = INT64_MAX, .iat = NOW, .nbf = NOW, .exp = NOW + 900,
		.tier = "free", .role = "user", .gen = INT64_MAX,
	}, a, b;
	const char *t1 = jwt_sign(p, &in), *t2 = jwt_sign(p, &in);

	assert_string_not_equal(t1, t2);
	assert_int_equal(jwt_verify(p, t1, NOW, &a, NULL), 0);
	assert_int_equal(jwt_verify(p, t2, NOW, &b, NULL), 0);
	assert_int_equal(strlen(a.jti), 22);
	assert_string_not_equal(a.jti, b.jti);
	assert_int_equal(a.sub, INT64_MAX);
	assert_int_equal(a.gen, INT64_MAX);

	unsetenv("SECRET_KEY");
	assert_null(jwt_sign(p, &in));
	refused(p, t1, "no signing key");
}

/* ---- the header -------------------------------------------------------- */

static void
test_alg_is_pinned(void **state)
{
	struct pool *p = *state;
	const char *c = claims(p, NULL, NULL);

	accepted(p, forge(p, GOLDEN_HEADER, c), NOW);
	refused(p, forge(p, "{\"alg\":\"none\",\"typ\":\"at+jwt\"}", c), "alg is not HS256");
	refused(p, forge(p, "{\"alg\":\"None\",\"typ\":\"at+jwt\"}", c), "alg is not HS256");
	refused(p, forge(p, "{\"alg\":\"NONE\",\"typ\":\"at+jwt\"}", c), "alg is not HS256");
	refused(p, forge(p, "{\"alg\":\"HS512\",\"typ\":\"at+jwt\"}", c), "alg is not HS256");
	refused(p, forge(p, "{\"alg\":\"hs256\",\"typ\":\"at+jwt\"}", c), "alg is not HS256");
	refused(p, forge(p, "{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", c), "alg is not HS256");
	refused(p, forge(p, "{\"typ\":\"at+jwt\"}", c), "header has no alg");
	refused(p, forge(p, "{\"alg\":null,\"typ\":\"at+jwt\"}", c), "header has no alg");
	refused(p, forge(p, "{\"alg\":[\"HS256\"],\"typ\":\"at+jwt\"}", c), "header has no alg");
}

static void
test_unsigned_tokens(void **state)
{
	struct pool *p = *state;
	const char *c = claims(p, NULL, NULL), *none = "{\"alg\":\"none\",\"typ\":\"at+jwt\"}";
	const char *h = token_b64url(p, (const unsigned char *)none, strlen(none));
	const char *b = token_b64url(p, (const unsigned char *)c, strlen(c));

	refused(p, pool_printf(p, "%s.%s.", h, b), "not a compact JWS");
	refused(p, pool_printf(p, "%s.%s", h, b), "not a compact JWS");
	/* the golden MAC under a header that claims alg none */
	refused(p, pool_printf(p, "%s.%s", h, strchr(GOLDEN_TOKEN, '.') + 1), "bad signature");
}

static void
test_typ(void **state)
{
	struct pool *p = *state;
	const char *c = claims(p, NULL, NULL);

	accepted(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"AT+JWT\"}", c), NOW);
	accepted(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"application/at+jwt\"}", c), NOW);
	accepted(p, forge(p, "{\"typ\":\"Application/AT+jwt\",\"alg\":\"HS256\"}", c), NOW);
	refused(p, forge(p, "{\"alg\":\"HS256\"}", c), "header has no typ");
	refused(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", c), "typ is not at+jwt");
	refused(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"at+jwt \"}", c), "typ is not at+jwt");
	refused(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"application/jwt\"}", c),
	    "typ is not at+jwt");
	refused(p, forge(p, "{\"alg\":\"HS256\",\"typ\":1}", c), "header has no typ");
	refused(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"1\"}", c),
	    "unexpected header parameter");
	refused(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"crit\":[\"exp\"]}", c),
	    "unexpected header parameter");
	refused(p, forge(p, "[\"HS256\"]", c), "header is not a JSON object");
	refused(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",}", c),
	    "header is not a JSON object");
	refused(p, forge(p, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"} x", c),
	    "header is not a JSON object");
}

/* ---- integrity --------------------------------------------------------- */

static void
test_changed_payload(void **state)
{
	struct pool *p = *state;
	const char *mine = "{\"iss\":\"edgescout\",\"aud\":\"edgescout-api\",\"sub\":\"1\","
	    "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900,"
	    "\"jti\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"tier\":\"pro\",\"role\":\"admin\",\"gen\":3}";
	const char *dot1 = strchr(GOLDEN_TOKEN, '.'), *dot2 = strrchr(GOLDEN_TOKEN, '.');
	char *t;

	/* sub 42 -> 1, re-encoded, the old MAC kept */
	t = pool_printf(p, "%.*s.%s%s", (int)(dot1 - GOLDEN_TOKEN), GOLDEN_TOKEN,
	    token_b64url(p, (const unsigned char *)mine, strlen(mine)), dot2);
	refused(p, t, "bad signature");
	/* one bit of the MAC */
	t = pool_strdup(p, GOLDEN_TOKEN);
	t[strlen(t) - 2] = t[strlen(t) - 2] == 'a' ? 'b' : 'a';
	refused(p, t, "bad signature");
	/* one character of the header */
	t = pool_strdup(p, GOLDEN_TOKEN);
	t[5] = t[5] == 'a' ? 'b' : 'a';
	refused(p, t, "bad signature");
	/* the MAC of another token */
	t = pool_printf(p, "%.*s%s", (int)(dot2 - GOLDEN_TOKEN), GOLDEN_TOKEN,
	    strrchr(forge(p, GOLDEN_HEADER, claims(p, NULL, NULL)), '.'));
	refused(p, t, "bad signature");
}

static void
test_foreign_key(void **state)
{
	struct pool *p = *state;
	const char *t;

	setenv("SECRET_KEY", OTHER_SECRET, 1);
	t = forge(p, GOLDEN_HEADER, claims(p, NULL, NULL));
	accepted(p, t, NOW);
	refused(p, GOLDEN_TOKEN, "bad signature");
	setenv("SECRET_KEY", GOLDEN_SECRET, 1);
	refused(p, t, "bad signature");
	accepted(p, GOLDEN_TOKEN, NOW);
}

/* ---- time -------------------------------------------------------------- */

static void
test_time_window(void **state)
{
	struct pool *p = *state;
	const char *t = forge(p, GOLDEN_HEADER, claims(p, NULL, NULL));  /* iat = nbf = NOW */
	const char *why;

	/* exp = NOW + 900: the last second accepted is exp + 59 */
	accepted(p, t, NOW + 900 + JWT_LEEWAY - 1);
	assert_int_equal(jwt_verify(p, t, NOW + 900 + JWT_LEEWAY, NULL, &why), -1);
	assert_string_equal(why, "expired");
	/* seen from the token: exp = now - 61 and now - 60 are out, now - 59 in */
	refused(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW - 900, NOW - 900, NOW - 61, NULL, NULL, NULL, NULL)), "expired");
	refused(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW - 900, NOW - 900, NOW - 60, NULL, NULL, NULL, NULL)), "expired");
	accepted(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW - 900, NOW - 900, NOW - 59, NULL, NULL, NULL, NULL)), NOW);
	/* nbf: now + 60 accepted, now + 61 not */
	accepted(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW, NOW + 60, NOW + 900, NULL, NULL, NULL, NULL)), NOW);
	refused(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW, NOW + 61, NOW + 900, NULL, NULL, NULL, NULL)), "not yet valid");
	/* a token used 60 s before it was issued (clock skew) is fine, 61 s not */
	accepted(p, t, NOW - JWT_LEEWAY);
	assert_int_equal(jwt_verify(p, t, NOW - 61, NULL, &why), -1);
	assert_string_equal(why, "not yet valid");
}

static void
test_time_claims(void **state)
{
	struct pool *p = *state;

	/* iat: now + 60 accepted, now + 61 not (nbf kept in the past) */
	accepted(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW + 60, NOW, NOW + 900, NULL, NULL, NULL, NULL)), NOW);
	refused(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW + 61, NOW, NOW + 900, NULL, NULL, NULL, NULL)),
	    "issued in the future");
	/* lifetime: at most a day, and positive */
	accepted(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW, NOW, NOW + 86400, NULL, NULL, NULL, NULL)), NOW);
	refused(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW, NOW, NOW + 86401, NULL, NULL, NULL, NULL)), "bad lifetime");
	refused(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW, NOW, NOW, NULL, NULL, NULL, NULL)), "bad lifetime");
	refused(p, forge(p, GOLDEN_HEADER,
	    claims_full(p, NOW, NOW, NOW - 30, NULL, NULL, NULL, NULL)), "bad lifetime");
	/* integers of a sane range only */
	claim_refused(p, "exp", NULL, "bad iat, nbf or exp");
	claim_refused(p, "iat", NULL, "bad iat, nbf or exp");
	claim_refused(p, "nbf", NULL, "bad iat, nbf or exp");
	claim_refused(p, "exp", "\"1700001000\"", "bad iat, nbf or exp");
	claim_refused(p, "exp", "1700001000.0", "bad iat, nbf or exp");
	claim_refused(p, "exp", "1.7e9", "bad iat, nbf or exp");
	claim_refused(p, "exp", "true", "bad iat, nbf or exp");
	claim_refused(p, "iat", "-1", "bad iat, nbf or exp");
	claim_refused(p, "exp", "9223372036854775807", "bad iat, nbf or exp");
	claim_refused(p, "exp", "99999999999999999999", "bad iat, nbf or exp");
	claim_refused(p, "iat", "-9223372036854775808", "bad iat, nbf or exp");
	refused(p, forge(p, GOLDEN_HEADER, "{\"iss\":\"edgescout\",\"aud\":\"edgescout-api\","
	    "\"sub\":\"7\",\"iat\":1700000100,\"nbf\":1700000100,"
	    "\"exp\":18446744073709551615}"), "bad iat, nbf or exp");
}

/* ---- the other claims -------------------------------------------------- */

static void
test_issuer_and_audience(void **state)
{
	struct pool *p = *state;

	claim_refused(p, "iss", "\"edgescout2\"", "wrong iss");
	claim_refused(p, "iss", "\"Edgescout\"", "wrong iss");
	claim_refused(p, "iss", NULL, "wrong iss");
	claim_refused(p, "iss", "[\"edgescout\"]", "wrong iss");
	claim_refused(p, "aud", "\"edgescout\"", "wrong aud");
	claim_refused(p, "aud", NULL, "wrong aud");
	claim_refused(p, "aud", "[]", "wrong aud");
	claim_refused(p, "aud", "[\"other\",1]", "wrong aud");
	claim_refused(p, "aud", "{\"aud\":\"edgescout-api\"}", "wrong aud");
	accepted(p, forge(p, GOLDEN_HEADER, claims(p, "aud", "[\"other\",\"edgescout-api\"]")),
	    NOW);

	/* both come from the configuration */
	setenv("JWT_ISSUER", "https://auth.example", 1);
	setenv("JWT_AUDIENCE", "scanner", 1);
	refused(p, GOLDEN_TOKEN, "wrong iss");
	claim_refused(p, "iss", "\"https://auth.example\"", "wrong aud");
	accepted(p, forge(p, GOLDEN_HEADER, claims_full(p, NOW, NOW, NOW + 900,
	    "iss", "\"https://auth.example\"", "aud", "\"scanner\"")), NOW);
}

static void
test_subject_and_the_rest(void **state)
{
	struct pool *p = *state;
	struct jwt_claims c;

	claim_refused(p, "sub", "\"abc\"", "sub is not a user id");
	claim_refused(p, "sub", "7", "sub is not a user id");
	claim_refused(p, "sub", "\"0\"", "sub is not a user id");
	claim_refused(p, "sub", "\"-7\"", "sub is not a user id");
	claim_refused(p, "sub", "\"07\"", "sub is not a user id");
	claim_refused(p, "sub", "\" 7\"", "sub is not a user id");
	claim_refused(p, "sub", "\"9223372036854775808\"", "sub is not a user id");
	claim_refused(p, "sub", NULL, "sub is not a user id");
	claim_refused(p, "jti", NULL, "bad jti");
	claim_refused(p, "jti", "\"\"", "bad jti");
	claim_refused(p, "jti", "\"a b\"", "bad jti");
	claim_refused(p, "jti", "\"<script>\"", "bad jti");
	claim_refused(p, "jti", "7", "bad jti");
	claim_refused(p, "tier", "\"gold\"", "bad tier");
	claim_refused(p, "tier", "\"Pro\"", "bad tier");
	claim_refused(p, "tier", NULL, "bad tier");
	claim_refused(p, "role", "\"root\"", "bad role");
	claim_refused(p, "role", "\"admin \"", "bad role");
	claim_refused(p, "role", NULL, "bad role");
	claim_refused(p, "gen", "0", "bad gen");
	claim_refused(p, "gen", "-1", "bad gen");
	claim_refused(p, "gen", "\"1\"", "bad gen");
	claim_refused(p, "gen", NULL, "bad gen");
	/* an unknown claim is ignored */
	assert_int_equal(jwt_verify(p, forge(p, GOLDEN_HEADER, claims(p, "scope", "\"x\"")),
	    NOW, &c, NULL), 0);
	assert_int_equal(c.sub, 7);
	assert_string_equal(c.tier, "free");
	assert_string_equal(c.role, "user");
	assert_string_equal(c.jti, "abcdefghijklmnopqrstuv");
	assert_int_equal(c.gen, 1);
	/* payloads that are not one strict JSON object */
	refused(p, forge(p, GOLDEN_HEADER, "[1]"), "claims are not a JSON object");
	refused(p, forge(p, GOLDEN_HEADER, "{\"exp\":NaN}"), "claims are not a JSON object");
	refused(p, forge(p, GOLDEN_HEADER, "{'iss':'edgescout'}"), "claims are not a JSON object");
	refused(p, forge(p, GOLDEN_HEADER, "{} {}"), "claims are not a JSON object");
	refused(p, forge(p, GOLDEN_HEADER, "{\"a\":\"\xff\"}"), "claims are not a JSON object");
	refused(p, forge(p, GOLDEN_HEADER, "{\"a\":\"\\u0000\"}"), "claims are not a JSON object");
	refused(p, forge(p, GOLDEN_HEADER, "{}"), "wrong iss");
}

/* ---- the compact form -------------------------------------------------- */

static void
test_shape(void **state)
{
	struct pool *p = *state;
	const char *g = GOLDEN_TOKEN;
	const char *dot2 = strrchr(g, '.');
	char *t, *big;
	int h = (int)(strchr(g, '.') - g);

	refused(p, NULL, "no token");
	refused(p, "", "not a compact JWS");
	refused(p, "abc", "not a compact JWS");
	refused(p, "a.b", "not a compact JWS");
	refused(p, "..", "not a compact JWS");
	refused(p, pool_printf(p, "%s.", g), "not a compact JWS");
	refused(p, pool_printf(p, "%s.e30", g), "not a compact JWS");
	refused(p, pool_printf(p, ".%s", g), "not a compact JWS");
	refused(p, pool_printf(p, "%.*s.%s", h, g, dot2), "not a compact JWS");   /* h..mac */
	refused(p, pool_printf(p, "%s%s", g + h, ""), "not a compact JWS");      /* .p.mac */
	/* padding, other alphabets, white space anywhere */
	refused(p, pool_printf(p, "%s=", g), "not a compact JWS");
	refused(p, pool_printf(p, "%.*s=%s", h, g, g + h), "not a compact JWS");
	refused(p, pool_printf(p, "%s ", g), "not a compact JWS");
	refused(p, pool_printf(p, " %s", g), "not a compact JWS");
	refused(p, pool_printf(p, "%s\n", g), "not a compact JWS");
	refused(p, pool_printf(p, "Bearer %s", g), "not a compact JWS");
	t = pool_strdup(p, g);
	t[10] = '+';
	refused(p, t, "not a compact JWS");
	t[10] = '/';
	refused(p, t, "not a compact JWS");
	/* a MAC of the wrong size, or with non-zero trailing bits */
	refused(p, pool_printf(p, "%.*s.AAAA", (int)(dot2 - g), g), "bad signature encoding");
	refused(p, pool_printf(p, "%sAA", g), "bad signature encoding");
	t = pool_strdup(p, g);
	t[strlen(t) - 1] = 'N';     /* "...ATMM" -> "...ATMN" */
	refused(p, t, "bad signature encoding");
	/* correctly signed parts that do not decode */
	refused(p, forge_raw(p, pool_printf(p, "%.*sA", h, g), "e30"),
	    "header is not a JSON object");                    /* a dangling character */
	refused(p, forge_raw(p, pool_printf(p, "%.*s", h, g), "e31"),
	    "claims are not a JSON object");                   /* non-zero trailing bits */
	refused(p, forge_raw(p, pool_printf(p, "%.*s", h, g), "e30"), "wrong iss");  /* {} */
	/* overlong */
	big = pool_alloc(p, 5000);
	memset(big, 'A', 4097);
	big[100] = big[200] = '.';
	refused(p, big, "token too long");
	big[4096] = '\0';
	refused(p, big, "bad signature encoding");
}

/* ---- cost -------------------------------------------------------------- */

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
test_cost(void **state)
{
	struct pool *p = *state;
	struct jwt_claims in = {
		.sub = 42, .iat = NOW, .nbf = NOW, .exp = NOW + 900,
		.tier = "pro", .role = "user", .gen = 1,
	}, out;
	const char *t = jwt_sign(p, &in);
	double t0, sign, verify;
	int n = 2000;

	t0 = now_us();
	for (int i = 0; i < n; i++) {
		assert_non_null(jwt_sign(p, &in));
		if (i % 100 == 99)
			pool_reset(p);
	}
	sign = (now_us() - t0) / n;
	t = jwt_sign(p, &in);
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		assert_int_equal(jwt_verify(p, t, NOW, &out, NULL), 0);
		if (i % 100 == 99) {
			pool_reset(p);
			t = jwt_sign(p, &in);
		}
	}
	verify = (now_us() - t0) / n;
	print_message("jwt_sign %.1f us, jwt_verify %.1f us (this build)\n", sign, verify);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hmac_rfc4231),
		T(test_sign_golden),
		T(test_sign_generates_jti_and_needs_a_key),
		T(test_alg_is_pinned),
		T(test_unsigned_tokens),
		T(test_typ),
		T(test_changed_payload),
		T(test_foreign_key),
		T(test_time_window),
		T(test_time_claims),
		T(test_issuer_and_audience),
		T(test_subject_and_the_rest),
		T(test_shape),
		T(test_cost),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
