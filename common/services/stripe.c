/* stripe.c: Checkout and customer portal sessions through Stripe's API. */
#include "stripe.h"

#include <json-c/json.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "http.h"
#include "jsonv.h"
#include "log.h"
#include "pool.h"
#include "token.h"
#include "url.h"
#include "valid.h"

#define REPLY_DEPTH 16

int
stripe_configured(void)
{
	static const char *const keys[] = {
		"STRIPE_SECRET_KEY", "STRIPE_PRICE_ID", "BILLING_RETURN_URL", NULL
	};

	for (int i = 0; keys[i] != NULL; i++)
		if (config_get(keys[i]) == NULL || *config_get(keys[i]) == '\0')
			return 0;
	return 1;
}

/* name=value pairs (a NULL name ends them; NULL values are left out) as an
 * application/x-www-form-urlencoded body. */
static const char *
form_encode(struct pool *p, const char *const *pairs)
{
	struct buf b;

	buf_init(&b, p);
	for (; pairs[0] != NULL; pairs += 2) {
		if (pairs[1] == NULL)
			continue;
		if (b.len)
			buf_putc(&b, '&');
		buf_puts(&b, url_encode(p, pairs[0], 0));
		buf_putc(&b, '=');
		buf_puts(&b, url_encode(p, pairs[1], 0));
	}
	return buf_cstr(&b);
}

/* Stripe's error object as "type/code", or the HTTP status. */
static const char *
error_of(struct pool *p, const struct http_response *resp, json_object *o)
{
	json_object *err = NULL, *type = NULL, *code = NULL;

	if (o != NULL && json_object_object_get_ex(o, "error", &err) &&
	    json_object_is_type(err, json_type_object)) {
		json_object_object_get_ex(err, "type", &type);
		json_object_object_get_ex(err, "code", &code);
		return pool_printf(p, "HTTP %ld: %s%s%s", resp->status,
		                   type ? json_object_get_string(type) : "error",
		                   code ? "/" : "", code ? json_object_get_string(code) : "");
	}
	return pool_printf(p, "HTTP %ld", resp->status);
}

/* POST the form to path; the "url" of the object Stripe returns, or NULL
 * with *why set (logged). */
static const char *
post_for_url(struct pool *p, const char *path, const char *const *pairs, const char **why)
{
	const char *base = config_get("STRIPE_BASE_URL"), *body = form_encode(p, pairs);
	const char *headers[] = {
		pool_printf(p, "Authorization: Bearer %s", config_get("STRIPE_SECRET_KEY")),
		"Content-Type: application/x-www-form-urlencoded",
		pool_printf(p, "Idempotency-Key: %s", token_new(p, "es-", 24)),
		NULL
	};
	struct http_request req = {
		.provider = "stripe", .url = pool_printf(p, "%s%s", base ? base : "", path),
		.headers = headers, .post_body = body, .post_len = strlen(body),
	};
	struct http_response resp;
	json_object *o = NULL, *url = NULL;
	const char *bad = NULL;

	if (http_get(p, &req, &resp) < 0) {
		*why = resp.error;
	} else {
		o = resp.len ? jsonv_parse(p, resp.body, resp.len, REPLY_DEPTH, &bad) : NULL;
		if (resp.status < 200 || resp.status > 299)
			*why = error_of(p, &resp, o);
		else if (o == NULL || !json_object_object_get_ex(o, "url", &url) ||
		         !json_object_is_type(url, json_type_string) ||
		         !valid_url(json_object_get_string(url), config_env() == APP_PRODUCTION))
			*why = "the reply has no session url";
		else
			return pool_strdup(p, json_object_get_string(url));
	}
	log_kv(LOG_WARN, "stripe call failed", "endpoint", path, "error", *why, NULL);
	return NULL;
}

const char *
stripe_checkout_url(struct pool *p, int64_t user_id, const char *email, const char **why)
{
	const char *ret = config_get("BILLING_RETURN_URL");
	const char *uid = pool_printf(p, "%lld", (long long)user_id);
	const char *sep = ret != NULL && strchr(ret, '?') != NULL ? "&" : "?";
	const char *const pairs[] = {
		"mode", "subscription",
		"line_items[0][price]", config_get("STRIPE_PRICE_ID"),
		"line_items[0][quantity]", "1",
		"client_reference_id", uid,
		"subscription_data[metadata][user_id]", uid,
		"customer_email", email,
		"success_url", pool_printf(p, "%s%sbilling=success", ret ? ret : "", sep),
		"cancel_url", pool_printf(p, "%s%sbilling=cancel", ret ? ret : "", sep),
		NULL, NULL
	};

	return post_for_url(p, "/v1/checkout/sessions", pairs, why);
}

const char *
stripe_portal_url(struct pool *p, const char *customer, const char **why)
{
	const char *const pairs[] = {
		"customer", customer,
		"return_url", config_get("BILLING_RETURN_URL"),
		NULL, NULL
	};

	return post_for_url(p, "/v1/billing_portal/sessions", pairs, why);
}
