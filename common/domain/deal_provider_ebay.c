/* deal_provider_ebay.c: eBay's Browse API replies (deal_provider.h): the
 * OAuth client-credentials token and item_summary/search. Money comes as
 * strings ({"value": "12.34", "currency": "USD"}). */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "deal_provider.h"
#include "odds_provider.h"
#include "pool.h"
#include "provider_parse.h"
#include "valid.h"

/* The status of a reply: OK for 2xx, else prov_http_class with the first
 * of eBay's errors[].message (or error_description of the OAuth server). */
static enum provider_status
ebay_status(struct pool *p, long status, const char *body, size_t len, const char **msg)
{
	enum provider_status st = prov_http_class(status);
	json_object *o, *errs;
	const char *m = NULL, *why;

	if (st == PROVIDER_OK)
		return st;
	if ((o = prov_json_object(p, body, len, &why)) != NULL) {
		if (json_object_object_get_ex(o, "errors", &errs) &&
		    json_object_is_type(errs, json_type_array) && json_object_array_length(errs))
			m = prov_member_string(json_object_array_get_idx(errs, 0), "message");
		if (m == NULL)
			m = prov_member_string(o, "error_description");
	}
	*msg = m ? prov_text(p, pool_printf(p, "HTTP %ld: ", status), m, strlen(m))
	         : prov_http_msg(p, status);
	return st;
}

enum provider_status
deal_ebay_parse_token(struct pool *p, long status, const char *body, size_t len,
    const char **token, long *expires_in, const char **msg)
{
	enum provider_status st = ebay_status(p, status, body, len, msg);
	json_object *o, *v;
	int64_t secs;
	const char *t;

	if (st != PROVIDER_OK)
		return st;
	if ((o = prov_json_object(p, body, len, msg)) == NULL)
		return PROVIDER_BAD_RESPONSE;
	t = prov_member_string(o, "access_token");
	if (t == NULL || *t == '\0' || strlen(t) > 8192 || strpbrk(t, "\r\n ") != NULL ||
	    !json_object_object_get_ex(o, "expires_in", &v) || prov_json_int64(v, &secs) < 0 ||
	    secs <= 0 || secs > 86400 * 31) {
		*msg = "a token reply without access_token or expires_in";
		return PROVIDER_BAD_RESPONSE;
	}
	*token = pool_strdup(p, t);
	*expires_in = (long)secs;
	*msg = "token";
	return PROVIDER_OK;
}

/* The decimal string member "value" of money object o; NAN when absent or
 * not a decimal of at most 2 places. */
static double
money(json_object *o, const char **currency)
{
	const char *v = o ? prov_member_string(o, "value") : NULL;
	double d;

	if (currency != NULL)
		*currency = o ? prov_member_string(o, "currency") : NULL;
	return v != NULL && valid_decimal(v, 10, 2, 0, &d) == 0 ? d : NAN;
}

static json_object *
member(json_object *o, const char *key)
{
	json_object *v;

	return o != NULL && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static json_object *
first(json_object *a)
{
	return a != NULL && json_object_is_type(a, json_type_array) &&
	       json_object_array_length(a) > 0 ? json_object_array_get_idx(a, 0) : NULL;
}

static const char *
text_or_empty(struct pool *p, const char *s, size_t max)
{
	return s != NULL && valid_text(s, 0, max, 4 * max) == 0 ? pool_strdup(p, s) : "";
}

/* eBay's conditionId as a condition, or -1 when absent. */
static int
condition_id(json_object *it)
{
	const char *s = prov_member_string(it, "conditionId");
	long id = s ? strtol(s, NULL, 10) : 0;

	if (id == 1000)
		return DEAL_NEW;
	if (id == 1500 || id == 1750)
		return DEAL_OPEN_BOX;
	if (id >= 2000 && id <= 2500)
		return DEAL_REFURBISHED;
	if (id >= 2750 && id <= 6000)
		return DEAL_USED;
	if (id == 7000)
		return DEAL_PARTS;
	return -1;
}

/* itemSummaries[i] into *d; 0, or -1 to skip it (no id, title or price). */
static int
item(struct pool *p, json_object *it, struct deal_item *d)
{
	const char *id = prov_member_string(it, "itemId"), *title = prov_member_string(it, "title");
	const char *cur, *s, *buy, *city, *country;
	json_object *seller = member(it, "seller"), *ship = first(member(it, "shippingOptions"));
	json_object *loc = member(it, "itemLocation");
	int64_t score;
	int c;

	memset(d, 0, sizeof(*d));
	if (id == NULL || !*id || strlen(id) > 100 || title == NULL ||
	    valid_text(title, 1, 300, 1200) != 0)
		return -1;
	d->l.item_id = pool_strdup(p, id);
	d->l.title = pool_strdup(p, title);
	d->l.price = money(member(it, "price"), &cur);
	if (!(d->l.price > 0) || cur == NULL || strlen(cur) != 3 ||
	    strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		return -1;
	d->currency = pool_strdup(p, cur);
	d->l.shipping = money(member(ship, "shippingCost"), NULL);
	c = condition_id(it);
	d->l.condition = c >= 0 ? (enum deal_condition)c
	                        : deal_condition_from_text(prov_member_string(it, "condition"));
	d->l.feedback_pct = NAN;
	s = prov_member_string(seller, "feedbackPercentage");
	if (s != NULL && valid_decimal(s, 3, 2, 0, &d->l.feedback_pct) != 0)
		d->l.feedback_pct = NAN;
	if (d->l.feedback_pct > 100)
		d->l.feedback_pct = NAN;
	d->l.feedback_score = prov_json_int64(member(seller, "feedbackScore"), &score) == 0 &&
	                      score >= 0 && score < 2000000000 ? (long)score : -1;
	s = prov_member_string(it, "itemWebUrl");
	d->url = s != NULL && valid_url(s, 0) ? pool_strdup(p, s) : "";
	s = prov_member_string(it, "itemCreationDate");
	d->listed_at = s != NULL && odds_time_valid(s) ? pool_strdup(p, s) : "";
	country = prov_member_string(loc, "country");
	d->country = country != NULL && strlen(country) == 2 ? pool_strdup(p, country) : "";
	city = prov_member_string(loc, "city");
	d->location = city ? text_or_empty(p, pool_printf(p, "%s, %s", city, d->country), 100)
	                   : d->country;
	d->category = text_or_empty(p, prov_member_string(first(member(it, "categories")),
	                                                  "categoryName"), 100);
	buy = json_object_get_string(first(member(it, "buyingOptions")));
	d->buying = buy == NULL ? "" : strcmp(buy, "FIXED_PRICE") == 0 ? "fixed_price" :
	            strcmp(buy, "AUCTION") == 0 ? "auction" :
	            strcmp(buy, "BEST_OFFER") == 0 ? "best_offer" : "";
	return 0;
}

enum provider_status
deal_ebay_parse_search(struct pool *p, long status, const char *body, size_t len,
    struct deal_items *out, const char **next, const char **msg)
{
	enum provider_status st = ebay_status(p, status, body, len, msg);
	json_object *o, *list;
	struct deal_item *v;
	size_t n, k = 0, skipped = 0;

	*next = NULL;
	if (st != PROVIDER_OK)
		return st;
	if ((o = prov_json_object(p, body, len, msg)) == NULL)
		return PROVIDER_BAD_RESPONSE;
	list = member(o, "itemSummaries");
	if (list != NULL && !json_object_is_type(list, json_type_array)) {
		*msg = "itemSummaries is not an array";
		return PROVIDER_BAD_RESPONSE;
	}
	n = list ? json_object_array_length(list) : 0;
	v = pool_alloc(p, (out->n + n + 1) * sizeof(*v));
	if (out->n)
		memcpy(v, out->v, out->n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(list, i);

		if (json_object_is_type(it, json_type_object) &&
		    item(p, it, &v[out->n + k]) == 0)
			k++;
		else
			skipped++;
	}
	out->v = v;
	out->n += k;
	if ((*next = prov_member_string(o, "next")) != NULL)
		*next = pool_strdup(p, *next);
	*msg = pool_printf(p, "%zu listings, %zu skipped", k, skipped);
	return PROVIDER_OK;
}
