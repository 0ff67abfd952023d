/* jwt.h: access tokens as JWT (RFC 7519) with HMAC-SHA256, following the
 * JWT best current practice (RFC 8725) and the access-token profile
 * (RFC 9068): header {"alg":"HS256","typ":"at+jwt"}, claims iss, aud, sub,
 * iat, nbf, exp, jti, plus tier, role and gen (the user's token generation).
 * Verification pins the algorithm, checks typ, iss, aud, exp/nbf/iat with at
 * most JWT_LEEWAY seconds of clock skew, and compares the MAC in constant
 * time before parsing the claims. The key is the "jwt" subkey of SECRET_KEY. */
#ifndef EDGESCOUT_JWT_H
#define EDGESCOUT_JWT_H

#include <stdint.h>

struct pool;

#define JWT_LEEWAY 60

struct jwt_claims {
	int64_t sub;          /* user id */
	int64_t iat, nbf, exp;
	const char *jti;      /* random id of this token */
	const char *tier;     /* "free" | "pro" */
	const char *role;     /* "user" | "admin" */
	int64_t gen;          /* users.token_generation at issue */
};

/* Sign claims (iss and aud from JWT_ISSUER/JWT_AUDIENCE; jti generated when
 * NULL; iat/nbf/exp as given). The compact token in pool memory, or NULL
 * when SECRET_KEY is unset. */
char *jwt_sign(struct pool *p, const struct jwt_claims *c);

/* Verify token at time now (seconds). 0 with *out filled (strings in pool
 * memory), or -1 with *why a short reason for the log (never for replies). */
int jwt_verify(struct pool *p, const char *token, int64_t now, struct jwt_claims *out,
               const char **why);

#endif
