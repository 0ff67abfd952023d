/* auth_user.h: who a request comes from, once the app loop has
 * authenticated it (r->user; auth.h says how). */
#ifndef EDGESCOUT_AUTH_USER_H
#define EDGESCOUT_AUTH_USER_H

#include <stdint.h>

enum auth_via { AUTH_BEARER = 1, AUTH_COOKIE, AUTH_API_KEY };

struct auth_user {
	int64_t id;
	const char *email;
	const char *role;          /* "user" | "admin" */
	const char *tier;          /* "free" | "pro" */
	int64_t generation;        /* users.token_generation */
	const char *created_at;    /* RFC 3339 */
	enum auth_via via;
	unsigned scopes;           /* every scope for tokens and cookies */
	int64_t api_key_id;        /* when via == AUTH_API_KEY */
	int64_t session_id;        /* when via == AUTH_COOKIE */
	const char *jti;           /* when via == AUTH_BEARER */
	int64_t token_exp;         /* its exp (Unix seconds), when via == AUTH_BEARER */
};

#endif
