/* auth.h: who is asking. The app loop resolves credentials for routes
 * flagged NEED_AUTH / NEED_ADMIN before the handler runs, enforces API-key
 * scopes, CSRF for cookie sessions, and the route's daily quota; handlers
 * read r->user and never parse tokens themselves.
 *
 * Credentials, in this order: the session cookie (browser sessions),
 * `Authorization: Bearer <JWT>`, `Authorization: Bearer es_…` or
 * `X-API-Key: es_…` (API keys). Never from the URL. */
#ifndef EDGESCOUT_AUTH_H
#define EDGESCOUT_AUTH_H

#include <stdint.h>

#include "account.h"
#include "auth_user.h"

struct req;

/* API-key scopes, as bits (the route flags SCOPE_READ, SCOPE_WRITE and
 * SCOPE_EXPORT shifted down by 8; SCOPE_INGEST is AUTH_SCOPE_INGEST). */
enum auth_scope { AUTH_SCOPE_READ = 1, AUTH_SCOPE_WRITE = 2, AUTH_SCOPE_EXPORT = 4,
                  AUTH_SCOPE_INGEST = 8 };

/* Authenticate r for its route's flags: 0 with r->user set; -1 after
 * replying 401 (no or bad credentials, disabled user, revoked token),
 * 403 (not admin, missing scope, API key on a NO_API_KEY route, bad CSRF
 * token) or 400 (credentials in the URL). */
int auth_request_or_reply(struct req *r);

/* Charge one unit of r's route quota class to r->user for today (UTC),
 * atomically in the database, and set X-RateLimit-Limit/-Remaining/-Reset.
 * 0, or -1 after replying 429 QUOTA_EXCEEDED with Retry-After (audited once
 * per user, class and day) or 503 when the database is down. */
int quota_charge_or_reply(struct req *r, const char *quota_class);

/* Set X-RateLimit-Limit/-Remaining/-Reset for a quota of limit units of
 * which used are used today, as quota_charge_or_reply does (for a handler
 * that charged its route's quota itself: QUOTA_IN_HANDLER). */
void quota_headers(struct req *r, long long limit, long long used);

/* Give back the unit quota_charge_or_reply charged to r->user (a 422: input
 * refused costs nothing), after rolling back what the handler left open;
 * a failure is logged. */
void quota_refund(struct req *r, const char *quota_class);

/* Names of scope bits ("read,write"), and back: -1 for an unknown name. */
const char *auth_scope_names(struct req *r, unsigned scopes);
int auth_scope_bit(const char *name);

/* The Set-Cookie header value that ends a browser session (Max-Age=0). */
const char *auth_clear_cookie(void);

#endif
