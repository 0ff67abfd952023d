/* test_odds_store_db.c: the odds store (common/store/odds_store.h) on the
 * test stack's PostgreSQL: snapshots stored once, the closing price being
 * the last one before the start, scores, and hits written once with their
 * cross-domain row. Tests named *_db get the stack's EDGESCOUT_ENV_FILE. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "odds_store.h"

static char event[32];

static const char *
one(const char *sql)
{
	PGresult *res = db_query(pool, sql, DB_ARGS(event));

	assert_non_null(res);
	assert_int_equal(PQntuples(res), 1);
	return db_text(res, 0, 0);
}

static struct odds_row
row(const char *book, const char *outcome, double price, const char *at)
{
	return (struct odds_row){ .event_id = event, .sport = "basketball_nba",
	    .commence_time = "2031-01-10T00:00:00Z", .home_team = "Home", .away_team = "Away",
	    .book = book, .book_title = book, .market = "h2h", .outcome = outcome,
	    .price = price, .observed_at = at };
}

static void
test_snapshots_and_closing(void **state)
{
	struct odds_row v[6] = {
		row("pinnacle", "Home", 1.9, "2031-01-09T10:00:00Z"),
		row("pinnacle", "Away", 1.9, "2031-01-09T10:00:00Z"),
		row("fanduel", "Home", 2.1, "2031-01-09T10:00:00Z"),
		row("fanduel", "Away", 1.75, "2031-01-09T10:00:00Z"),
		/* the line moves before the start, and once more after it */
		row("pinnacle", "Home", 1.8, "2031-01-09T23:00:00Z"),
		row("pinnacle", "Home", 1.5, "2031-01-10T00:30:00Z"),
	};
	struct odds_rows r = { v, 4, 2, 0, NULL };
	int n;

	(void)state;
	assert_int_equal(odds_store_rows(pool, &r, "api", &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(odds_store_rows(pool, &r, "api", &n), 0);
	assert_int_equal(n, 0);                       /* seen before: nothing new */
	r.v = v + 4;
	r.n = 2;
	assert_int_equal(odds_store_rows(pool, &r, "api", &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(one("SELECT count(*) FROM odds_prices WHERE event_id = $1"), "6");
	assert_string_equal(one("SELECT price::float8 FROM odds_closing_prices WHERE "
	                        "event_id = $1 AND book = 'pinnacle' AND outcome = 'Home'"), "1.8");
}

static void
test_scores(void **state)
{
	struct odds_score s = { .event_id = event, .sport = "basketball_nba",
	                        .commence_time = "2031-01-10T00:00:00Z", .home_team = "Home",
	                        .away_team = "Away", .completed = 1, .home_score = "101",
	                        .away_score = "99" };
	int n;

	(void)state;
	assert_int_equal(odds_store_scores(pool, &s, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(odds_store_scores(pool, &s, 1, &n), 0);
	assert_int_equal(n, 0);
	assert_string_equal(one("SELECT completed::text || ' ' || home_score || '-' || away_score "
	                        "FROM odds_events WHERE id = $1"), "true 101-99");
}

static void
test_hit_once(void **state)
{
	struct odds_row w = row("fanduel", "Home", 2.1, "2031-01-09T10:00:00Z");
	struct odds_eval e = { .fair_known = 1, .fair = 0.5, .ev = 0.05, .kelly = 1.0 / 22,
	                       .source = "pinnacle", .hold = 0.05 };
	int64_t id = 0, again = 0;
	int created;

	(void)state;
	assert_int_equal(odds_store_hit(pool, &w, &e, "power", "scan", 0, &id, &created), 0);
	assert_int_equal(created, 1);
	assert_int_equal(odds_store_hit(pool, &w, &e, "power", "scan", 0, &again, &created), 0);
	assert_int_equal(created, 0);
	assert_true(id > 0 && again == id);
	assert_string_equal(one("SELECT score::text || ' ' || title FROM hits WHERE domain = 'odds' "
	                        "AND key = (SELECT 'ev:' || id FROM ev_hits WHERE event_id = $1)"),
	                    "50.00 Home at 2.100000 (fanduel, 5.0% EV)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshots_and_closing),
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_hit_once),
	};
	char err[256] = "";
	int rc;

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_odds_store_db: needs EDGESCOUT_ENV_FILE of a stack %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_odds_store_db");
	snprintf(event, sizeof(event), "unit-%ld-%d", (long)time(NULL), (int)getpid());
	pool = pool_new();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	db_query(pool, "DELETE FROM hits WHERE domain = 'odds' AND key IN "
	         "(SELECT 'ev:' || id FROM ev_hits WHERE event_id = $1)", DB_ARGS(event));
	db_query(pool, "DELETE FROM odds_events WHERE id = $1", DB_ARGS(event));
	pool_free(pool);
	db_close();
	return rc;
}
