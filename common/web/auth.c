/* auth.c: resolving credentials, scopes, CSRF and daily quotas. */
#define _GNU_SOURCE
#include "auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "db_reply.h"
#include "jwt.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "route.h"
#include "token.h"

/* The user columns every credential query ends with, in this order. */
#define USER_COLUMNS \
	"u.id, u.email, u.role, u.tier, u.token_generation, u.disabled, " DB_TIME("u.created_at")

static const char *const scope_names[] = { "read", "write", "export", "ingest", NULL };

static int
unauthorized(struct req *r, const char *why, int token_given)
{
	log_kv(LOG_INFO, "authentication refused", "why", why, NULL);
	reply_header(r, "WWW-Authenticate", token_given
		? "Bearer realm=\"edgescout\", error=\"invalid_token\""
		: "Bearer realm=\"edgescout\"");
	reply_error(r, ERR_UNAUTHORIZED, NULL, NULL);
	return -1;
}

static int
forbidden(struct req *r, const char *message)
{
	reply_error(r, ERR_FORBIDDEN, NULL, message);
	return -1;
}

/* Fill u from the USER_COLUMNS starting at column col of res. */
static void
user_from_row(struct req *r, const PGresult *res, int col, struct auth_user *u)
{
	u->id = db_int(res, 0, col);
	u->email = pool_strdup(r->pool, db_text(res, 0, col + 1));
	u->role = pool_strdup(r->pool, db_text(res, 0, col + 2));
	u->tier = pool_strdup(r->pool, db_text(res, 0, col + 3));
	u->generation = db_int(res, 0, col + 4);
	u->created_at = pool_strdup(r->pool, db_text(res, 0, col + 6));
}

static int
row_disabled(const PGresult *res, int col)
{
	return strcmp(db_text(res, 0, col + 5), "t") == 0;
}

int
auth_scope_bit(const char *name)
{
	for (int i = 0; scope_names[i]; i++)
		if (strcmp(name, scope_names[i]) == 0)
			return 1 << i;
	return -1;
}

const char *
auth_scope_names(struct req *r, unsigned scopes)
{
	struct buf b;

	buf_init(&b, r->pool);
	for (int i = 0; scope_names[i]; i++) {
		if (scopes & (1u << i)) {
			if (b.len)
				buf_putc(&b, ',');
			buf_puts(&b, scope_names[i]);
		}
	}
	return buf_cstr(&b);
}

/* Scopes of a PostgreSQL text[] literal such as {read,export}. */
static unsigned
parse_scope_array(struct req *r, const char *arr)
{
	char *copy = pool_strdup(r->pool, arr), *save = NULL;
	unsigned scopes = 0;

	for (char *t = strtok_r(copy, "{},\"", &save); t; t = strtok_r(NULL, "{},\"", &save)) {
		int bit = auth_scope_bit(t);

		if (bit > 0)
			scopes |= (unsigned)bit;
	}
	return scopes;
}

static int
by_bearer_token(struct req *r, const char *token, struct auth_user *u)
{
	struct jwt_claims c;
	const char *why = NULL;
	PGresult *res;

	if (jwt_verify(r->pool, token, (int64_t)time(NULL), &c, &why) != 0)
		return unauthorized(r, why ? why : "invalid token", 1);
	/* the user, and whether this token was signed out (column 7) */
	res = db_query_or_reply(r, "SELECT " USER_COLUMNS ", EXISTS (SELECT 1 FROM "
	                        "revoked_access_tokens WHERE jti = $2) FROM users u WHERE u.id = $1",
	                        DB_ARGS(db_i64(r->pool, c.sub), c.jti));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return unauthorized(r, "token of an unknown user", 1);
	user_from_row(r, res, 0, u);
	if (row_disabled(res, 0))
		return unauthorized(r, "user disabled", 1);
	if (u->generation != c.gen)
		return unauthorized(r, "token issued before a password change or logout-all", 1);
	if (strcmp(db_text(res, 0, 7), "t") == 0)
		return unauthorized(r, "token signed out", 1);
	u->via = AUTH_BEARER;
	u->scopes = AUTH_SCOPE_READ | AUTH_SCOPE_WRITE | AUTH_SCOPE_EXPORT;
	u->jti = c.jti;
	u->token_exp = c.exp;
	return 0;
}

/* es_ followed by 43 base64url characters (32 random bytes). */
static int
api_key_shaped(const char *key)
{
	size_t n = strlen(AUTH_API_KEY_PREFIX);
	const char *rest = key + n;

	return strncmp(key, AUTH_API_KEY_PREFIX, n) == 0 && strlen(rest) == 43 &&
	       strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                    "0123456789-_") == 43;
}

static int
by_api_key(struct req *r, const char *key, struct auth_user *u)
{
	PGresult *res;
	const char *hash;

	if (!api_key_shaped(key) || (hash = token_hash(r->pool, key)) == NULL)
		return unauthorized(r, "malformed API key", 1);
	res = db_query_or_reply(r,
		"SELECT k.id, k.scopes, " USER_COLUMNS " FROM api_keys k "
		"JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
		DB_ARGS(hash));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return unauthorized(r, "unknown or revoked API key", 1);
	user_from_row(r, res, 2, u);
	if (row_disabled(res, 2))
		return unauthorized(r, "user disabled", 1);
	u->via = AUTH_API_KEY;
	u->api_key_id = db_int(res, 0, 0);
	u->scopes = parse_scope_array(r, db_text(res, 0, 1));
	/* last use, at most once a minute per key: no write on every request */
	db_query(r->pool, "UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND "
	         "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
	         DB_ARGS(db_i64(r->pool, u->api_key_id)));
	return 0;
}

static int
unsafe_method(const char *m)
{
	return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

static int
by_session_cookie(struct req *r, const char *cookie, struct auth_user *u)
{
	const char *hash = token_hash(r->pool, cookie), *csrf;
	PGresult *res;

	if (hash == NULL)
		return unauthorized(r, "no SECRET_KEY", 0);
	res = db_query_or_reply(r,
		"SELECT s.id, s.csrf_hash, " USER_COLUMNS " FROM sessions s "
		"JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 "
		"AND s.revoked_at IS NULL AND s.expires_at > now()", DB_ARGS(hash));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return unauthorized(r, "unknown, expired or revoked session", 0);
	user_from_row(r, res, 2, u);
	if (row_disabled(res, 2))
		return unauthorized(r, "user disabled", 0);
	if (unsafe_method(r->method)) {
		csrf = req_header(r, "X-CSRF-Token");
		if (csrf == NULL || *csrf == '\0' ||
		    !token_equal(token_hash(r->pool, csrf), db_text(res, 0, 1)))
			return forbidden(r, "missing or wrong CSRF token");
	}
	u->via = AUTH_COOKIE;
	u->session_id = db_int(res, 0, 0);
	u->scopes = AUTH_SCOPE_READ | AUTH_SCOPE_WRITE | AUTH_SCOPE_EXPORT;
	return 0;
}

/* Credentials must never travel in a URL (they end up in logs and history). */
static int
credentials_in_url(const struct req *r)
{
	static const char *const names[] = {
		"api_key", "apikey", "access_token", "token", "key", "session", NULL
	};

	for (int i = 0; i < r->nargs; i++) {
		if (strncmp(r->args[i].value, AUTH_API_KEY_PREFIX, 3) == 0)
			return 1;
		for (int k = 0; names[k]; k++)
			if (strcasecmp(r->args[i].name, names[k]) == 0)
				return 1;
	}
	return 0;
}

/* Route flags against what the credentials allow. */
static int
check_access(struct req *r, const struct auth_user *u)
{
	unsigned flags = r->route->flags;
	unsigned need = ((flags & (SCOPE_READ | SCOPE_WRITE | SCOPE_EXPORT)) >> 8) |
	                (flags & SCOPE_INGEST ? AUTH_SCOPE_INGEST : 0u);

	if (u->via == AUTH_API_KEY) {
		if (flags & (NO_API_KEY | NEED_ADMIN))
			return forbidden(r, "API keys cannot be used here");
		if (need == 0)
			need = unsafe_method(r->method) ? AUTH_SCOPE_WRITE : AUTH_SCOPE_READ;
		if ((u->scopes & need) != need)
			return forbidden(r, pool_printf(r->pool, "the API key lacks the %s scope",
			                                auth_scope_names(r, need & ~u->scopes)));
	}
	if ((flags & NEED_ADMIN) && strcmp(u->role, "admin") != 0)
		return forbidden(r, "administrators only");
	return 0;
}

int
auth_request_or_reply(struct req *r)
{
	struct auth_user *u = pool_alloc(r->pool, sizeof(*u));
	const char *authz = req_header(r, "Authorization");
	const char *api_key = req_header(r, "X-API-Key");
	const char *cookie = req_cookie(r, AUTH_SESSION_COOKIE);
	int rc;

	if (credentials_in_url(r)) {
		reply_error(r, ERR_BAD_REQUEST, "query", "credentials must not be sent in the URL");
		return -1;
	}
	if (authz != NULL) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return unauthorized(r, "unsupported authorization scheme", 1);
		authz += 7;
		while (*authz == ' ')
			authz++;
		rc = strncmp(authz, AUTH_API_KEY_PREFIX, 3) == 0 ? by_api_key(r, authz, u)
		                                                 : by_bearer_token(r, authz, u);
	} else if (api_key != NULL) {
		rc = by_api_key(r, api_key, u);
	} else if (cookie != NULL) {
		rc = by_session_cookie(r, cookie, u);
	} else {
		return unauthorized(r, "no credentials", 0);
	}
	if (rc != 0)
		return -1;
	r->user = u;
	return check_access(r, u);
}

const char *
auth_clear_cookie(void)
{
	return AUTH_SESSION_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0";
}

/* ---- quotas ------------------------------------------------------------- */

/* The quota headers with reset time reset_epoch: written with the reply's
 * head (reply.c), which shows a refused request's unit given back. */
static void
quota_headers_at(struct req *r, long long limit, long long used, long long reset_epoch)
{
	r->quota.set = 1;
	r->quota.limit = limit;
	r->quota.used = used;
	r->quota.reset = reset_epoch;
}

void
quota_headers(struct req *r, long long limit, long long used)
{
	long long now = (long long)time(NULL);

	quota_headers_at(r, limit, used, now - now % 86400 + 86400);
}

int
quota_charge_or_reply(struct req *r, const char *quota_class)
{
	const char *uid = db_i64(r->pool, r->user->id);
	long long limit, reset, now = (long long)time(NULL);
	PGresult *res;

	/* one statement: read the tier's limit and charge a unit while under
	 * it; a unit is bookkeeping, its commit is not waited for (unless
	 * it is part of the handler's transaction, which it is not here) */
	res = db_query_or_reply(r,
		"WITH lim AS (SELECT daily_limit FROM tier_quotas WHERE tier = $3 AND quota_class = $2), "
		"charged AS (INSERT INTO quota_usage (user_id, quota_class, day, used) "
		"  SELECT $1, $2, (now() AT TIME ZONE 'UTC')::date, 1 FROM lim WHERE daily_limit > 0 "
		"  ON CONFLICT (user_id, quota_class, day) DO UPDATE SET used = quota_usage.used + 1 "
		"  WHERE quota_usage.used < (SELECT daily_limit FROM lim) RETURNING used) "
		"SELECT (SELECT daily_limit FROM lim), (SELECT used FROM charged), " DB_ASYNC_COMMIT,
		DB_ARGS(uid, quota_class, r->user->tier));
	if (res == NULL)
		return -1;
	if (PQgetisnull(res, 0, 0)) {
		log_kv(LOG_WARN, "no quota configured; allowing", "quota_class", quota_class,
		       "tier", r->user->tier, NULL);
		return 0;
	}
	limit = db_int(res, 0, 0);
	reset = now - now % 86400 + 86400;   /* next UTC midnight */
	if (!PQgetisnull(res, 0, 1)) {
		quota_headers_at(r, limit, db_int(res, 0, 1), reset);
		r->quota_charged = 1;
		return 0;
	}
	quota_headers_at(r, limit, limit, reset);
	reply_header(r, "Retry-After", pool_printf(r->pool, "%lld", reset - now));
	/* the first refusal of the day moves used past the limit: audit it once */
	res = db_query(r->pool,
		"UPDATE quota_usage SET used = used + 1 WHERE user_id = $1 AND quota_class = $2 "
		"AND day = (now() AT TIME ZONE 'UTC')::date AND used = $3 RETURNING used",
		DB_ARGS(uid, quota_class, db_i64(r->pool, limit)));
	if (res != NULL && PQntuples(res) == 1) {
		json_object *d = pool_json_object(r->pool);

		json_object_object_add(d, "quota_class", json_object_new_string(quota_class));
		json_object_object_add(d, "limit", json_object_new_int64(limit));
		audit(r, 0, "quota.exhausted", quota_class, d);
	}
	reply_error(r, ERR_QUOTA_EXCEEDED, NULL, NULL);
	return -1;
}

void
quota_refund(struct req *r, const char *quota_class)
{
	if (db_in_transaction())
		db_rollback(r->pool);
	if (db_query(r->pool, "UPDATE quota_usage SET used = used - 1 WHERE user_id = $1 AND "
	             "quota_class = $2 AND day = (now() AT TIME ZONE 'UTC')::date AND used > 0",
	             DB_ARGS(db_i64(r->pool, r->user->id), quota_class)) == NULL)
		log_kv(LOG_WARN, "a refused request's quota unit was not given back",
		       "quota_class", quota_class, NULL);
	r->quota_charged = 0;
}
