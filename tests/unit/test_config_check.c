/* test_config_check.c: config_check(), in production and development:
 * secrets, database URL, debug and rate limits, numeric settings. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "config_env.h"

/* ---- config_check ------------------------------------------------------ */

struct problems {
	int n;
	char keys[512];
	char last[128];
};

static void
collect(const char *key, const char *problem, void *ctx)
{
	struct problems *p = ctx;
	size_t len = strlen(p->keys);

	snprintf(p->keys + len, sizeof(p->keys) - len, "%s%s", len ? "," : "", key);
	snprintf(p->last, sizeof(p->last), "%s %s", key, problem);
	p->n++;
}

static struct problems
check(void)
{
	struct problems p;
	int n;

	memset(&p, 0, sizeof(p));
	n = config_check(collect, &p);
	assert_int_equal(n, p.n);
	return p;
}

static void
production(const char *secret)
{
	setenv("APP_ENV", "production", 1);
	setenv("DATABASE_URL", "postgresql://app@localhost/edge", 1);
	if (secret)
		setenv("SECRET_KEY", secret, 1);
}

static void
test_check_production_passes_with_strong_secret(void **state)
{
	struct problems p;

	(void)state;
	production(STRONG_SECRET);
	p = check();
	if (p.n != 0)
		fail_msg("unexpected problems: %s", p.keys);
	setenv("DEBUG", "0", 1);
	setenv("SECRET_KEY", "0123456789abcdef0123456789abcdef", 1);   /* hex, 32 */
	p = check();
	if (p.n != 0)
		fail_msg("unexpected problems: %s", p.keys);
}

static void
test_check_production_rejects_missing_secret(void **state)
{
	struct problems p;

	(void)state;
	production(NULL);
	p = check();
	assert_int_equal(p.n, 1);
	assert_string_equal(p.last, "SECRET_KEY is not set (production needs one)");
	setenv("SECRET_KEY", "", 1);
	p = check();
	assert_int_equal(p.n, 1);
	assert_string_equal(p.keys, "SECRET_KEY");
}

static void
test_check_production_rejects_short_secret(void **state)
{
	struct problems p;

	(void)state;
	production("q7Vn2xKp9LmZ4rTb8WcY1eHs6JdG3fU");   /* 31 characters */
	p = check();
	assert_int_equal(p.n, 1);
	assert_string_equal(p.last, "SECRET_KEY is too weak: use 32+ random characters");
	setenv("SECRET_KEY", "q7Vn2xKp9LmZ4rTb8WcY1eHs6JdG3fUa", 1);   /* 32 */
	p = check();
	assert_int_equal(p.n, 0);
}

static void
test_check_production_rejects_placeholder_secrets(void **state)
{
	static const char *const weak[] = {
		"change-me-change-me-change-me-please",
		"my-super-SECRET-value-for-edgescout-1",
		"Password1234567890Password1234567890",
		"example-key-9f8e7d6c5b4a3928171615",
		"x9y8z7w6v5u4t3s2r1q0xxxxp9o8n7m6l5k4",
		"abababababababababababababababababab",
		NULL
	};
	struct problems p;

	(void)state;
	production(NULL);
	for (int i = 0; weak[i]; i++) {
		setenv("SECRET_KEY", weak[i], 1);
		p = check();
		if (p.n != 1 || strcmp(p.keys, "SECRET_KEY") != 0)
			fail_msg("weak secret \"%s\" accepted (%s)", weak[i], p.keys);
	}
}

static void
test_check_production_needs_ten_distinct_characters(void **state)
{
	struct problems p;

	(void)state;
	production("012345678012345678012345678012345678");    /* nine distinct */
	p = check();
	assert_string_equal(p.keys, "SECRET_KEY");
	setenv("SECRET_KEY", "012345678901234567890123456789012345", 1);   /* ten */
	p = check();
	assert_int_equal(p.n, 0);
}

static void
test_check_production_rejects_debug_and_rate_limits_off(void **state)
{
	struct problems p;

	(void)state;
	production(STRONG_SECRET);
	setenv("DEBUG", "1", 1);
	p = check();
	assert_int_equal(p.n, 1);
	assert_string_equal(p.last, "DEBUG must be off in production");
	setenv("DEBUG", "true", 1);
	setenv("RATE_LIMITS", "off", 1);
	p = check();
	assert_int_equal(p.n, 2);
	assert_string_equal(p.keys, "DEBUG,RATE_LIMITS");
}

static void
test_check_development_is_lenient_but_not_blind(void **state)
{
	struct problems p;

	(void)state;
	setenv("DATABASE_URL", "postgresql://app@localhost/edge", 1);
	setenv("DEBUG", "1", 1);
	setenv("RATE_LIMITS", "off", 1);
	p = check();
	assert_int_equal(p.n, 0);                          /* no secret needed */
	setenv("SECRET_KEY", "short", 1);
	p = check();
	assert_int_equal(p.n, 1);
	assert_string_equal(p.last, "SECRET_KEY is shorter than 32 characters");
	setenv("SECRET_KEY", "change-me-change-me-change-me-please", 1);
	p = check();
	assert_int_equal(p.n, 0);                          /* placeholders only matter in production */
}

static void
test_check_reports_bad_values(void **state)
{
	struct problems p;

	(void)state;
	setenv("APP_ENV", "staging", 1);
	setenv("LOG_LEVEL", "verbose", 1);
	setenv("BODY_MAX_BYTES", "1023", 1);
	setenv("DB_STATEMENT_TIMEOUT_MS", "0", 1);
	setenv("DISK_FREE_MIN_MB", "-1", 1);
	setenv("RATE_LIMIT_DEFAULT", "0", 1);
	setenv("RATE_LIMIT_LOGIN", "100001", 1);
	setenv("RATE_LIMIT_REGISTER", "ten", 1);
	setenv("DATABASE_URL", "postgresql://app@localhost/edge", 1);
	p = check();
	assert_string_equal(p.keys, "APP_ENV,LOG_LEVEL,BODY_MAX_BYTES,DB_STATEMENT_TIMEOUT_MS,"
	                            "DISK_FREE_MIN_MB,RATE_LIMIT_DEFAULT,RATE_LIMIT_LOGIN,"
	                            "RATE_LIMIT_REGISTER");
	assert_int_equal(p.n, 8);
}

static void
test_check_production_needs_database_url(void **state)
{
	struct problems p;

	(void)state;
	production(STRONG_SECRET);
	unsetenv("DATABASE_URL");
	p = check();
	assert_int_equal(p.n, 1);
	assert_string_equal(p.last, "DATABASE_URL is not set");
	setenv("DATABASE_URL", "", 1);
	p = check();
	assert_string_equal(p.keys, "DATABASE_URL");
}

static void
test_check_boundaries_of_numeric_settings(void **state)
{
	struct problems p;

	(void)state;
	setenv("DATABASE_URL", "postgresql://app@localhost/edge", 1);
	setenv("BODY_MAX_BYTES", "1024", 1);
	setenv("RATE_LIMIT_DEFAULT", "1", 1);
	setenv("RATE_LIMIT_LOGIN", "100000", 1);
	setenv("DISK_FREE_MIN_MB", "0", 1);
	setenv("DB_STATEMENT_TIMEOUT_MS", "1", 1);
	p = check();
	assert_int_equal(p.n, 0);
	setenv("BODY_MAX_BYTES", "67108864", 1);
	p = check();
	assert_int_equal(p.n, 0);
	setenv("BODY_MAX_BYTES", "67108865", 1);
	p = check();
	assert_string_equal(p.keys, "BODY_MAX_BYTES");
}

static void
test_check_production_billing_wants_the_whole_set(void **state)
{
	struct problems p;

	(void)state;
	production(STRONG_SECRET);
	setenv("STRIPE_PRICE_ID", "not-a-price", 1);
	p = check();
	assert_int_equal(p.n, 0);            /* no secret key: billing is off */
	setenv("STRIPE_WEBHOOK_SECRET", "plain-words", 1);   /* the webhook alone */
	p = check();
	assert_string_equal(p.keys, "STRIPE_WEBHOOK_SECRET");
	assert_null(strstr(p.last, "plain-words"));
	setenv("STRIPE_WEBHOOK_SECRET", "whsec_Fq3mZ8", 1);
	p = check();
	assert_int_equal(p.n, 0);
	unsetenv("STRIPE_WEBHOOK_SECRET");
	setenv("STRIPE_SECRET_KEY", "sk_live_q7Vn2xKp9LmZ4rTb8WcY1eHs", 1);
	p = check();
	assert_string_equal(p.keys, "STRIPE_PRICE_ID,STRIPE_WEBHOOK_SECRET,BILLING_RETURN_URL");
	assert_null(strstr(p.last, "sk_live_"));
	setenv("STRIPE_PRICE_ID", "price_1PzQ", 1);
	setenv("STRIPE_WEBHOOK_SECRET", "whsec_Fq3mZ8", 1);
	setenv("BILLING_RETURN_URL", "https://edgescout.example/billing", 1);
	p = check();
	if (p.n != 0)
		fail_msg("unexpected problems: %s", p.keys);
	setenv("STRIPE_BASE_URL", "http://127.0.0.1:12111", 1);     /* a stand-in */
	setenv("BILLING_RETURN_URL", "http://edgescout.example/billing", 1);
	setenv("STRIPE_SECRET_KEY", "pk_live_published", 1);          /* a publishable key */
	p = check();
	assert_string_equal(p.keys, "STRIPE_SECRET_KEY,STRIPE_BASE_URL,BILLING_RETURN_URL");
	assert_null(strstr(p.last, "edgescout.example"));
	setenv("STRIPE_WEBHOOK_SECRET", "whsec_", 1);
	setenv("STRIPE_SECRET_KEY", "rk_live_restricted", 1);
	unsetenv("STRIPE_BASE_URL");
	setenv("BILLING_RETURN_URL", "https://edgescout.example/billing", 1);
	p = check();
	assert_string_equal(p.keys, "STRIPE_WEBHOOK_SECRET");
}

static void
test_check_billing_numbers_everywhere(void **state)
{
	struct problems p;

	(void)state;
	setenv("DATABASE_URL", "postgresql://app@localhost/edge", 1);
	setenv("STRIPE_SECRET_KEY", "sk_test_anything", 1);   /* development: lenient */
	setenv("STRIPE_BASE_URL", "http://127.0.0.1:12111", 1);
	p = check();
	assert_int_equal(p.n, 0);
	setenv("BILLING_GRACE_DAYS", "61", 1);
	setenv("STRIPE_WEBHOOK_TOLERANCE", "0", 1);
	setenv("RATE_LIMIT_WEBHOOK", "0", 1);
	p = check();
	assert_string_equal(p.keys, "RATE_LIMIT_WEBHOOK,BILLING_GRACE_DAYS,STRIPE_WEBHOOK_TOLERANCE");
	setenv("BILLING_GRACE_DAYS", "0", 1);
	setenv("STRIPE_WEBHOOK_TOLERANCE", "3600", 1);
	setenv("RATE_LIMIT_WEBHOOK", "100000", 1);
	p = check();
	assert_int_equal(p.n, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, clean_env, clean_env)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_check_production_passes_with_strong_secret),
		T(test_check_production_rejects_missing_secret),
		T(test_check_production_rejects_short_secret),
		T(test_check_production_rejects_placeholder_secrets),
		T(test_check_production_needs_ten_distinct_characters),
		T(test_check_production_rejects_debug_and_rate_limits_off),
		T(test_check_development_is_lenient_but_not_blind),
		T(test_check_reports_bad_values),
		T(test_check_production_needs_database_url),
		T(test_check_boundaries_of_numeric_settings),
		T(test_check_production_billing_wants_the_whole_set),
		T(test_check_billing_numbers_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
