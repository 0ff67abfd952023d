/* test_deal.c: comparables, their spread and the deal score on hand-worked
 * cases (deal.h). */
#include "unit.h"

#include <math.h>
#include <string.h>

#include "deal.h"

#define CLOSE(a, b) assert_true(fabs((a) - (b)) <= 1e-9)

/* A listing with neutral seller, condition and shipping components: used,
 * feedback unknown, shipping 0 < s <= 10 % of the total (or none given). */
static struct deal_listing
item(const char *id, const char *title, double price, double shipping)
{
	struct deal_listing l = {
		id, title, price, shipping, DEAL_USED, NAN, -1
	};

	return l;
}

static void
stats_of(const double *v, size_t n, struct deal_stats *st)
{
	double tmp[64];

	assert_true(n <= 64);
	memcpy(tmp, v, n * sizeof(*v));
	deal_stats(tmp, n, st);
}

/* The score of a listing of the given total against comparables v. */
static double
score_against(const double *v, size_t n, struct deal_listing l, struct deal_score *out)
{
	struct deal_stats st;

	stats_of(v, n, &st);
	deal_score(pool, &l, &st, out);
	return out->score;
}

static void
test_conditions(void **state)
{
	(void)state;
	assert_int_equal(deal_condition_parse("open_box"), DEAL_OPEN_BOX);
	assert_int_equal(deal_condition_parse("Open box"), -1);
	assert_int_equal(deal_condition_parse(NULL), -1);
	assert_string_equal(deal_condition_name(DEAL_PARTS), "parts");
	assert_int_equal(deal_condition_bucket(DEAL_OPEN_BOX), DEAL_NEW);
	assert_int_equal(deal_condition_bucket(DEAL_REFURBISHED), DEAL_REFURBISHED);
}

static void
test_median_mad(void **state)
{
	struct deal_stats st;
	double odd[] = { 100, 2, 4, 1, 3 }, even[] = { 4, 1, 3, 2 }, none[1];

	(void)state;
	stats_of(odd, 5, &st);
	assert_int_equal(st.count, 5);
	CLOSE(st.median, 3);
	CLOSE(st.mad, 1);              /* deviations 97, 1, 1, 2, 0 */
	CLOSE(st.scale, 1.4826);
	stats_of(even, 4, &st);
	CLOSE(st.median, 2.5);
	CLOSE(st.mad, 1);              /* deviations 1.5, 0.5, 0.5, 1.5 */
	assert_int_equal(deal_stats(none, 0, &st), -1);
	assert_int_equal(st.count, 0);
	assert_true(isnan(st.median));
}

static void
test_ties(void **state)
{
	struct deal_stats st;
	double v[] = { 5, 7, 5, 5, 5, 5 };
	double w[] = { 10, 10, 20, 20 };

	(void)state;
	stats_of(v, 6, &st);
	CLOSE(st.median, 5);
	CLOSE(st.mad, 0);
	CLOSE(st.scale, 0.1);          /* the floor: 2 % of 5 */
	stats_of(w, 4, &st);
	CLOSE(st.median, 15);
	CLOSE(st.mad, 5);
}

static void
test_zero_spread(void **state)
{
	double v[10];
	struct deal_score s;

	(void)state;
	for (int i = 0; i < 10; i++)
		v[i] = 100;
	/* scale = 2 % of 100 = 2; total 96 is z = 2: price 50 + 50 tanh(1) */
	score_against(v, 10, item("a", "x", 91, 5), &s);
	CLOSE(s.z, 2);
	CLOSE(s.c[0].score, 50 + 50 * tanh(1.0));
	CLOSE(s.c[0].contribution, 61.66);
	CLOSE(s.score, 61.66 + 7.5 + 5 + 2.5);
	assert_string_equal(s.band, "great");
	assert_string_equal(s.confidence, "medium");
	score_against(v, 10, item("a", "x", 100, NAN), &s);
	CLOSE(s.c[0].score, 50);
}

static void
test_one_comparable(void **state)
{
	double v[] = { 80 };
	struct deal_score s;

	(void)state;
	score_against(v, 1, item("a", "x", 40, 0), &s);
	assert_false(isnan(s.score));
	assert_true(s.score > 50);
	assert_null(s.band);
	assert_string_equal(s.confidence, "insufficient");
	score_against(v, 0, item("a", "x", 40, 0), &s);
	assert_true(isnan(s.score));
	assert_null(s.band);
}

static void
test_median_is_50(void **state)
{
	double tight[] = { 99, 100, 101, 100, 100 };
	double wide[] = { 10, 60, 100, 300, 900, 5000 };
	double equal[] = { 100, 100, 100, 100, 100, 100, 100 };
	struct deal_score s;

	(void)state;
	CLOSE(score_against(tight, 5, item("a", "x", 95, 5), &s), 50);
	CLOSE(score_against(wide, 6, item("a", "x", 195, 5), &s), 50);
	CLOSE(score_against(equal, 7, item("a", "x", 100, NAN), &s) - s.c[3].contribution
	      + 2.5, 50);
	CLOSE(score_against(equal, 7, item("a", "x", 99, 1), &s), 50);
	assert_string_equal(s.band, "fair");
}

static void
test_shipping_makes_dear(void **state)
{
	double v[] = { 100, 105, 95, 110, 90, 100 };
	struct deal_score cheap, dear;

	(void)state;
	score_against(v, 6, item("a", "x", 95, 0), &cheap);
	score_against(v, 6, item("b", "x", 60, 80), &dear);   /* total 140 */
	CLOSE(dear.total, 140);
	assert_true(dear.z < 0);
	assert_true(dear.score < 40);
	assert_string_equal(dear.band, "overpriced");
	assert_true(cheap.score > dear.score);
}

static void
test_price_drop(void **state)
{
	double v[] = { 100, 105, 95, 110, 90, 100, 98 };
	struct deal_score before, after;

	(void)state;
	score_against(v, 7, item("a", "x", 120, 0), &before);
	score_against(v, 7, item("a", "x", 85, 0), &after);
	assert_true(after.score > before.score);
	assert_string_equal(before.band, "overpriced");
	assert_string_equal(after.band, "great");
}

static void
test_twice_never_higher(void **state)
{
	double sets[3][6] = {
		{ 100, 100, 100, 100, 100, 100 },
		{ 50, 80, 100, 120, 150, 400 },
		{ 1, 2, 3, 1000, 2000, 3000 },
	};
	struct deal_score a, b;

	(void)state;
	for (int k = 0; k < 3; k++)
		for (double price = 0.5; price < 5000; price *= 1.37) {
			struct deal_listing l = item("a", "x", price, 4);
			struct deal_listing l2 = item("a", "x", 2 * price, 4);

			l.feedback_pct = l2.feedback_pct = 99;
			score_against(sets[k], 6, l, &a);
			score_against(sets[k], 6, l2, &b);
			assert_true(b.score <= a.score);
		}
}

static void
test_components(void **state)
{
	double v[] = { 100, 100, 100, 100, 100 };
	struct deal_listing l = item("a", "x", 100, 0);
	struct deal_score s;
	double sum = 0;

	(void)state;
	l.feedback_pct = 99.9;
	l.feedback_score = 5;          /* too few ratings: capped at 40 */
	l.condition = DEAL_OPEN_BOX;
	score_against(v, 5, l, &s);
	assert_string_equal(s.c[1].name, "seller");
	CLOSE(s.c[1].score, 40);
	CLOSE(s.c[2].score, 40);
	CLOSE(s.c[3].score, 70);       /* free shipping */
	for (int i = 0; i < DEAL_COMPONENTS; i++) {
		assert_non_null(s.c[i].explanation);
		sum += s.c[i].weight;
	}
	CLOSE(sum, 100);
	CLOSE(s.score, 35 + 6 + 4 + 3.5);
	l.feedback_score = 500;
	l.feedback_pct = 94;           /* 90..98: lin 0..50 */
	score_against(v, 5, l, &s);
	CLOSE(s.c[1].score, 25);
}

static void
test_comparables(void **state)
{
	struct deal_listing all[] = {
		item("1", "Lens 50mm", 100, 5),
		item("2", "Lens 50mm", 120, NAN),
		item("1", "Lens 50mm (same item again)", 101, 5),
		item("3", "Lens 50mm FOR PARTS", 10, 0),
		item("4", "Lens 50mm", 200, 0),
		item("5", "Lens 50mm box only", 5, 0),
	};
	const char *const excl[] = { "for parts", "", "BOX ONLY" };
	double totals[6];
	size_t k;

	(void)state;
	all[4].condition = DEAL_NEW;
	k = deal_comparables(all, 6, 0, excl, 3, totals);
	assert_int_equal(k, 1);        /* itself, its duplicate, excluded, other bucket out */
	CLOSE(totals[0], 120);
	assert_int_equal(deal_comparables(all, 6, 0, NULL, 0, totals), 3);
	assert_int_equal(deal_excluded("A lens For Parts only", excl, 3), 1);
	assert_int_equal(deal_excluded("A lens", excl, 3), 0);
	assert_int_equal(deal_excluded("A lens", excl + 1, 1), 0);
}

static void
test_score_search(void **state)
{
	struct deal_listing all[] = {
		item("1", "a", 100, 0), item("2", "a", 110, 0), item("3", "a", 90, 0),
		item("4", "a", 95, 0), item("5", "a", 105, 0), item("6", "a", 60, 0),
		item("7", "a broken", 5, 0),
	};
	const char *const excl[] = { "broken" };
	struct deal_score out[7], one;
	double totals[7];
	struct deal_stats st;

	(void)state;
	deal_score_search(pool, all, 7, excl, 1, out);
	for (size_t i = 0; i < 7; i++) {
		size_t k = deal_comparables(all, 7, i, excl, 1, totals);

		deal_stats(totals, k, &st);
		deal_score(pool, &all[i], &st, &one);
		CLOSE(out[i].score, one.score);
		assert_int_equal(out[i].stats.count, k);
	}
	assert_int_equal(out[5].stats.count, 5);
	CLOSE(out[5].stats.median, 100);
	assert_string_equal(out[5].band, "great");
}

static void
test_bands(void **state)
{
	struct deal_stats st = { 30, 100, 5, 7.413, 0.07413 };

	(void)state;
	assert_string_equal(deal_band(75, 5), "great");
	assert_string_equal(deal_band(74.99, 5), "good");
	assert_string_equal(deal_band(62, 5), "good");
	assert_string_equal(deal_band(40, 5), "fair");
	assert_string_equal(deal_band(39.99, 5), "overpriced");
	assert_null(deal_band(90, 4));
	assert_null(deal_band(NAN, 50));
	assert_string_equal(deal_confidence(&st), "high");
	st.spread = 0.3;
	assert_string_equal(deal_confidence(&st), "medium");
	st.spread = 0.6;
	assert_string_equal(deal_confidence(&st), "low");
	st.count = 4;
	assert_string_equal(deal_confidence(&st), "insufficient");
	assert_int_equal(deal_band_valid("overpriced"), 1);
	assert_int_equal(deal_band_valid("bad"), 0);
	assert_int_equal(deal_band_valid(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_median_mad),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_zero_spread),
		cmocka_unit_test(test_one_comparable),
		cmocka_unit_test(test_median_is_50),
		cmocka_unit_test(test_shipping_makes_dear),
		cmocka_unit_test(test_price_drop),
		cmocka_unit_test(test_twice_never_higher),
		cmocka_unit_test(test_components),
		cmocka_unit_test(test_comparables),
		cmocka_unit_test(test_score_search),
		cmocka_unit_test(test_bands),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
