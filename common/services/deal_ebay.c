/* deal_ebay.c: listings from eBay's Browse API (deal_fetch.h): the
 * client-credentials token, kept for the process until shortly before it
 * expires, and item_summary/search with its next pages. */
#include "deal_fetch.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "odds_store.h"
#include "pool.h"
#include "url.h"

#define TOKEN_MAX 8192
#define TOKEN_MARGIN 60          /* seconds before expiry a token is renewed */
#define SCOPE "https%3A%2F%2Fapi.ebay.com%2Foauth%2Fapi_scope"
/* The client-credentials grant, form-encoded. */
#define TOKEN_FORM "grant_type=client_credentials&scope=" SCOPE

/* The process's token: malloc-free, never logged. */
static struct {
	char value[TOKEN_MAX + 1];
	double renew_at;             /* clock_now() from which it is renewed */
} token;

int
deal_ebay_configured(void)
{
	const char *id = config_get("EBAY_CLIENT_ID"), *secret = config_get("EBAY_CLIENT_SECRET");

	return id != NULL && *id && secret != NULL && *secret;
}

/* The API's base URL without a trailing slash: EBAY_API_URL, else by
 * EBAY_ENV (production, the default, or sandbox). */
static const char *
api_base(struct pool *p)
{
	const char *env = config_get("EBAY_ENV"), *url = config_get("EBAY_API_URL");
	char *b;
	size_t n;

	if (url == NULL || *url == '\0')
		url = env != NULL && strcmp(env, "sandbox") == 0 ? "https://api.sandbox.ebay.com"
		                                                  : "https://api.ebay.com";
	b = pool_strdup(p, url);
	n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	return b;
}

void
deal_ebay_forget_token(void)
{
	sodium_memzero(token.value, sizeof(token.value));
	token.renew_at = 0;
}

/* A usable token into *out (pool copy): the kept one, or a new one. */
static enum provider_status
get_token(struct pool *p, const char **out, const char **msg)
{
	const char *id = config_get("EBAY_CLIENT_ID"), *secret = config_get("EBAY_CLIENT_SECRET");
	const char *pair, *t;
	char *b64, *auth;
	size_t b64len;
	long expires_in;
	struct http_response resp;
	enum provider_status st;

	if (token.value[0] && clock_now() < token.renew_at) {
		*out = pool_strdup(p, token.value);
		return PROVIDER_OK;
	}
	deal_ebay_forget_token();
	pair = pool_printf(p, "%s:%s", id, secret);
	b64len = sodium_base64_encoded_len(strlen(pair), sodium_base64_VARIANT_ORIGINAL);
	b64 = pool_alloc(p, b64len);
	sodium_bin2base64(b64, b64len, (const unsigned char *)pair, strlen(pair),
	                  sodium_base64_VARIANT_ORIGINAL);
	auth = pool_printf(p, "Authorization: Basic %s", b64);
	{
		const char *headers[] = {
			auth, "Content-Type: application/x-www-form-urlencoded", NULL
		};
		struct http_request req = {
			.provider = "ebay_oauth", .headers = headers,
			.url = pool_printf(p, "%s/identity/v1/oauth2/token", api_base(p)),
			.post_body = TOKEN_FORM, .post_len = sizeof(TOKEN_FORM) - 1,
		};

		if (http_get(p, &req, &resp) < 0) {
			*msg = resp.error;
			return PROVIDER_UNAVAILABLE;
		}
	}
	sodium_memzero(b64, b64len);
	sodium_memzero(auth, strlen(auth));
	st = deal_ebay_parse_token(p, resp.status, resp.body, resp.len, &t, &expires_in, msg);
	if (st != PROVIDER_OK || strlen(t) > TOKEN_MAX)
		return st != PROVIDER_OK ? st : PROVIDER_BAD_RESPONSE;
	memcpy(token.value, t, strlen(t) + 1);
	token.renew_at = clock_now() + (double)(expires_in - TOKEN_MARGIN);
	*out = t;
	return PROVIDER_OK;
}

/* The q and filter parameters of search q (URL-encoded). */
static const char *
search_query(struct pool *p, const struct deal_query *q)
{
	struct buf t, f;

	buf_init(&t, p);
	buf_init(&f, p);
	for (size_t i = 0; i < q->nall; i++)
		buf_printf(&t, "%s%s", t.len ? " " : "", q->all[i]);
	for (size_t i = 0; i < q->nany; i++)
		buf_printf(&t, "%s%s", i ? "," : t.len ? " (" : "(", q->any[i]);
	if (q->nany)
		buf_puts(&t, ")");
	for (size_t i = 0; i < q->nnone; i++)
		buf_printf(&t, " -%s", q->none[i]);
	if (!isnan(q->min_price) || !isnan(q->max_price)) {
		buf_puts(&f, "price:[");
		if (!isnan(q->min_price))
			buf_printf(&f, "%.2f", q->min_price);
		buf_puts(&f, "..");
		if (!isnan(q->max_price))
			buf_printf(&f, "%.2f", q->max_price);
		buf_printf(&f, "],priceCurrency:%s", config_get("EBAY_CURRENCY") ?
		           config_get("EBAY_CURRENCY") : "USD");
	}
	if (q->country != NULL)
		buf_printf(&f, "%sitemLocationCountry:%s", f.len ? "," : "", q->country);
	return pool_printf(p, "q=%s&limit=%lld%s%s", url_encode(p, buf_cstr(&t), 0),
	                   config_int("EBAY_PAGE_SIZE", 200), f.len ? "&filter=" : "",
	                   f.len ? url_encode(p, buf_cstr(&f), 0) : "");
}

/* 1 when the daily call budget EBAY_DAILY_CALLS (default 5000) is spent;
 * the budget's state is kept for provider health (as odds_quota 'ebay'). */
static int
budget_spent(struct pool *p)
{
	long long budget = config_int("EBAY_DAILY_CALLS", 5000);
	int64_t used = 0;

	if (deal_calls_today(p, "ebay", &used) < 0)
		return 0;      /* the database failed: the scan will say so */
	if (odds_store_quota(p, "ebay", odds_num(p, (double)(used < budget ? budget - used : 0)),
	                     odds_num(p, (double)used), NULL) < 0)
		log_kv(LOG_WARN, "deals: the eBay budget was not recorded", NULL);
	return used >= budget;
}

/* One GET of url with the token; a 401 (the token expired or was revoked)
 * forgets it and tries once more with a new one. */
static enum provider_status
get_page(struct pool *p, const char *url, struct deal_items *items, const char **next,
    const char **msg)
{
	const char *market = config_get("EBAY_MARKETPLACE");
	struct http_response resp;
	enum provider_status st = PROVIDER_UNAVAILABLE;

	for (int attempt = 0; attempt < 2; attempt++) {
		const char *t, *headers[3];
		struct http_request req = { .provider = "ebay", .url = url, .headers = headers };

		if ((st = get_token(p, &t, msg)) != PROVIDER_OK)
			return st;
		headers[0] = pool_printf(p, "Authorization: Bearer %s", t);
		headers[1] = pool_printf(p, "X-EBAY-C-MARKETPLACE-ID: %s",
		                         market && *market ? market : "EBAY_US");
		headers[2] = NULL;
		if (http_get(p, &req, &resp) < 0) {
			*msg = resp.error;
			return PROVIDER_UNAVAILABLE;
		}
		if (resp.status != 401)
			break;
		deal_ebay_forget_token();
	}
	return deal_ebay_parse_search(p, resp.status, resp.body, resp.len, items, next, msg);
}

enum provider_status
deal_ebay_fetch(struct pool *p, const struct deal_query *q, struct deal_items *items,
    int *complete, const char **msg)
{
	const char *base = api_base(p), *next = NULL, *url;
	long long pages = config_int("EBAY_MAX_PAGES", 5);
	enum provider_status st;

	*complete = 0;
	url = pool_printf(p, "%s/buy/browse/v1/item_summary/search?%s", base, search_query(p, q));
	for (long long page = 0; url != NULL; page++) {
		if (page >= pages)
			return PROVIDER_OK;     /* the cap: what is left stays live */
		if (budget_spent(p)) {
			*msg = "the daily call budget (EBAY_DAILY_CALLS) is spent";
			return PROVIDER_RATE_LIMITED;
		}
		if ((st = get_page(p, url, items, &next, msg)) != PROVIDER_OK)
			return st;
		/* the bearer token goes to the API's own host only */
		url = next != NULL && strncmp(next, base, strlen(base)) == 0 &&
		      next[strlen(base)] == '/' ? next : NULL;
	}
	*complete = next == NULL;
	budget_spent(p);
	*msg = pool_printf(p, "%zu listings", items->n);
	return PROVIDER_OK;
}
