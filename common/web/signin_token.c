/* signin_token.c: issuing access tokens, refresh tokens and browser
 * sessions. Refresh tokens, session cookies and CSRF tokens are 256 random
 * bits; the database keeps only their token_hash(). */
#include "signin.h"

#include <time.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "db_reply.h"
#include "jwt.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "token.h"

static const char SQL_NEW_REFRESH[] =
	"INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at, ip, user_agent) "
	"VALUES ($1, $2, $3, "
	"        coalesce($4::timestamptz, now() + $5::bigint * interval '1 second'), $6, $7)";

static const char SQL_NEW_SESSION[] =
	"INSERT INTO sessions (user_id, token_hash, csrf_hash, expires_at, ip, user_agent) "
	"VALUES ($1, $2, $3, now() + $4::bigint * interval '1 second', $5, $6)";

static long long
ttl(const char *key, long long def)
{
	long long n = config_int(key, def);

	return n > 0 ? n : def;
}

const char *
signin_access_token_or_reply(struct req *r, const struct signin_user *u)
{
	struct jwt_claims c = { 0 };
	int64_t now = (int64_t)time(NULL);
	const char *jwt;

	c.sub = u->id;
	c.iat = c.nbf = now;
	c.exp = now + ttl("ACCESS_TOKEN_TTL", 900);
	c.tier = u->tier;
	c.role = u->role;
	c.gen = u->generation;
	if ((jwt = jwt_sign(r->pool, &c)) == NULL) {
		log_kv(LOG_ERROR, "cannot sign access tokens: SECRET_KEY is unset", NULL);
		reply_error(r, ERR_INTERNAL, NULL, NULL);
	}
	return jwt;
}

/* token_hash of t, or NULL after replying 500. */
static const char *
hash_or_reply(struct req *r, const char *t)
{
	const char *h = token_hash(r->pool, t);

	if (h == NULL) {
		log_kv(LOG_ERROR, "cannot hash tokens: SECRET_KEY is unset", NULL);
		reply_error(r, ERR_INTERNAL, NULL, NULL);
	}
	return h;
}

const char *
signin_refresh_token_or_reply(struct req *r, int64_t user_id, const char *family,
                               const char *expires)
{
	const char *t = token_new(r->pool, "", 32);
	const char *h = hash_or_reply(r, t);

	if (h == NULL)
		return NULL;
	if (family == NULL)
		family = token_new(r->pool, "", 16);
	if (db_exec_or_reply(r, SQL_NEW_REFRESH, DB_ARGS(db_i64(r->pool, user_id), family, h,
	        expires, db_i64(r->pool, ttl("REFRESH_TOKEN_TTL", 2592000)),
	        signin_ip(r), signin_user_agent(r))) < 0)
		return NULL;
	return t;
}

json_object *
signin_token_pair_or_reply(struct req *r, const struct signin_user *u,
                            const char *family, const char *expires)
{
	const char *access, *refresh;
	json_object *o;

	if ((access = signin_access_token_or_reply(r, u)) == NULL ||
	    (refresh = signin_refresh_token_or_reply(r, u->id, family, expires)) == NULL)
		return NULL;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "access_token", json_object_new_string(access));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in",
	                       json_object_new_int64(ttl("ACCESS_TOKEN_TTL", 900)));
	json_object_object_add(o, "refresh_token", json_object_new_string(refresh));
	return o;
}

json_object *
signin_user_json(const struct signin_user *u)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(u->id));
	json_object_object_add(o, "email", json_object_new_string(u->email));
	json_object_object_add(o, "role", json_object_new_string(u->role));
	json_object_object_add(o, "tier", json_object_new_string(u->tier));
	return o;
}

json_object *
signin_session_or_reply(struct req *r, const struct signin_user *u, const char **cookie)
{
	long long life = ttl("SESSION_TTL", 43200);
	const char *t = token_new(r->pool, "", 32);
	const char *csrf = token_new(r->pool, "", 32);
	const char *th, *ch;
	json_object *o;

	if ((th = hash_or_reply(r, t)) == NULL || (ch = hash_or_reply(r, csrf)) == NULL)
		return NULL;
	if (db_exec_or_reply(r, SQL_NEW_SESSION, DB_ARGS(db_i64(r->pool, u->id), th, ch,
	        db_i64(r->pool, life), signin_ip(r), signin_user_agent(r))) < 0)
		return NULL;
	*cookie = pool_printf(r->pool, "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict; "
	                      "Max-Age=%lld", AUTH_SESSION_COOKIE, t, life);
	o = pool_json_object(r->pool);
	json_object_object_add(o, "csrf_token", json_object_new_string(csrf));
	json_object_object_add(o, "expires_in", json_object_new_int64(life));
	json_object_object_add(o, "user", signin_user_json(u));
	return o;
}
