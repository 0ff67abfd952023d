/* stripe.h: Stripe's REST API through the HTTP client (http.h): form-encoded
 * POSTs to STRIPE_BASE_URL with the secret key as a Bearer token and an
 * Idempotency-Key per operation (kept across the client's retries).
 *
 *   checkout  POST /v1/checkout/sessions: mode=subscription, the
 *             STRIPE_PRICE_ID price, client_reference_id and
 *             subscription metadata user_id = the user, customer_email,
 *             success and cancel URLs from BILLING_RETURN_URL
 *   portal    POST /v1/billing_portal/sessions: customer, return_url
 *
 * The secret key never reaches a log line: only the endpoint and Stripe's
 * error type and code are logged. */
#ifndef EDGESCOUT_STRIPE_H
#define EDGESCOUT_STRIPE_H

#include <stdint.h>

struct pool;

/* 1 when STRIPE_SECRET_KEY, STRIPE_PRICE_ID and BILLING_RETURN_URL are set:
 * Checkout and the portal are on. */
int stripe_configured(void);

/* A Checkout Session for user_id (email prefilled): its URL (pool memory),
 * or NULL with *why set (Stripe unreachable, or its error type and code). */
const char *stripe_checkout_url(struct pool *p, int64_t user_id, const char *email,
                                const char **why);

/* A customer portal session for customer (cus_...): its URL, or NULL with
 * *why set. */
const char *stripe_portal_url(struct pool *p, const char *customer, const char **why);

#endif
