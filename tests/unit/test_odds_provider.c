/* test_odds_provider.c: The Odds API v4 replies and recorded CSV odds
 * (odds_provider.h): whole markets taken, faulty ones refused with a reason.
 * Run from the repository root. */
#include "unit.h"

#include "providers.h"
#include "odds_provider.h"

#define ODDS "tests/fixtures/odds/"

static void
test_events(void **state)
{
	struct odds_rows r = { 0 };
	const char *msg, *body;
	size_t len;

	(void)state;
	body = slurp(ODDS "basketball_nba_odds.json", &len);
	assert_int_equal(odds_parse_events(pool, 200, body, len, 0, NULL, &r, &msg), PROVIDER_OK);
	/* taken: pinnacle h2h+totals, fanduel h2h+totals, betmgm h2h, bovada h2h;
	 * refused: draftkings (a price of 1.0), shadybook (unknown), betmgm
	 * spreads (one outcome), williamhill_us (Utah Jazz twice) */
	assert_int_equal(r.markets, 6);
	assert_int_equal(r.refused, 4);
	assert_int_equal(r.n, 12);
	assert_string_equal(r.refusal, "event e1a1, draftkings h2h: a price is not above 1.0");
	assert_string_equal(r.v[0].book, "pinnacle");
	assert_string_equal(r.v[0].book_title, "Pinnacle");
	assert_string_equal(r.v[0].commence_time, "2030-01-10T00:10:00Z");
	assert_true(r.v[2].has_point && r.v[2].point == 220.5);
	assert_string_equal(r.v[2].outcome, "Over");
	assert_true(r.v[4].price == 2.1);
	for (size_t i = 0; i < r.n; i++)
		assert_string_not_equal(r.v[i].book, "shadybook");
}

static void
test_american_and_errors(void **state)
{
	static const char am[] =
		"[{\"id\":\"x\",\"sport_key\":\"nfl\",\"commence_time\":\"2030-01-01T00:00:00Z\","
		"\"home_team\":\"A\",\"away_team\":\"B\",\"bookmakers\":[{\"key\":\"fanduel\","
		"\"title\":\"FanDuel\",\"last_update\":\"2030-01-01T00:00:00Z\",\"markets\":["
		"{\"key\":\"h2h\",\"outcomes\":[{\"name\":\"A\",\"price\":150},"
		"{\"name\":\"B\",\"price\":-200}]}]}]}]";
	static const char bad_am[] =
		"[{\"id\":\"x\",\"sport_key\":\"nfl\",\"commence_time\":\"2030-01-01T00:00:00Z\","
		"\"home_team\":\"A\",\"away_team\":\"B\",\"bookmakers\":[{\"key\":\"fanduel\","
		"\"title\":\"FanDuel\",\"last_update\":\"2030-01-01T00:00:00Z\",\"markets\":["
		"{\"key\":\"h2h\",\"outcomes\":[{\"name\":\"A\",\"price\":50},"
		"{\"name\":\"B\",\"price\":-200}]}]}]}]";
	struct odds_rows r = { 0 };
	const char *msg;
	size_t len;
	const char *s;

	(void)state;
	s = exact(am, &len);
	assert_int_equal(odds_parse_events(pool, 200, s, len, 1, NULL, &r, &msg), PROVIDER_OK);
	assert_int_equal(r.n, 2);
	assert_true(r.v[0].price == 2.5 && r.v[1].price == 1.5);
	s = exact(bad_am, &len);
	assert_int_equal(odds_parse_events(pool, 200, s, len, 1, NULL, &r, &msg), PROVIDER_OK);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.refused, 1);
	s = exact("{\"message\":\"Unknown sport\",\"error_code\":\"UNKNOWN_SPORT\"}", &len);
	assert_int_equal(odds_parse_events(pool, 422, s, len, 0, NULL, &r, &msg), PROVIDER_NO_DATA);
	assert_string_equal(msg, "HTTP 422: Unknown sport");
	s = exact("{\"message\":\"API key is not valid\"}", &len);
	assert_int_equal(odds_parse_events(pool, 401, s, len, 0, NULL, &r, &msg), PROVIDER_FORBIDDEN);
	assert_int_equal(odds_parse_events(pool, 429, s, len, 0, NULL, &r, &msg),
	                 PROVIDER_RATE_LIMITED);
	s = exact("{\"events\":[]}", &len);
	assert_int_equal(odds_parse_events(pool, 200, s, len, 0, NULL, &r, &msg),
	                 PROVIDER_BAD_RESPONSE);
	s = exact("[{\"id\":\"x\"}]", &len);
	assert_int_equal(odds_parse_events(pool, 200, s, len, 0, NULL, &r, &msg),
	                 PROVIDER_BAD_RESPONSE);
	assert_int_equal(odds_time_valid("2030-01-01T00:00:00Z"), 1);
	assert_int_equal(odds_time_valid("2030-01-01T00:00:00.123Z"), 1);
	assert_int_equal(odds_time_valid("2030-01-01T24:00:00Z"), 0);
	assert_int_equal(odds_time_valid("2030-01-01 00:00:00Z"), 0);
	assert_int_equal(odds_time_valid("2030-01-01T00:00:00"), 0);
}

static void
test_csv(void **state)
{
	struct odds_rows r = { 0 };
	const char *msg, *body;
	size_t len;

	(void)state;
	body = slurp(ODDS "recorded.csv", &len);
	assert_int_equal(odds_parse_csv(pool, body, len, 0, NULL, &r, &msg), PROVIDER_OK);
	assert_int_equal(r.markets, 2);
	assert_int_equal(r.refused, 1);    /* william hill priced one outcome */
	assert_int_equal(r.n, 6);
	assert_string_equal(r.v[3].book_title, "Betfair");
	assert_true(r.v[3].price == 2.7);
	assert_string_equal(r.refusal, "event r1, williamhill h2h: a market needs at least two outcomes");
	body = exact("event_id,sport\nx,y\n", &len);
	assert_int_equal(odds_parse_csv(pool, body, len, 0, NULL, &r, &msg), PROVIDER_BAD_RESPONSE);
	assert_string_equal(msg, "line 1: no commence_time column");
	body = exact("event_id,sport,commence_time,home_team,away_team,book,market,outcome,"
	             "price,point,time\nx,s,2030-01-01,A,B,pinnacle,h2h,A,2.0,,2030-01-01T00:00:00Z\n",
	             &len);
	assert_int_equal(odds_parse_csv(pool, body, len, 0, NULL, &r, &msg), PROVIDER_BAD_RESPONSE);
	assert_string_equal(msg, "line 2: commence_time and time must be YYYY-MM-DDTHH:MM:SSZ");
}

static void
test_sports(void **state)
{
	struct odds_sport *s;
	const char *msg, *body;
	size_t len, n;

	(void)state;
	body = slurp(ODDS "sports.json", &len);
	assert_int_equal(odds_parse_sports(pool, 200, body, len, &s, &n, &msg), PROVIDER_OK);
	assert_int_equal(n, 2);
	assert_string_equal(s[1].key, "soccer_epl");
	assert_string_equal(s[1].title, "EPL");
	assert_int_equal(s[1].active, 1);
}

static void
test_scores(void **state)
{
	struct odds_score *s;
	const char *msg, *body;
	size_t len, n;

	(void)state;
	body = slurp(ODDS "basketball_nba_scores.json", &len);
	assert_int_equal(odds_parse_scores(pool, 200, body, len, &s, &n, &msg), PROVIDER_OK);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].completed, 1);
	assert_string_equal(s[0].home_score, "112");
	assert_string_equal(s[0].away_score, "104");
	assert_int_equal(s[1].completed, 0);
	assert_null(s[1].home_score);
	body = exact("[{\"id\":\"x\",\"sport_key\":\"nfl\",\"commence_time\":"
	             "\"2030-01-01T00:00:00Z\",\"completed\":true,\"home_team\":\"A\","
	             "\"away_team\":\"B\",\"scores\":[{\"name\":\"C\",\"score\":\"1\"}]}]",
	             &len);
	assert_int_equal(odds_parse_scores(pool, 200, body, len, &s, &n, &msg),
	                 PROVIDER_BAD_RESPONSE);           /* a score of neither team */
	body = exact("{\"message\":\"Unknown sport\"}", &len);
	assert_int_equal(odds_parse_scores(pool, 422, body, len, &s, &n, &msg), PROVIDER_NO_DATA);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_american_and_errors),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_sports),
		cmocka_unit_test(test_scores),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
