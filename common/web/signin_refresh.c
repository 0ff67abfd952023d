/* signin_refresh.c: refresh-token rotation and revocation (RFC 9700 4.14).
 *
 * Locks, always taken in this order so that no two requests deadlock: the
 * family's advisory lock, the user row, the token rows. Rotation holds the
 * user row FOR SHARE, so a logout-all or password change (which update that
 * row first) either waits for it or is waited for, and never misses the
 * token it creates. */
#include "signin.h"

#include <string.h>

#include "audit.h"
#include "db.h"
#include "db_reply.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "token.h"

/* The token's family, locked: rotation, reuse and sign-out of one family
 * never interleave. */
static const char SQL_FAMILY[] =
	"SELECT family, user_id, "
	"       pg_advisory_xact_lock(hashtextextended('refresh:' || family, 0)) "
	"FROM refresh_tokens WHERE token_hash = $1";

static const char SQL_USER[] =
	"SELECT email, role, tier, disabled, token_generation FROM users "
	"WHERE id = $1 FOR SHARE";

static const char SQL_TOKEN[] =
	"SELECT id, expires_at, used_at IS NOT NULL, revoked_at IS NOT NULL, "
	"       expires_at <= now() "
	"FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE";

static const char SQL_USED[] =
	"UPDATE refresh_tokens SET used_at = now() WHERE id = $1";

static const char SQL_REVOKE_FAMILY[] =
	"UPDATE refresh_tokens SET revoked_at = now() "
	"WHERE family = $1 AND revoked_at IS NULL";

static const char SQL_USER_FAMILY[] =
	"SELECT family, "
	"       pg_advisory_xact_lock(hashtextextended('refresh:' || family, 0)) "
	"FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2";

static const char SQL_REVOKE_ALL[] =
	"WITH f AS (UPDATE refresh_tokens SET revoked_at = now() "
	"           WHERE user_id = $1 AND revoked_at IS NULL RETURNING family), "
	"     s AS (UPDATE sessions SET revoked_at = now() "
	"           WHERE user_id = $1 AND revoked_at IS NULL AND id <> $2 RETURNING id) "
	"SELECT (SELECT count(DISTINCT family) FROM f), (SELECT count(*) FROM s)";

static json_object *
refused(struct req *r)
{
	reply_error(r, ERR_UNAUTHORIZED, "refresh_token", "the refresh token is not valid");
	return NULL;
}

static int
is_true(const PGresult *res, int col)
{
	return strcmp(db_text(res, 0, col), "t") == 0;
}

/* A used token came back: revoke its family, audit, commit, refuse. */
static json_object *
reused(struct req *r, int64_t user_id, const char *family)
{
	json_object *d;
	int64_t n;

	if ((n = db_exec_or_reply(r, SQL_REVOKE_FAMILY, DB_ARGS(family))) < 0)
		return NULL;
	d = pool_json_object(r->pool);
	json_object_object_add(d, "family", json_object_new_string(family));
	json_object_object_add(d, "revoked", json_object_new_int64(n));
	if (audit_or_reply(r, user_id, "auth.refresh_reuse",
	                   pool_printf(r->pool, "user:%lld", (long long)user_id), d) < 0)
		return NULL;
	if (db_commit_or_reply(r) < 0)
		return NULL;
	return refused(r);
}

json_object *
signin_rotate_or_reply(struct req *r, const char *t)
{
	struct signin_user u = { 0 };
	const char *hash = token_hash(r->pool, t), *family;
	PGresult *fam, *usr, *tok;
	json_object *o;

	if (hash == NULL) {
		reply_error(r, ERR_INTERNAL, NULL, NULL);
		return NULL;
	}
	if (db_begin_or_reply(r) < 0)
		return NULL;
	if ((fam = db_query_or_reply(r, SQL_FAMILY, DB_ARGS(hash))) == NULL)
		return NULL;
	if (PQntuples(fam) != 1)
		return refused(r);
	family = db_text(fam, 0, 0);
	u.id = db_int(fam, 0, 1);
	if ((usr = db_query_or_reply(r, SQL_USER, DB_ARGS(db_text(fam, 0, 1)))) == NULL ||
	    (tok = db_query_or_reply(r, SQL_TOKEN, DB_ARGS(hash))) == NULL)
		return NULL;
	if (PQntuples(usr) != 1 || PQntuples(tok) != 1)
		return refused(r);
	if (is_true(tok, 2))
		return reused(r, u.id, family);
	if (is_true(tok, 3) || is_true(tok, 4) || is_true(usr, 3))
		return refused(r);       /* revoked, expired, or the user disabled */
	u.email = db_text(usr, 0, 0);
	u.role = db_text(usr, 0, 1);
	u.tier = db_text(usr, 0, 2);
	u.generation = db_int(usr, 0, 4);
	if (db_exec_or_reply(r, SQL_USED, DB_ARGS(db_text(tok, 0, 0))) < 0 ||
	    (o = signin_token_pair_or_reply(r, &u, family, db_text(tok, 0, 1))) == NULL)
		return NULL;
	if (db_commit_or_reply(r) < 0)
		return NULL;
	return o;
}

int
signin_revoke_family_or_reply(struct req *r, int64_t user_id, const char *t, int *revoked)
{
	const char *hash = token_hash(r->pool, t);
	PGresult *res;
	int64_t n = 0;

	*revoked = 0;
	if (hash == NULL) {
		reply_error(r, ERR_INTERNAL, NULL, NULL);
		return -1;
	}
	res = db_query_or_reply(r, SQL_USER_FAMILY, DB_ARGS(hash, db_i64(r->pool, user_id)));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1 &&
	    (n = db_exec_or_reply(r, SQL_REVOKE_FAMILY, DB_ARGS(db_text(res, 0, 0)))) < 0)
		return -1;
	*revoked = n > 0;
	return 0;
}

int
signin_revoke_all_or_reply(struct req *r, int64_t user_id, int64_t keep_session,
                           int64_t *families, int64_t *sessions)
{
	PGresult *res = db_query_or_reply(r, SQL_REVOKE_ALL,
		DB_ARGS(db_i64(r->pool, user_id), db_i64(r->pool, keep_session)));

	if (res == NULL)
		return -1;
	*families = db_int(res, 0, 0);
	*sessions = db_int(res, 0, 1);
	return 0;
}
