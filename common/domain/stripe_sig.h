/* stripe_sig.h: checking the Stripe-Signature header of a webhook, as
 * Stripe documents it: "t=<unix time>,v1=<hex>[,v1=<hex>...]" (other
 * schemes, such as v0, ignored), each v1 the HMAC-SHA256 of "<t>." followed
 * by the raw body, keyed with the endpoint's signing secret (whsec_...). */
#ifndef EDGESCOUT_STRIPE_SIG_H
#define EDGESCOUT_STRIPE_SIG_H

#include <stddef.h>

enum stripe_sig {
	STRIPE_SIG_OK,
	STRIPE_SIG_MISSING,      /* no header, or an empty one */
	STRIPE_SIG_MALFORMED,    /* no t=, a t= twice or not a number, an item without = */
	STRIPE_SIG_NO_V1,        /* no v1 signature (a v0-only header) */
	STRIPE_SIG_STALE,        /* t more than tolerance seconds from now, either way */
	STRIPE_SIG_MISMATCH,     /* no v1 equals the expected signature */
};

/* Check header (may be NULL) against body[0..len) with secret at time now
 * (Unix seconds), allowing tolerance seconds of clock difference. Every v1
 * is compared in constant time with the lower-case hex of the expected
 * HMAC; one match is enough. The timestamp goes to *t when parsed. */
enum stripe_sig stripe_sig_check(const char *header, const char *body, size_t len,
                                 const char *secret, long long now, long tolerance,
                                 long long *t);

/* A short reason for result, for logs and the 400 reply ("no v1 signature"). */
const char *stripe_sig_reason(enum stripe_sig result);

/* The v1 signature of body at time t with secret, as 64 lower-case hex
 * digits into out (65 bytes with the NUL). */
void stripe_sig_compute(const char *secret, long long t, const char *body, size_t len,
                        char out[65]);

#endif
