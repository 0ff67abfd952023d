/* test_odds_settle.c: results, profit and closing line value of hits on
 * hand-worked cases (odds_settle.h). */
#include "unit.h"

#include <math.h>

#include "odds_settle.h"

#define CLOSE(a, b) assert_true(fabs((a) - (b)) <= 1e-12)

static enum odds_result
settle(const char *market, const char *outcome, int has_point, double point,
       const char *home, const char *away, int has_draw)
{
	struct odds_settle_in s = {
		.market = market, .outcome = outcome, .has_point = has_point, .point = point,
		.home_team = "Celtics", .away_team = "Heat", .home_score = home,
		.away_score = away, .has_draw = has_draw,
	};

	return odds_settle(&s);
}

static void
test_h2h(void **state)
{
	(void)state;
	assert_int_equal(settle("h2h", "Celtics", 0, 0, "112", "104", 0), ODDS_WIN);
	assert_int_equal(settle("h2h", "Heat", 0, 0, "112", "104", 0), ODDS_LOSS);
	/* a tie: Draw wins a 3-way market, a team loses it; 2-way: push */
	assert_int_equal(settle("h2h", "Draw", 0, 0, "1", "1", 1), ODDS_WIN);
	assert_int_equal(settle("h2h", "Draw", 0, 0, "2", "1", 1), ODDS_LOSS);
	assert_int_equal(settle("h2h", "Heat", 0, 0, "1", "1", 1), ODDS_LOSS);
	assert_int_equal(settle("h2h", "Heat", 0, 0, "1", "1", 0), ODDS_PUSH);
	/* no usable score, or an outcome naming neither team: void */
	assert_int_equal(settle("h2h", "Celtics", 0, 0, NULL, "104", 0), ODDS_VOID);
	assert_int_equal(settle("h2h", "Celtics", 0, 0, "1x2", "104", 0), ODDS_VOID);
	assert_int_equal(settle("h2h", "Celtics", 0, 0, "-3", "104", 0), ODDS_VOID);
	assert_int_equal(settle("h2h", "Lakers", 0, 0, "112", "104", 0), ODDS_VOID);
	assert_string_equal(odds_result_name(ODDS_WIN), "win");
	assert_string_equal(odds_result_name(ODDS_VOID), "void");
}

static void
test_spreads_totals(void **state)
{
	(void)state;
	/* 112 - 104: Celtics -7.5 covers (104.5 > 104), -8 is level, -8.5 fails */
	assert_int_equal(settle("spreads", "Celtics", 1, -7.5, "112", "104", 0), ODDS_WIN);
	assert_int_equal(settle("spreads", "Celtics", 1, -8, "112", "104", 0), ODDS_PUSH);
	assert_int_equal(settle("spreads", "Celtics", 1, -8.5, "112", "104", 0), ODDS_LOSS);
	assert_int_equal(settle("spreads", "Heat", 1, 8.5, "112", "104", 0), ODDS_WIN);
	assert_int_equal(settle("spreads", "Heat", 0, 0, "112", "104", 0), ODDS_VOID);
	/* 216 points */
	assert_int_equal(settle("totals", "Over", 1, 215.5, "112", "104", 0), ODDS_WIN);
	assert_int_equal(settle("totals", "Under", 1, 215.5, "112", "104", 0), ODDS_LOSS);
	assert_int_equal(settle("totals", "Under", 1, 216, "112", "104", 0), ODDS_PUSH);
	assert_int_equal(settle("totals", "Under", 1, 220.5, "112", "104", 0), ODDS_WIN);
	assert_int_equal(settle("totals", "Celtics", 1, 220.5, "112", "104", 0), ODDS_VOID);
}

static void
test_profit_clv(void **state)
{
	(void)state;
	CLOSE(odds_settle_profit(ODDS_WIN, 2.5), 1.5);
	CLOSE(odds_settle_profit(ODDS_LOSS, 2.5), -1);
	CLOSE(odds_settle_profit(ODDS_PUSH, 2.5), 0);
	CLOSE(odds_settle_profit(ODDS_VOID, 2.5), 0);
	/* 2.1 against a closing fair price of 1.9: 2/19 */
	CLOSE(odds_clv(2.1, 1.9), 2.0 / 19);
	CLOSE(odds_clv(1.8, 2.0), -0.1);
	assert_true(isnan(odds_clv(2.0, 1.0)));
	assert_true(isnan(odds_clv(2.0, NAN)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h2h),
		cmocka_unit_test(test_spreads_totals),
		cmocka_unit_test(test_profit_clv),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
