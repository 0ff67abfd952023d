/* deal_provider.h: what listing providers send, and a saved search's query
 * applied to it.
 *
 * Recorded listings as CSV (the csv provider): a header line naming the
 * columns (any order, case-insensitive), then one listing a line:
 *   item_id            required, 1..100 bytes, the provider's item id
 *   title              required, 1..300 characters of text
 *   price              required, a decimal above 0 (at most 2 decimals)
 *   currency           required, three capital letters ("USD")
 *   shipping           a decimal >= 0; empty: not known
 *   condition          new, open_box, refurbished, used, parts, unknown, or
 *                      the provider's words ("Open box", "For parts or not
 *                      working", "Certified - Refurbished", "Pre-owned")
 *   seller_feedback_pct 0..100; empty: not known
 *   feedback_score     a whole number >= 0; empty: not known
 *   url                http(s) URL or empty
 *   listed_at          YYYY-MM-DDTHH:MM:SSZ or empty
 *   location           free text or empty
 *   country            two capital letters or empty
 *   category           free text or empty
 *   buying_option      fixed_price, auction, best_offer or empty
 * Any malformed line refuses the whole file (the line is named in *msg);
 * the same item id twice keeps the last line. The parsers are pure, trust
 * nothing, and set *msg to a short log-safe reason. */
#ifndef EDGESCOUT_DEAL_PROVIDER_H
#define EDGESCOUT_DEAL_PROVIDER_H

#include <stddef.h>

#include "deal.h"
#include "provider.h"

struct pool;

/* One listing as a provider sent it (pool strings). */
struct deal_item {
	struct deal_listing l;    /* item_id, title, price, shipping, condition,
	                             feedback */
	const char *currency;
	const char *url;          /* "" when none */
	const char *listed_at;    /* RFC 3339, "" when not known */
	const char *location;     /* "" when not known */
	const char *country;      /* "BE", "" when not known */
	const char *category;     /* "" when not known */
	const char *buying;       /* "fixed_price", "auction", "best_offer" or "" */
};

struct deal_items {
	struct deal_item *v;
	size_t n;
};

/* The buying options in bit order (bit i: deal_buying_options[i]), NULL-ended. */
extern const char *const deal_buying_options[];

/* The condition a provider's words name (ASCII case-insensitive): our
 * names, eBay's ("New", "Open box", "Used", "Pre-owned", "Certified -
 * Refurbished", "Seller refurbished", "For parts or not working", ...);
 * DEAL_UNKNOWN for empty or other words. */
enum deal_condition deal_condition_from_text(const char *s);

/* Parse recorded listings (CSV above) into *out. PROVIDER_OK ("N
 * listings"), PROVIDER_NO_DATA for a header alone, PROVIDER_BAD_RESPONSE
 * with the line and reason. */
enum provider_status deal_parse_csv(struct pool *p, const char *body, size_t len,
    struct deal_items *out, const char **msg);

/* eBay's OAuth client-credentials token reply (POST
 * /identity/v1/oauth2/token): the access token and its lifetime in seconds.
 * 401 -> FORBIDDEN (the OAuth server's error_description in *msg), 429 ->
 * RATE_LIMITED, 5xx -> UNAVAILABLE. */
enum provider_status deal_ebay_parse_token(struct pool *p, long status, const char *body,
    size_t len, const char **token, long *expires_in, const char **msg);

/* A page of eBay's GET /buy/browse/v1/item_summary/search appended to
 * *out (itemSummaries: itemId, title, price and shippingOptions[0]
 * .shippingCost as money strings, conditionId or condition, seller
 * feedbackPercentage and feedbackScore, itemWebUrl, itemLocation,
 * itemCreationDate, categories, buyingOptions); an item without id, title
 * or price is skipped. *next: the next page's href, or NULL. No
 * itemSummaries: OK with nothing added. Errors as for the token, with
 * errors[0].message. */
enum provider_status deal_ebay_parse_search(struct pool *p, long status, const char *body,
    size_t len, struct deal_items *out, const char **next, const char **msg);

/* A saved search's query (strings borrowed). */
struct deal_query {
	const char *const *all;     /* every one in the title (AND) */
	size_t nall;
	const char *const *any;     /* at least one, when nany > 0 (OR) */
	size_t nany;
	const char *const *none;    /* none of them (NOT) */
	size_t nnone;
	const char *const *exclude; /* none of them, and out of the comparables */
	size_t nexclude;
	const char *category;       /* NULL: any; else equal, case-insensitive */
	unsigned conditions;        /* bit per enum deal_condition; 0: any */
	unsigned buying;            /* bit per deal_buying_options; 0: any (an
	                               item with no option given passes) */
	double min_price, max_price;   /* on the price; NAN: no bound */
	double max_shipping;        /* NAN: no limit; an unknown shipping fails one */
	const char *country;        /* NULL: any; else the item's country */
};

/* 1 when item it passes query q: words matched as ASCII case-insensitive
 * substrings of the title. */
int deal_query_match(const struct deal_query *q, const struct deal_item *it);

#endif
