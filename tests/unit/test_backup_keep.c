/* test_backup_keep.c: ISO weeks and grandfather-father-son retention
 * (backup_keep.h), on hand-checked calendars. */
#include "unit.h"

#include <string.h>

#include "backup_keep.h"

/* ISO weeks checked against `date +%G%V`. */
static void
test_iso_week(void **state)
{
	(void)state;
	assert_int_equal(backup_iso_week(2026, 12, 6), 202649);    /* a Sunday */
	assert_int_equal(backup_iso_week(2026, 12, 7), 202650);    /* the Monday after */
	assert_int_equal(backup_iso_week(2026, 12, 31), 202653);   /* 2026 has 53 weeks */
	assert_int_equal(backup_iso_week(2027, 1, 3), 202653);     /* ... into 2027 */
	assert_int_equal(backup_iso_week(2027, 1, 4), 202701);
	assert_int_equal(backup_iso_week(2024, 12, 30), 202501);   /* a Monday: 2025's week 1 */
	assert_int_equal(backup_iso_week(2021, 1, 1), 202053);
	assert_int_equal(backup_iso_week(2000, 2, 29), 200009);
}

/* The ids kept, as a string of 0/1. */
static const char *
kept(const char *const *ids, size_t n, int daily, int weekly, int monthly)
{
	static char out[64];
	struct backup_policy pol = { daily, weekly, monthly };
	int keep[64];

	backup_keep(ids, n, &pol, keep);
	for (size_t i = 0; i < n; i++)
		out[i] = keep[i] ? '1' : '0';
	out[n] = '\0';
	return out;
}

static void
test_daily(void **state)
{
	/* Two on the 6th (the newer kept), one each on the 5th, 4th, 1st. */
	const char *ids[] = { "20261206T230000Z", "20261206T020000Z", "20261205T020000Z",
	                      "20261204T020000Z", "20261201T020000Z" };

	(void)state;
	assert_string_equal(kept(ids, 5, 2, 0, 0), "10100");
	assert_string_equal(kept(ids, 5, 30, 0, 0), "10111");
	assert_string_equal(kept(ids, 5, 0, 0, 0), "10000");     /* the newest always */
	assert_string_equal(kept(ids, 0, 3, 3, 3), "");
}

static void
test_weekly_monthly(void **state)
{
	/* Weeks: 6 Dec is week 49, 30 Nov and 1 Dec week 49 too (Mon 30 Nov..Sun 6
	 * Dec), 29 Nov week 48, 15 Nov week 46, 31 Oct week 44. */
	const char *ids[] = { "20261206T020000Z", "20261201T020000Z", "20261130T020000Z",
	                      "20261129T020000Z", "20261115T020000Z", "20261031T020000Z",
	                      "20261001T020000Z" };

	(void)state;
	assert_string_equal(kept(ids, 7, 1, 3, 0), "1001100");
	/* months: Dec (6th), Nov (30th), Oct (31st) */
	assert_string_equal(kept(ids, 7, 1, 0, 3), "1010010");
	assert_string_equal(kept(ids, 7, 0, 0, 12), "1010010");
	assert_string_equal(kept(ids, 7, 2, 2, 4), "1111010");
}

static void
test_id_epoch(void **state)
{
	(void)state;
	assert_int_equal(backup_id_epoch("19700101T000000Z"), 0);
	assert_int_equal(backup_id_epoch("20261206T051500Z"), 1796534100);  /* date -d */
	assert_int_equal(backup_id_epoch("20000229T235959Z"), 951868799);
	assert_int_equal(backup_id_epoch("20261206T051500"), -1);
	assert_int_equal(backup_id_epoch("20261206X051500Z"), -1);
	assert_int_equal(backup_id_epoch("20261206T051500Zx"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_week),
		cmocka_unit_test(test_daily),
		cmocka_unit_test(test_weekly_monthly),
		cmocka_unit_test(test_id_epoch),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
