/* odds.c: `edgescout odds demo`: recorded odds and scores into the
 * database, so that a stack with no odds provider key shows +EV hits,
 * arbs and settled results. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "odds_fetch.h"
#include "odds_provider.h"
#include "odds_settlement.h"
#include "odds_store.h"
#include "pool.h"

#define DEMO_ODDS "share/odds-demo.csv"
#define DEMO_SCORES "share/odds-demo-scores.json"

static const char odds_usage[] =
	"usage: edgescout odds demo\n"
	"\n"
	"demo  store the recorded odds DATA_DIR/" DEMO_ODDS " (the recorded-odds CSV\n"
	"      of the README) through the file:// path, the +EV hits of every event\n"
	"      in it (ODDS_MIN_EV, default 0.02, by ODDS_METHOD), the recorded scores\n"
	"      DATA_DIR/" DEMO_SCORES " (The Odds API's scores shape), and settle the\n"
	"      hits of the finished events; a second run adds nothing\n"
	"\n"
	"Connects as the app role (DATABASE_URL). Exit status: 0 ok, 1 failure,\n"
	"2 usage.\n";

/* The body of DATA_DIR/file read through http_get (file://); NULL after
 * printing. */
static struct http_response *
read_data(struct pool *p, const char *file)
{
	const char *dir = config_get("DATA_DIR");
	struct http_request req = { .provider = "odds_csv" };
	struct http_response *resp = pool_alloc(p, sizeof(*resp));

	req.url = pool_printf(p, "file://%s/%s", dir && *dir ? dir : ".", file);
	if (http_get(p, &req, resp) < 0 || resp->status != 200) {
		fprintf(stderr, "edgescout: odds: cannot read %s\n", req.url);
		return NULL;
	}
	return resp;
}

/* `odds demo` */
static int
odds_demo(struct pool *p)
{
	struct http_response *odds, *scores;
	struct odds_rows rows;
	struct odds_score *s;
	const char *msg;
	size_t ns;
	int inserted, changed, found = 0, created = 0, settled, f, c;
	double min_ev = atof(config_get("ODDS_MIN_EV") ? config_get("ODDS_MIN_EV") : "0.02");

	if ((odds = read_data(p, DEMO_ODDS)) == NULL || (scores = read_data(p, DEMO_SCORES)) == NULL)
		return 1;
	if (odds_parse_csv(p, odds->body, odds->len, 0, NULL, &rows, &msg) != PROVIDER_OK ||
	    odds_parse_scores(p, 200, scores->body, scores->len, &s, &ns, &msg) != PROVIDER_OK) {
		fprintf(stderr, "edgescout: odds: the demo data does not parse: %s\n", msg);
		return 1;
	}
	if (odds_store_rows(p, &rows, "csv", &inserted) < 0)
		goto db_fail;
	for (size_t i = 0; i < rows.n; i++) {
		if (i > 0 && strcmp(rows.v[i].event_id, rows.v[i - 1].event_id) == 0)
			continue;
		if (odds_find_event_hits(p, rows.v[i].event_id, odds_method(), min_ev, &f, &c) < 0)
			goto db_fail;
		found += f;
		created += c;
	}
	if (odds_store_scores(p, s, ns, &changed) < 0 || odds_settle_due(p, 1000, &settled) < 0)
		goto db_fail;
	printf("odds demo: %zu prices (%d new), %d hits (%d new), %zu scores, %d hits settled\n",
	       rows.n, inserted, found, created, ns, settled);
	return 0;
db_fail:
	fprintf(stderr, "edgescout: odds: storing the demo failed (%s)\n",
	        *db_sqlstate() ? db_sqlstate() : "database");
	return 1;
}

/* `edgescout odds SUBCOMMAND`: argv[0] is "odds". */
int
cmd_odds(int argc, char **argv)
{
	struct pool *p;
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv, 1)) {
		fputs(odds_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 2 || strcmp(argv[1], "demo") != 0) {
		fprintf(stderr, "edgescout: odds: unknown subcommand or extra argument\n%s", odds_usage);
		return 2;
	}
	if (getenv("LOG_LEVEL") == NULL)
		setenv("LOG_LEVEL", "error", 1);
	log_init("edgescout");
	p = pool_new();
	rc = odds_demo(p);
	pool_free(p);
	db_close();
	http_cleanup();
	return rc;
}
