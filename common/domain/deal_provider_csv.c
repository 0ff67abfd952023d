/* deal_provider_csv.c: recorded listings as CSV, and provider condition
 * words (deal_provider.h). */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "deal_provider.h"
#include "odds_provider.h"
#include "pool.h"
#include "provider_parse.h"
#include "valid.h"

const char *const deal_buying_options[] = { "fixed_price", "auction", "best_offer", NULL };

/* Provider words and the condition they name (ASCII case-insensitive). */
static const struct {
	const char *words;
	enum deal_condition c;
} condition_words[] = {
	{ "new", DEAL_NEW }, { "brand new", DEAL_NEW }, { "new with tags", DEAL_NEW },
	{ "new with box", DEAL_NEW }, { "new other (see details)", DEAL_OPEN_BOX },
	{ "open_box", DEAL_OPEN_BOX }, { "open box", DEAL_OPEN_BOX },
	{ "new without tags", DEAL_OPEN_BOX }, { "new without box", DEAL_OPEN_BOX },
	{ "refurbished", DEAL_REFURBISHED }, { "certified - refurbished", DEAL_REFURBISHED },
	{ "excellent - refurbished", DEAL_REFURBISHED },
	{ "very good - refurbished", DEAL_REFURBISHED },
	{ "good - refurbished", DEAL_REFURBISHED }, { "seller refurbished", DEAL_REFURBISHED },
	{ "manufacturer refurbished", DEAL_REFURBISHED },
	{ "used", DEAL_USED }, { "pre-owned", DEAL_USED }, { "like new", DEAL_USED },
	{ "very good", DEAL_USED }, { "good", DEAL_USED }, { "acceptable", DEAL_USED },
	{ "parts", DEAL_PARTS }, { "for parts or not working", DEAL_PARTS },
	{ "unknown", DEAL_UNKNOWN },
};

enum deal_condition
deal_condition_from_text(const char *s)
{
	for (size_t i = 0; s != NULL && i < sizeof(condition_words) / sizeof(condition_words[0]);
	     i++)
		if (strcasecmp(s, condition_words[i].words) == 0)
			return condition_words[i].c;
	return DEAL_UNKNOWN;
}

enum col { C_ID, C_TITLE, C_PRICE, C_CURRENCY, C_SHIPPING, C_CONDITION, C_FEEDBACK_PCT,
           C_FEEDBACK_SCORE, C_URL, C_LISTED, C_LOCATION, C_COUNTRY, C_CATEGORY, C_BUYING,
           NCOL };

static const char *const col_names[NCOL] = {
	"item_id", "title", "price", "currency", "shipping", "condition",
	"seller_feedback_pct", "feedback_score", "url", "listed_at", "location", "country",
	"category", "buying_option"
};

#define REQUIRED(c) ((c) == C_ID || (c) == C_TITLE || (c) == C_PRICE || (c) == C_CURRENCY)

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
	for (int c = 0; c < NCOL; c++)
		if (REQUIRED(c) && where[c] < 0) {
			*msg = pool_printf(p, "line 1: no %s column", col_names[c]);
			return -1;
		}
	return 0;
}

static int
upper_code(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

/* One line's listing into *it; NULL, or why it is malformed. */
static const char *
row(struct pool *p, const struct prov_span *f, const int where[NCOL], struct deal_item *it)
{
	const char *v[NCOL];
	double d;

	for (int c = 0; c < NCOL; c++) {
		v[c] = where[c] >= 0 ? prov_csv_text(p, &f[where[c]]) : "";
		if (valid_text(v[c], 0, 2000, 2000) != 0)
			return pool_printf(p, "%s is not text", col_names[c]);
	}
	memset(it, 0, sizeof(*it));
	if (!*v[C_ID] || strlen(v[C_ID]) > 100)
		return "item_id must be 1 to 100 bytes";
	if (valid_text(v[C_TITLE], 1, 300, 1200) != 0)
		return "title must be 1 to 300 characters of text";
	if (valid_decimal(v[C_PRICE], 10, 2, 0, &d) != 0 || !(d > 0))
		return "price must be a decimal above 0";
	it->l.price = d;
	if (!upper_code(v[C_CURRENCY], 3))
		return "currency must be three capital letters";
	it->l.shipping = NAN;
	if (*v[C_SHIPPING] && valid_decimal(v[C_SHIPPING], 10, 2, 0, &it->l.shipping) != 0)
		return "shipping must be a decimal of at least 0, or empty";
	it->l.feedback_pct = NAN;
	if (*v[C_FEEDBACK_PCT] && (valid_decimal(v[C_FEEDBACK_PCT], 3, 2, 0, &d) != 0 ||
	                           d > 100))
		return "seller_feedback_pct must be 0 to 100, or empty";
	if (*v[C_FEEDBACK_PCT])
		it->l.feedback_pct = d;
	it->l.feedback_score = -1;
	if (*v[C_FEEDBACK_SCORE]) {
		int64_t n;

		if (valid_i64(v[C_FEEDBACK_SCORE], 0, 2000000000, &n) != 0)
			return "feedback_score must be a whole number of at least 0, or empty";
		it->l.feedback_score = (long)n;
	}
	if (*v[C_URL] && !valid_url(v[C_URL], 0))
		return "url must be an http(s) URL, or empty";
	if (*v[C_LISTED] && !odds_time_valid(v[C_LISTED]))
		return "listed_at must be YYYY-MM-DDTHH:MM:SSZ, or empty";
	if (*v[C_COUNTRY] && !upper_code(v[C_COUNTRY], 2))
		return "country must be two capital letters, or empty";
	if (*v[C_BUYING] && valid_enum(v[C_BUYING], deal_buying_options) < 0)
		return "buying_option must be fixed_price, auction or best_offer, or empty";
	if (strlen(v[C_LOCATION]) > 100 || strlen(v[C_CATEGORY]) > 100)
		return "location and category are at most 100 bytes";
	it->l.item_id = v[C_ID];
	it->l.title = v[C_TITLE];
	it->l.condition = deal_condition_from_text(v[C_CONDITION]);
	it->currency = v[C_CURRENCY];
	it->url = v[C_URL];
	it->listed_at = v[C_LISTED];
	it->location = v[C_LOCATION];
	it->country = v[C_COUNTRY];
	it->category = v[C_CATEGORY];
	it->buying = v[C_BUYING];
	return NULL;
}

enum provider_status
deal_parse_csv(struct pool *p, const char *body, size_t len, struct deal_items *out,
    const char **msg)
{
	struct prov_csv c = { body, len, 0, 1 };
	struct prov_span f[PROV_CSV_MAX_FIELDS];
	int where[NCOL];
	size_t nf, ncols, lines = 1, rec, n = 0;
	struct deal_item *v;
	const char *why;

	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0)
		c.i = 3;
	if (c.i >= len || prov_csv_record(&c, f, &ncols, &why) < 0) {
		*msg = c.i >= len ? "empty body" : pool_printf(p, "line 1: %s", why);
		return PROVIDER_BAD_RESPONSE;
	}
	if (header(p, f, ncols, where, msg) < 0)
		return PROVIDER_BAD_RESPONSE;
	for (const char *q = body + c.i; (q = memchr(q, '\n', (size_t)(body + len - q))) != NULL;
	     q++)
		lines++;
	v = pool_alloc(p, lines * sizeof(*v));
	while (c.i < c.n && !prov_csv_rest_blank(&c)) {
		size_t k;

		rec = c.line;
		if (prov_csv_record(&c, f, &nf, &why) < 0 ||
		    (nf != ncols && (why = "a line with a different number of fields")) ||
		    (why = row(p, f, where, &v[n])) != NULL) {
			*msg = pool_printf(p, "line %zu: %s", rec, why);
			return PROVIDER_BAD_RESPONSE;
		}
		for (k = 0; k < n && strcmp(v[k].l.item_id, v[n].l.item_id) != 0; k++)
			;
		if (k < n)
			v[k] = v[n];    /* the same item again: the last line stands */
		else
			n++;
	}
	if (n == 0) {
		*msg = "no listings";
		return PROVIDER_NO_DATA;
	}
	out->v = v;
	out->n = n;
	*msg = pool_printf(p, "%zu listings", n);
	return PROVIDER_OK;
}
