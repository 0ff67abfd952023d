/* backup_keep.c: grandfather-father-son retention over backup ids. Each
 * period (day, ISO week, month) with a backup keeps its newest one, for the
 * newest `daily`, `weekly` and `monthly` periods that have backups. */
#include "backup_keep.h"

#include <string.h>

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long
days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* ISO weekday, 1 (Monday) to 7 (Sunday). */
static int
iso_weekday(long days)
{
	long w = (days + 3) % 7;    /* 1970-01-01 was a Thursday */

	return (int)(w < 0 ? w + 7 : w) + 1;
}

int
backup_iso_week(int year, int month, int day)
{
	long days = days_from_civil(year, month, day);
	long thursday = days - iso_weekday(days) + 4;    /* the week's Thursday */
	long jan1 = 0;
	int y;

	/* The ISO year is the Thursday's year: the latest whose 1 January is
	 * not after it. */
	for (y = year + 1; y >= year - 1; y--)
		if ((jan1 = days_from_civil(y, 1, 1)) <= thursday)
			break;
	return (int)(y * 100 + (thursday - jan1) / 7 + 1);
}

/* The number in id[from, from+len). */
static int
digits(const char *id, int from, int len)
{
	int v = 0;

	for (int i = from; i < from + len; i++)
		v = v * 10 + (id[i] - '0');
	return v;
}

/* Keep the first backup of each new period key, for up to limit periods. */
static void
keep_periods(const char *const *ids, size_t n, int limit, int (*period)(const char *),
             int *keep)
{
	int periods = 0, last = -1;

	for (size_t i = 0; i < n && periods < limit; i++) {
		int k = period(ids[i]);

		if (k == last)
			continue;
		last = k;
		keep[i] = 1;
		periods++;
	}
}

static int by_day(const char *id) { return digits(id, 0, 8); }
static int by_month(const char *id) { return digits(id, 0, 6); }
static int
by_week(const char *id)
{
	return backup_iso_week(digits(id, 0, 4), digits(id, 4, 2), digits(id, 6, 2));
}

void
backup_keep(const char *const *ids, size_t n, const struct backup_policy *pol, int *keep)
{
	memset(keep, 0, n * sizeof(*keep));
	if (n == 0)
		return;
	keep[0] = 1;
	keep_periods(ids, n, pol->daily, by_day, keep);
	keep_periods(ids, n, pol->weekly, by_week, keep);
	keep_periods(ids, n, pol->monthly, by_month, keep);
}

long long
backup_id_epoch(const char *id)
{
	for (int i = 0; i < 16; i++)
		if (id[i] == '\0' || (i == 8 ? id[i] != 'T' : i == 15 ? id[i] != 'Z' :
		                       !(id[i] >= '0' && id[i] <= '9')))
			return -1;
	if (id[16] != '\0')
		return -1;
	return (long long)days_from_civil(digits(id, 0, 4), digits(id, 4, 2), digits(id, 6, 2)) *
	       86400 + digits(id, 9, 2) * 3600 + digits(id, 11, 2) * 60 + digits(id, 13, 2);
}
