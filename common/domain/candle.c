/* candle.c: calendar dates and the validity rules of a daily series. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "candle.h"

static int
is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(long y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int
digits(const char *s, int n, long *out)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
candle_date_valid(const char *s, size_t n)
{
	long y, m, d;

	if (s == NULL || n != CANDLE_DATE_LEN || s[4] != '-' || s[7] != '-')
		return 0;
	if (digits(s, 4, &y) < 0 || digits(s + 5, 2, &m) < 0 || digits(s + 8, 2, &d) < 0)
		return 0;
	if (y < CANDLE_YEAR_MIN || y > CANDLE_YEAR_MAX || m < 1 || m > 12)
		return 0;
	return d >= 1 && d <= days_in_month(y, (int)m);
}

int
candle_date_from_unix(int64_t secs, char out[11])
{
	/* civil_from_days, after Howard Hinnant's "chrono-compatible low-level
	 * date algorithms" (proleptic Gregorian, day 0 = 1970-01-01) */
	int64_t z, era, doe, yoe, doy, mp, y, m, d;

	z = secs / 86400 - (secs % 86400 < 0);
	if (z < -80000 || z > 3000000)    /* well outside 1800..9999 */
		return -1;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < CANDLE_YEAR_MIN || y > CANDLE_YEAR_MAX)
		return -1;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
	return 0;
}

void
candle_date_latest(char out[11])
{
	if (candle_date_from_unix((int64_t)time(NULL) + 86400, out) < 0)
		memcpy(out, "9999-12-31", 11);
}

static int
price_ok(double v)
{
	return isfinite(v) && v > 0;
}

const char *
candle_check(const struct candle *c)
{
	if (memchr(c->date, '\0', sizeof(c->date)) == NULL ||
	    !candle_date_valid(c->date, strlen(c->date)))
		return "invalid date";
	if (!price_ok(c->open) || !price_ok(c->high) || !price_ok(c->low) ||
	    !price_ok(c->close) || !price_ok(c->adjclose))
		return "a price is not a finite positive number";
	if (c->high < c->open || c->high < c->close)
		return "high is below open or close";
	if (c->low > c->open || c->low > c->close)
		return "low is above open or close";
	if (c->volume < 0)
		return "negative volume";
	return NULL;
}

int
candles_validate(const struct candles *s, size_t *bad, const char **why)
{
	const char *reason;
	char latest[11];

	candle_date_latest(latest);
	for (size_t i = 0; i < s->n; i++) {
		reason = candle_check(&s->v[i]);
		if (reason == NULL && strcmp(s->v[i].date, latest) > 0)
			reason = "date in the future (after tomorrow, UTC)";
		if (reason == NULL && i > 0 && strcmp(s->v[i - 1].date, s->v[i].date) >= 0)
			reason = strcmp(s->v[i - 1].date, s->v[i].date) == 0
			    ? "duplicate date" : "date not after the previous one";
		if (reason != NULL) {
			if (bad != NULL)
				*bad = i;
			if (why != NULL)
				*why = reason;
			return -1;
		}
	}
	return 0;
}

static int
by_date(const void *a, const void *b)
{
	const struct candle *x = a, *y = b;

	return strcmp(x->date, y->date);
}

void
candles_sort(struct candles *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), by_date);
}

void
candles_reverse(struct candles *s)
{
	struct candle t;

	for (size_t i = 0, j = s->n; i + 1 < j; i++, j--) {
		t = s->v[i];
		s->v[i] = s->v[j - 1];
		s->v[j - 1] = t;
	}
}
