/* test_devig.c: prices, fair probabilities, EV and Kelly on hand-worked
 * cases (odds_price.h, devig.h, ev.h, odds_fair.h).
 *
 * Multiplicative and additive values are worked by hand in fractions (see
 * each case); power and Shin values come from a 50-digit bisection of the
 * same equations, written out to 17 significant digits. */
#include "unit.h"

#include <math.h>
#include <string.h>

#include "devig.h"
#include "ev.h"
#include "odds_eval.h"
#include "odds_fair.h"
#include "odds_price.h"

#define CLOSE(a, b) assert_true(fabs((a) - (b)) <= 1e-12)

static double
sum(const double *p, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += p[i];
	return s;
}

/* ---- odds_price.h ------------------------------------------------------ */

static void
test_american(void **state)
{
	double d = 0;

	(void)state;
	assert_int_equal(odds_price_from_american(150, &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(odds_price_from_american(-200, &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(odds_price_from_american(100, &d), 0);
	assert_true(d == 2.0);
	assert_int_equal(odds_price_from_american(-100, &d), 0);
	assert_true(d == 2.0);
	assert_int_equal(odds_price_from_american(-110, &d), 0);
	CLOSE(d, 1.0 + 100.0 / 110.0);
	assert_int_equal(odds_price_from_american(99, &d), -1);
	assert_int_equal(odds_price_from_american(-50, &d), -1);
	assert_int_equal(odds_price_from_american(0, &d), -1);
	assert_int_equal(odds_price_from_american(NAN, &d), -1);
	assert_true(odds_price_to_american(2.5) == 150);
	assert_true(odds_price_to_american(1.5) == -200);
	assert_true(odds_price_to_american(2.0) == 100);
}

static void
test_price_text(void **state)
{
	double d = 0;

	(void)state;
	assert_int_equal(odds_price_parse("+150", 1, &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(odds_price_parse("-200", 1, &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(odds_price_parse("2.5", 0, &d), 0);
	assert_true(d == 2.5);
	/* a price of at most 1.0 returns nothing: refused */
	assert_int_equal(odds_price_parse("1.0", 0, &d), -1);
	assert_int_equal(odds_price_parse("0.95", 0, &d), -1);
	assert_int_equal(odds_price_parse("-2.5", 0, &d), -1);
	assert_int_equal(odds_price_parse("1e3", 0, &d), -1);
	assert_int_equal(odds_price_parse("inf", 0, &d), -1);
	assert_int_equal(odds_price_parse(" 2.5", 0, &d), -1);
	assert_int_equal(odds_price_parse("2.5-", 0, &d), -1);
	assert_int_equal(odds_price_parse("", 0, &d), -1);
	assert_int_equal(odds_price_parse("+50", 1, &d), -1);
	assert_true(d == 2.5);
}

/* ---- devig.h ----------------------------------------------------------- */

struct want {
	const char *name;
	double price[3];
	int n;
	double mult[3], add[3], power[3], shin[3];
};

static const struct want cases[] = {
	/* even market: 1/1.9 each, B = 20/19; every method halves */
	{ "even", { 1.90, 1.90 }, 2, { 0.5, 0.5 }, { 0.5, 0.5 }, { 0.5, 0.5 }, { 0.5, 0.5 } },
	/* near-even: B = 1/1.95 + 1/1.87 */
	{ "near-even", { 1.95, 1.87 }, 2,
	  { 0.48952879581151831, 0.51047120418848169 },
	  { 0.4890305772658714, 0.5109694227341286 },
	  { 0.48877609042905507, 0.51122390957094488 },
	  { 0.4890305772658714, 0.5109694227341286 } },
	/* long shot: r = 10/11, 1/8, B = 91/88: multiplicative 80/91, 11/91;
	 * additive cuts 3/176 each: 157/176, 19/176 */
	{ "long shot", { 1.10, 8.0 }, 2,
	  { 80.0 / 91, 11.0 / 91 }, { 157.0 / 176, 19.0 / 176 },
	  { 0.89988699246403892, 0.1001130075359611 },
	  { 157.0 / 176, 19.0 / 176 } },
	/* 3-way: r = 2/5, 5/17, 1/3, B = 262/255 */
	{ "3-way", { 2.5, 3.4, 3.0 }, 3,
	  { 102.0 / 262, 75.0 / 262, 85.0 / 262 },
	  { 0.39084967320261438, 0.2849673202614379, 0.32418300653594773 },
	  { 0.3907729693861407, 0.28509157896940507, 0.32413545164445423 },
	  { 0.39045831471621861, 0.28529741396870373, 0.32424427131507766 } },
	/* 3-way with a long shot */
	{ "3-way long shot", { 1.25, 6.5, 11.0 }, 3,
	  { 0.76572958500669341, 0.14725568942436412, 0.087014725568942436 },
	  { 0.7850815850815851, 0.13892773892773894, 0.075990675990675993 },
	  { 0.78776853481153897, 0.13519396991843469, 0.07703749527002636 },
	  { 0.78014230780082194, 0.14092028696574688, 0.078937405233431179 } },
	/* negative margin: B = 1/2.05 + 1/2 = 81/82 < 1; multiplicative 40/81, 41/81 */
	{ "negative margin", { 2.05, 2.00 }, 2,
	  { 40.0 / 81, 41.0 / 81 },
	  { 0.49390243902439024, 0.50609756097560976 },
	  { 0.49393453219979355, 0.50606546780020645 },
	  { 0.49390243902439024, 0.50609756097560976 } },
};

static void
check_method(const struct want *w, enum devig_method m, const double *want)
{
	double p[3];

	if (devig(m, w->price, w->n, p) != 0)
		fail_msg("%s: %s failed", w->name, devig_method_name(m));
	for (int i = 0; i < w->n; i++)
		if (fabs(p[i] - want[i]) > 1e-12)
			fail_msg("%s: %s p[%d] = %.17g, want %.17g", w->name,
			         devig_method_name(m), i, p[i], want[i]);
	if (m != DEVIG_WORST_CASE && fabs(sum(p, w->n) - 1.0) > DEVIG_TOLERANCE)
		fail_msg("%s: %s sums to %.17g", w->name, devig_method_name(m), sum(p, w->n));
}

static void
test_methods(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct want *w = &cases[c];
		double worst[3];

		check_method(w, DEVIG_MULTIPLICATIVE, w->mult);
		check_method(w, DEVIG_ADDITIVE, w->add);
		check_method(w, DEVIG_POWER, w->power);
		check_method(w, DEVIG_SHIN, w->shin);
		for (int i = 0; i < w->n; i++)
			worst[i] = fmin(fmin(w->mult[i], w->add[i]), fmin(w->power[i], w->shin[i]));
		check_method(w, DEVIG_WORST_CASE, worst);
	}
}

static void
test_margin_figures(void **state)
{
	double even[2] = { 1.90, 1.90 }, neg[2] = { 2.05, 2.00 };

	(void)state;
	CLOSE(devig_overround(even, 2), 1.0 / 19);     /* 20/19 - 1 */
	CLOSE(devig_hold(even, 2), 1.0 / 20);           /* 1 - 19/20 */
	CLOSE(devig_overround(neg, 2), -1.0 / 82);      /* 81/82 - 1 */
	CLOSE(devig_hold(neg, 2), -1.0 / 81);           /* 1 - 82/81 */
}

static void
test_refused(void **state)
{
	double p[3] = { 7, 7, 7 };
	double one[1] = { 2.0 }, low[2] = { 1.0, 3.0 }, nan2[2] = { NAN, 2.0 };
	/* additive cannot price a deep long shot in a heavy book: B = 1/1.1 + 1/5
	 * + 1/200 = 1.114..., the cut (B - 1)/3 = 0.038 is above 1/200 */
	double deep[3] = { 1.1, 5.0, 200.0 };

	(void)state;
	assert_int_equal(devig(DEVIG_MULTIPLICATIVE, one, 1, p), -1);
	assert_int_equal(devig(DEVIG_POWER, low, 2, p), -1);
	assert_int_equal(devig(DEVIG_SHIN, nan2, 2, p), -1);
	assert_int_equal(devig(DEVIG_ADDITIVE, deep, 3, p), -1);
	assert_true(p[0] == 7 && p[1] == 7 && p[2] == 7);
	/* worst case still answers, from the methods that apply */
	assert_int_equal(devig(DEVIG_WORST_CASE, deep, 3, p), 0);
	assert_true(p[2] > 0 && p[2] < 0.005);
	assert_int_equal(devig_method_parse("shin"), DEVIG_SHIN);
	assert_int_equal(devig_method_parse("worst_case"), DEVIG_WORST_CASE);
	assert_int_equal(devig_method_parse("Shin"), -1);
}

/* ---- ev.h -------------------------------------------------------------- */

static void
test_ev_kelly(void **state)
{
	(void)state;
	/* p = 0.5 at 2.2: EV 0.1; b = 1.2, f = (0.6 - 0.5)/1.2 = 1/12 */
	CLOSE(ev_value(0.5, 2.2), 0.1);
	CLOSE(ev_kelly(0.5, 2.2), 1.0 / 12);
	CLOSE(ev_kelly_stake(1.0 / 12, 0.25, 1), 1.0 / 48);
	CLOSE(ev_kelly_stake(1.0 / 12, 0.5, 0.02), 0.02);   /* capped */
	/* zero edge: p = 0.5 at 2.0 */
	CLOSE(ev_value(0.5, 2.0), 0.0);
	assert_true(ev_kelly(0.5, 2.0) == 0);
	/* negative edge: stake 0, never negative */
	assert_true(ev_value(0.4, 2.0) < 0);
	assert_true(ev_kelly(0.4, 2.0) == 0);
	assert_true(ev_kelly_stake(ev_kelly(0.4, 2.0), 1, 1) == 0);
	assert_true(ev_kelly_stake(-0.3, 1, 1) == 0);
	/* long shot: p = 0.12 at 10: EV 0.2, f = (9*0.12 - 0.88)/9 = 0.2/9 */
	CLOSE(ev_value(0.12, 10), 0.2);
	CLOSE(ev_kelly(0.12, 10), 0.2 / 9);
	assert_true(ev_kelly(1.5, 2.0) == 0);
	assert_true(ev_kelly(0.5, 1.0) == 0);
}

/* ---- odds_fair.h ------------------------------------------------------- */

static void
test_fair_line(void **state)
{
	struct odds_book_prices b[3] = {
		{ "fanduel",  { 1.80, 2.10 } },
		{ "pinnacle", { 1.90, 1.90 } },
		{ "bovada",   { 2.00, 1.80 } },
	};
	struct odds_fair f;
	double v[4] = { 3, 1, 4, 2 };

	(void)state;
	assert_int_equal(odds_fair_line(b, 3, 2, DEVIG_MULTIPLICATIVE, "pinnacle", &f), 0);
	assert_string_equal(f.source, "pinnacle");
	CLOSE(f.p[0], 0.5);
	CLOSE(f.hold, 1.0 / 20);
	/* no sharp book: the median of 1/1.8 / (1/1.8 + 1/2.1) = 7/13, 1/2
	 * and 1/2 / (1/2 + 1/1.8) = 9/19 per outcome */
	assert_int_equal(odds_fair_line(b, 3, 2, DEVIG_MULTIPLICATIVE, "circa", &f), 0);
	assert_string_equal(f.source, "consensus");
	assert_int_equal(f.books, 3);
	CLOSE(f.p[0], 0.5);
	CLOSE(f.p[1], 0.5);
	assert_int_equal(odds_fair_line(b, 2, 2, DEVIG_MULTIPLICATIVE, NULL, &f), 0);
	CLOSE(f.p[0], (7.0 / 13 + 0.5) / 2);
	/* a book missing an outcome takes no part */
	b[0].price[1] = 0;
	assert_int_equal(odds_fair_line(b, 1, 2, DEVIG_MULTIPLICATIVE, NULL, &f), -1);
	CLOSE(odds_median(v, 4), 2.5);
	CLOSE(odds_median(v, 3), 2);
}

/* Three books without margin pricing a 3-way market at (1/2, 3/10, 1/5),
 * (2/5, 2/5, 1/5) and (9/20, 1/4, 3/10): the medians 9/20, 3/10 and 1/5 sum
 * to 19/20, and the consensus is them scaled to 1: 9/19, 6/19, 4/19. */
static void
test_fair_line_consensus_sums_to_one(void **state)
{
	struct odds_book_prices b[3] = {
		{ "a", { 2.0, 10.0 / 3, 5.0 } },
		{ "b", { 2.5, 2.5, 5.0 } },
		{ "c", { 20.0 / 9, 4.0, 10.0 / 3 } },
	};
	struct odds_fair f;

	(void)state;
	assert_int_equal(odds_fair_line(b, 3, 3, DEVIG_MULTIPLICATIVE, NULL, &f), 0);
	assert_string_equal(f.source, "consensus");
	CLOSE(f.p[0], 9.0 / 19);
	CLOSE(f.p[1], 6.0 / 19);
	CLOSE(f.p[2], 4.0 / 19);
	CLOSE(f.p[0] + f.p[1] + f.p[2], 1);
}

/* ---- odds_eval.h ------------------------------------------------------- */

static struct odds_row
spread(const char *book, const char *team, double point, double price)
{
	return (struct odds_row){ .event_id = "x", .market = "spreads", .book = book,
	                          .outcome = team, .has_point = 1, .point = point,
	                          .price = price };
}

static void
test_lines(void **state)
{
	/* two lines of one spread market: 3.5 (two books), 4.5 (one) */
	struct odds_row rows[6] = {
		spread("b", "H", -3.5, 2.0), spread("a", "H", -3.5, 1.9),
		spread("a", "H", -4.5, 2.05), spread("a", "W", 3.5, 1.9),
		spread("b", "W", 3.5, 1.8), spread("a", "W", 4.5, 1.8),
	};
	struct odds_eval *e;

	(void)state;
	assert_int_equal(odds_evaluate(pool, rows, 6, DEVIG_MULTIPLICATIVE, "pinnacle", &e), 2);
	assert_int_equal(e[0].line, e[1].line);
	assert_int_equal(e[0].line, e[3].line);
	assert_int_equal(e[2].line, e[5].line);
	assert_int_not_equal(e[0].line, e[2].line);
	/* at 3.5 the consensus of a (1/2) and b (9/19) for H is 37/76: b's 2.0
	 * is worth 37/76 x 2 - 1 = -1/38 */
	assert_string_equal(e[0].source, "consensus");
	assert_int_equal(e[0].books, 2);
	CLOSE(e[0].fair, 37.0 / 76);
	CLOSE(e[0].ev, -1.0 / 38);
	CLOSE(e[3].fair + e[0].fair, 1.0);
	assert_int_equal(e[2].books, 1);
	assert_true(e[2].fair_known && e[5].fair_known);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_american),
		cmocka_unit_test(test_price_text),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_margin_figures),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ev_kelly),
		cmocka_unit_test(test_fair_line),
		cmocka_unit_test(test_fair_line_consensus_sums_to_one),
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
