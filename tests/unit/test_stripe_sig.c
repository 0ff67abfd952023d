/* test_stripe_sig.c: the Stripe-Signature header (stripe_sig.h).
 *
 * The golden signatures come from Stripe's own Python library (python3-stripe):
 *   stripe.WebhookSignature._compute_signature('1700000000.{"id":"evt_1"}',
 *                                               'whsec_test_secret')
 *   stripe.WebhookSignature._compute_signature('1700000000.', 'whsec_test_secret') */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "stripe_sig.h"

#define SECRET "whsec_test_secret"
#define BODY "{\"id\":\"evt_1\"}"
#define T 1700000000LL
#define SIG "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a"
#define SIG_EMPTY "316b9ab98c15bfa039d243f3196acee619cf29749a91a634e6a8154e2f7b6727"
#define OTHER "0000000000000000000000000000000000000000000000000000000000000000"

static enum stripe_sig
check_at(const char *header, const char *body, long long now)
{
	long long t = -1;

	return stripe_sig_check(header, body, strlen(body), SECRET, now, 300, &t);
}

static enum stripe_sig
check(const char *header)
{
	return check_at(header, BODY, T + 10);
}

static void
test_compute_matches_stripes_library(void **state)
{
	char out[65];

	(void)state;
	stripe_sig_compute(SECRET, T, BODY, strlen(BODY), out);
	assert_string_equal(out, SIG);
	stripe_sig_compute(SECRET, T, "", 0, out);
	assert_string_equal(out, SIG_EMPTY);
}

static void
test_valid_headers(void **state)
{
	long long t = 0;

	(void)state;
	assert_int_equal(stripe_sig_check("t=1700000000,v1=" SIG, BODY, strlen(BODY), SECRET,
	                                  T, 300, &t), STRIPE_SIG_OK);
	assert_int_equal(t, T);
	/* any of several v1 may match; v0 and unknown schemes are ignored */
	assert_int_equal(check("t=1700000000,v1=" OTHER ",v1=" SIG), STRIPE_SIG_OK);
	assert_int_equal(check("t=1700000000,v0=" OTHER ",v1=" SIG ",x=y"), STRIPE_SIG_OK);
	assert_int_equal(check("v1=" SIG ",t=1700000000"), STRIPE_SIG_OK);
	assert_int_equal(check_at("t=1700000000,v1=" SIG_EMPTY, "", T), STRIPE_SIG_OK);
}

static void
test_tolerance(void **state)
{
	(void)state;
	assert_int_equal(check_at("t=1700000000,v1=" SIG, BODY, T + 300), STRIPE_SIG_OK);
	assert_int_equal(check_at("t=1700000000,v1=" SIG, BODY, T + 301), STRIPE_SIG_STALE);
	assert_int_equal(check_at("t=1700000000,v1=" SIG, BODY, T - 300), STRIPE_SIG_OK);
	assert_int_equal(check_at("t=1700000000,v1=" SIG, BODY, T - 301), STRIPE_SIG_STALE);
}

static void
test_refused(void **state)
{
	long long t = 0;

	(void)state;
	assert_int_equal(check(NULL), STRIPE_SIG_MISSING);
	assert_int_equal(check(""), STRIPE_SIG_MISSING);
	assert_int_equal(check("t=1700000000,v0=" SIG), STRIPE_SIG_NO_V1);
	assert_int_equal(check("t=1700000000"), STRIPE_SIG_NO_V1);
	assert_int_equal(check("v1=" SIG), STRIPE_SIG_MALFORMED);
	assert_int_equal(check("t=1700000000,t=1700000000,v1=" SIG), STRIPE_SIG_MALFORMED);
	assert_int_equal(check("t=17e8,v1=" SIG), STRIPE_SIG_MALFORMED);
	assert_int_equal(check("t=-1,v1=" SIG), STRIPE_SIG_MALFORMED);
	assert_int_equal(check("t=,v1=" SIG), STRIPE_SIG_MALFORMED);
	assert_int_equal(check("t=1700000000,v1" SIG), STRIPE_SIG_MALFORMED);
	assert_int_equal(check("t=1700000000,,v1=" SIG), STRIPE_SIG_MALFORMED);
	assert_int_equal(check("not a signature"), STRIPE_SIG_MALFORMED);
	/* a signature of another body, secret or time; changed case; cut short */
	assert_int_equal(check_at("t=1700000000,v1=" SIG, "{\"id\":\"evt_2\"}", T),
	                 STRIPE_SIG_MISMATCH);
	assert_int_equal(stripe_sig_check("t=1700000000,v1=" SIG, BODY, strlen(BODY),
	                                  "whsec_other", T, 300, &t), STRIPE_SIG_MISMATCH);
	assert_int_equal(check("t=1700000001,v1=" SIG), STRIPE_SIG_MISMATCH);
	assert_int_equal(check("t=1700000000,v1=248A374F50F943A28B0F6AB50FAF9A7E7E29B710FA26DF9F"
	                       "B1618B9BF8EA9C9A"), STRIPE_SIG_MISMATCH);
	assert_int_equal(check("t=1700000000,v1=248a374f50f943a28b0f6ab50faf9a7e"),
	                 STRIPE_SIG_MISMATCH);
	assert_int_equal(check("t=1700000000,v1=" SIG "00"), STRIPE_SIG_MISMATCH);
	/* a stale timestamp with a wrong signature says mismatch, not stale */
	assert_int_equal(check_at("t=1700000000,v1=" OTHER, BODY, T + 9999), STRIPE_SIG_MISMATCH);
}

static void
test_oversized_header(void **state)
{
	char big[5000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "t=1700000000,v1=" SIG ",x=", strlen("t=1700000000,v1=" SIG ",x="));
	assert_int_equal(check(big), STRIPE_SIG_MALFORMED);
}

static void
test_reasons(void **state)
{
	(void)state;
	assert_string_equal(stripe_sig_reason(STRIPE_SIG_NO_V1), "no v1 signature");
	assert_string_equal(stripe_sig_reason(STRIPE_SIG_MISSING), "no Stripe-Signature header");
	assert_string_equal(stripe_sig_reason(STRIPE_SIG_MISMATCH), "no signature matches");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute_matches_stripes_library),
		cmocka_unit_test(test_valid_headers),
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_oversized_header),
		cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
