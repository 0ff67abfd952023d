/* test_token.c: random tokens, keyed hashes, subkeys and base64url.
 *
 * Golden values were computed independently with OpenSSL:
 *   S='golden-secret-key-for-unit-tests-0123456789'
 *   M=$(printf %s "$S" | openssl dgst -sha256 -r | cut -c1-64)
 *   printf %s jwt | openssl dgst -sha256 -mac HMAC -macopt hexkey:$M -r
 *   printf %s token-hash | openssl dgst -sha256 -mac HMAC -macopt hexkey:$M -r   (= K)
 *   printf %s rt_example | openssl dgst -sha256 -mac HMAC -macopt hexkey:$K -r */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "token.h"

#define GOLDEN_SECRET "golden-secret-key-for-unit-tests-0123456789"
#define OTHER_SECRET "another-secret-key-for-unit-tests-987654321"
#define JWT_KEY_HEX "d8c37534a44be4099b10c7369e27d408afd7d0666eb60680a27117c06d2746f2"
#define HASH_KEY_HEX "02bfd3b85b52f4a117eeeb3d8604ad3968e5671ca3c13b0e24bbda8c2e46c6dc"
#define RT_EXAMPLE_HASH "68e3365c189bf3e445d88ea4d30701e972e34e2f2747faf6476ed5e2582d3803"
#define B64URL_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static int
setup(void **state)
{
	*state = pool_new();
	setenv("SECRET_KEY", GOLDEN_SECRET, 1);
	return 0;
}

static int
teardown(void **state)
{
	pool_free(*state);
	unsetenv("SECRET_KEY");
	return 0;
}

static const char *
hex(struct pool *p, const unsigned char *bin, size_t n)
{
	char *out = pool_alloc(p, n * 2 + 1);

	sodium_bin2hex(out, n * 2 + 1, bin, n);
	return out;
}

/* ---- subkeys ----------------------------------------------------------- */

static void
test_subkey_golden(void **state)
{
	unsigned char k[TOKEN_KEY_BYTES], k2[TOKEN_KEY_BYTES];

	assert_int_equal(token_subkey("jwt", k), 0);
	assert_string_equal(hex(*state, k, sizeof(k)), JWT_KEY_HEX);
	assert_int_equal(token_subkey("token-hash", k2), 0);
	assert_string_equal(hex(*state, k2, sizeof(k2)), HASH_KEY_HEX);

	setenv("SECRET_KEY", OTHER_SECRET, 1);
	assert_int_equal(token_subkey("jwt", k2), 0);
	assert_memory_not_equal(k, k2, sizeof(k));
}

/* What token_subkey must give, derived here from scratch. */
static void
derive(const char *secret, const char *purpose, unsigned char out[TOKEN_KEY_BYTES])
{
	unsigned char master[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(master, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256(out, (const unsigned char *)purpose, strlen(purpose), master);
}

static void
test_subkey_follows_every_change_of_the_secret(void **state)
{
	unsigned char k[TOKEN_KEY_BYTES], want[TOKEN_KEY_BYTES];
	char same_len[sizeof(GOLDEN_SECRET)], purpose[8], *longer;
	size_t big = 2000;

	/* back and forth, reusing the same keys each time */
	for (int round = 0; round < 3; round++) {
		setenv("SECRET_KEY", GOLDEN_SECRET, 1);
		assert_int_equal(token_subkey("jwt", k), 0);
		assert_string_equal(hex(*state, k, sizeof(k)), JWT_KEY_HEX);
		assert_int_equal(token_subkey("token-hash", k), 0);
		assert_string_equal(hex(*state, k, sizeof(k)), HASH_KEY_HEX);
		setenv("SECRET_KEY", OTHER_SECRET, 1);
		assert_int_equal(token_subkey("jwt", k), 0);
		derive(OTHER_SECRET, "jwt", want);
		assert_memory_equal(k, want, sizeof(k));
	}
	/* same length, last byte different */
	memcpy(same_len, GOLDEN_SECRET, sizeof(same_len));
	same_len[sizeof(same_len) - 2] ^= 1;
	setenv("SECRET_KEY", same_len, 1);
	assert_int_equal(token_subkey("jwt", k), 0);
	derive(same_len, "jwt", want);
	assert_memory_equal(k, want, sizeof(k));
	/* more purposes than are kept, from a reused buffer */
	for (int i = 0; i < 10; i++) {
		snprintf(purpose, sizeof(purpose), "p%d", i);
		assert_int_equal(token_subkey(purpose, k), 0);
		derive(same_len, purpose, want);
		assert_memory_equal(k, want, sizeof(k));
	}
	/* a secret too long to keep a copy of */
	longer = test_malloc(big + 1);
	memset(longer, 's', big);
	longer[big] = '\0';
	setenv("SECRET_KEY", longer, 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(token_subkey("jwt", k), 0);
		derive(longer, "jwt", want);
		assert_memory_equal(k, want, sizeof(k));
	}
	longer[big - 1] = 't';
	setenv("SECRET_KEY", longer, 1);
	assert_int_equal(token_subkey("jwt", k), 0);
	derive(longer, "jwt", want);
	assert_memory_equal(k, want, sizeof(k));
	test_free(longer);
	unsetenv("SECRET_KEY");
	assert_int_equal(token_subkey("jwt", k), -1);
}

static void
test_subkey_needs_a_secret(void **state)
{
	unsigned char k[TOKEN_KEY_BYTES];

	(void)state;
	unsetenv("SECRET_KEY");
	assert_int_equal(token_subkey("jwt", k), -1);
	setenv("SECRET_KEY", "", 1);
	assert_int_equal(token_subkey("jwt", k), -1);
}

/* ---- token_new ----------------------------------------------------------- */

static void
test_new_length_and_alphabet(void **state)
{
	struct pool *p = *state;
	char *a = token_new(p, "es_", 32), *b = token_new(p, "es_", 32);
	char *c = token_new(p, NULL, 16), *d = token_new(p, "", 32);
	size_t n;

	assert_int_equal(strlen(a), 3 + 43);
	assert_memory_equal(a, "es_", 3);
	assert_int_equal(strspn(a + 3, B64URL_CHARS), 43);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(c), 22);
	assert_int_equal(strspn(c, B64URL_CHARS), 22);
	assert_int_equal(strlen(d), 43);
	/* the text is canonical base64url of exactly the requested bytes */
	assert_non_null(token_b64url_decode(p, a + 3, 43, &n));
	assert_int_equal(n, 32);
	assert_non_null(token_b64url_decode(p, c, 22, &n));
	assert_int_equal(n, 16);
}

static void
test_new_is_random(void **state)
{
	struct pool *p = *state;
	int seen_first[64] = { 0 }, distinct = 0;
	char *t[200];

	/* 200 tokens: all distinct, and the first character takes many values */
	for (int i = 0; i < 200; i++) {
		t[i] = token_new(p, NULL, 32);
		seen_first[strchr(B64URL_CHARS, t[i][0]) - B64URL_CHARS] = 1;
		for (int j = 0; j < i; j++)
			assert_string_not_equal(t[i], t[j]);
	}
	for (int i = 0; i < 64; i++)
		distinct += seen_first[i];
	assert_true(distinct > 32);
}

/* ---- token_hash -------------------------------------------------------- */

static void
test_hash_golden_and_deterministic(void **state)
{
	struct pool *p = *state;
	char *h = token_hash(p, "rt_example");

	assert_string_equal(h, RT_EXAMPLE_HASH);
	assert_string_equal(token_hash(p, "rt_example"), h);
	assert_string_not_equal(token_hash(p, "rt_examplf"), h);
	assert_int_equal(strlen(token_hash(p, "")), 64);
	assert_int_equal(strspn(token_hash(p, "x"), "0123456789abcdef"), 64);
}

static void
test_hash_depends_on_key(void **state)
{
	struct pool *p = *state;

	setenv("SECRET_KEY", OTHER_SECRET, 1);
	assert_string_not_equal(token_hash(p, "rt_example"), RT_EXAMPLE_HASH);
	setenv("SECRET_KEY", GOLDEN_SECRET, 1);
	assert_string_equal(token_hash(p, "rt_example"), RT_EXAMPLE_HASH);
	unsetenv("SECRET_KEY");
	assert_null(token_hash(p, "rt_example"));
	setenv("SECRET_KEY", GOLDEN_SECRET, 1);
	assert_null(token_hash(p, NULL));
}

/* ---- token_equal ------------------------------------------------------- */

static void
test_equal(void **state)
{
	(void)state;
	assert_true(token_equal("abc", "abc"));
	assert_true(token_equal("", ""));
	assert_false(token_equal("abc", "abd"));
	assert_false(token_equal("abc", "ab"));
	assert_false(token_equal("ab", "abc"));
	assert_false(token_equal("abc", "ABC"));
	assert_false(token_equal(NULL, "abc"));
	assert_false(token_equal("abc", NULL));
	assert_false(token_equal(NULL, NULL));
}

/* ---- base64url --------------------------------------------------------- */

static void
test_b64url_rfc4648_vectors(void **state)
{
	static const struct { const char *bin, *b64; } v[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
		{ "\xfb\xff", "-_8" }, { "\xff\xff\xfe", "___-" },
	};
	struct pool *p = *state;
	unsigned char *bin;
	size_t n;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = strlen(v[i].bin);

		assert_string_equal(token_b64url(p, (const unsigned char *)v[i].bin, len),
		    v[i].b64);
		bin = token_b64url_decode(p, v[i].b64, strlen(v[i].b64), &n);
		assert_non_null(bin);
		assert_int_equal(n, len);
		assert_memory_equal(bin, v[i].bin, len);
		assert_int_equal(bin[n], 0);   /* followed by a NUL */
	}
}

static void
test_b64url_decode_rejects(void **state)
{
	static const char *const bad[] = {
		"Zg==", "Zg=", "Zm9vYg==",   /* padding */
		"Zm9v+A", "Zm9v/w", "+_8",   /* standard alphabet */
		" Zg", "Zg ", "Zg\n", "Z g", "Zm9v\tYmFy", /* white space */
		/* non-zero trailing bits ("Zm8", "Zm9vYmE" are the canonical forms) */
		"Zh", "Zm9", "Zm9vYmF",
		"Z", "Zm9vY",                /* a dangling sixth of a byte */
		"Zm9v.", "Zm9v%41", "Zm9v\xc3\xa9",
	};
	struct pool *p = *state;
	size_t n = 12345;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (token_b64url_decode(p, bad[i], strlen(bad[i]), &n) != NULL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(n, 12345);
	/* an embedded NUL inside the given length */
	assert_null(token_b64url_decode(p, "Zm\0v", 4, &n));
	assert_null(token_b64url_decode(p, NULL, 0, &n));
	/* only len bytes are read */
	assert_non_null(token_b64url_decode(p, "Zm9v====", 4, &n));
	assert_int_equal(n, 3);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_subkey_golden),
		T(test_subkey_follows_every_change_of_the_secret),
		T(test_subkey_needs_a_secret),
		T(test_new_length_and_alphabet),
		T(test_new_is_random),
		T(test_hash_golden_and_deterministic),
		T(test_hash_depends_on_key),
		T(test_equal),
		T(test_b64url_rfc4648_vectors),
		T(test_b64url_decode_rejects),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
