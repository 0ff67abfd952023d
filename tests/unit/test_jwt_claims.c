/* test_jwt_claims.c: the claims of access tokens: the time window and
 * time claims, issuer, audience, subject and the rest. */
#include "unit.h"

#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwt_fixture.h"

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

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_time_window),
		T(test_time_claims),
		T(test_issuer_and_audience),
		T(test_subject_and_the_rest),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
