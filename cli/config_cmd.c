/* config_cmd.c: `edgescout config show | check`. */
#include "cli.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "build_info.h"
#include "config.h"
#include "db.h"
#include "openapi_doc.h"
#include "pool.h"

#define SHOWN_MAX 512
#define VALUE_COLUMN_MAX 48

static const char config_usage[] =
	"usage: edgescout config COMMAND\n"
	"\n"
	"  show    every setting with its value (secrets hidden) and meaning\n"
	"  check   the problems with the settings, one per line; exit 1 if any\n"
	"\n"
	"Settings come from the environment, then the file named by\n"
	"EDGESCOUT_ENV_FILE, then the defaults.\n";

/* Belt and braces for connection strings: if the masked value still shows
 * the password, or masks nothing though there is one (an unusual spelling
 * such as "password = x"), show the parsed parts instead. */
static void
shown_value(const struct config_item *it, char *out, size_t outlen)
{
	PQconninfoOption *opts;
	const char *v = config_get(it->key);
	const char *password = NULL;
	size_t k = 0;

	config_shown(it, out, outlen);
	if (!(it->flags & CONFIG_DSN) || v == NULL || *v == '\0')
		return;
	opts = PQconninfoParse(v, NULL);
	if (opts == NULL) {
		snprintf(out, outlen, "(not a valid connection string)");
		return;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && *o->val != '\0')
			password = o->val;
	if (password != NULL &&
	    (strstr(out, password) != NULL || strstr(out, "****") == NULL)) {
		out[0] = '\0';
		for (PQconninfoOption *o = opts; o->keyword != NULL && k < outlen; o++) {
			if (o->val == NULL || *o->val == '\0')
				continue;
			k += (size_t)snprintf(out + k, outlen - k, "%s%s=%s", k ? " " : "",
			    o->keyword, strcmp(o->keyword, "password") == 0 ? "****" : o->val);
		}
	}
	PQconninfoFree(opts);
}

static int
config_show(void)
{
	const struct config_item *items = config_items();
	const char *env_file = getenv("EDGESCOUT_ENV_FILE");
	char shown[SHOWN_MAX];
	int kw = 0, vw = 0;

	for (const struct config_item *it = items; it->key != NULL; it++) {
		int k = (int)strlen(it->key), v;

		shown_value(it, shown, sizeof(shown));
		v = (int)strlen(shown);
		if (k > kw)
			kw = k;
		if (v > vw)
			vw = v < VALUE_COLUMN_MAX ? v : VALUE_COLUMN_MAX;
	}
	if (env_file != NULL && *env_file != '\0')
		printf("# env file: %s (the environment wins over it)\n", env_file);
	for (const struct config_item *it = items; it->key != NULL; it++) {
		shown_value(it, shown, sizeof(shown));
		printf("%-*s  %-*s  # %s\n", kw, it->key, vw, shown, it->help);
	}
	return 0;
}

static void
report(const char *key, const char *problem, void *ctx)
{
	(void)ctx;
	printf("%s: %s\n", key, problem);
}

/* The quota classes the binaries' routes name (their operations'
 * x-quota-class, as `edgescout openapi` sees them) that tier_quotas has no
 * row for: one problem each. Not judged without the binaries or the
 * database (said on stderr). */
static int
quota_problems(void)
{
	const char *dir = getenv("EDGESCOUT_BIN_DIR");
	struct pool *p;
	json_object *doc;
	PGresult *res;
	int problems = 0;

	dir = dir && *dir ? dir : "build/cgi-bin";
	if (access(dir, X_OK) != 0 || (doc = openapi_collect(dir, build_version)) == NULL) {
		fprintf(stderr, "edgescout: config check: quota classes not checked (no route "
		        "tables from %s)\n", dir);
		return 0;
	}
	p = pool_new();
	res = db_query(p, "SELECT DISTINCT quota_class FROM tier_quotas", DB_NOARGS);
	if (res == NULL) {
		fprintf(stderr, "edgescout: config check: quota classes not checked (no database)\n");
		goto out;
	}
	json_object_object_foreach(json_object_object_get(doc, "paths"), path, item) {
		json_object_object_foreach(item, method, op) {
			json_object *q;
			int known = 0;

			if (!json_object_object_get_ex(op, "x-quota-class", &q))
				continue;
			for (int i = 0; i < PQntuples(res); i++)
				known |= strcmp(db_text(res, i, 0), json_object_get_string(q)) == 0;
			if (!known) {
				printf("%s %s: quota class %s has no tier_quotas row (every request "
				       "would be allowed)\n", method, path, json_object_get_string(q));
				problems++;
			}
		}
	}
out:
	json_object_put(doc);
	pool_free(p);
	db_close();
	return problems;
}

static int
config_check_cmd(void)
{
	const char *env = config_env_name(config_env());
	int problems = config_check(report, NULL);

	problems += quota_problems();

	if (problems > 0) {
		fprintf(stderr, "edgescout: config check: %d problem%s (%s)\n", problems,
		        problems == 1 ? "" : "s", env);
		return 1;
	}
	printf("ok (%s)\n", env);
	return 0;
}

/* `edgescout config ...`: argv[0] is "config". */
int
cmd_config(int argc, char **argv)
{
	int help;

	if (argc < 2) {
		fputs(config_usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(config_usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "edgescout: config: unknown command '%s' "
		        "(see edgescout config --help)\n", argv[1]);
		return 2;
	}
	help = argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
	if (argc > 2 && !help) {
		fprintf(stderr, "edgescout: config %s: unknown argument '%s'\n", argv[1], argv[2]);
		return 2;
	}
	if (strcmp(argv[1], "show") == 0) {
		if (help) {
			fputs("usage: edgescout config show\n"
			      "Every setting, its value and its meaning. Secrets show only as\n"
			      "(set) or (unset); passwords in connection strings as ****.\n", stdout);
			return 0;
		}
		return config_show();
	}
	if (help) {
		fputs("usage: edgescout config check\n"
		      "Print each problem with the settings as KEY: problem; exit 1 if\n"
		      "there is any, else print \"ok (APP_ENV)\". APP_ENV=production adds\n"
		      "the hard rules (strong SECRET_KEY, DEBUG off, rate limits on).\n"
		      "The quota classes the routes of the binaries in $EDGESCOUT_BIN_DIR\n"
		      "(else build/cgi-bin) name must have tier_quotas rows.\n", stdout);
		return 0;
	}
	return config_check_cmd();
}
