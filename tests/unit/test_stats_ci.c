/* test_stats_ci.c: 95 % intervals on hand-worked cases (stats_ci.h). */
#include "unit.h"

#include <math.h>

#include "stats_ci.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static void
test_rate(void **state)
{
	double z2 = STATS_Z95 * STATS_Z95;
	struct stats_ci c;

	(void)state;
	/* 5 of 10: the textbook Wilson interval 0.2366 .. 0.7634 */
	c = stats_rate(5, 10);
	NEAR(c.value, 0.5, 1e-15);
	NEAR(c.low, 0.2365931, 1e-7);
	NEAR(c.high, 0.7634069, 1e-7);
	/* 0 of 10: from 0 to (z²/n) / (1 + z²/n), never below 0 */
	c = stats_rate(0, 10);
	NEAR(c.low, 0, 1e-15);
	NEAR(c.high, (z2 / 10) / (1 + z2 / 10), 1e-15);
	/* 10 of 10 mirrors it */
	c = stats_rate(10, 10);
	NEAR(c.high, 1, 1e-15);
	NEAR(c.low, 1 - (z2 / 10) / (1 + z2 / 10), 1e-15);
	assert_true(isnan(stats_rate(0, 0).value));
	assert_true(isnan(stats_rate(3, 2).value));
}

static void
test_mean(void **state)
{
	struct stats_ci c;

	(void)state;
	/* 1, -1, 1, -1: mean 0, s² = 4/3, half-width z sqrt(4/3) / 2 */
	c = stats_mean(4, 0, 4);
	NEAR(c.value, 0, 1e-15);
	NEAR(c.high, STATS_Z95 * sqrt(4.0 / 3) / 2, 1e-12);
	NEAR(c.low, -STATS_Z95 * sqrt(4.0 / 3) / 2, 1e-12);
	/* one value: the mean, no interval */
	c = stats_mean(1, 0.5, 0.25);
	NEAR(c.value, 0.5, 1e-15);
	assert_true(isnan(c.low) && isnan(c.high));
	assert_true(isnan(stats_mean(0, 0, 0).value));
}

static void
test_ratio(void **state)
{
	struct stats_ci c;

	(void)state;
	/* x all 1: the ratio is the mean of y, with the same interval */
	c = stats_ratio(4, 4, 0, 4, 4, 0);
	NEAR(c.value, 0, 1e-15);
	NEAR(c.high, STATS_Z95 * sqrt(4.0 / 3) / 2, 1e-12);
	/* y = 2x exactly: 2, no spread */
	c = stats_ratio(2, 3, 6, 5, 20, 10);
	NEAR(c.value, 2, 1e-15);
	NEAR(c.low, 2, 1e-12);
	NEAR(c.high, 2, 1e-12);
	/* x = 1, 3; y = 1, -1: R = 0, s² = (1 + 1) / 1, half z sqrt(2/2) / 2 */
	c = stats_ratio(2, 4, 0, 10, 2, -2);
	NEAR(c.value, 0, 1e-15);
	NEAR(c.high, STATS_Z95 / 2, 1e-12);
	assert_true(isnan(stats_ratio(2, 0, 1, 0, 1, 0).value));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_mean),
		cmocka_unit_test(test_ratio),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
