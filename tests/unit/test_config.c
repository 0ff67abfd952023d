/* test_config.c: env files, typed getters and masking (the checks:
 * test_config_check). */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "config_env.h"

/* ---- config_load ------------------------------------------------------- */

static void
test_load_comments_export_quotes_and_spacing(void **state)
{
	char err[256] = "";
	const char *path = env_file(
		"# a comment line\n"
		"\n"
		"   \t\n"
		"   # an indented comment\n"
		"T_PLAIN=plain\n"
		"export T_EXPORTED=exported\n"
		"T_DQ=\"double # quoted\"\n"
		"T_SQ='single quoted'\n"
		"  T_SPACED  =  spaced value  \n"
		"T_EMPTY=\n"
		"T_UNBALANCED=\"open\n"
		"T_EQ=a=b=c\n"
		"T_PADDED=\"  kept  \"\n"
		"T_HASH=x#y\n"
		"T_TABBED=\tvalue\t\n"
		"T_A=last line without newline");

	(void)state;
	assert_int_equal(config_load(path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_env("T_PLAIN", "plain");
	assert_env("T_EXPORTED", "exported");
	assert_env("T_DQ", "double # quoted");
	assert_env("T_SQ", "single quoted");
	assert_env("T_SPACED", "spaced value");
	assert_env("T_EMPTY", "");
	assert_env("T_UNBALANCED", "\"open");
	assert_env("T_EQ", "a=b=c");
	assert_env("T_PADDED", "  kept  ");
	assert_env("T_HASH", "x#y");
	assert_env("T_TABBED", "value");
	assert_env("T_A", "last line without newline");
}

static void
test_load_environment_wins_over_file(void **state)
{
	char err[256];
	const char *path = env_file("T_ENV=from file\nT_FILE=from file\n");

	(void)state;
	setenv("T_ENV", "from environment", 1);
	assert_int_equal(config_load(path, err, sizeof(err)), 0);
	assert_env("T_ENV", "from environment");
	assert_env("T_FILE", "from file");
	assert_string_equal(config_get("T_ENV"), "from environment");
}

static void
test_load_null_path_reads_EDGESCOUT_ENV_FILE(void **state)
{
	char err[256];
	const char *path = env_file("T_ONLY=via variable\n");

	(void)state;
	assert_int_equal(config_load(NULL, err, sizeof(err)), 0);   /* unset: nothing */
	assert_env("T_ONLY", NULL);
	setenv("EDGESCOUT_ENV_FILE", "", 1);
	assert_int_equal(config_load(NULL, err, sizeof(err)), 0);   /* empty: nothing */
	assert_env("T_ONLY", NULL);
	setenv("EDGESCOUT_ENV_FILE", path, 1);
	assert_int_equal(config_load(NULL, err, sizeof(err)), 0);
	assert_env("T_ONLY", "via variable");
}

static void
test_load_missing_file_names_the_file(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(config_load("/nonexistent/dir/app.env", err, sizeof(err)), -1);
	assert_string_equal(err,
		"cannot read env file /nonexistent/dir/app.env: No such file or directory");
}

/* Load text and expect failure with "<path>:<suffix>". */
static void
expect_load_error(const char *text, const char *suffix)
{
	char err[256] = "", want[256];
	const char *path = env_file(text);

	snprintf(want, sizeof(want), "%s:%s", path, suffix);
	assert_int_equal(config_load(path, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	unlink(env_path);
	env_path[0] = '\0';
}

static void
test_load_bad_lines_name_file_and_line(void **state)
{
	(void)state;
	expect_load_error("T_A=1\nnot a pair\n", "2: expected KEY=VALUE");
	expect_load_error("# c\n\n=value\n", "3: expected KEY=VALUE");
	expect_load_error("export\n", "1: expected KEY=VALUE");
	expect_load_error("lower=1\n", "1: bad key name");
	expect_load_error("T_A=1\nT_B=2\nBAD-KEY=3\n", "3: bad key name");
	expect_load_error("T A=1\n", "1: bad key name");
	expect_load_error("export =x\n", "1: expected KEY=VALUE");
}

static void
test_load_overlong_line_is_an_error(void **state)
{
	char *text = malloc(6000);

	(void)state;
	memcpy(text, "T_A=", 4);
	memset(text + 4, 'v', 5000);
	strcpy(text + 5004, "\n");
	expect_load_error(text, "1: line too long");
	free(text);
}

/* ---- getters ----------------------------------------------------------- */

static void
test_get_environment_then_default_then_null(void **state)
{
	(void)state;
	assert_string_equal(config_get("LOG_LEVEL"), "info");
	assert_string_equal(config_get("BODY_MAX_BYTES"), "1048576");
	assert_null(config_get("SECRET_KEY"));              /* no default */
	assert_null(config_get("T_NO_SUCH_KEY"));
	setenv("LOG_LEVEL", "debug", 1);
	assert_string_equal(config_get("LOG_LEVEL"), "debug");
	setenv("LOG_LEVEL", "", 1);
	assert_string_equal(config_get("LOG_LEVEL"), "");    /* set but empty */
}

static void
test_int_parses_strict_decimal_else_default(void **state)
{
	static const struct { const char *v; long long want; } cases[] = {
		{ "42", 42 }, { "-7", -7 }, { "0", 0 },
		{ "9223372036854775807", INT64_MAX },
		{ "9223372036854775808", -1 },      /* out of range */
		{ "", -1 }, { "abc", -1 }, { "12abc", -1 }, { "1.5", -1 },
		{ "12 ", -1 }, { "0x10", -1 },
	};

	(void)state;
	assert_int_equal(config_int("T_INT", -1), -1);       /* unset */
	assert_int_equal(config_int("BODY_MAX_BYTES", -1), 1048576);   /* default */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv("T_INT", cases[i].v, 1);
		if (config_int("T_INT", -1) != cases[i].want)
			fail_msg("config_int(\"%s\") = %lld, want %lld", cases[i].v,
			         config_int("T_INT", -1), cases[i].want);
	}
}

static void
test_bool_parses_known_words_case_insensitively(void **state)
{
	static const char *const yes[] = { "1", "true", "TRUE", "Yes", "on", "ON", NULL };
	static const char *const no[] = { "0", "false", "False", "NO", "off", "Off", NULL };
	static const char *const neither[] = { "", "2", "maybe", "y", "n", "enable", " 1", NULL };

	(void)state;
	assert_int_equal(config_bool("T_BOOL", 7), 7);
	for (int i = 0; yes[i]; i++) {
		setenv("T_BOOL", yes[i], 1);
		if (config_bool("T_BOOL", 7) != 1)
			fail_msg("\"%s\" is not true", yes[i]);
	}
	for (int i = 0; no[i]; i++) {
		setenv("T_BOOL", no[i], 1);
		if (config_bool("T_BOOL", 7) != 0)
			fail_msg("\"%s\" is not false", no[i]);
	}
	for (int i = 0; neither[i]; i++) {
		setenv("T_BOOL", neither[i], 1);
		if (config_bool("T_BOOL", 7) != 7)
			fail_msg("\"%s\" did not give the default", neither[i]);
	}
}

static void
test_env_maps_names_and_defaults_to_development(void **state)
{
	(void)state;
	assert_int_equal(config_env(), APP_DEVELOPMENT);
	setenv("APP_ENV", "production", 1);
	assert_int_equal(config_env(), APP_PRODUCTION);
	setenv("APP_ENV", "test", 1);
	assert_int_equal(config_env(), APP_TEST);
	setenv("APP_ENV", "Production", 1);
	assert_int_equal(config_env(), APP_DEVELOPMENT);
	setenv("APP_ENV", "staging", 1);
	assert_int_equal(config_env(), APP_DEVELOPMENT);
	assert_string_equal(config_env_name(APP_DEVELOPMENT), "development");
	assert_string_equal(config_env_name(APP_TEST), "test");
	assert_string_equal(config_env_name(APP_PRODUCTION), "production");
}

static void
test_items_table_is_terminated_unique_and_flagged(void **state)
{
	const struct config_item *it = config_items();
	int n = 0, secret = 0, dsn = 0;

	(void)state;
	for (; it[n].key != NULL; n++) {
		assert_non_null(it[n].help);
		assert_true(strlen(it[n].help) > 0);
		for (int j = 0; j < n; j++)
			if (strcmp(it[j].key, it[n].key) == 0)
				fail_msg("%s is listed twice", it[n].key);
		if (strcmp(it[n].key, "SECRET_KEY") == 0)
			secret = (it[n].flags & CONFIG_SECRET) != 0;
		if (strcmp(it[n].key, "DATABASE_URL") == 0)
			dsn = (it[n].flags & CONFIG_DSN) != 0;
	}
	assert_true(n >= 10);
	assert_true(secret);
	assert_true(dsn);
}

/* ---- config_shown ------------------------------------------------------ */

static const struct config_item *
item(const char *key)
{
	for (const struct config_item *it = config_items(); it->key; it++)
		if (strcmp(it->key, key) == 0)
			return it;
	fail_msg("no item %s", key);
	return NULL;
}

static const char *
shown(const char *key)
{
	static char out[512];

	config_shown(item(key), out, sizeof(out));
	return out;
}

static void
test_shown_never_reveals_secret_key(void **state)
{
	(void)state;
	assert_string_equal(shown("SECRET_KEY"), "(unset)");
	setenv("SECRET_KEY", "", 1);
	assert_string_equal(shown("SECRET_KEY"), "(unset)");
	setenv("SECRET_KEY", STRONG_SECRET, 1);
	assert_string_equal(shown("SECRET_KEY"), "(set)");
}

static void
test_shown_plain_values_and_unset(void **state)
{
	(void)state;
	assert_string_equal(shown("LOG_LEVEL"), "info");
	setenv("LOG_LEVEL", "warn", 1);
	assert_string_equal(shown("LOG_LEVEL"), "warn");
	assert_string_equal(shown("DATABASE_URL"), "(unset)");
}

static void
test_shown_masks_keyword_password(void **state)
{
	(void)state;
	setenv("DATABASE_URL", "host=db user=app password=hunter2 dbname=edge", 1);
	assert_string_equal(shown("DATABASE_URL"), "host=db user=app password=**** dbname=edge");
	setenv("DATABASE_URL", "password=hunter2", 1);
	assert_string_equal(shown("DATABASE_URL"), "password=****");
	setenv("DATABASE_URL", "host=db dbname=edge", 1);
	assert_string_equal(shown("DATABASE_URL"), "host=db dbname=edge");
	setenv("DATABASE_OWNER_URL", "host=db password=0wner user=owner", 1);
	assert_string_equal(shown("DATABASE_OWNER_URL"), "host=db password=**** user=owner");
}

static void
test_shown_masks_uri_password(void **state)
{
	(void)state;
	setenv("DATABASE_URL", "postgresql://u:pw@h:5432/db?sslmode=require", 1);
	assert_string_equal(shown("DATABASE_URL"), "postgresql://u:****@h:5432/db?sslmode=require");
	setenv("DATABASE_URL", "postgres://app:s3cr3t!@db.internal/edge", 1);
	assert_string_equal(shown("DATABASE_URL"), "postgres://app:****@db.internal/edge");
	setenv("DATABASE_URL", "postgresql://u@h:5432/db", 1);      /* no password */
	assert_string_equal(shown("DATABASE_URL"), "postgresql://u@h:5432/db");
	setenv("DATABASE_URL", "postgresql://h:5432/db", 1);
	assert_string_equal(shown("DATABASE_URL"), "postgresql://h:5432/db");
	setenv("DATABASE_URL", "postgresql://h/db?user=u&password=pw", 1);
	assert_null(strstr(shown("DATABASE_URL"), "pw"));
}

/* libpq allows spaces around '=' in keyword/value strings. */
static void
test_shown_masks_password_with_spaces_around_equals(void **state)
{
	(void)state;
	setenv("DATABASE_URL", "host=db password = hunter2 user=app", 1);
	if (strstr(shown("DATABASE_URL"), "hunter2") != NULL)
		fail_msg("password shown: %s", shown("DATABASE_URL"));
}

/* libpq allows single-quoted values with spaces. */
static void
test_shown_masks_quoted_password_with_spaces(void **state)
{
	(void)state;
	setenv("DATABASE_URL", "host=db password='correct horse' user=app", 1);
	if (strstr(shown("DATABASE_URL"), "horse") != NULL)
		fail_msg("password shown: %s", shown("DATABASE_URL"));
}

static void
test_shown_masks_every_password_form(void **state)
{
	(void)state;
	setenv("DATABASE_URL", "postgresql://u:pw1@h/db?password=pw2&sslmode=require", 1);
	assert_string_equal(shown("DATABASE_URL"),
	                    "postgresql://u:****@h/db?password=****&sslmode=require");
	setenv("DATABASE_URL", "host=db password='it\\'s mine' user=app", 1);
	assert_string_equal(shown("DATABASE_URL"), "host=db password=**** user=app");
	setenv("DATABASE_URL", "host=db password = hunter2 user=app", 1);
	assert_string_equal(shown("DATABASE_URL"), "host=db password =**** user=app");
	setenv("DATABASE_URL", "host=db sslpassword=k1 password=k2", 1);
	assert_null(strstr(shown("DATABASE_URL"), "k1"));
	assert_null(strstr(shown("DATABASE_URL"), "k2"));
}

/* Known bug: with an empty URI password ("user:@host") mask_dsn() sets its
 * cursor to the '@', which is where it already is, and loops forever. Run in
 * a child with an alarm so the bug fails the test instead of hanging it. */
static void
test_shown_uri_with_empty_password_terminates(void **state)
{
	int fds[2], st = 0;
	char out[256] = "";
	ssize_t n;
	pid_t pid;

	(void)state;
	setenv("DATABASE_URL", "postgresql://app:@db/edge", 1);
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *s;

		close(fds[0]);
		alarm(5);
		s = shown("DATABASE_URL");
		if (write(fds[1], s, strlen(s)) < 0)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("config_shown did not return (%s %d)",
		         WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	out[n > 0 ? n : 0] = '\0';
	assert_string_equal(out, "postgresql://app:****@db/edge");
}

static void
test_shown_truncates_to_the_buffer(void **state)
{
	char out[8];

	(void)state;
	setenv("DATABASE_URL", "host=db password=hunter2", 1);
	config_shown(item("DATABASE_URL"), out, sizeof(out));
	assert_string_equal(out, "host=db");
}

#define T(name) cmocka_unit_test_setup_teardown(name, clean_env, clean_env)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_load_comments_export_quotes_and_spacing),
		T(test_load_environment_wins_over_file),
		T(test_load_null_path_reads_EDGESCOUT_ENV_FILE),
		T(test_load_missing_file_names_the_file),
		T(test_load_bad_lines_name_file_and_line),
		T(test_load_overlong_line_is_an_error),
		T(test_get_environment_then_default_then_null),
		T(test_int_parses_strict_decimal_else_default),
		T(test_bool_parses_known_words_case_insensitively),
		T(test_env_maps_names_and_defaults_to_development),
		T(test_items_table_is_terminated_unique_and_flagged),
		T(test_shown_never_reveals_secret_key),
		T(test_shown_plain_values_and_unset),
		T(test_shown_masks_keyword_password),
		T(test_shown_masks_uri_password),
		T(test_shown_masks_password_with_spaces_around_equals),
		T(test_shown_masks_quoted_password_with_spaces),
		T(test_shown_masks_every_password_form),
		T(test_shown_uri_with_empty_password_terminates),
		T(test_shown_truncates_to_the_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
