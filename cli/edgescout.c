/* edgescout.c: the operator's command: one table of subcommands. */
#include "cli.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "build_info.h"
#include "config.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "db", cmd_db, "init | migrate | status | new NAME | rollback" },
	{ "config", cmd_config, "show | check: the settings and their problems" },
	{ "routes", cmd_routes, "every binary's routes (--json, --bin DIR)" },
	{ "openapi", cmd_openapi, "the OpenAPI 3.1 document of every binary (--bin DIR)" },
	{ "nginx-conf", cmd_nginx_conf, "the nginx locations from the route tables" },
	{ "health", cmd_health, "database, schema version and every binary" },
	{ "user", cmd_user, "create | list | set-tier | set-role | disable | enable" },
	{ "seed-demo", cmd_seed_demo, "the demo and admin users (idempotent)" },
	{ "market", cmd_market, "import | refresh | demo: daily prices into the database" },
	{ "odds", cmd_odds, "demo: recorded odds and scores, their hits and settlement" },
	{ "deals", cmd_deals, "demo: recorded listings in demo searches, scored" },
	{ "stream", cmd_stream, "publish: the hits not yet on the live stream" },
	{ "cron", cmd_cron, "list | install | run JOB: the scheduled jobs" },
	{ "backup", cmd_backup, "create | list | verify | restore | prune | keygen" },
	{ NULL, NULL, NULL }
};

static int
usage(FILE *f, int status)
{
	fputs("usage: edgescout COMMAND [ARGS] (each command has --help)\n\n", f);
	for (const struct command *c = commands; c->name != NULL; c++)
		fprintf(f, "  %-11s %s\n", c->name, c->help);
	fputs("\n  --version   version, commit, build time and schema version\n"
	      "\nSettings come from the environment, then the file named by\n"
	      "EDGESCOUT_ENV_FILE (see edgescout config show). Exit status: 0 ok,\n"
	      "1 failure, 2 usage.\n", f);
	return status;
}

int
cli_wants_help(int argc, char **argv, int from)
{
	for (int i = from; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

/* Load the settings, then run the subcommand named by argv[1]. */
int
main(int argc, char **argv)
{
	char err[512];

	if (argc < 2)
		return usage(stderr, 2);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage(stdout, 0);
	if (strcmp(argv[1], "--version") == 0) {
		printf("edgescout %s (commit %s, built %s, schema %s)\n", build_version,
		       build_commit, build_time,
		       build_schema_version[0] ? build_schema_version : "none");
		return 0;
	}
	for (const struct command *c = commands; c->name != NULL; c++) {
		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (config_load(NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgescout: config: %s\n", err);
			return 1;
		}
		if (sodium_init() < 0) {
			fputs("edgescout: libsodium: cannot initialise\n", stderr);
			return 1;
		}
		return c->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "edgescout: unknown command '%s' (see edgescout --help)\n", argv[1]);
	return 2;
}
