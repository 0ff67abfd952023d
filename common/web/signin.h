/* signin.h: what the account endpoints (cgi-bin/auth.c, cgi-bin/apikeys.c)
 * share: per-email login throttling, issuing access
 * tokens, refresh tokens and browser sessions, and refresh-token rotation.
 *
 * Throttling counts failed sign-ins per normalised e-mail, known or not, so
 * that no reply tells whether an account exists: after LOGIN_LOCK_FAILURES
 * failures in 15 minutes the address is locked for 1 minute, doubling with
 * each further failure up to 15 minutes; 100 failures in an hour lock it
 * until the oldest of them is an hour old. A lock always ends by itself. */
#ifndef EDGESCOUT_SIGNIN_H
#define EDGESCOUT_SIGNIN_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

struct req;

#define SIGNIN_LOCK_FIRST 60        /* the first lock, seconds */
#define SIGNIN_LOCK_MAX 900         /* the longest lock after LOCK_FAILURES */
#define SIGNIN_HOURLY_MAX 100       /* failures per hour, at most */

/* The client address, and the User-Agent cut to 256 bytes of valid UTF-8
 * without control characters; "" when absent. Pool memory. */
const char *signin_ip(const struct req *r);
const char *signin_user_agent(const struct req *r);

/* The audit target of sign-in events for email: "email:" and the address
 * in lower case, one per account whether it exists or not (pool). */
const char *signin_email_target(struct req *r, const char *email);

/* Inside a transaction: take email's throttle lock (held to the commit) and
 * tell whether it is locked. 0 when not; 1 when locked, after auditing
 * action (reason "locked", actor user_id or anonymous), committing and
 * replying 429 RATE_LIMITED with Retry-After; -1 after replying 503/500. */
int signin_throttle_or_reply(struct req *r, const char *email, int64_t user_id,
                             const char *action);

/* Record a failed sign-in for email (known as user_id, or 0), audit action
 * with reason, and auth.locked when this failure starts a lock. 0, or -1
 * after replying 503/500. */
int signin_failure_or_reply(struct req *r, const char *email, int64_t user_id,
                            const char *action, const char *reason);

/* A successful sign-in for email: forget its failures and audit
 * auth.unlocked when they had locked it. 0, or -1 after replying. */
int signin_success_or_reply(struct req *r, const char *email, int64_t user_id);

/* The user tokens are issued for. */
struct signin_user {
	int64_t id;
	const char *email;
	const char *role;
	const char *tier;
	int64_t generation;
};

/* Sign an access token for u, valid ACCESS_TOKEN_TTL seconds from now.
 * The compact JWT in pool memory, or NULL after replying 500. */
const char *signin_access_token_or_reply(struct req *r, const struct signin_user *u);

/* Store a refresh token of family (NULL: a new family expiring
 * REFRESH_TOKEN_TTL seconds from now; else expires, the family's absolute
 * expiry as the database's timestamptz text). The token (pool), or NULL
 * after replying. */
const char *signin_refresh_token_or_reply(struct req *r, int64_t user_id,
                                          const char *family, const char *expires);

/* The token reply {access_token, token_type, expires_in, refresh_token} for
 * u with a refresh token of family (as signin_refresh_token_or_reply), owned
 * by the request, or NULL after replying. */
json_object *signin_token_pair_or_reply(struct req *r, const struct signin_user *u,
                                        const char *family, const char *expires);

/* Start a browser session for u: store it and return {csrf_token,
 * expires_in, user} (the request's) with *cookie the Set-Cookie value of its
 * __Host- cookie (for the caller to send once nothing else can fail); NULL
 * after replying. */
json_object *signin_session_or_reply(struct req *r, const struct signin_user *u,
                                     const char **cookie);

/* {id, email, role, tier} of u: a new part for the caller's parent. */
json_object *signin_user_json(const struct signin_user *u);

/* Rotate refresh token t in a transaction of its own: a new pair in the
 * same family (same absolute expiry; the request's object), or NULL after
 * replying 401 (unknown, expired or revoked token, disabled user; a used
 * token revokes its whole family and is audited as auth.refresh_reuse) or
 * 503/500. */
json_object *signin_rotate_or_reply(struct req *r, const char *t);

/* In the caller's transaction: revoke the family of refresh token t when it
 * belongs to user_id (*revoked = 1), else nothing. 0, or -1 after replying. */
int signin_revoke_family_or_reply(struct req *r, int64_t user_id, const char *t,
                                  int *revoked);

/* In the caller's transaction, after updating the user row: revoke every
 * refresh family and browser session of user_id but keep_session (0:
 * none), counting them. 0, or -1 after replying. */
int signin_revoke_all_or_reply(struct req *r, int64_t user_id, int64_t keep_session,
                               int64_t *families, int64_t *sessions);

#endif
