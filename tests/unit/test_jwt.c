/* test_jwt.c: signing and verifying access tokens: the HMAC primitive and
 * the golden token (jwt_fixture.h), the header, integrity, the compact form
 * and the cost (the claims: test_jwt_claims). */
#include "unit.h"

#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwt_fixture.h"

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
		T(test_shape),
		T(test_cost),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
