/* auth.c: registration, sign-in (tokens or a browser session), refresh-token
 * rotation, sign-out, the current user and password changes. */
#include "app.h"

#include <string.h>

#include "account.h"
#include "password.h"
#include "signin.h"

static int do_register(struct req *r);
static int login(struct req *r);
static int refresh(struct req *r);
static int logout(struct req *r);
static int logout_all(struct req *r);
static int me(struct req *r);
static int change_password(struct req *r);

#define EMAIL_MAX_BYTES 320     /* as sent, before trimming */
#define TOKEN_MAX_BYTES 256
#define EMAIL { .name = "email", .type = PARAM_STRING, .required = 1, \
	.max = EMAIL_MAX_BYTES, .desc = "the account's e-mail address" }
#define PASSWORD(n, what) { .name = n, .type = PARAM_STRING, .required = 1, \
	.max = PASSWORD_MAX_BYTES, .desc = what }
#define REFRESH(req) { .name = "refresh_token", .type = PARAM_STRING, .required = (req), \
	.max = TOKEN_MAX_BYTES, .desc = "a refresh token" }

static const struct param register_body[] = {
	EMAIL, PASSWORD("password", "12+ characters, not common"), { 0 } };
static const struct param login_body[] = { EMAIL, PASSWORD("password", "the password"),
	{ .name = "session", .type = PARAM_ENUM, .values = (const char *const[]){ "cookie", NULL },
	  .desc = "cookie: a browser session instead of tokens" }, { 0 } };
static const struct param refresh_body[] = { REFRESH(1), { 0 } };
static const struct param logout_body[] = { REFRESH(0), { 0 } };
static const struct param password_body[] = { PASSWORD("current_password", "the password"),
	PASSWORD("new_password", "12+ characters, not common"), { 0 } };
#define TOKENS "access_token~:str, token_type~:str(Bearer), refresh_token~:str"
#define USER "id:int, email:str, role:str(user|admin), tier:str(free|pro)"

static const struct route routes[] = {
	{ .method = "POST", .path = "/api/auth/register", .handler = do_register,
	  .flags = RL_REGISTER | NEED_JSON, .body = register_body, .status = 201,
	  .reply = "{email:str, role:str(user), tier:str(free)}",
	  .summary = "create an account (the same reply whether or not it existed)" },
	{ .method = "POST", .path = "/api/auth/login", .handler = login,
	  .flags = RL_LOGIN | NEED_JSON, .body = login_body, .summary = "sign in",
	  .reply = "{" TOKENS ", expires_in:int, csrf_token~:str, user~:{" USER "}}" },
	{ .method = "POST", .path = "/api/auth/refresh", .handler = refresh,
	  .flags = RL_LOGIN | NEED_JSON, .body = refresh_body, .summary = "rotate a refresh token",
	  .reply = "{access_token:str, token_type:str(Bearer), expires_in:int, refresh_token:str}" },
	{ .method = "POST", .path = "/api/auth/logout", .handler = logout, .status = 204,
	  .flags = NEED_AUTH | NO_API_KEY, .body = logout_body, .summary = "sign out" },
	{ .method = "POST", .path = "/api/auth/logout-all", .handler = logout_all, .status = 204,
	  .flags = NEED_AUTH | NO_API_KEY, .summary = "sign out everywhere" },
	{ .method = "GET", .path = "/api/auth/me", .handler = me, .flags = NEED_SCOPE(SCOPE_READ),
	  .reply = "{" USER ", created_at:str, auth:str(bearer|cookie|api_key)}",
	  .summary = "who the caller is" },
	{ .method = "POST", .path = "/api/auth/password", .handler = change_password,
	  .flags = NEED_AUTH | NO_API_KEY | NEED_JSON, .body = password_body,
	  .reply = "{" TOKENS ", expires_in~:int, password_changed:bool}",
	  .summary = "change the password; every other sign-in ends" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }


static const char SQL_REGISTER[] =
	"INSERT INTO users (email, password_hash) VALUES ($1, $2) "
	"ON CONFLICT ((lower(email))) DO NOTHING RETURNING id";

static const char SQL_USER_BY_EMAIL[] =
	"SELECT id, email, password_hash, role, tier, disabled, token_generation "
	"FROM users WHERE lower(email) = lower($1)";

static const char SQL_SIGNED_IN[] =
	"UPDATE users SET last_login_at = now(), "
	"       password_hash = coalesce($2, password_hash) WHERE id = $1";

/* until its exp: after that the token is refused anyway, and prune deletes the row */
static const char SQL_REVOKE_ACCESS_TOKEN[] =
	"INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, to_timestamp($2::bigint)) "
	"ON CONFLICT (jti) DO NOTHING";
static const char SQL_END_SESSION[] =
	"UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL";
static const char SQL_NEXT_GENERATION[] =
	"UPDATE users SET token_generation = token_generation + 1, updated_at = now() "
	"WHERE id = $1";

static const char SQL_PASSWORD_OF[] = "SELECT password_hash FROM users WHERE id = $1 FOR UPDATE";

static const char SQL_NEW_PASSWORD[] =
	"UPDATE users SET password_hash = $2, token_generation = token_generation + 1, "
	"       password_changed_at = now(), updated_at = now() "
	"WHERE id = $1 RETURNING token_generation";

static const char *
user_target(struct req *r, int64_t id)
{
	return pool_printf(r->pool, "user:%lld", (long long)id);
}

/* The e-mail member, normalised; NULL after replying 422. */
static const char *
email_or_reply(struct req *r)
{
	const char *email = account_normalize_email(r->pool, req_str(r, "email"));

	if (email == NULL)
		reply_error(r, ERR_VALIDATION_FAILED, "email", "email is not a valid address");
	return email;
}

/* Whether an account exists, the caller learns neither way: a taken address
 * gets the same 201 and body as a new one after the same work (one Argon2id
 * hash, one insert); only the audit trail tells them apart. */
static int
do_register(struct req *r)
{
	const char *email, *pw, *why, *hash, *action = "auth.register";
	json_object *o, *d;
	PGresult *res;
	int64_t id = 0, actor;

	if ((email = email_or_reply(r)) == NULL)
		return r->status;
	pw = req_str(r, "password");
	if ((why = password_weakness(pw, email)) != NULL)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "password", "password %s", why);
	if ((hash = password_hash(r->pool, pw)) == NULL)
		return reply_error(r, ERR_SERVICE_UNAVAILABLE, NULL, NULL);
	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_REGISTER, DB_ARGS(email, hash))) == NULL)
		return r->status;
	if (PQntuples(res) == 1) {
		actor = id = db_int(res, 0, 0);
	} else {
		if ((res = db_query_or_reply(r, SQL_USER_BY_EMAIL, DB_ARGS(email))) == NULL)
			return r->status;
		id = PQntuples(res) ? db_int(res, 0, 0) : 0;
		actor = 0;               /* anonymous */
		action = "auth.register_duplicate";
	}
	d = pool_json_object(r->pool);
	json_object_object_add(d, "email", json_object_new_string(email));
	if (audit_or_reply(r, actor, action, id ? user_target(r, id) : NULL, d) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "email", json_object_new_string(email));
	json_object_object_add(o, "role", json_object_new_string("user"));
	json_object_object_add(o, "tier", json_object_new_string("free"));
	return reply_json(r, 201, o);
}

/* After the checks: rehash when due, forget failures, issue the tokens or
 * the session, audit, commit, reply. */
static int
signed_in(struct req *r, const struct signin_user *u, const char *hash, const char *pw,
          int cookie_session)
{
	const char *rehash = NULL, *cookie = NULL;
	json_object *o, *d;

	if (password_needs_rehash(hash))
		rehash = password_hash(r->pool, pw);   /* NULL: keep the old hash */
	if (db_exec_or_reply(r, SQL_SIGNED_IN, DB_ARGS(db_i64(r->pool, u->id), rehash)) < 0 ||
	    signin_success_or_reply(r, u->email, u->id) < 0)
		return r->status;
	o = cookie_session ? signin_session_or_reply(r, u, &cookie)
	                   : signin_token_pair_or_reply(r, u, NULL, NULL);
	if (o == NULL)
		return r->status;
	d = pool_json_object(r->pool);
	json_object_object_add(d, "via", json_object_new_string(cookie ? "cookie" : "bearer"));
	if (rehash != NULL)
		json_object_object_add(d, "rehashed", json_object_new_boolean(1));
	if (audit_or_reply(r, u->id, "auth.login", signin_email_target(r, u->email), d) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	if (cookie != NULL)
		reply_header(r, "Set-Cookie", cookie);
	return reply_json(r, 200, o);
}

/* Unknown address, wrong password and disabled account give the same 401
 * after the same work; the reason goes to the audit trail only. */
static int
login(struct req *r)
{
	const char *email, *pw, *session, *reason = NULL, *hash = NULL;
	struct signin_user u = { 0 };
	PGresult *res;

	if ((email = email_or_reply(r)) == NULL)
		return r->status;
	session = req_str(r, "session");
	pw = req_str(r, "password");
	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_USER_BY_EMAIL, DB_ARGS(email))) == NULL)
		return r->status;
	if (PQntuples(res) == 1) {
		u = (struct signin_user){ db_int(res, 0, 0), db_text(res, 0, 1),
		                          db_text(res, 0, 3), db_text(res, 0, 4),
		                          db_int(res, 0, 6) };
		hash = db_text(res, 0, 2);
	}
	if (signin_throttle_or_reply(r, email, u.id, "auth.login_failed") != 0)
		return r->status;
	if (u.id == 0) {
		password_verify_dummy(pw);
		reason = "unknown_email";
	} else if (!password_verify(hash, pw)) {
		reason = "wrong_password";
	} else if (strcmp(db_text(res, 0, 5), "t") == 0) {
		reason = "disabled";
	}
	if (reason == NULL)
		return signed_in(r, &u, hash, pw, session != NULL);
	if (signin_failure_or_reply(r, email, u.id, "auth.login_failed", reason) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	return reply_error(r, ERR_UNAUTHORIZED, NULL, "invalid email or password");
}

/* POST /api/auth/refresh {refresh_token}: a new pair, or 401. */
static int
refresh(struct req *r)
{
	json_object *o;

	if ((o = signin_rotate_or_reply(r, req_str(r, "refresh_token"))) == NULL)
		return r->status;
	return reply_json(r, 200, o);
}

static const char *
via_name(const struct req *r)
{
	switch (r->user->via) {
	case AUTH_COOKIE: return "cookie";
	case AUTH_API_KEY: return "api_key";
	default: return "bearer";
	}
}

/* 204; a cookie session ends with the cookie cleared and Clear-Site-Data. */
static int
signed_out(struct req *r)
{
	if (r->user->via == AUTH_COOKIE) {
		reply_header(r, "Clear-Site-Data", "\"cookies\"");
		reply_header(r, "Set-Cookie", auth_clear_cookie());
	}
	return reply_raw(r, 204, NULL, "", 0);
}

/* Sign out: the browser session, or the access token (its jti refused from
 * now until its expiry), and the refresh family of the token in the
 * (optional) body when it is the caller's; logout-all ends every token. */
static int
logout(struct req *r)
{
	const char *t;
	int revoked = 0;
	json_object *d;

	if (db_begin_or_reply(r) < 0)
		return r->status;
	if ((t = req_str(r, "refresh_token")) != NULL &&
	    signin_revoke_family_or_reply(r, r->user->id, t, &revoked) < 0)
		return r->status;
	if (r->user->via == AUTH_COOKIE &&
	    db_exec_or_reply(r, SQL_END_SESSION,
	                     DB_ARGS(db_i64(r->pool, r->user->session_id))) < 0)
		return r->status;
	if (r->user->via == AUTH_BEARER &&
	    db_exec_or_reply(r, SQL_REVOKE_ACCESS_TOKEN,
	                     DB_ARGS(r->user->jti, db_i64(r->pool, r->user->token_exp))) < 0)
		return r->status;
	d = pool_json_object(r->pool);
	json_object_object_add(d, "via", json_object_new_string(via_name(r)));
	json_object_object_add(d, "family_revoked", json_object_new_boolean(revoked));
	if (audit_or_reply(r, 0, "auth.logout", user_target(r, r->user->id), d) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	return signed_out(r);
}

/* The audit details of a revocation (the request's). */
static json_object *
revoked_details(struct req *r, int64_t families, int64_t sessions)
{
	json_object *d = pool_json_object(r->pool);

	json_object_object_add(d, "families_revoked", json_object_new_int64(families));
	json_object_object_add(d, "browsers_signed_out", json_object_new_int64(sessions));
	return d;
}

/* Sign out everywhere: a new token generation kills every access token. */
static int
logout_all(struct req *r)
{
	const char *uid = db_i64(r->pool, r->user->id);
	int64_t families, sessions;

	if (db_begin_or_reply(r) < 0 ||
	    db_exec_or_reply(r, SQL_NEXT_GENERATION, DB_ARGS(uid)) < 0 ||
	    signin_revoke_all_or_reply(r, r->user->id, 0, &families, &sessions) < 0 ||
	    audit_or_reply(r, 0, "auth.logout_all", user_target(r, r->user->id),
	                   revoked_details(r, families, sessions)) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	return signed_out(r);
}

/* GET /api/auth/me: the caller and how they signed in. */
static int
me(struct req *r)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "id", json_object_new_int64(r->user->id));
	json_object_object_add(o, "email", json_object_new_string(r->user->email));
	json_object_object_add(o, "role", json_object_new_string(r->user->role));
	json_object_object_add(o, "tier", json_object_new_string(r->user->tier));
	json_object_object_add(o, "created_at", json_object_new_string(r->user->created_at));
	json_object_object_add(o, "auth", json_object_new_string(via_name(r)));
	return reply_json(r, 200, o);
}

/* A wrong current password: counted like a failed sign-in; 401. */
static int
wrong_current(struct req *r)
{
	if (signin_failure_or_reply(r, r->user->email, r->user->id,
	                            "auth.password_change_failed", "wrong_password") < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	return reply_error(r, ERR_UNAUTHORIZED, "current_password",
	                   "current_password is not correct");
}

/* A new password ends every other sign-in: bearer callers get a fresh pair,
 * a cookie session keeps its session. */
static int
change_password(struct req *r)
{
	const char *cur, *pw, *why, *hash, *uid = db_i64(r->pool, r->user->id);
	int cookie = r->user->via == AUTH_COOKIE;
	struct signin_user u;
	int64_t families, sessions;
	json_object *o;
	PGresult *res;

	cur = req_str(r, "current_password");
	pw = req_str(r, "new_password");
	if ((why = password_weakness(pw, r->user->email)) != NULL)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "new_password",
		                    "new_password %s", why);
	if (strcmp(cur, pw) == 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "new_password",
		                   "new_password must differ from the current password");
	/* the user row first, as every revocation does */
	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_PASSWORD_OF, DB_ARGS(uid))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_UNAUTHORIZED, NULL, NULL);
	if (signin_throttle_or_reply(r, r->user->email, r->user->id,
	                             "auth.password_change_failed") != 0)
		return r->status;
	if (!password_verify(db_text(res, 0, 0), cur))
		return wrong_current(r);
	if ((hash = password_hash(r->pool, pw)) == NULL)
		return reply_error(r, ERR_SERVICE_UNAVAILABLE, NULL, NULL);
	if ((res = db_query_or_reply(r, SQL_NEW_PASSWORD, DB_ARGS(uid, hash))) == NULL ||
	    signin_revoke_all_or_reply(r, r->user->id, cookie ? r->user->session_id : 0,
	                               &families, &sessions) < 0)
		return r->status;
	u = (struct signin_user){ r->user->id, r->user->email, r->user->role, r->user->tier,
	                          db_int(res, 0, 0) };
	o = cookie ? pool_json_object(r->pool) : signin_token_pair_or_reply(r, &u, NULL, NULL);
	if (o == NULL)
		return r->status;
	json_object_object_add(o, "password_changed", json_object_new_boolean(1));
	if (audit_or_reply(r, 0, "auth.password_changed", user_target(r, r->user->id),
	                   revoked_details(r, families, sessions)) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	return reply_json(r, 200, o);
}
