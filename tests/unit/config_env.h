/* config_env.h: the fixture of the configuration tests (test_config,
 * test_config_check): every variable a test may set, cleared before and
 * after each test (clean_env), temporary env files, and checking a
 * variable. Include after unit.h. */
#ifndef EDGESCOUT_TEST_CONFIG_ENV_H
#define EDGESCOUT_TEST_CONFIG_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STRONG_SECRET "q7Vn2xKp9LmZ4rTb8WcY1eHs6JdG3fUa0NiQ5oEw"

/* Every variable a test may set; cleared before and after each test. */
static const char *const touched[] = {
	"APP_ENV", "DEBUG", "LOG_LEVEL", "SECRET_KEY", "DATABASE_URL",
	"DATABASE_OWNER_URL", "BODY_MAX_BYTES", "DB_STATEMENT_TIMEOUT_MS",
	"DISK_FREE_MIN_MB", "RATE_LIMITS", "RATE_LIMIT_DEFAULT", "RATE_LIMIT_LOGIN",
	"RATE_LIMIT_REGISTER", "EDGESCOUT_ENV_FILE", "RATE_LIMIT_WEBHOOK",
	"STRIPE_SECRET_KEY", "STRIPE_PRICE_ID", "STRIPE_WEBHOOK_SECRET", "STRIPE_BASE_URL",
	"BILLING_RETURN_URL", "BILLING_GRACE_DAYS", "STRIPE_WEBHOOK_TOLERANCE",
	"T_PLAIN", "T_EXPORTED", "T_DQ", "T_SQ", "T_SPACED", "T_EMPTY", "T_UNBALANCED",
	"T_EQ", "T_PADDED", "T_HASH", "T_ENV", "T_FILE", "T_ONLY", "T_INT", "T_BOOL",
	"T_A", "T_TABBED",
	NULL
};

static char env_path[64];

static inline int
clean_env(void **state)
{
	(void)state;
	for (int i = 0; touched[i]; i++)
		unsetenv(touched[i]);
	if (env_path[0] != '\0') {
		unlink(env_path);
		env_path[0] = '\0';
	}
	return 0;
}

/* Write text to a fresh temporary env file; returns its path. */
static inline const char *
env_file(const char *text)
{
	int fd;
	FILE *f;

	snprintf(env_path, sizeof(env_path), "/tmp/test_config_XXXXXX");
	fd = mkstemp(env_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return env_path;
}

static inline void
assert_env(const char *key, const char *want)
{
	const char *v = getenv(key);

	if (want == NULL) {
		if (v != NULL)
			fail_msg("%s is set to \"%s\"", key, v);
		return;
	}
	if (v == NULL)
		fail_msg("%s is not set", key);
	if (strcmp(v, want) != 0)
		fail_msg("%s is \"%s\", want \"%s\"", key, v, want);
}


#endif
