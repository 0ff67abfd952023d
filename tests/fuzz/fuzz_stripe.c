/* fuzz_stripe.c: the webhook's parsers of outside input: the
 * Stripe-Signature header (stripe_sig.h) and the event (stripe_event.h).
 *
 * The first byte picks the parser (even: signature, odd: event). For the
 * signature the rest is the header up to the first newline, then the body;
 * invariants: a known result with a reason, and OK only when the header
 * holds the v1 that stripe_sig_compute gives for its t. For the event the
 * rest is the JSON text (jsonv_parse first, as the webhook does);
 * invariants: an accepted event has an evt_ id, a type, created >= 0, and
 * ids of the right kinds; a refused one a reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "pool.h"
#include "stripe_event.h"
#include "stripe_sig.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_stripe: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#define SECRET "whsec_fuzz"
#define NOW 1700000000LL

static void
fuzz_sig(struct pool *p, const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);
	size_t hlen = nl ? (size_t)(nl - s) : n;
	char *header = pool_strndup(p, s, hlen), expected[65];
	const char *body = nl ? nl + 1 : "";
	size_t blen = nl ? n - hlen - 1 : 0;
	long long t = -1;
	enum stripe_sig r = stripe_sig_check(header, body, blen, SECRET, NOW, 300, &t);

	CHECK(r >= STRIPE_SIG_OK && r <= STRIPE_SIG_MISMATCH);
	CHECK(stripe_sig_reason(r) != NULL && *stripe_sig_reason(r) != '\0');
	if (r == STRIPE_SIG_OK) {
		CHECK(t >= NOW - 300 && t <= NOW + 300);
		stripe_sig_compute(SECRET, t, body, blen, expected);
		CHECK(strstr(header, expected) != NULL);
	}
}

static void
check_id(const char *id, const char *prefix)
{
	if (id != NULL)
		CHECK(strncmp(id, prefix, strlen(prefix)) == 0 && strlen(id) > strlen(prefix));
}

static void
fuzz_event(struct pool *p, const char *s, size_t n)
{
	const char *why = NULL;
	json_object *o = jsonv_parse(p, s, n, 32, &why);
	struct stripe_event e;

	if (o == NULL)
		return;
	if (stripe_event_read(o, &e, &why) < 0) {
		CHECK(why != NULL && *why != '\0');
		return;
	}
	check_id(e.id, "evt_");
	CHECK(e.id != NULL && e.type != NULL && *e.type != '\0' && e.created >= 0);
	check_id(e.customer, "cus_");
	check_id(e.subscription, "sub_");
	CHECK(e.user_id >= 0 && e.period_end >= 0);
	if (e.kind >= STRIPE_EV_SUBSCRIPTION_CREATED && e.kind <= STRIPE_EV_SUBSCRIPTION_DELETED) {
		CHECK(e.subscription != NULL);
		CHECK(valid_enum(e.status, stripe_subscription_statuses) >= 0);
	}
	if (e.kind == STRIPE_EV_INVOICE_PAID || e.kind == STRIPE_EV_INVOICE_FAILED)
		CHECK(e.customer != NULL || e.subscription != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *p;
	char *copy;

	if (size < 1)
		return 0;
	p = pool_new();
	copy = pool_alloc(p, size);   /* exactly its size: overreads are caught */
	memcpy(copy, data + 1, size - 1);
	if (data[0] % 2 == 0)
		fuzz_sig(p, copy, size - 1);
	else
		fuzz_event(p, copy, size - 1);
	pool_free(p);
	return 0;
}
