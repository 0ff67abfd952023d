/* stripe_sig.c: the Stripe-Signature header of webhooks. */
#include "stripe_sig.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define MAX_HEADER 4096

void
stripe_sig_compute(const char *secret, long long t, const char *body, size_t len,
                   char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char prefix[32];
	int n = snprintf(prefix, sizeof(prefix), "%lld.", t);

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, (size_t)n);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

/* The decimal timestamp s[0..n): 0, or -1 when it is not 1-15 digits. */
static int
parse_time(const char *s, size_t n, long long *t)
{
	long long v = 0;

	if (n == 0 || n > 15)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*t = v;
	return 0;
}

enum stripe_sig
stripe_sig_check(const char *header, const char *body, size_t len, const char *secret,
                 long long now, long tolerance, long long *t)
{
	char expected[65];
	const char *v1[16];
	size_t v1_len[16], nv1 = 0;
	int have_t = 0, match = 0;

	if (header == NULL || *header == '\0')
		return STRIPE_SIG_MISSING;
	if (strlen(header) > MAX_HEADER)
		return STRIPE_SIG_MALFORMED;
	for (const char *s = header; *s != '\0';) {
		size_t n = strcspn(s, ","), k = strcspn(s, "=");

		if (k >= n)
			return STRIPE_SIG_MALFORMED;   /* an item without '=' */
		if (k == 1 && s[0] == 't') {
			if (have_t++ || parse_time(s + 2, n - 2, t) < 0)
				return STRIPE_SIG_MALFORMED;
		} else if (k == 2 && s[0] == 'v' && s[1] == '1') {
			if (nv1 == sizeof(v1) / sizeof(v1[0]))
				return STRIPE_SIG_MALFORMED;
			v1[nv1] = s + 3;
			v1_len[nv1++] = n - 3;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	if (!have_t)
		return STRIPE_SIG_MALFORMED;
	if (nv1 == 0)
		return STRIPE_SIG_NO_V1;
	stripe_sig_compute(secret, *t, body, len, expected);
	for (size_t i = 0; i < nv1; i++)   /* every one compared: no early exit */
		match |= v1_len[i] == 64 && sodium_memcmp(v1[i], expected, 64) == 0;
	sodium_memzero(expected, sizeof(expected));
	if (!match)
		return STRIPE_SIG_MISMATCH;
	if (*t < now - tolerance || *t > now + tolerance)
		return STRIPE_SIG_STALE;
	return STRIPE_SIG_OK;
}

const char *
stripe_sig_reason(enum stripe_sig result)
{
	switch (result) {
	case STRIPE_SIG_OK: return "valid";
	case STRIPE_SIG_MISSING: return "no Stripe-Signature header";
	case STRIPE_SIG_MALFORMED: return "malformed Stripe-Signature header";
	case STRIPE_SIG_NO_V1: return "no v1 signature";
	case STRIPE_SIG_STALE: return "signature timestamp outside the tolerance";
	default: return "no signature matches";
	}
}
