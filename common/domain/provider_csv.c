/* provider_csv.c: daily candles from CSV, "date,open,high,low,close
 * [,adjclose],volume" with a header naming the columns (any order, any case;
 * "adj close" and "adj_close" also name adjclose; other columns are
 * skipped). RFC 4180 quoting, LF or CRLF, a UTF-8 byte order mark and
 * trailing blank lines are tolerated; nothing else is. Rows must be
 * ascending, each date once and none after tomorrow (UTC); volumes are
 * whole share counts: a CSV is refused, not repaired. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pool.h"
#include "provider_parse.h"


enum col { COL_DATE, COL_OPEN, COL_HIGH, COL_LOW, COL_CLOSE, COL_ADJCLOSE, COL_VOLUME, NCOL };

static const char *const col_names[NCOL] = {
	"date", "open", "high", "low", "close", "adjclose", "volume"
};

static int
col_of(const struct prov_span *f)
{
	static const struct { const char *name; int col; } alias[] = {
		{ "adj close", COL_ADJCLOSE }, { "adj_close", COL_ADJCLOSE },
	};

	for (int k = 0; k < NCOL; k++)
		if (f->n == strlen(col_names[k]) && strncasecmp(f->s, col_names[k], f->n) == 0)
			return k;
	for (size_t k = 0; k < sizeof(alias) / sizeof(alias[0]); k++)
		if (f->n == strlen(alias[k].name) && strncasecmp(f->s, alias[k].name, f->n) == 0)
			return alias[k].col;
	return -1;
}

/* Map columns to fields from the header f[0..nf): 0, or -1 with *msg. */
static int
header(struct pool *p, const struct prov_span *f, size_t nf, int where[NCOL], const char **msg)
{
	int k;

	for (k = 0; k < NCOL; k++)
		where[k] = -1;
	for (size_t j = 0; j < nf; j++) {
		if ((k = col_of(&f[j])) < 0)
			continue;
		if (where[k] >= 0) {
			*msg = pool_printf(p, "line 1: duplicate \"%s\" column", col_names[k]);
			return -1;
		}
		where[k] = (int)j;
	}
	for (k = 0; k < NCOL; k++) {
		if (where[k] < 0 && k != COL_ADJCLOSE) {
			*msg = pool_printf(p, "line 1: no \"%s\" column in the header", col_names[k]);
			return -1;
		}
	}
	return 0;
}

/* Fill c from the row f: NULL, or what is wrong with it. */
static const char *
row(const struct prov_span *f, const int where[NCOL], struct candle *c)
{
	double *price[NCOL] = { NULL, &c->open, &c->high, &c->low, &c->close, &c->adjclose, NULL };
	const struct prov_span *d = &f[where[COL_DATE]];
	double vol;

	if (!candle_date_valid(d->s, d->n))
		return "invalid date (want YYYY-MM-DD)";
	memcpy(c->date, d->s, CANDLE_DATE_LEN);
	c->date[CANDLE_DATE_LEN] = '\0';
	for (int k = COL_OPEN; k <= COL_ADJCLOSE; k++) {
		if (where[k] < 0)
			continue;
		if (prov_number(f[where[k]].s, f[where[k]].n, price[k]) < 0) {
			static const char *const bad[NCOL] = { NULL, "open is not a number",
				"high is not a number", "low is not a number", "close is not a number",
				"adjclose is not a number", NULL };
			return bad[k];
		}
	}
	if (where[COL_ADJCLOSE] < 0)
		c->adjclose = c->close;
	if (prov_number(f[where[COL_VOLUME]].s, f[where[COL_VOLUME]].n, &vol) < 0 ||
	    prov_volume(vol, &c->volume) < 0)
		return "volume is not a count";
	if (vol != floor(vol))
		return "volume is not a whole number of shares";
	return candle_check(c);
}

/* NULL when the last bar of s (s->v[s->n], not yet counted) may follow the
 * others: not after latest, not a date already seen, after the previous
 * one; else why not (pool memory). line_of[i] is bar i's line. */
static const char *
order(struct pool *p, const struct candles *s, const size_t *line_of, const char *latest)
{
	const char *d = s->v[s->n].date;
	int cmp;

	if (strcmp(d, latest) > 0)
		return pool_printf(p, "date %s is in the future (after tomorrow, UTC)", d);
	if (s->n == 0 || (cmp = strcmp(s->v[s->n - 1].date, d)) < 0)
		return NULL;
	if (cmp == 0)
		return pool_printf(p, "duplicate date %s (also on line %zu)", d,
		                   line_of[s->n - 1]);
	for (size_t i = s->n; i-- > 0;)     /* rare: a refused file; find an earlier twin */
		if (strcmp(s->v[i].date, d) == 0)
			return pool_printf(p, "duplicate date %s (also on line %zu)", d, line_of[i]);
	return pool_printf(p, "date %s is before the previous row's %s (rows must be "
	                   "in ascending date order)", d, s->v[s->n - 1].date);
}

enum provider_status
provider_parse_csv(struct pool *p, long http_status, const char *body,
    size_t len, struct candles *out, const char **msg)
{
	struct prov_csv c = { body, len, 0, 1 };
	struct prov_span f[PROV_CSV_MAX_FIELDS];
	struct candles tmp = { NULL, 0 };
	int where[NCOL];
	size_t nf, ncols, lines = 1, rec, *line_of;
	const char *why, *lead;
	char latest[11];
	enum provider_status st;

	if ((st = prov_http_class(http_status)) != PROVIDER_OK) {
		*msg = prov_http_msg(p, http_status);
		return st;
	}
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		c.i = 3;
	for (lead = body + c.i; lead < body + len && strchr(" \t\r\n", *lead) && *lead; lead++)
		;
	if (lead == body + len) {
		*msg = "empty body";
		return PROVIDER_BAD_RESPONSE;
	}
	if (*lead == '<' || *lead == '{' || *lead == '[') {
		*msg = *lead == '<' ? "not CSV (an HTML page?)" : "not CSV (JSON?)";
		return PROVIDER_BAD_RESPONSE;
	}
	if (prov_csv_record(&c, f, &ncols, &why) < 0) {
		*msg = pool_printf(p, "line 1: %s", why);
		return PROVIDER_BAD_RESPONSE;
	}
	if (header(p, f, ncols, where, msg) < 0)
		return PROVIDER_BAD_RESPONSE;
	for (const char *q = body + c.i; (q = memchr(q, '\n', (size_t)(body + len - q))) != NULL; q++)
		lines++;
	tmp.v = pool_alloc(p, lines * sizeof(*tmp.v));
	line_of = pool_alloc(p, lines * sizeof(*line_of));
	candle_date_latest(latest);
	while (c.i < c.n && !prov_csv_rest_blank(&c)) {
		rec = c.line;
		if (c.s[c.i] == '\n' || c.s[c.i] == '\r') {
			*msg = pool_printf(p, "line %zu: empty line", rec);
			return PROVIDER_BAD_RESPONSE;
		}
		if (prov_csv_record(&c, f, &nf, &why) < 0) {
			*msg = pool_printf(p, "line %zu: %s", rec, why);
			return PROVIDER_BAD_RESPONSE;
		}
		if (nf != ncols) {
			*msg = pool_printf(p, "line %zu: %zu fields, the header has %zu", rec, nf, ncols);
			return PROVIDER_BAD_RESPONSE;
		}
		if ((why = row(f, where, &tmp.v[tmp.n])) == NULL)
			why = order(p, &tmp, line_of, latest);
		if (why != NULL) {
			*msg = pool_printf(p, "line %zu: %s", rec, why);
			return PROVIDER_BAD_RESPONSE;
		}
		line_of[tmp.n++] = rec;
	}
	return prov_finish(p, &tmp, 0, out, msg);
}
