/* odds_provider.c: The Odds API v4 replies, and the one rule every book
 * market must pass (odds_provider.h). */
#include "odds_provider.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "candle.h"
#include "odds_price.h"
#include "pool.h"
#include "provider_parse.h"
#include "valid.h"

#define NAME_MAX_BYTES 200

const char *const odds_default_books[] = {
	"pinnacle", "betonlineag", "bovada", "draftkings", "fanduel", "betmgm",
	"williamhill_us", "betrivers", "unibet_us", "lowvig", "mybookieag", "betus",
	"ballybet", "espnbet", "fliff", "hardrockbet", "betfair_ex_eu", "betfair_ex_uk",
	"matchbook", "betsson", "nordicbet", "marathonbet", "onexbet", "sport888",
	"williamhill", "unibet_eu", "coolbet", "everygame", "betclic", "sportsbet",
	"tab", "ladbrokes_au", "neds", NULL
};

static const char *const markets[] = { "h2h", "spreads", "totals", NULL };

int
odds_market_known(const char *s)
{
	return s != NULL && valid_enum(s, markets) >= 0;
}

static int
digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
odds_time_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0, i = 19;

	if (n < 20 || !candle_date_valid(s, 10) || s[10] != 'T' || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2) ||
	    (s[11] - '0') * 10 + (s[12] - '0') > 23 || s[14] > '5' || s[17] > '5')
		return 0;
	if (s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 20)
			return 0;
	}
	return i == n - 1 && s[i] == 'Z';
}

/* The reason the rows of one book market are refused, or NULL. */
static const char *
market_fault(struct pool *p, const struct odds_row *t, size_t n, const char *const *books)
{
	if (valid_enum(t[0].book, books) < 0)
		return pool_printf(p, "unknown book %s", prov_text(p, "", t[0].book,
		                   strlen(t[0].book)));
	if (!odds_market_known(t[0].market))
		return pool_printf(p, "unknown market %s", prov_text(p, "", t[0].market,
		                   strlen(t[0].market)));
	if (n < 2)
		return "a market needs at least two outcomes";
	if (n > 16)
		return "a market has more than 16 outcomes";
	for (size_t i = 0; i < n; i++) {
		if (!odds_price_valid(t[i].price))
			return "a price is not above 1.0";
		for (size_t k = 0; k < i; k++)
			if (strcmp(t[k].outcome, t[i].outcome) == 0 &&
			    t[k].has_point == t[i].has_point &&
			    (!t[i].has_point || t[k].point == t[i].point))
				return pool_printf(p, "outcome %s appears twice",
				                   prov_text(p, "", t[i].outcome, strlen(t[i].outcome)));
	}
	return NULL;
}

void
odds_rows_take(struct pool *p, struct odds_rows *out, const struct odds_row *tmp,
               size_t n, const char *const *books)
{
	const char *why = market_fault(p, tmp, n, books ? books : odds_default_books);

	if (why != NULL) {
		if (out->refusal == NULL)
			out->refusal = pool_printf(p, "event %s, %s %s: %s",
			                           prov_text(p, "", tmp[0].event_id, strlen(tmp[0].event_id)),
			                           tmp[0].book, tmp[0].market, why);
		out->refused++;
		return;
	}
	memcpy(out->v + out->n, tmp, n * sizeof(*tmp));
	out->n += n;
	out->markets++;
}

/* A text member of at most NAME_MAX_BYTES of text, or NULL. */
static const char *
text_member(json_object *o, const char *key)
{
	const char *s = prov_member_string(o, key);

	return s != NULL && valid_text(s, 1, NAME_MAX_BYTES, NAME_MAX_BYTES * 4) == 0 ? s : NULL;
}

/* The provider's own error message, or the generic one. */
static const char *
error_message(struct pool *p, long status, const char *body, size_t len)
{
	const char *why, *m;
	json_object *o = prov_json_object(p, body, len, &why);

	if (o != NULL && (m = prov_member_string(o, "message")) != NULL)
		return prov_text(p, pool_printf(p, "HTTP %ld: ", status), m, strlen(m));
	return prov_http_msg(p, status);
}

enum provider_status
odds_http_status(struct pool *p, long status, const char *body, size_t len, const char **msg)
{
	enum provider_status st = status == 422 ? PROVIDER_NO_DATA : prov_http_class(status);

	if (st != PROVIDER_OK)
		*msg = error_message(p, status, body, len);
	return st;
}

enum provider_status
odds_json_array(struct pool *p, long http_status, const char *body, size_t len,
                const char *what, json_object **list, const char **msg)
{
	enum provider_status st;

	if ((st = odds_http_status(p, http_status, body, len, msg)) != PROVIDER_OK)
		return st;
	if ((*list = prov_json_value(p, body, len, msg)) == NULL)
		return PROVIDER_BAD_RESPONSE;
	if (!json_object_is_type(*list, json_type_array)) {
		*msg = pool_printf(p, "not a JSON array of %s", what);
		return PROVIDER_BAD_RESPONSE;
	}
	return PROVIDER_OK;
}

/* The outcomes of one book market m into tmp (at most cap); the count, or
 * -1 (*msg). */
static int
outcomes(json_object *m, int american, struct odds_row *tmp,
         size_t cap, const struct odds_row *base, const char **msg)
{
	json_object *list, *o, *v;
	size_t n;

	if (!json_object_object_get_ex(m, "outcomes", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		*msg = "a market without outcomes";
		return -1;
	}
	n = json_object_array_length(list);
	for (size_t i = 0; i < n && i < cap; i++) {
		double price;
		struct odds_row *r = &tmp[i];

		*r = *base;
		o = json_object_array_get_idx(list, i);
		r->outcome = text_member(o, "name");
		if (r->outcome == NULL || !json_object_object_get_ex(o, "price", &v) ||
		    prov_json_number(v, &price) < 0) {
			*msg = "an outcome without a name or a numeric price";
			return -1;
		}
		r->price = price;
		if (american && odds_price_from_american(price, &r->price) < 0)
			r->price = 0;    /* refused with the market */
		if (json_object_object_get_ex(o, "point", &v) && v != NULL) {
			if (prov_json_number(v, &r->point) < 0 || fabs(r->point) > 10000) {
				*msg = "an outcome with a bad point";
				return -1;
			}
			r->has_point = 1;
		}
	}
	return (int)(n < cap ? n : cap);   /* past 16: refused with the market */
}

/* One bookmaker's markets of event base into out; -1 (*msg) on bad shape. */
static int
bookmaker(struct pool *p, json_object *b, int american, const char *const *books,
          struct odds_row *base, struct odds_rows *out, const char **msg)
{
	json_object *ms, *m;
	struct odds_row tmp[17];
	int n;

	base->book = text_member(b, "key");
	base->book_title = text_member(b, "title");
	if (base->book == NULL || !json_object_object_get_ex(b, "markets", &ms) ||
	    !json_object_is_type(ms, json_type_array)) {
		*msg = "a bookmaker without a key or markets";
		return -1;
	}
	if (base->book_title == NULL)
		base->book_title = base->book;
	for (size_t i = 0; i < json_object_array_length(ms); i++) {
		m = json_object_array_get_idx(ms, i);
		base->market = text_member(m, "key");
		base->observed_at = prov_member_string(m, "last_update");
		if (base->observed_at == NULL)
			base->observed_at = prov_member_string(b, "last_update");
		if (base->market == NULL || !odds_time_valid(base->observed_at)) {
			*msg = "a market without a key or a last_update time";
			return -1;
		}
		if ((n = outcomes(m, american, tmp, 17, base, msg)) < 0)
			return -1;
		odds_rows_take(p, out, tmp, (size_t)n, books);
	}
	return 0;
}

/* Rows the events of list can make at most (outcomes counted). */
static size_t
rows_bound(const char *body, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += body[i] == '{';
	return n;
}

enum provider_status
odds_parse_events(struct pool *p, long http_status, const char *body, size_t len,
                  int american, const char *const *books, struct odds_rows *out,
                  const char **msg)
{
	struct odds_rows r = { 0 };
	json_object *list, *e, *bs;
	enum provider_status st;

	if ((st = odds_json_array(p, http_status, body, len, "events", &list, msg)) !=
	    PROVIDER_OK)
		return st;
	r.v = pool_alloc(p, rows_bound(body, len) * sizeof(*r.v));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct odds_row base = { 0 };

		e = json_object_array_get_idx(list, i);
		base.event_id = text_member(e, "id");
		base.sport = text_member(e, "sport_key");
		base.commence_time = prov_member_string(e, "commence_time");
		base.home_team = text_member(e, "home_team");
		base.away_team = text_member(e, "away_team");
		if (base.event_id == NULL || strlen(base.event_id) > 64 || base.sport == NULL ||
		    !odds_time_valid(base.commence_time) || base.home_team == NULL ||
		    base.away_team == NULL || !json_object_object_get_ex(e, "bookmakers", &bs) ||
		    !json_object_is_type(bs, json_type_array)) {
			*msg = pool_printf(p, "event %zu: missing id, sport_key, commence_time, "
			                   "teams or bookmakers", i + 1);
			return PROVIDER_BAD_RESPONSE;
		}
		for (size_t k = 0; k < json_object_array_length(bs); k++)
			if (bookmaker(p, json_object_array_get_idx(bs, k), american, books,
			              &base, &r, msg) < 0) {
				*msg = pool_printf(p, "event %zu: %s", i + 1, *msg);
				return PROVIDER_BAD_RESPONSE;
			}
	}
	*out = r;
	*msg = pool_printf(p, "%zu prices in %zu markets, %zu refused", r.n, r.markets, r.refused);
	return PROVIDER_OK;
}

enum provider_status
odds_parse_sports(struct pool *p, long http_status, const char *body, size_t len,
                  struct odds_sport **out, size_t *n, const char **msg)
{
	json_object *list, *o, *v;
	enum provider_status st;
	struct odds_sport *s;
	size_t count;

	if ((st = odds_json_array(p, http_status, body, len, "sports", &list, msg)) !=
	    PROVIDER_OK)
		return st;
	count = json_object_array_length(list);
	s = pool_alloc(p, (count + 1) * sizeof(*s));
	for (size_t i = 0; i < count; i++) {
		o = json_object_array_get_idx(list, i);
		s[i].key = text_member(o, "key");
		s[i].group = text_member(o, "group");
		s[i].title = text_member(o, "title");
		s[i].description = text_member(o, "description");
		s[i].active = json_object_object_get_ex(o, "active", &v) &&
		              json_object_get_boolean(v);
		s[i].has_outrights = json_object_object_get_ex(o, "has_outrights", &v) &&
		                     json_object_get_boolean(v);
		if (s[i].key == NULL || strlen(s[i].key) > 64 ||
		    strspn(s[i].key, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s[i].key)) {
			*msg = pool_printf(p, "sport %zu: a missing or malformed key", i + 1);
			return PROVIDER_BAD_RESPONSE;
		}
	}
	*out = s;
	*n = count;
	*msg = pool_printf(p, "%zu sports", count);
	return PROVIDER_OK;
}
