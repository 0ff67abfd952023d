/* odds_provider_csv.c: recorded odds as CSV, one price per line
 * (odds_provider.h). Consecutive lines of the same event, book and market
 * form one book market, taken whole or refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "odds_price.h"
#include "odds_provider.h"
#include "pool.h"
#include "provider_parse.h"
#include "valid.h"

enum col { C_EVENT, C_SPORT, C_COMMENCE, C_HOME, C_AWAY, C_BOOK, C_MARKET, C_OUTCOME,
           C_PRICE, C_POINT, C_TIME, C_TITLE, NCOL };

static const char *const col_names[NCOL] = {
	"event_id", "sport", "commence_time", "home_team", "away_team", "book", "market",
	"outcome", "price", "point", "time", "book_title"
};

static int
header(struct pool *p, const struct prov_span *f, size_t nf, int where[NCOL], const char **msg)
{
	for (int c = 0; c < NCOL; c++)
		where[c] = -1;
	for (size_t i = 0; i < nf; i++)
		for (int c = 0; c < NCOL; c++)
			if (strlen(col_names[c]) == f[i].n &&
			    strncasecmp(f[i].s, col_names[c], f[i].n) == 0)
				where[c] = (int)i;
	for (int c = 0; c < C_TITLE; c++)
		if (where[c] < 0) {
			*msg = pool_printf(p, "line 1: no %s column", col_names[c]);
			return -1;
		}
	return 0;
}

/* One line's row into *r; NULL, or why it is malformed. */
static const char *
row(struct pool *p, const struct prov_span *f, const int where[NCOL], int american,
    struct odds_row *r)
{
	const char *v[NCOL], *pt;
	char *end;

	for (int c = 0; c < NCOL; c++)
		v[c] = where[c] >= 0 ? prov_csv_text(p, &f[where[c]]) : "";
	for (int c = 0; c <= C_OUTCOME; c++)
		if (valid_text(v[c], 1, 200, 800) != 0)
			return pool_printf(p, "%s must be 1 to 200 characters of text", col_names[c]);
	if (strlen(v[C_EVENT]) > 64)
		return "event_id is longer than 64 bytes";
	if (!odds_time_valid(v[C_COMMENCE]) || !odds_time_valid(v[C_TIME]))
		return "commence_time and time must be YYYY-MM-DDTHH:MM:SSZ";
	*r = (struct odds_row){
		.event_id = v[C_EVENT], .sport = v[C_SPORT], .commence_time = v[C_COMMENCE],
		.home_team = v[C_HOME], .away_team = v[C_AWAY], .book = v[C_BOOK],
		.book_title = *v[C_TITLE] ? v[C_TITLE] : v[C_BOOK], .market = v[C_MARKET],
		.outcome = v[C_OUTCOME], .observed_at = v[C_TIME],
	};
	if (odds_price_parse(v[C_PRICE], american, &r->price) < 0)
		r->price = 0;    /* refused with its market */
	pt = v[C_POINT];
	if (*pt) {
		if (strspn(pt, "+-0123456789.") != strlen(pt) ||
		    (r->point = strtod(pt, &end), *end != '\0') || fabs(r->point) > 10000)
			return "point must be a number";
		r->has_point = 1;
	}
	return NULL;
}

static int
same_market(const struct odds_row *a, const struct odds_row *b)
{
	return strcmp(a->event_id, b->event_id) == 0 && strcmp(a->book, b->book) == 0 &&
	       strcmp(a->market, b->market) == 0;
}

enum provider_status
odds_parse_csv(struct pool *p, const char *body, size_t len, int american,
               const char *const *books, struct odds_rows *out, const char **msg)
{
	struct prov_csv c = { body, len, 0, 1 };
	struct prov_span f[PROV_CSV_MAX_FIELDS];
	struct odds_rows r = { 0 };
	struct odds_row *tmp;
	int where[NCOL];
	size_t nf, ncols, lines = 1, rec, start = 0, n = 0;
	const char *why;

	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		c.i = 3;
	if (c.i >= len || prov_csv_record(&c, f, &ncols, &why) < 0) {
		*msg = c.i >= len ? "empty body" : pool_printf(p, "line 1: %s", why);
		return PROVIDER_BAD_RESPONSE;
	}
	if (header(p, f, ncols, where, msg) < 0)
		return PROVIDER_BAD_RESPONSE;
	for (const char *q = body + c.i; (q = memchr(q, '\n', (size_t)(body + len - q))) != NULL; q++)
		lines++;
	tmp = pool_alloc(p, lines * sizeof(*tmp));
	r.v = pool_alloc(p, lines * sizeof(*r.v));
	while (c.i < c.n && !prov_csv_rest_blank(&c)) {
		rec = c.line;
		if (prov_csv_record(&c, f, &nf, &why) < 0 ||
		    (nf != ncols && (why = "a line with a different number of fields")) ||
		    (why = row(p, f, where, american, &tmp[n])) != NULL) {
			*msg = pool_printf(p, "line %zu: %s", rec, why);
			return PROVIDER_BAD_RESPONSE;
		}
		if (n > start && !same_market(&tmp[start], &tmp[n])) {
			odds_rows_take(p, &r, tmp + start, n - start, books);
			start = n;
		}
		n++;
	}
	if (n > start)
		odds_rows_take(p, &r, tmp + start, n - start, books);
	if (n == 0) {
		*msg = "no prices";
		return PROVIDER_NO_DATA;
	}
	*out = r;
	*msg = pool_printf(p, "%zu prices in %zu markets, %zu refused", r.n, r.markets, r.refused);
	return PROVIDER_OK;
}
