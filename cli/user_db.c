/* user_db.c: the users table for the operator's commands, each change in
 * one transaction with its audit row. */
#include "user.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "db.h"
#include "db_cmd.h"
#include "pool.h"
#include "valid.h"

#define USER_COLS "id, email, role, tier, disabled, " DB_TIME("created_at") ", " \
	DB_TIME("last_login_at") ", password_hash"
#define SQL_BY_ID "SELECT " USER_COLS " FROM users WHERE id = $1::bigint"
#define SQL_BY_EMAIL "SELECT " USER_COLS " FROM users WHERE lower(email) = lower($1)"
#define SQL_INSERT \
	"INSERT INTO users (email, password_hash, role, tier) VALUES ($1, $2, $3, $4) " \
	"RETURNING " USER_COLS
#define SQL_UPDATE \
	"UPDATE users SET tier = coalesce($2, tier), role = coalesce($3, role), " \
	"disabled = coalesce($4::boolean, disabled), updated_at = now(), " \
	"token_generation = token_generation + $5::int WHERE id = $1::bigint " \
	"RETURNING " USER_COLS
#define SQL_REVOKE_SESSIONS \
	"UPDATE sessions SET revoked_at = now() WHERE user_id = $1::bigint AND revoked_at IS NULL"
#define SQL_REVOKE_REFRESH \
	"UPDATE refresh_tokens SET revoked_at = now() " \
	"WHERE user_id = $1::bigint AND revoked_at IS NULL"
#define SQL_AUDIT \
	"INSERT INTO audit_log (actor_id, action, target, details) " \
	"VALUES (NULL, $1, $2, $3::jsonb)"
#define UNIQUE_VIOLATION "23505"

PGconn *
usercmd_connect(const char *what)
{
	char err[1024];
	PGconn *c = dbcmd_connect("DATABASE_URL", NULL, err, sizeof(err));

	if (c == NULL)
		dbcmd_fail(what, "%s", err);
	return c;
}

static void
user_from_row(struct pool *p, const PGresult *res, struct usercmd_user *u)
{
	u->id = pool_strdup(p, PQgetvalue(res, 0, 0));
	u->email = pool_strdup(p, PQgetvalue(res, 0, 1));
	u->role = pool_strdup(p, PQgetvalue(res, 0, 2));
	u->tier = pool_strdup(p, PQgetvalue(res, 0, 3));
	u->disabled = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	u->created_at = pool_strdup(p, PQgetvalue(res, 0, 5));
	u->last_login_at = PQgetisnull(res, 0, 6) ? NULL : pool_strdup(p, PQgetvalue(res, 0, 6));
	u->password_hash = pool_strdup(p, PQgetvalue(res, 0, 7));
}

/* Find who, locking the row when lock (inside a transaction): 0, 1 when
 * there is none (not printed), -1 (printed). */
static int
find(struct pool *p, PGconn *c, const char *what, const char *who, int lock,
     struct usercmd_user *u)
{
	int by_id = valid_i64(who, 1, INT64_MAX, NULL) == 0;
	const char *key = by_id ? who : account_normalize_email(p, who);
	const char *sql = by_id ? SQL_BY_ID : SQL_BY_EMAIL;
	PGresult *res;
	int n;

	if (key == NULL)
		return 1;   /* neither an id nor an address: nobody */
	if (lock)
		sql = pool_printf(p, "%s FOR UPDATE", sql);
	if ((res = dbcmd_exec(c, what, sql, 1, &key)) == NULL)
		return -1;
	n = PQntuples(res);
	if (n == 1)
		user_from_row(p, res, u);
	PQclear(res);
	return n == 1 ? 0 : 1;
}

int
usercmd_find(struct pool *p, PGconn *c, const char *what, const char *who,
             struct usercmd_user *u)
{
	return find(p, c, what, who, 0, u);
}

/* Insert the audit row of a command: details (taken over) gain via and
 * os_user. 0 or -1 (printed). */
static int
audit(PGconn *c, const char *what, const char *action, const char *target,
      json_object *details)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *sudo = getenv("SUDO_USER");
	const char *args[3];
	int rc;

	json_object_object_add(details, "via", json_object_new_string("cli"));
	json_object_object_add(details, "os_user", pw ? json_object_new_string(pw->pw_name)
	                       : json_object_new_int64((int64_t)geteuid()));
	if (sudo != NULL && *sudo != '\0' && valid_text(sudo, 1, 64, 256) == 0)
		json_object_object_add(details, "sudo_user", json_object_new_string(sudo));
	args[0] = action;
	args[1] = target;
	args[2] = json_object_to_json_string_ext(details, JSON_C_TO_STRING_PLAIN);
	rc = dbcmd_run(c, what, SQL_AUDIT, 3, args);
	json_object_put(details);
	return rc;
}

static void
rollback(PGconn *c)
{
	PQclear(PQexec(c, "ROLLBACK"));
}

int
usercmd_insert(struct pool *p, PGconn *c, const char *what, const char *email,
               const char *hash, const char *role, const char *tier,
               json_object *extra, struct usercmd_user *u)
{
	const char *args[] = { email, hash, role, tier };
	json_object *details = extra ? extra : json_object_new_object();
	PGresult *res;

	if (dbcmd_run(c, what, "BEGIN", 0, NULL) < 0) {
		json_object_put(details);
		return -1;
	}
	res = PQexecParams(c, SQL_INSERT, 4, NULL, args, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		int taken = state != NULL && strcmp(state, UNIQUE_VIOLATION) == 0;
		char msg[1024];

		if (taken) {
			dbcmd_fail(what, "that email is taken");
		} else {
			dbcmd_result_error(res, NULL, msg, sizeof(msg));
			dbcmd_fail(what, "%s", msg);
		}
		PQclear(res);
		rollback(c);
		json_object_put(details);
		return taken ? 1 : -1;
	}
	user_from_row(p, res, u);
	PQclear(res);
	json_object_object_add(details, "email", json_object_new_string(u->email));
	json_object_object_add(details, "role", json_object_new_string(u->role));
	json_object_object_add(details, "tier", json_object_new_string(u->tier));
	if (audit(c, what, "admin.user_created", pool_printf(p, "user:%s", u->id), details) < 0 ||
	    dbcmd_run(c, what, "COMMIT", 0, NULL) < 0) {
		rollback(c);
		return -1;
	}
	return 0;
}

/* {"before": b, "after": a} under field of changes when they differ. */
static void
note(json_object *changes, const char *field, json_object *b, json_object *a)
{
	json_object *ch;

	if (json_object_equal(b, a)) {
		json_object_put(b);
		json_object_put(a);
		return;
	}
	ch = json_object_new_object();
	json_object_object_add(ch, "before", b);
	json_object_object_add(ch, "after", a);
	json_object_object_add(changes, field, ch);
}

/* Revoke the sessions and refresh tokens of id, noting the counts. */
static int
revoke_all(PGconn *c, const char *what, const char *id, json_object *details)
{
	PGresult *s = dbcmd_exec(c, what, SQL_REVOKE_SESSIONS, 1, &id);
	PGresult *t = s ? dbcmd_exec(c, what, SQL_REVOKE_REFRESH, 1, &id) : NULL;
	json_object *revoked;

	if (t != NULL) {
		revoked = json_object_new_object();
		json_object_object_add(revoked, "web", json_object_new_int64(atoll(PQcmdTuples(s))));
		json_object_object_add(revoked, "refresh",
		                       json_object_new_int64(atoll(PQcmdTuples(t))));
		json_object_object_add(details, "revoked", revoked);
	}
	PQclear(s);
	PQclear(t);
	return t != NULL ? 0 : -1;
}

int
usercmd_update(struct pool *p, PGconn *c, const char *what, const char *who,
               const struct usercmd_change *ch, struct usercmd_user *before,
               struct usercmd_user *after)
{
	struct usercmd_user b;
	json_object *details, *changes;
	const char *args[5];
	PGresult *res;
	int rc, disabling;

	if (dbcmd_run(c, what, "BEGIN", 0, NULL) < 0)
		return -1;
	if ((rc = find(p, c, what, who, 1, &b)) != 0) {
		if (rc == 1)
			dbcmd_fail(what, "no user %s", who);
		rollback(c);
		return rc;
	}
	disabling = ch->disabled == 1 && !b.disabled;
	args[0] = b.id;
	args[1] = ch->tier;
	args[2] = ch->role;
	args[3] = ch->disabled < 0 ? NULL : ch->disabled ? "true" : "false";
	args[4] = disabling || (ch->role && strcmp(ch->role, b.role) != 0) ? "1" : "0";
	if ((res = dbcmd_exec(c, what, SQL_UPDATE, 5, args)) == NULL) {
		rollback(c);
		return -1;
	}
	user_from_row(p, res, after);
	PQclear(res);
	details = json_object_new_object();
	changes = json_object_new_object();
	json_object_object_add(details, "changes", changes);
	note(changes, "tier", json_object_new_string(b.tier), json_object_new_string(after->tier));
	note(changes, "role", json_object_new_string(b.role), json_object_new_string(after->role));
	note(changes, "disabled", json_object_new_boolean(b.disabled),
	     json_object_new_boolean(after->disabled));
	if (disabling && revoke_all(c, what, b.id, details) < 0) {
		json_object_put(details);
		rollback(c);
		return -1;
	}
	if (audit(c, what, "admin.user_updated", pool_printf(p, "user:%s", b.id), details) < 0 ||
	    dbcmd_run(c, what, "COMMIT", 0, NULL) < 0) {
		rollback(c);
		return -1;
	}
	if (before != NULL)
		*before = b;
	return 0;
}
