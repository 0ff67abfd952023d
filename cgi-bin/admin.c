/* admin.c: user management, for admins only (the audit trail is audit_log.c). */
#include "app.h"

#include <string.h>

#include "reply_rows.h"

#define USER_COLS "id, email, role, tier, disabled, " DB_TIME("created_at") ", " \
	DB_TIME("last_login_at")

#define SQL_USERS \
	"SELECT " USER_COLS " FROM users " \
	"WHERE ($1::text IS NULL OR lower(email) LIKE lower($1) ESCAPE '\\') " \
	"AND ($2::text IS NULL OR role = $2) AND ($3::text IS NULL OR tier = $3) " \
	"AND ($4::boolean IS NULL OR disabled = $4) AND id > $5::bigint " \
	"ORDER BY id LIMIT $6::int"
#define SQL_USER_EXISTS "SELECT 1 FROM users WHERE id = $1::bigint"
#define SQL_LOCK_USER "SELECT " USER_COLS " FROM users WHERE id = $1::bigint FOR UPDATE"
/* A role change or disabling bumps the token generation: the user's access
 * tokens die at once instead of living on with stale claims. */
#define SQL_UPDATE_USER \
	"UPDATE users SET tier = coalesce($2, tier), role = coalesce($3, role), " \
	"disabled = coalesce($4::boolean, disabled), updated_at = now(), " \
	"token_generation = token_generation + $5::int " \
	"WHERE id = $1::bigint RETURNING " USER_COLS
#define SQL_REVOKE_SESSIONS \
	"UPDATE sessions SET revoked_at = now() WHERE user_id = $1::bigint AND revoked_at IS NULL"
#define SQL_REVOKE_REFRESH \
	"UPDATE refresh_tokens SET revoked_at = now() " \
	"WHERE user_id = $1::bigint AND revoked_at IS NULL"

/* A user as the API shows one. */
#define USER "{id:int, email:str, role:str(user|admin), tier:str(free|pro), " \
	"disabled:bool, created_at:str?, last_login_at:str?}"

#define PAGE_DEFAULT 50
#define PAGE_MAX 100

static int users_list(struct req *r);
static int user_patch(struct req *r);

static const char *const roles[] = { "user", "admin", NULL };
static const char *const tiers[] = { "free", "pro", NULL };
static const char *const bools[] = { "true", "false", NULL };

static const struct param users_query[] = {
	{ .name = "email", .type = PARAM_TEXT, .min = 1, .max = VALID_EMAIL_MAX,
	  .desc = "users whose e-mail starts with this, ignoring case" },
	{ .name = "role", .type = PARAM_ENUM, .values = roles, .desc = "only this role" },
	{ .name = "tier", .type = PARAM_ENUM, .values = tiers, .desc = "only this tier" },
	{ .name = "disabled", .type = PARAM_ENUM, .values = bools,
	  .desc = "only disabled (true) or enabled (false) users" },
	PARAM_PAGE(PAGE_MAX),
	{ 0 }
};

static const struct param patch_body[] = {
	{ .name = "tier", .type = PARAM_ENUM, .values = tiers, .desc = "the new tier" },
	{ .name = "role", .type = PARAM_ENUM, .values = roles, .desc = "the new role" },
	{ .name = "disabled", .type = PARAM_BOOL,
	  .desc = "disable (revoking every session) or enable the account" },
	{ 0 }
};

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/admin/users", .handler = users_list,
	  .flags = NEED_ADMIN | NO_API_KEY, .query = users_query, .reply = SHAPE_PAGE(USER),
	  .summary = "users, filtered, a page at a time" },
	{ .method = "PATCH", .path = "/api/admin/users/{id}", .handler = user_patch,
	  .flags = NEED_ADMIN | NO_API_KEY | NEED_JSON, .body = patch_body, .reply = USER,
	  .summary = "change a user's tier, role or disabled state" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* A LIKE pattern matching strings that start with s: its wildcards and the
 * escape character escaped with a backslash, then '%'. */
static const char *
like_prefix(struct pool *p, const char *s)
{
	char *out = pool_alloc(p, strlen(s) * 2 + 2), *o = out;

	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

/* A row of USER_COLS as the API shows a user. */
static const struct reply_col USER_JSON[] = {
	{ "id",            0, RCOL_INT,  0 },
	{ "email",         1, RCOL_TEXT, 0 },
	{ "role",          2, RCOL_TEXT, 0 },
	{ "tier",          3, RCOL_TEXT, 0 },
	{ "disabled",      4, RCOL_BOOL, 0 },
	{ "created_at",    5, RCOL_TEXT, RCOL_NULLABLE },
	{ "last_login_at", 6, RCOL_TEXT, RCOL_NULLABLE },
	{ NULL }
};

/* GET /api/admin/users?email=&role=&tier=&disabled=&limit=&cursor= */
static int
users_list(struct req *r)
{
	const char *email = req_str(r, "email");
	int64_t limit = req_int(r, "limit", PAGE_DEFAULT), after = req_int(r, "cursor", 0);
	json_object *users;
	PGresult *res;

	if (page_cursor_or_reply(r, SQL_USER_EXISTS, after, NULL) < 0)
		return r->status;
	res = db_query_or_reply(r, SQL_USERS, DB_ARGS(email ? like_prefix(r->pool, email) : NULL,
	                        req_str(r, "role"), req_str(r, "tier"), req_str(r, "disabled"),
	                        db_i64(r->pool, after), db_i64(r->pool, limit + 1)));
	if (res == NULL)
		return r->status;
	users = reply_rows_json(res, (int)limit, USER_JSON);
	return reply_page(r, users, PQntuples(res) > limit ?
	                  db_text(res, (int)limit - 1, 0) : NULL);
}

struct patch {
	const char *tier, *role;
	int disabled;             /* -1: not given */
};

/* The body of a PATCH (checked by the contract): at least one field. */
static int
patch_body_or_reply(struct req *r, struct patch *c)
{
	c->tier = req_str(r, "tier");
	c->role = req_str(r, "role");
	c->disabled = req_bool(r, "disabled", -1);
	if (c->tier == NULL && c->role == NULL && c->disabled < 0)
		return reply_error(r, ERR_VALIDATION_FAILED, NULL,
		                   "give at least one of tier, role and disabled"), -1;
	return 0;
}

/* Add {"before": b, "after": a} under field to changes when they differ. */
static void
note_change(json_object *changes, const char *field, const char *b, const char *a)
{
	json_object *c;

	if (strcmp(a, b) == 0)
		return;
	c = json_object_new_object();
	if (strcmp(field, "disabled") == 0) {
		json_object_object_add(c, "before", json_object_new_boolean(strcmp(b, "t") == 0));
		json_object_object_add(c, "after", json_object_new_boolean(strcmp(a, "t") == 0));
	} else {
		json_object_object_add(c, "before", json_object_new_string(b));
		json_object_object_add(c, "after", json_object_new_string(a));
	}
	json_object_object_add(changes, field, c);
}

/* Revoke the browser sessions and refresh tokens of user id (inside the
 * update's transaction), noting the counts in details ("revoked": {"web",
 * "refresh"}: audit details redact keys that look secret); -1 after replying. */
static int
revoke_all_or_reply(struct req *r, const char *id, json_object *details)
{
	int64_t sessions = db_exec_or_reply(r, SQL_REVOKE_SESSIONS, DB_ARGS(id));
	int64_t refresh = sessions < 0 ? -1 : db_exec_or_reply(r, SQL_REVOKE_REFRESH, DB_ARGS(id));
	json_object *revoked;

	if (refresh < 0)
		return -1;
	revoked = json_object_new_object();
	json_object_object_add(revoked, "web", json_object_new_int64(sessions));
	json_object_object_add(revoked, "refresh", json_object_new_int64(refresh));
	json_object_object_add(details, "revoked", revoked);
	return 0;
}

/* PATCH /api/admin/users/{id} {tier?, role?, disabled?}: the update and its
 * audit row in one transaction; disabling revokes every session. */
static int
user_patch(struct req *r)
{
	struct patch c;
	int64_t id;
	const char *ids, *bump;
	PGresult *before, *after;
	json_object *details, *changes;
	int disabling;

	if (req_path_i64_or_reply(r, "id", &id) < 0 || patch_body_or_reply(r, &c) < 0)
		return r->status;
	if (id == r->user->id && c.disabled == 1)
		return reply_error(r, ERR_VALIDATION_FAILED, "disabled",
		                   "you cannot disable your own account");
	if (id == r->user->id && c.role != NULL && strcmp(c.role, "admin") != 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "role",
		                   "you cannot remove your own admin role");
	ids = db_i64(r->pool, id);
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if ((before = db_query_or_reply(r, SQL_LOCK_USER, DB_ARGS(ids))) == NULL)
		return r->status;
	if (PQntuples(before) == 0) {
		db_rollback(r->pool);
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such user");
	}
	disabling = c.disabled == 1 && strcmp(db_text(before, 0, 4), "f") == 0;
	bump = disabling || (c.role && strcmp(c.role, db_text(before, 0, 2)) != 0) ? "1" : "0";
	after = db_query_or_reply(r, SQL_UPDATE_USER, DB_ARGS(ids, c.tier, c.role,
	        c.disabled < 0 ? NULL : c.disabled ? "true" : "false", bump));
	if (after == NULL || PQntuples(after) != 1)
		return after ? reply_error(r, ERR_INTERNAL, NULL, NULL) : r->status;
	details = pool_json_object(r->pool);
	changes = json_object_new_object();
	json_object_object_add(details, "changes", changes);
	note_change(changes, "tier", db_text(before, 0, 3), db_text(after, 0, 3));
	note_change(changes, "role", db_text(before, 0, 2), db_text(after, 0, 2));
	note_change(changes, "disabled", db_text(before, 0, 4), db_text(after, 0, 4));
	if (disabling && revoke_all_or_reply(r, ids, details) < 0)
		return r->status;
	if (audit_or_reply(r, 0, "admin.user_updated", pool_printf(r->pool, "user:%s", ids),
	                   details) < 0)
		return r->status;
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_json(r, 200, pool_json(r->pool, reply_row_json(after, 0, USER_JSON)));
}
