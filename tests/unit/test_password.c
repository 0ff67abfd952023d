/* test_password.c: the password policy and Argon2id hashing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "password.h"
#include "pool.h"

#define SHORT "must be at least 12 characters"
#define LONG "is too long"
#define UTF8 "must be valid UTF-8 text"
#define WEAK "is too common or easy to guess"
#define EMAIL "must not contain your email address"

/* The cheapest limits libsodium allows, so most tests run fast. */
static void
fast_limits(void)
{
	setenv("PWHASH_OPSLIMIT", "1", 1);
	setenv("PWHASH_MEMLIMIT", "8192", 1);
}

static int
setup(void **state)
{
	*state = pool_new();
	fast_limits();
	return 0;
}

static int
teardown(void **state)
{
	pool_free(*state);
	unsetenv("PWHASH_OPSLIMIT");
	unsetenv("PWHASH_MEMLIMIT");
	return 0;
}

static void
check(const char *pw, const char *email, const char *want)
{
	const char *got = password_weakness(pw, email);

	if (want == NULL && got != NULL)
		fail_msg("\"%s\" (%s) refused: %s", pw, email ? email : "no email", got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("\"%s\" (%s): got %s, want \"%s\"", pw, email ? email : "no email",
		    got ? got : "accepted", want);
}

/* ---- policy -------------------------------------------------------------- */

static void
test_length(void **state)
{
	char buf[300];
	unsigned x = 12345;

	(void)state;
	check(NULL, NULL, SHORT);
	check("", NULL, SHORT);
	check("kj3$9dLq!zP", NULL, SHORT);                       /* 11 */
	check("kj3$9dLq!zP0", NULL, NULL);                       /* 12 */
	/* characters, not bytes: 11 code points in 22 bytes */
	check("\xc3\xa9\xc3\xa0\xc3\xbc\xc3\xb6\xc3\x9f\xc3\xb1"
	    "\xc3\xa7\xc3\xb8\xc3\xa5\xc3\xa6\xc5\x93", NULL, SHORT);
	check("na\xc3\xafve caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9", NULL, NULL);
	check("M\xc3\xbcnchen-Stra\xc3\x9f" "e-42", NULL, NULL);
	/* 12 CJK and kana characters, 36 bytes */
	check("\xe7\x8c\xab\xe3\x81\x8c\xe5\xa5\xbd\xe3\x81\x8d\xe3\x81\xa7\xe3\x81\x99"
	    "\xe3\x81\x8b\xe6\xb5\xb7\xe3\x81\xb8\xe8\xa1\x8c\xe3\x81\x8f\xe3\x82\x88", NULL, NULL);
	/* 256 bytes of noise pass, 257 do not */
	for (int i = 0; i < 257; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (char)('!' + (x >> 16) % 94);
	}
	buf[256] = '\0';
	check(buf, NULL, NULL);
	buf[256] = 'x';
	buf[257] = '\0';
	check(buf, NULL, LONG);
	memset(buf, 'a', 299);
	buf[299] = '\0';
	check(buf, NULL, LONG);
}

static void
test_utf8(void **state)
{
	(void)state;
	check("correct horse \xff battery staple", NULL, UTF8);
	check("correct horse \xc0\xaf battery staple", NULL, UTF8);     /* overlong '/' */
	check("correct horse \xed\xa0\x80 battery staple", NULL, UTF8); /* surrogate */
	check("correct horse battery staple \xe2\x82", NULL, UTF8);     /* cut short */
	/* any valid character is allowed, spaces and symbols included */
	check("  correct  horse  battery  staple  ", NULL, NULL);
	check("\xf0\x9f\x90\xb4 horse battery staple \xf0\x9f\x94\x8b", NULL, NULL);
}

static void
test_common_passwords(void **state)
{
	static const char *const weak[] = {
		"password1234", "qwertyuiop123", "aaaaaaaaaaaa", "123456789012",
		"edgescout2024!", "passwordpassword", "Password123!", "letmein12345",
		"iloveyou2024", "qwertyuiopasdf", "abcdefghijkl", "1q2w3e4r5t6y",
		"P@ssw0rd2024", "Summer2024!!", "trustno1trustno1", "monkey123456",
		"12345678901234567890", "correcthorse", "abcabcabcabc", "Football2024!",
		/* near the floor of 40 bits: zxcvbn rates these 32.1 and 37.3 */
		"ilovemydog12", "sunshine and rainbows",
	};
	static const char *const strong[] = {
		"correct horse battery staple", "kj3$9dLq!zP0", "Tr0ub4dor&3xyz",
		"zebra-lantern-quartz", "my cat is named felix", "summer in paris 1999",
		"purple monkey dishwasher",     /* 40.6 bits: just over the floor */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
		check(weak[i], "alice@example.com", WEAK);
	for (size_t i = 0; i < sizeof(strong) / sizeof(strong[0]); i++)
		check(strong[i], "alice@example.com", NULL);
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
test_long_passwords(void **state)
{
	char buf[PASSWORD_MAX_BYTES + 1];
	double t0, spent;

	(void)state;
	/* a weak start does not sink a strong long passphrase */
	check("passwordpassword12345678passwordpassword and then kj3$9dLq!zP0 follows",
	    NULL, NULL);
	check("the quick brown fox jumps over the lazy dog near the riverbank", NULL, NULL);
	/* long repetitions stay weak, and are rated quickly: zxcvbn alone spends
	 * about 2 s of CPU on 100+ bytes of "1212..." */
	for (int i = 0; i < PASSWORD_MAX_BYTES; i++)
		buf[i] = i % 2 ? '2' : '1';
	buf[PASSWORD_MAX_BYTES] = '\0';
	t0 = cpu_ms();
	check(buf, NULL, WEAK);
	spent = cpu_ms() - t0;
	print_message("256 bytes of \"1212...\" rated in %.1f ms of CPU\n", spent);
	assert_true(spent < 1000);
	memset(buf, 'a', PASSWORD_MAX_BYTES);
	check(buf, NULL, WEAK);
	for (int i = 0; i < PASSWORD_MAX_BYTES; i++)
		buf[i] = "passw0rd"[i % 8];
	check(buf, NULL, WEAK);
	/* chunks end on character boundaries: 2-byte characters at odd offsets */
	buf[0] = 'x';
	for (int i = 1; i + 1 < PASSWORD_MAX_BYTES; i += 2) {
		buf[i] = '\xc3';
		buf[i + 1] = '\xa9';
	}
	buf[PASSWORD_MAX_BYTES - 1] = '\0';
	check(buf, NULL, WEAK);
}

static void
test_email(void **state)
{
	(void)state;
	check("xx-ALICE-lantern-quartz-77", "alice@example.com", EMAIL);
	check("alice@example.com", "alice@example.com", EMAIL);
	check("lantern quartz alice.smith", "Alice.Smith@example.com", EMAIL);
	check("lantern quartz ALICE.SMITH", "alice.smith@example.com", EMAIL);
	/* local parts shorter than 3 characters are not looked for */
	check("bo-lantern-quartz-77", "bo@example.com", NULL);
	/* the email's words feed the guesser: strong alone, weak for this user */
	check("Quentworth-Kvistrand", NULL, NULL);
	check("Quentworth-Kvistrand", "someone@example.com", NULL);
	check("Quentworth-Kvistrand", "zorbulax.quentworth@kvistrand.io", WEAK);
	check("edgescout-edgescout", NULL, WEAK);            /* the service's name */
	/* odd emails do no harm */
	check("correct horse battery staple", "no-at-sign", NULL);
	check("correct horse battery staple", "@", NULL);
	check("correct horse battery staple", "a@b@c", NULL);
	check("correct horse battery staple", "", NULL);
}

static void
test_long_email(void **state)
{
	char email[1100];

	(void)state;
	memset(email, 'q', 1000);
	strcpy(email + 1000, "@example.com");
	check("correct horse battery staple", email, NULL);
	memset(email, '.', 1000);
	check("correct horse battery staple", email, NULL);
	memset(email, 'x', 200);
	memcpy(email + 200, "@", 2);
	memset(email + 201, 'y', 600);
	strcpy(email + 801, ".com");
	check("correct horse battery staple", email, NULL);
}

/* ---- hashing ------------------------------------------------------------- */

static void
test_hash_and_verify(void **state)
{
	struct pool *p = *state;
	char *h = password_hash(p, "correct horse battery staple");
	char *h2 = password_hash(p, "correct horse battery staple");
	char big[300];

	assert_non_null(h);
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=8,t=1,p=1$", 27), 0);
	assert_string_not_equal(h, h2);         /* salted */
	assert_true(password_verify(h, "correct horse battery staple"));
	assert_true(password_verify(h2, "correct horse battery staple"));
	assert_false(password_verify(h, "correct horse battery stapl"));
	assert_false(password_verify(h, "Correct horse battery staple"));
	assert_false(password_verify(h, ""));
	assert_false(password_verify(h, NULL));
	assert_false(password_verify(NULL, "x"));
	assert_false(password_verify("", "x"));
	assert_false(password_verify("$argon2id$v=19$m=8,t=1,p=1$garbage", "x"));
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, h, strlen(h));
	assert_false(password_verify(big, "correct horse battery staple"));
	/* a hash that outlives a change of limits still verifies */
	setenv("PWHASH_OPSLIMIT", "2", 1);
	assert_true(password_verify(h, "correct horse battery staple"));
	/* the empty password and one of the maximum size hash fine */
	assert_true(password_verify(password_hash(p, ""), ""));
	memset(big, 'z', PASSWORD_MAX_BYTES);
	big[PASSWORD_MAX_BYTES] = '\0';
	assert_true(password_verify(password_hash(p, big), big));
}

static void
test_limits_are_clamped(void **state)
{
	struct pool *p = *state;

	setenv("PWHASH_OPSLIMIT", "0", 1);
	assert_int_equal(strncmp(password_hash(p, "x"), "$argon2id$v=19$m=8,t=1,", 23), 0);
	setenv("PWHASH_OPSLIMIT", "-5", 1);
	assert_int_equal(strncmp(password_hash(p, "x"), "$argon2id$v=19$m=8,t=1,", 23), 0);
	setenv("PWHASH_OPSLIMIT", "3", 1);
	assert_int_equal(strncmp(password_hash(p, "x"), "$argon2id$v=19$m=8,t=3,", 23), 0);
	setenv("PWHASH_OPSLIMIT", "abc", 1);   /* not a number: the default, 2 */
	assert_int_equal(strncmp(password_hash(p, "x"), "$argon2id$v=19$m=8,t=2,", 23), 0);
	setenv("PWHASH_OPSLIMIT", "", 1);
	assert_int_equal(strncmp(password_hash(p, "x"), "$argon2id$v=19$m=8,t=2,", 23), 0);
	setenv("PWHASH_OPSLIMIT", "1", 1);
	setenv("PWHASH_MEMLIMIT", "1", 1);
	assert_int_equal(strncmp(password_hash(p, "x"), "$argon2id$v=19$m=8,t=1,", 23), 0);
	setenv("PWHASH_MEMLIMIT", "-1", 1);
	assert_int_equal(strncmp(password_hash(p, "x"), "$argon2id$v=19$m=8,t=1,", 23), 0);
	setenv("PWHASH_MEMLIMIT", "1048576", 1);
	assert_int_equal(strncmp(password_hash(p, "x"), "$argon2id$v=19$m=1024,t=1,", 26), 0);
}

static void
test_needs_rehash(void **state)
{
	struct pool *p = *state;
	char *h = password_hash(p, "correct horse battery staple");
	char argon2i[crypto_pwhash_STRBYTES];

	assert_false(password_needs_rehash(h));
	setenv("PWHASH_OPSLIMIT", "2", 1);
	assert_true(password_needs_rehash(h));
	assert_false(password_needs_rehash(password_hash(p, "x")));
	fast_limits();
	assert_false(password_needs_rehash(h));
	setenv("PWHASH_MEMLIMIT", "16384", 1);
	assert_true(password_needs_rehash(h));
	fast_limits();
	/* same limits, older algorithm */
	assert_int_equal(crypto_pwhash_str_alg(argon2i, "x", 1, 3, 8192,
	    crypto_pwhash_ALG_ARGON2I13), 0);
	setenv("PWHASH_OPSLIMIT", "3", 1);
	assert_true(password_needs_rehash(argon2i));
	assert_true(password_needs_rehash(NULL));
	assert_true(password_needs_rehash(""));
	assert_true(password_needs_rehash("$argon2id$garbage"));
}

/* The kernel's overcommit mode (0: heuristic, which refuses a mapping far
 * larger than memory and swap), or -1 when unknown. */
static int
overcommit_mode(void)
{
	FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
	int mode = -1;

	if (f != NULL) {
		if (fscanf(f, "%d", &mode) != 1)
			mode = -1;
		fclose(f);
	}
	return mode;
}

static void
test_hash_fails_without_memory(void **state)
{
	if (overcommit_mode() != 0) {
		print_message("skipped: needs heuristic overcommit to refuse 256 GiB\n");
		skip();
	}
	/* more memory than the machine has (256 GiB): refused, logged, NULL */
	setenv("PWHASH_MEMLIMIT", "274877906944", 1);
	assert_null(password_hash(*state, "correct horse battery staple"));
	password_verify_dummy("correct horse battery staple");
	setenv("PWHASH_MEMLIMIT", "99999999999999999999", 1);   /* not a number: default */
	setenv("PWHASH_OPSLIMIT", "1", 1);
	assert_non_null(password_hash(*state, "x"));
}

static void
test_dummy_verify(void **state)
{
	(void)state;
	password_verify_dummy("correct horse battery staple");
	password_verify_dummy("");
	password_verify_dummy(NULL);
	setenv("PWHASH_OPSLIMIT", "2", 1);     /* the dummy follows the limits */
	password_verify_dummy("x");
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* At the default limits: report what a hash, a verify and a dummy cost
 * (the mean of ROUNDS, after one of each to warm up). */
#define ROUNDS 5
static void
test_default_limits_cost(void **state)
{
	struct pool *p = *state;
	double t0, hash = 0, verify = 0, dummy = 0, policy;
	char *h = NULL;
	char buf[PASSWORD_MAX_BYTES + 1];

	unsetenv("PWHASH_OPSLIMIT");
	unsetenv("PWHASH_MEMLIMIT");
	password_verify_dummy("warm up: the dummy hash is made once");
	for (int i = 0; i <= ROUNDS; i++) {
		t0 = now_ms();
		h = password_hash(p, "correct horse battery staple");
		hash += i ? now_ms() - t0 : 0;
		assert_non_null(h);
		t0 = now_ms();
		assert_true(password_verify(h, "correct horse battery staple"));
		verify += i ? now_ms() - t0 : 0;
		t0 = now_ms();
		password_verify_dummy("correct horse battery staple");
		dummy += i ? now_ms() - t0 : 0;
	}
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31), 0);
	assert_false(password_needs_rehash(h));
	memset(buf, 'x', PASSWORD_MAX_BYTES);
	buf[PASSWORD_MAX_BYTES] = '\0';
	for (int i = 0; i < PASSWORD_MAX_BYTES; i += 3)
		buf[i] = (char)('a' + i % 26);
	t0 = now_ms();
	(void)password_weakness(buf, "alice.smith@example.com");
	policy = now_ms() - t0;
	print_message("password_hash %.1f ms, password_verify %.1f ms, "
	    "password_verify_dummy %.1f ms, password_weakness(256 bytes) %.2f ms (this build)\n",
	    hash / ROUNDS, verify / ROUNDS, dummy / ROUNDS, policy);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_length),
		T(test_utf8),
		T(test_common_passwords),
		T(test_long_passwords),
		T(test_email),
		T(test_long_email),
		T(test_hash_and_verify),
		T(test_limits_are_clamped),
		T(test_needs_rehash),
		T(test_hash_fails_without_memory),
		T(test_dummy_verify),
		T(test_default_limits_cost),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
