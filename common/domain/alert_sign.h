/* alert_sign.h: the signature of a webhook alert and the token of a
 * channel's unsubscribe link, both HMAC-SHA256 (libsodium). */
#ifndef EDGESCOUT_ALERT_SIGN_H
#define EDGESCOUT_ALERT_SIGN_H

#include <stddef.h>

struct pool;

/* The X-Edgescout-Signature value of body sent at Unix time t:
 * "t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>" under secret>" (pool memory). */
const char *alert_signature(struct pool *p, const char *secret, long long t,
                            const char *body, size_t len);

/* The unsubscribe token of channel id under the 32-byte key (a subkey of
 * the server's secret): hex HMAC-SHA256 of "unsubscribe:<id>" (pool memory). */
const char *alert_unsubscribe_token(struct pool *p, const unsigned char key[32], long long id);

/* 1 when token is channel id's unsubscribe token under key (compared in
 * constant time), else 0. */
int alert_unsubscribe_check(struct pool *p, const unsigned char key[32], long long id,
                            const char *token);

/* The one-time verification code of channel id for nonce under the 32-byte
 * key: 6 digits when digits is set (SMS), else 32 hex digits (email), from
 * HMAC-SHA256 of "verify:<id>:<nonce>" (pool memory). */
const char *alert_verify_code(struct pool *p, const unsigned char key[32], long long id,
                              const char *nonce, int digits);

#endif
