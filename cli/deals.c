/* deals.c: `edgescout deals demo`: recorded listings into demo searches,
 * scored, so that a stack with no listing provider shows deals to every
 * user. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "deal_fetch.h"
#include "http.h"
#include "log.h"
#include "pool.h"

#define DEMO_LISTINGS "share/deals-demo.csv"

/* The demo searches: a name and the one keyword its titles hold. */
static const char *const demo_searches[][2] = {
	{ "Demo: 1 ct Ideal G VS2 diamonds", "Ideal G VS2" },
	{ "Demo: 1 ct Premium H SI1 diamonds", "Premium H SI1" },
	{ "Demo: 1 ct Very Good E SI1 diamonds", "Very Good E SI1" },
	{ "Demo: 1 ct Premium F SI2 diamonds", "Premium F SI2" },
};

static const char deals_usage[] =
	"usage: edgescout deals demo\n"
	"\n"
	"demo  store the recorded listings DATA_DIR/" DEMO_LISTINGS " (the\n"
	"      recorded-listings CSV of the README: real diamond prices) through\n"
	"      the file:// path in four demo searches, which every user sees and\n"
	"      the scan-deals job leaves alone, and score them; a second run\n"
	"      changes nothing\n"
	"\n"
	"Connects as the app role (DATABASE_URL). Exit status: 0 ok, 1 failure,\n"
	"2 usage.\n";

/* `deals demo` */
static int
deals_demo(struct pool *p)
{
	const char *dir = config_get("DATA_DIR");
	const char *url = pool_printf(p, "file://%s/%s", dir && *dir ? dir : ".", DEMO_LISTINGS);
	int listings = 0, added = 0, hits = 0;

	for (size_t i = 0; i < sizeof(demo_searches) / sizeof(demo_searches[0]); i++) {
		struct deal_scan s = { .url = url, .refresh = 1 };

		if (deal_demo_search(p, demo_searches[i][0], demo_searches[i][1], &s.search_id) < 0) {
			fprintf(stderr, "edgescout: deals: the demo searches could not be made (%s)\n",
			        *db_sqlstate() ? db_sqlstate() : "database");
			return 1;
		}
		if (deal_scan_run(p, &s) != PROVIDER_OK) {
			fprintf(stderr, "edgescout: deals: %s: %s\n", url, s.message);
			return 1;
		}
		listings += s.matched;
		added += s.stored.added;
		hits += s.hits;
	}
	printf("deals demo: %d listings (%d new) in %zu searches, %d good or great\n", listings,
	       added, sizeof(demo_searches) / sizeof(demo_searches[0]), hits);
	return 0;
}

/* `edgescout deals SUBCOMMAND`: argv[0] is "deals". */
int
cmd_deals(int argc, char **argv)
{
	struct pool *p;
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv, 1)) {
		fputs(deals_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 2 || strcmp(argv[1], "demo") != 0) {
		fprintf(stderr, "edgescout: deals: unknown subcommand or extra argument\n%s",
		        deals_usage);
		return 2;
	}
	if (getenv("LOG_LEVEL") == NULL)
		setenv("LOG_LEVEL", "error", 1);
	log_init("edgescout");
	p = pool_new();
	rc = deals_demo(p);
	pool_free(p);
	db_close();
	http_cleanup();
	return rc;
}
