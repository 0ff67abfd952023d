/* candle.h: daily price bars and the rules every series obeys.
 *
 * A series is ascending by date with no duplicates and no date after
 * tomorrow (UTC: no market has closed that day anywhere yet); each bar has
 * finite positive prices with low <= min(open, close) and high >=
 * max(open, close), and a volume >= 0. Providers' parsers and the CSV importer produce only
 * series that candles_validate() accepts. */
#ifndef EDGESCOUT_CANDLE_H
#define EDGESCOUT_CANDLE_H

#include <stddef.h>
#include <stdint.h>

#define CANDLE_DATE_LEN 10          /* "YYYY-MM-DD" */
#define CANDLE_YEAR_MIN 1800        /* dates outside these years are refused */
#define CANDLE_YEAR_MAX 9999

struct candle {
	char date[11];        /* "YYYY-MM-DD" */
	double open, high, low, close, adjclose;   /* adjclose = close when the source has none */
	int64_t volume;
};

struct candles { struct candle *v; size_t n; };   /* ascending by date, no duplicates, pool memory */

/* 1 if s[0..n) is exactly "YYYY-MM-DD", a real Gregorian calendar date with
 * a year in [CANDLE_YEAR_MIN, CANDLE_YEAR_MAX]; 0 otherwise (and for NULL). */
int candle_date_valid(const char *s, size_t n);

/* Write the UTC calendar date of unix time secs into out ("YYYY-MM-DD" and
 * a NUL). Returns 0, or -1 (out untouched) when the year is out of range. */
int candle_date_from_unix(int64_t secs, char out[11]);

/* Tomorrow's UTC calendar date into out ("YYYY-MM-DD" and a NUL): the
 * latest date a series may hold. */
void candle_date_latest(char out[11]);

/* NULL if bar c alone is valid (date, finite positive prices, high and low
 * bracketing open and close, volume >= 0), else a short static reason. */
const char *candle_check(const struct candle *c);

/* 0 if s is a valid series (every bar valid, dates strictly ascending, none
 * after candle_date_latest());
 * otherwise -1 with *bad (if not NULL) set to the first offending index and
 * *why (if not NULL) to a short static reason. An empty series is valid. */
int candles_validate(const struct candles *s, size_t *bad, const char **why);

/* Sort s ascending by date in place (O(n log n); equal dates stay adjacent,
 * so candles_validate() then reports them as duplicates). */
void candles_sort(struct candles *s);

/* Reverse s in place (a newest-first series becomes ascending in O(n)). */
void candles_reverse(struct candles *s);

#endif
