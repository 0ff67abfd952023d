/* config.h: settings from the environment, optionally from an env file.
 *
 * Every known key is listed once in config.c with its default, whether it is
 * secret, and a one-line description; `edgescout config show|check` walk that
 * table. The process environment wins over the env file. */
#ifndef EDGESCOUT_CONFIG_H
#define EDGESCOUT_CONFIG_H

#include <stddef.h>

enum app_env { APP_DEVELOPMENT, APP_TEST, APP_PRODUCTION };

enum config_flags {
	CONFIG_SECRET = 1 << 0,  /* never shown; reported only as set or unset */
	CONFIG_DSN    = 1 << 1,  /* a connection string: its password is masked */
};

struct config_item {
	const char *key;
	const char *def;      /* default value, NULL for none */
	unsigned flags;
	const char *help;
};

/* Load the env file named by path (NULL: $EDGESCOUT_ENV_FILE, if set) without
 * overriding variables already in the environment. Returns 0, or -1 with a
 * one-line reason in err (of size errlen) when the file is unreadable or a
 * line is malformed. */
int config_load(const char *path, char *err, size_t errlen);

/* The value of key: the environment, else the default, else NULL. */
const char *config_get(const char *key);

/* key as an integer; def when unset or not a number. */
long long config_int(const char *key, long long def);

/* key as a boolean (1/true/yes/on); def when unset. */
int config_bool(const char *key, int def);

/* The deployment environment named by APP_ENV (unknown names: development). */
enum app_env config_env(void);

/* Name of an environment ("development", "test", "production"). */
const char *config_env_name(enum app_env env);

/* The table of known keys, terminated by an entry with key == NULL. */
const struct config_item *config_items(void);

/* The value of item as it may be shown: secrets as "(set)"/"(unset)",
 * passwords inside connection strings as "****". Written into out. */
void config_shown(const struct config_item *item, char *out, size_t outlen);

/* Check the configuration; calls report(key, problem, ctx) for each problem
 * and returns how many there were. DATABASE_URL must be set everywhere;
 * production adds the hard rules (strong SECRET_KEY, DEBUG off, rate limits on). */
int config_check(void (*report)(const char *key, const char *problem, void *ctx),
                 void *ctx);

#endif
