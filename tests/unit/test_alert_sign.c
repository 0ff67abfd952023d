/* test_alert_sign.c: webhook signatures, unsubscribe tokens and the
 * delivery backoff.
 *
 * Golden values were computed independently with OpenSSL:
 *   printf %s '1700000000.{"a":1}' | openssl dgst -sha256 -mac HMAC -macopt key:whsec_test -r
 *   printf %s 'unsubscribe:42' | openssl dgst -sha256 -mac HMAC \
 *     -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f -r
 *   printf %s 'verify:42:abc' | openssl dgst ... (the same key): its first 32 hex
 *   digits, and its first 8 as a number mod 10^6 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "alert_deliver.h"
#include "alert_sign.h"
#include "pool.h"

#define SIG_GOLDEN "t=1700000000,v1=" \
	"38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
#define CODE_HEX_GOLDEN "9ede18b08079e6d05d0b2cce4fc66a3a"
#define CODE_DIGITS_GOLDEN "355440"
#define UNSUB_GOLDEN "90b7d0ff7f34afd8667149786afffedeac3c35c87f65f58584a08bfc968b4aff"

static int
setup(void **state)
{
	*state = pool_new();
	return 0;
}

static int
teardown(void **state)
{
	pool_free(*state);
	return 0;
}

static void
key_init(unsigned char key[32])
{
	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)i;
}

static void
test_signature_golden(void **state)
{
	const char *body = "{\"a\":1}";

	assert_string_equal(alert_signature(*state, "whsec_test", 1700000000LL, body,
	                                    strlen(body)), SIG_GOLDEN);
}

static void
test_signature_covers_time_body_and_secret(void **state)
{
	const char *body = "{\"a\":1}";

	assert_string_not_equal(alert_signature(*state, "whsec_test", 1700000001LL, body,
	                                        strlen(body)) + 16, SIG_GOLDEN + 16);
	assert_string_not_equal(alert_signature(*state, "whsec_test", 1700000000LL, "{\"a\":2}",
	                                        7), SIG_GOLDEN);
	assert_string_not_equal(alert_signature(*state, "whsec_tesu", 1700000000LL, body,
	                                        strlen(body)), SIG_GOLDEN);
}

static void
test_unsubscribe_golden_and_check(void **state)
{
	unsigned char key[32];

	key_init(key);
	assert_string_equal(alert_unsubscribe_token(*state, key, 42), UNSUB_GOLDEN);
	assert_true(alert_unsubscribe_check(*state, key, 42, UNSUB_GOLDEN));
	assert_false(alert_unsubscribe_check(*state, key, 43, UNSUB_GOLDEN));
	assert_false(alert_unsubscribe_check(*state, key, 42, UNSUB_GOLDEN + 1));
	assert_false(alert_unsubscribe_check(*state, key, 42, ""));
	key[0] = 1;
	assert_false(alert_unsubscribe_check(*state, key, 42, UNSUB_GOLDEN));
}

static void
test_verify_code_golden(void **state)
{
	unsigned char key[32];

	key_init(key);
	assert_string_equal(alert_verify_code(*state, key, 42, "abc", 0), CODE_HEX_GOLDEN);
	assert_string_equal(alert_verify_code(*state, key, 42, "abc", 1), CODE_DIGITS_GOLDEN);
	assert_string_not_equal(alert_verify_code(*state, key, 43, "abc", 1), CODE_DIGITS_GOLDEN);
	assert_string_not_equal(alert_verify_code(*state, key, 42, "abd", 0), CODE_HEX_GOLDEN);
}

static void
test_backoff_doubles_with_jitter_and_honours_retry_after(void **state)
{
	(void)state;
	for (int i = 0; i < 200; i++) {
		for (int n = 1; n <= 3; n++) {
			double base = (double)(1 << (n - 1)), w = alert_backoff(n, -1);

			assert_true(w >= base && w <= base * 1.25);
		}
		assert_true(alert_backoff(1, 30) == 30.0);
		assert_true(alert_backoff(3, 2) >= 4.0);
		assert_true(alert_backoff(1, 999999) == 3600.0);
	}
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_signature_golden),
		T(test_signature_covers_time_body_and_secret),
		T(test_unsubscribe_golden_and_check),
		T(test_verify_code_golden),
		T(test_backoff_doubles_with_jitter_and_honours_retry_after),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
