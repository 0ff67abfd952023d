/* test_arb.c: arbitrage stakes on hand-worked cases (arb.h). */
#include "unit.h"

#include <math.h>

#include "arb.h"

#define CLOSE(a, b) assert_true(fabs((a) - (b)) <= 1e-9)

static double
total(const double *v, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* 2.1 both ways: S = 2/2.1 = 20/21, 50 on each returns 105 of 100. */
static void
test_even(void **state)
{
	const double price[] = { 2.1, 2.1 };
	struct arb_stakes a;

	(void)state;
	assert_true(arb_is_arb(price, 2));
	assert_int_equal(arb_stakes(price, 2, 100, 1, &a), 0);
	CLOSE(a.book_sum, 20.0 / 21);
	CLOSE(a.stake[0], 50);
	CLOSE(a.stake[1], 50);
	CLOSE(a.profit, 5);
	CLOSE(a.profit_pct, 5);
	CLOSE(a.rounded[0], 50);
	CLOSE(a.rounded_profit, 5);
	assert_true(a.rounded_guaranteed);
}

/* 2.2 and 2.0: S = 5/11 + 1/2 = 21/22; stakes 100 x (5/11)/(21/22) = 1000/21
 * and 1100/21, both returning 2200/21: a profit of 100/21. In whole units
 * 47 + 52 = 99 (returns 103.4, 104); the last unit goes to the first:
 * 48 + 52, returns 105.6 and 104, a profit of 4. */
static void
test_uneven(void **state)
{
	const double price[] = { 2.2, 2.0 };
	struct arb_stakes a;

	(void)state;
	assert_int_equal(arb_stakes(price, 2, 100, 1, &a), 0);
	CLOSE(a.book_sum, 21.0 / 22);
	CLOSE(a.stake[0], 1000.0 / 21);
	CLOSE(a.stake[1], 1100.0 / 21);
	CLOSE(total(a.stake, 2), 100);
	CLOSE(a.stake[0] * 2.2, 2200.0 / 21);
	CLOSE(a.stake[1] * 2.0, 2200.0 / 21);
	CLOSE(a.profit, 100.0 / 21);
	CLOSE(a.profit_pct, 100.0 / 21);
	CLOSE(a.rounded[0], 48);
	CLOSE(a.rounded[1], 52);
	CLOSE(a.rounded_total, 100);
	CLOSE(a.rounded_profit, 4);
	assert_true(a.rounded_guaranteed);
}

/* Three ways at 3, 3.5 and 4: S = 28/84 + 24/84 + 21/84 = 73/84; of 1000,
 * 28000/73, 24000/73 and 21000/73, each returning 84000/73: 11000/73 profit. */
static void
test_three_way(void **state)
{
	const double price[] = { 3.0, 3.5, 4.0 };
	struct arb_stakes a;

	(void)state;
	assert_int_equal(arb_stakes(price, 3, 1000, 1, &a), 0);
	CLOSE(a.book_sum, 73.0 / 84);
	CLOSE(a.stake[0], 28000.0 / 73);
	CLOSE(a.stake[1], 24000.0 / 73);
	CLOSE(a.stake[2], 21000.0 / 73);
	CLOSE(total(a.stake, 3), 1000);
	CLOSE(a.profit, 11000.0 / 73);
	CLOSE(a.rounded_total, 1000);
	for (int i = 0; i < 3; i++)
		assert_true(a.rounded[i] * price[i] - 1000 >= a.rounded_profit - 1e-9);
	assert_true(a.rounded_profit > 140 && a.rounded_profit <= 11000.0 / 73);
	assert_true(a.rounded_guaranteed);
}

/* 2.02 both ways on 25 in units of 5: exact 12.5 each; rounded 15 + 10
 * returns 30.3 or 20.2 of 25 staked: rounding breaks the guarantee. */
static void
test_rounding_breaks(void **state)
{
	const double price[] = { 2.02, 2.02 };
	struct arb_stakes a;

	(void)state;
	assert_int_equal(arb_stakes(price, 2, 25, 5, &a), 0);
	CLOSE(a.stake[0], 12.5);
	CLOSE(a.profit, 25 * (2.02 / 2 - 1));
	CLOSE(a.rounded[0], 15);
	CLOSE(a.rounded[1], 10);
	CLOSE(a.rounded_total, 25);
	CLOSE(a.rounded_profit, 20.2 - 25);
	assert_false(a.rounded_guaranteed);
}

/* No arb at 1.9 both ways (S = 20/19); bad prices and bankrolls refused. */
static void
test_refused(void **state)
{
	const double none[] = { 1.9, 1.9 }, bad[] = { 1.0, 50 }, ok[] = { 2.1, 2.1 };
	struct arb_stakes a = { .profit = 7 };

	(void)state;
	CLOSE(arb_book_sum(none, 2), 20.0 / 19);
	assert_false(arb_is_arb(none, 2));
	assert_int_equal(arb_stakes(none, 2, 100, 1, &a), -1);
	assert_true(isnan(arb_book_sum(bad, 2)));
	assert_false(arb_is_arb(bad, 2));
	assert_false(arb_is_arb(ok, 1));
	assert_int_equal(arb_stakes(ok, 2, 0, 1, &a), -1);
	assert_int_equal(arb_stakes(ok, 2, 100, 0, &a), -1);
	assert_int_equal(arb_stakes(ok, 2, NAN, 1, &a), -1);
	CLOSE(a.profit, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_even),
		cmocka_unit_test(test_uneven),
		cmocka_unit_test(test_three_way),
		cmocka_unit_test(test_rounding_breaks),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
