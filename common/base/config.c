/* config.c: the table of settings and their checks. */
#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MIN_SECRET_LEN 32

static const struct config_item items[] = {
	{ "APP_ENV", "development", 0, "development | test | production" },
	{ "DEBUG", "0", 0, "debug detail in error replies (refused in production)" },
	{ "LOG_LEVEL", "info", 0, "debug | info | warn | error" },
	{ "SECRET_KEY", NULL, CONFIG_SECRET, "signing key, at least 32 characters" },
	{ "DATABASE_URL", NULL, CONFIG_DSN, "libpq connection string of the app role" },
	{ "DATABASE_OWNER_URL", NULL, CONFIG_DSN, "libpq connection string of the owner role (migrations)" },
	{ "DATABASE_ADMIN_URL", NULL, CONFIG_DSN, "superuser connection string, used only by `edgescout db init`" },
	{ "DB_STATEMENT_TIMEOUT_MS", "5000", 0, "per-statement time limit" },
	{ "DB_PREPARE", "1", 0, "1: prepare statements once per connection; 0 behind a pooler that cannot keep them" },
	{ "DATA_DIR", "var", 0, "directory whose free space /health/detailed reports" },
	{ "RUN_DIR", "var/run", 0, "sockets, pid files and shared metrics tables" },
	{ "MIGRATIONS_DIR", "sql", 0, "where the numbered migrations live" },
	{ "BODY_MAX_BYTES", "1048576", 0, "largest request body accepted" },
	{ "METRICS_ALLOW", "127.0.0.0/8,::1/128", 0, "networks that may read /metrics" },
	{ "CORS_ORIGINS", "", 0, "comma-separated origins allowed by CORS" },
	{ "RATE_LIMITS", "on", 0, "nginx per-IP rate limits: on | off" },
	{ "RATE_LIMIT_DEFAULT", "60", 0, "requests per minute per IP, default class" },
	{ "RATE_LIMIT_LOGIN", "10", 0, "requests per minute per IP, login" },
	{ "RATE_LIMIT_REGISTER", "5", 0, "requests per minute per IP, register" },
	{ "RATE_LIMIT_WEBHOOK", "120", 0, "requests per minute per IP, payment webhooks" },
	{ "DISK_FREE_MIN_MB", "100", 0, "below this /health/detailed is degraded" },
	{ "ANALYSIS_REFRESH_SECONDS", "21600", 0, "stock analysis: refresh a symbol's prices not brought up to date for this long" },
	{ "ANALYSIS_RETRY_SECONDS", "300", 0, "stock analysis: seconds after a failed refresh before the providers are asked again" },
	{ "RUN_MAX_SYMBOLS_FREE", "10", 0, "POST /api/v1/run: symbols per call on the free tier (at most 50)" },
	{ "RUN_MAX_SYMBOLS_PRO", "50", 0, "POST /api/v1/run: symbols per call on the pro tier (at most 50)" },
	{ "TASK_TIMEOUT_SECONDS", "300", 0, "async tasks: a task running this long is taken back into the queue" },
	{ "TASK_MAX_ATTEMPTS", "3", 0, "async tasks: claims of one task before it fails for good" },
	{ "TASK_RETENTION_DAYS", "7", 0, "prune: days a finished task (done or failed) is kept" },
	{ "MARKET_UNIVERSE", "", 0, "scan-markets: symbols scanned besides every watchlist's (comma-separated)" },
	{ "RUN_TASKS_SECONDS", "55", 0, "run-tasks: seconds one run keeps working the queue (0: what is queued now)" },
	{ "PRECOMPUTE_TOP", "20", 0, "precompute: most-requested (symbol, strategy) pairs of 24 h kept warm" },
	{ "LABEL_HORIZON_DAYS", "5", 0, "label-signals: trading days after a signal its outcome is read" },
	{ "LABEL_FLAT_THRESHOLD", "0.005", 0, "label-signals: returns within this of zero are flat" },
	{ "LABEL_BATCH", "1000", 0, "label-signals: signals labelled per pass" },
	{ "RETRAIN_MIN_ROWS", "200", 0, "retrain: labelled signals needed before a model is trained" },
	{ "RETRAIN_LAMBDA", "0.01", 0, "retrain: L2 regularisation strength" },
	{ "RETRAIN_HOLDOUT", "0.2", 0, "retrain: newest share of rows held out for evaluation" },
	{ "RETRAIN_LOGLOSS_EPSILON", "0.001", 0, "retrain: log-loss slack allowed when promoting" },
	{ "MODEL_CHECK_SECONDS", "30", 0, "how often workers look for a newly promoted model" },
	{ "JWT_ISSUER", "edgescout", 0, "iss of access tokens" },
	{ "JWT_AUDIENCE", "edgescout-api", 0, "aud of access tokens" },
	{ "ACCESS_TOKEN_TTL", "900", 0, "access token lifetime, seconds" },
	{ "REFRESH_TOKEN_TTL", "2592000", 0, "refresh token family lifetime, seconds" },
	{ "SESSION_TTL", "43200", 0, "browser session lifetime, seconds" },
	{ "PWHASH_OPSLIMIT", "", 0, "Argon2id passes (default: libsodium interactive)" },
	{ "PWHASH_MEMLIMIT", "", 0, "Argon2id memory in bytes (default: libsodium interactive)" },
	{ "LOGIN_LOCK_FAILURES", "10", 0, "failed logins in 15 minutes that lock an account" },
	{ "PUBLIC_URL", "https://localhost", 0, "the site's base URL, for links in alerts (unsubscribe)" },
	{ "ALERT_LEASE_SECONDS", "60", 0, "deliver-alerts: a claimed delivery is taken again after this" },
	{ "ALERT_DELIVER_SECONDS", "55", 0, "deliver-alerts: seconds one run keeps listening for alerts (0: what is due now)" },
	{ "TWILIO_BASE_URL", "https://api.twilio.com", 0, "SMS alerts: Twilio API base URL" },
	{ "TWILIO_ACCOUNT_SID", NULL, 0, "SMS alerts: Twilio account SID (unset: no SMS channels)" },
	{ "TWILIO_AUTH_TOKEN", NULL, CONFIG_SECRET, "SMS alerts: Twilio auth token" },
	{ "TWILIO_FROM", NULL, 0, "SMS alerts: the sending number (E.164)" },
	{ "SMTP_URL", NULL, 0, "email alerts: smtp://host:587 (STARTTLS) or smtps://host:465 (unset: no email channels)" },
	{ "SMTP_USERNAME", NULL, 0, "email alerts: SMTP AUTH user" },
	{ "SMTP_PASSWORD", NULL, CONFIG_SECRET, "email alerts: SMTP AUTH password" },
	{ "SMTP_FROM", NULL, 0, "email alerts: the From address" },
	{ "SMTP_CA_FILE", NULL, 0, "email alerts: CA bundle for the SMTP server's certificate (default: the system's)" },
	{ "HTTP_CONNECT_TIMEOUT_MS", "5000", 0, "outbound HTTP: connect time limit" },
	{ "HTTP_TIMEOUT_MS", "15000", 0, "outbound HTTP: time limit of one attempt" },
	{ "HTTP_MAX_BYTES", "10485760", 0, "outbound HTTP: largest response body read" },
	{ "HTTP_RETRIES", "3", 0, "outbound HTTP: retries on timeouts, connection errors, 429, 5xx" },
	{ "HTTP_RETRY_BASE_MS", "1000", 0, "outbound HTTP: first backoff ceiling, doubled per retry" },
	{ "HTTP_USER_AGENT", NULL, 0, "outbound HTTP: User-Agent (default edgescout/VERSION)" },
	{ "MARKET_PROVIDERS", "alphavantage,finnhub,polygon", 0, "market data providers in the order tried: alphavantage, finnhub, polygon, csv" },
	{ "ALPHAVANTAGE_BASE_URL", "https://www.alphavantage.co", 0, "Alpha Vantage API base URL" },
	{ "ALPHAVANTAGE_API_KEY", NULL, CONFIG_SECRET, "Alpha Vantage API key (unset: provider skipped)" },
	{ "FINNHUB_BASE_URL", "https://finnhub.io/api/v1", 0, "Finnhub API base URL" },
	{ "FINNHUB_API_KEY", NULL, CONFIG_SECRET, "Finnhub API key (unset: provider skipped)" },
	{ "POLYGON_BASE_URL", "https://api.polygon.io", 0, "Polygon API base URL" },
	{ "POLYGON_API_KEY", NULL, CONFIG_SECRET, "Polygon API key (unset: provider skipped)" },
	{ "MARKET_CSV_URL_TEMPLATE", NULL, 0, "csv provider: URL of a symbol's daily CSV, {symbol} replaced (file:// or https://)" },
	{ "MARKET_CACHE_TTL", "3600", 0, "seconds a market data provider's reply stays cached" },
	{ "WATCHLIST_MAX_SYMBOLS", "200", 0, "symbols per watchlist, at most" },
	{ "STRIPE_SECRET_KEY", NULL, CONFIG_SECRET, "billing: Stripe secret API key, sk_... or rk_... (unset: billing off)" },
	{ "STRIPE_PRICE_ID", NULL, 0, "billing: the Stripe price (price_...) of the pro subscription" },
	{ "STRIPE_WEBHOOK_SECRET", NULL, CONFIG_SECRET, "billing: signing secret (whsec_...) of the webhook endpoint" },
	{ "STRIPE_BASE_URL", "https://api.stripe.com", 0, "billing: Stripe API base URL" },
	{ "BILLING_RETURN_URL", NULL, 0, "billing: the page Checkout and the customer portal send users back to" },
	{ "BILLING_GRACE_DAYS", "7", 0, "billing: days the pro tier stays after a failed payment" },
	{ "STRIPE_WEBHOOK_TOLERANCE", "300", 0, "billing: seconds a webhook signature's timestamp may be off" },
	{ "EBAY_CLIENT_ID", NULL, 0, "eBay application's client id (unset: eBay not used for deals)" },
	{ "EBAY_CLIENT_SECRET", NULL, CONFIG_SECRET, "eBay application's client secret" },
	{ "EBAY_ENV", "production", 0, "eBay API: production or sandbox" },
	{ "DEALS_CSV_URL", NULL, 0, "recorded listings for deals (file:// or https://), used without eBay keys" },
	{ "DEALS_OPINION_URL", NULL, 0, "OpenAI-compatible API base URL for a second opinion on great deals (unset: off)" },
	{ "DEALS_OPINION_KEY", NULL, CONFIG_SECRET, "API key of DEALS_OPINION_URL" },
	{ "DEALS_OPINION_MODEL", "gpt-4o-mini", 0, "the chat model asked for a second opinion" },
	{ "BACKUP_DIR", NULL, 0, "backups: where the encrypted dumps and their metadata live (default DATA_DIR/backups)" },
	{ "BACKUP_KEY", NULL, CONFIG_SECRET, "backups: encryption key, 64 hex digits (edgescout backup keygen); lost key = lost backups" },
	{ "BACKUP_KEY_FILE", NULL, 0, "backups: file holding the key, when BACKUP_KEY is unset" },
	{ "BACKUP_KEEP_DAILY", "30", 0, "backups: newest backup of each of this many days kept" },
	{ "BACKUP_KEEP_WEEKLY", "8", 0, "backups: newest backup of each of this many ISO weeks kept" },
	{ "BACKUP_KEEP_MONTHLY", "12", 0, "backups: newest backup of each of this many months kept" },
	{ "BACKUP_RESTORE_WAIT_S", "300", 0, "backups: seconds a restore waits for running jobs before giving up" },
	{ "BACKUP_S3_ENDPOINT", NULL, 0, "off-site backups: S3-compatible endpoint URL (unset: no off-site copy)" },
	{ "BACKUP_S3_BUCKET", NULL, 0, "off-site backups: bucket (path-style URLs)" },
	{ "BACKUP_S3_REGION", "us-east-1", 0, "off-site backups: region the requests are signed for" },
	{ "BACKUP_S3_PREFIX", "edgescout/", 0, "off-site backups: key prefix of the objects" },
	{ "BACKUP_S3_ACCESS_KEY", NULL, 0, "off-site backups: access key id" },
	{ "BACKUP_S3_SECRET_KEY", NULL, CONFIG_SECRET, "off-site backups: secret access key" },
	{ "BACKUP_S3_PART_MB", "16", 0, "off-site backups: files above this go up in parts of this size (multipart)" },
	{ NULL, NULL, 0, NULL }
};

static const struct config_item *
find_item(const char *key)
{
	for (const struct config_item *it = items; it->key; it++)
		if (strcmp(it->key, key) == 0)
			return it;
	return NULL;
}

const struct config_item *
config_items(void)
{
	return items;
}

const char *
config_get(const char *key)
{
	const char *v = getenv(key);
	const struct config_item *it;

	if (v != NULL)
		return v;
	it = find_item(key);
	return it ? it->def : NULL;
}

long long
config_int(const char *key, long long def)
{
	const char *v = config_get(key);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end != '\0')
		return def;
	return n;
}

int
config_bool(const char *key, int def)
{
	const char *v = config_get(key);

	if (v == NULL || *v == '\0')
		return def;
	if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on"))
		return 1;
	if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off"))
		return 0;
	return def;
}

enum app_env
config_env(void)
{
	const char *v = config_get("APP_ENV");

	if (v && strcmp(v, "production") == 0)
		return APP_PRODUCTION;
	if (v && strcmp(v, "test") == 0)
		return APP_TEST;
	return APP_DEVELOPMENT;
}

const char *
config_env_name(enum app_env env)
{
	switch (env) {
	case APP_PRODUCTION: return "production";
	case APP_TEST: return "test";
	default: return "development";
	}
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_load(const char *path, char *err, size_t errlen)
{
	FILE *f;
	char line[4096];
	int lineno = 0, rc = 0;

	if (path == NULL)
		path = getenv("EDGESCOUT_ENV_FILE");
	if (path == NULL || *path == '\0')
		return 0;
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read env file %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s, *eq, *key, *val;
		size_t n;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "export ", 7) == 0)
			s = trim(s + 7);
		eq = strchr(s, '=');
		if (eq == NULL || eq == s) {
			snprintf(err, errlen, "%s:%d: expected KEY=VALUE", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		for (const char *k = key; *k; k++) {
			if (!(isupper((unsigned char)*k) || isdigit((unsigned char)*k) || *k == '_')) {
				snprintf(err, errlen, "%s:%d: bad key name", path, lineno);
				rc = -1;
				goto out;
			}
		}
		n = strlen(val);
		if (n >= 2 && (val[0] == '"' || val[0] == '\'') && val[n - 1] == val[0]) {
			val[n - 1] = '\0';
			val++;
		}
		setenv(key, val, 0);
	}
out:
	fclose(f);
	return rc;
}

/* Copy dsn to out with every password masked as ****: the value of
 * password=... (spaces around '=', quoted values, URI query parameters) and
 * the password of a postgresql://user:password@host URI. */
static void
mask_dsn(const char *dsn, char *out, size_t outlen)
{
	const char *scheme = strstr(dsn, "://");
	const char *userinfo_end = NULL, *colon = NULL;
	size_t o = 0;

	if (scheme != NULL) {
		userinfo_end = strchr(scheme + 3, '@');
		if (userinfo_end != NULL)
			colon = memchr(scheme + 3, ':', (size_t)(userinfo_end - scheme - 3));
	}
#define EMIT(c) do { if (o + 1 < outlen) out[o++] = (c); } while (0)
	for (const char *p = dsn; *p != '\0';) {
		if (colon != NULL && p == colon + 1) {
			for (const char *m = "****"; *m; m++)
				EMIT(*m);
			p = userinfo_end;
			colon = NULL;
			continue;
		}
		if (strncasecmp(p, "password", 8) == 0) {
			const char *v = p + 8;

			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=') {
				for (const char *k = p; k <= v; k++)
					EMIT(*k);
				v++;
				while (*v == ' ' || *v == '\t')
					v++;
				if (*v == '\'') {
					for (v++; *v && *v != '\''; v++)
						if (*v == '\\' && v[1])
							v++;
					if (*v)
						v++;
				} else {
					while (*v && *v != ' ' && *v != '\t' && *v != '&')
						v++;
				}
				for (const char *m = "****"; *m; m++)
					EMIT(*m);
				p = v;
				continue;
			}
		}
		EMIT(*p);
		p++;
	}
#undef EMIT
	if (outlen)
		out[o < outlen ? o : outlen - 1] = '\0';
}

void
config_shown(const struct config_item *item, char *out, size_t outlen)
{
	const char *v = config_get(item->key);

	if (item->flags & CONFIG_SECRET)
		snprintf(out, outlen, "%s", v && *v ? "(set)" : "(unset)");
	else if (v == NULL)
		snprintf(out, outlen, "(unset)");
	else if (item->flags & CONFIG_DSN)
		mask_dsn(v, out, outlen);
	else
		snprintf(out, outlen, "%s", v);
}

static int
weak_secret(const char *s)
{
	static const char *const placeholders[] = {
		"change", "secret", "password", "example", "default", "xxxx", "0000", NULL
	};
	char lower[256];
	size_t i, n = strlen(s);
	int distinct = 0;
	unsigned char seen[256] = { 0 };

	if (n < MIN_SECRET_LEN)
		return 1;
	for (i = 0; i < n && i < sizeof(lower) - 1; i++) {
		lower[i] = (char)tolower((unsigned char)s[i]);
		if (!seen[(unsigned char)s[i]]++)
			distinct++;
	}
	lower[i] = '\0';
	for (i = 0; placeholders[i]; i++)
		if (strstr(lower, placeholders[i]))
			return 1;
	return distinct < 10;
}

static const char *const rate_keys[] = {
	"RATE_LIMIT_DEFAULT", "RATE_LIMIT_LOGIN", "RATE_LIMIT_REGISTER", "RATE_LIMIT_WEBHOOK",
	NULL
};

static int
has_prefix(const char *v, const char *prefix)
{
	return v != NULL && strncmp(v, prefix, strlen(prefix)) == 0 && v[strlen(prefix)] != '\0';
}

/* The billing settings: none needed while STRIPE_SECRET_KEY and
 * STRIPE_WEBHOOK_SECRET are unset; production wants a well-formed webhook
 * secret whenever one is set, and with the secret key the whole set, over
 * https. */
static int
check_billing(int prod, void (*report)(const char *key, const char *problem, void *ctx),
              void *ctx)
{
	const char *key = config_get("STRIPE_SECRET_KEY");
	int problems = 0;

#define PROBLEM(k, msg) do { report((k), (msg), ctx); problems++; } while (0)
	if (config_int("BILLING_GRACE_DAYS", -1) < 0 || config_int("BILLING_GRACE_DAYS", -1) > 60)
		PROBLEM("BILLING_GRACE_DAYS", "must be a number of days, 0 to 60");
	if (config_int("STRIPE_WEBHOOK_TOLERANCE", -1) < 1 ||
	    config_int("STRIPE_WEBHOOK_TOLERANCE", -1) > 3600)
		PROBLEM("STRIPE_WEBHOOK_TOLERANCE", "must be seconds, 1 to 3600");
	if (!prod)
		return problems;
	if ((key == NULL || *key == '\0') && config_get("STRIPE_WEBHOOK_SECRET") != NULL &&
	    *config_get("STRIPE_WEBHOOK_SECRET") != '\0' &&
	    !has_prefix(config_get("STRIPE_WEBHOOK_SECRET"), "whsec_"))
		PROBLEM("STRIPE_WEBHOOK_SECRET", "must be the endpoint's signing secret (whsec_...)");
	if (key == NULL || *key == '\0')
		return problems;
	if (!has_prefix(key, "sk_") && !has_prefix(key, "rk_"))
		PROBLEM("STRIPE_SECRET_KEY", "must be a Stripe secret key (sk_... or rk_...)");
	if (!has_prefix(config_get("STRIPE_PRICE_ID"), "price_"))
		PROBLEM("STRIPE_PRICE_ID", "must be a Stripe price id (price_...)");
	if (!has_prefix(config_get("STRIPE_WEBHOOK_SECRET"), "whsec_"))
		PROBLEM("STRIPE_WEBHOOK_SECRET", "must be the endpoint's signing secret (whsec_...)");
	if (!has_prefix(config_get("STRIPE_BASE_URL"), "https://"))
		PROBLEM("STRIPE_BASE_URL", "must be an https:// URL in production");
	if (!has_prefix(config_get("BILLING_RETURN_URL"), "https://"))
		PROBLEM("BILLING_RETURN_URL", "must be an https:// URL in production");
#undef PROBLEM
	return problems;
}

int
config_check(void (*report)(const char *key, const char *problem, void *ctx), void *ctx)
{
	int problems = 0;
	const char *v;
	const char *env = getenv("APP_ENV");
	int prod = config_env() == APP_PRODUCTION;

#define PROBLEM(k, msg) do { report((k), (msg), ctx); problems++; } while (0)
	if (env && strcmp(env, "development") && strcmp(env, "test") && strcmp(env, "production"))
		PROBLEM("APP_ENV", "must be development, test or production");
	v = config_get("LOG_LEVEL");
	if (v && strcmp(v, "debug") && strcmp(v, "info") && strcmp(v, "warn") && strcmp(v, "error"))
		PROBLEM("LOG_LEVEL", "must be debug, info, warn or error");
	if (config_int("BODY_MAX_BYTES", -1) < 1024 || config_int("BODY_MAX_BYTES", -1) > 64 << 20)
		PROBLEM("BODY_MAX_BYTES", "must be a number from 1024 to 67108864");
	if (config_int("DB_STATEMENT_TIMEOUT_MS", -1) < 1)
		PROBLEM("DB_STATEMENT_TIMEOUT_MS", "must be a positive number");
	if (config_int("DISK_FREE_MIN_MB", -1) < 0)
		PROBLEM("DISK_FREE_MIN_MB", "must be a number of megabytes");
	for (int i = 0; rate_keys[i]; i++) {
		long long n = config_int(rate_keys[i], -1);

		if (n < 1 || n > 100000)
			PROBLEM(rate_keys[i], "must be requests per minute, 1 to 100000");
	}
	v = config_get("DATABASE_URL");
	if (v == NULL || *v == '\0')
		PROBLEM("DATABASE_URL", "is not set");
	v = config_get("SECRET_KEY");
	if (prod) {
		if (v == NULL || *v == '\0')
			PROBLEM("SECRET_KEY", "is not set (production needs one)");
		else if (weak_secret(v))
			PROBLEM("SECRET_KEY", "is too weak: use 32+ random characters");
		if (config_bool("DEBUG", 0))
			PROBLEM("DEBUG", "must be off in production");
		if (!config_bool("RATE_LIMITS", 1))
			PROBLEM("RATE_LIMITS", "must be on in production");
	} else if (v != NULL && *v != '\0' && strlen(v) < MIN_SECRET_LEN) {
		PROBLEM("SECRET_KEY", "is shorter than 32 characters");
	}
#undef PROBLEM
	return problems + check_billing(prod, report, ctx);
}
