/* apikeys.c: a user's API keys. The secret ("es_" + 256 random bits) is
 * shown once, when the key is created; the database keeps its token_hash()
 * and a short prefix to recognise it by. */
#include "app.h"

#include <string.h>

#include "reply_rows.h"
#include "token.h"

static int create_key(struct req *r);
static int list_keys(struct req *r);
static int revoke_key(struct req *r);

#define KEYS_MAX 20             /* active keys per user */
#define NAME_MAX_CHARS 100
#define PREFIX_LEN (sizeof(AUTH_API_KEY_PREFIX) - 1 + 8)

/* The user row is locked so two creations cannot both pass the cap. */
static const char SQL_ACTIVE_KEYS[] =
	"SELECT (SELECT count(*) FROM api_keys WHERE user_id = u.id AND revoked_at IS NULL) "
	"FROM users u WHERE u.id = $1 FOR UPDATE";

static const char SQL_NEW_KEY[] =
	"INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes) "
	"VALUES ($1, $2, $3, $4, string_to_array($5, ',')) "
	"RETURNING id, " DB_TIME("created_at");

static const char SQL_KEYS[] =
	"SELECT id, name, prefix, array_to_string(scopes, ','), " DB_TIME("created_at") ", "
	"       " DB_TIME("last_used_at") ", " DB_TIME("revoked_at") " "
	"FROM api_keys WHERE user_id = $1 ORDER BY id LIMIT 500";

static const char SQL_REVOKE[] =
	"UPDATE api_keys SET revoked_at = now() "
	"WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING prefix";

static const char SQL_OWN_KEY[] =
	"SELECT 1 FROM api_keys WHERE id = $1 AND user_id = $2";

static const char *const scope_names[] = { "read", "write", "export", "ingest", NULL };

static const struct param create_body[] = {
	{ .name = "name", .type = PARAM_TEXT, .required = 1, .min = 1, .max = NAME_MAX_CHARS,
	  .desc = "what the key is for" },
	{ .name = "scopes", .type = PARAM_LIST, .required = 1, .min = 1, .max = 4,
	  .values = scope_names, .desc = "what the key may do" },
	{ 0 }
};

#define KEY_FIELDS "id:int, name:str, prefix:str, scopes:[str(read|write|export|ingest)]"

static const struct route routes[] = {
	{ .method = "POST", .path = "/api/auth/api-keys", .handler = create_key,
	  .flags = NEED_AUTH | NO_API_KEY | NEED_JSON, .body = create_body, .status = 201,
	  .reply = "{" KEY_FIELDS ", created_at:str, key:str}",
	  .summary = "a new API key; its secret is shown this once" },
	{ .method = "GET", .path = "/api/auth/api-keys", .handler = list_keys,
	  .flags = NEED_AUTH | NO_API_KEY,
	  .reply = SHAPE_PAGE("{" KEY_FIELDS ", created_at:str?, last_used_at:str?, "
	                      "revoked:bool, revoked_at:str?}"),
	  .summary = "the caller's API keys (one page: at most 500)" },
	{ .method = "DELETE", .path = "/api/auth/api-keys/{id}", .handler = revoke_key,
	  .flags = NEED_AUTH | NO_API_KEY, .status = 204, .summary = "revoke a key" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* scopes as a JSON array in the canonical order, from a bit set. */
static json_object *
scopes_json(unsigned bits)
{
	static const char *const names[] = { "read", "write", "export", "ingest" };
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bits & (unsigned)auth_scope_bit(names[i]))
			json_object_array_add(a, json_object_new_string(names[i]));
	return a;
}

/* The bits of the scopes member (distinct known names: the contract). */
static unsigned
scope_bits(const struct req *r)
{
	const char **v;
	int n = req_list(r, "scopes", &v);
	unsigned bits = 0;

	for (int i = 0; i < n; i++)
		bits |= (unsigned)auth_scope_bit(v[i]);
	return bits;
}

/* POST /api/auth/api-keys {name, scopes}: 201 with the secret, shown once;
 * 409 past KEYS_MAX. */
static int
create_key(struct req *r)
{
	const char *name = req_str(r, "name"), *key, *prefix, *hash, *scopes;
	const char *uid = db_i64(r->pool, r->user->id);
	json_object *o, *d;
	PGresult *res;
	unsigned bits = scope_bits(r);

	scopes = auth_scope_names(r, bits);
	key = token_new(r->pool, AUTH_API_KEY_PREFIX, 32);
	prefix = pool_strndup(r->pool, key, PREFIX_LEN);
	if ((hash = token_hash(r->pool, key)) == NULL)
		return reply_error(r, ERR_INTERNAL, NULL, NULL);
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if ((res = db_query_or_reply(r, SQL_ACTIVE_KEYS, DB_ARGS(uid))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_UNAUTHORIZED, NULL, NULL);
	if (db_int(res, 0, 0) >= KEYS_MAX)
		return reply_errorf(r, ERR_CONFLICT, NULL,
		                    "at most %d active API keys; revoke one first", KEYS_MAX);
	res = db_query_or_reply(r, SQL_NEW_KEY, DB_ARGS(uid, name, prefix, hash, scopes));
	if (res == NULL)
		return r->status;
	d = pool_json_object(r->pool);
	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "prefix", json_object_new_string(prefix));
	json_object_object_add(d, "scopes", scopes_json(bits));
	if (audit_or_reply(r, 0, "apikey.created",
	                   pool_printf(r->pool, "api_key:%s", db_text(res, 0, 0)), d) < 0 ||
	    db_commit_or_reply(r) < 0)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "id", json_object_new_int64(db_int(res, 0, 0)));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "prefix", json_object_new_string(prefix));
	json_object_object_add(o, "scopes", scopes_json(bits));
	json_object_object_add(o, "created_at", json_object_new_string(db_text(res, 0, 1)));
	json_object_object_add(o, "key", json_object_new_string(key));
	return reply_json(r, 201, o);
}

/* A key of SQL_KEYS as the list shows it, with its scopes (column 3). */
static const struct reply_col KEY_COLS[] = {
	{ "id",           0, RCOL_INT,  0 },
	{ "name",         1, RCOL_TEXT, 0 },
	{ "prefix",       2, RCOL_TEXT, 0 },
	{ "created_at",   4, RCOL_TEXT, RCOL_NULLABLE },
	{ "last_used_at", 5, RCOL_TEXT, RCOL_NULLABLE },
	{ "revoked_at",   6, RCOL_TEXT, RCOL_NULLABLE },
	{ NULL }
};

/* GET /api/auth/api-keys: the caller's keys, revoked ones too, in one page. */
static int
list_keys(struct req *r)
{
	PGresult *res = db_query_or_reply(r, SQL_KEYS, DB_ARGS(db_i64(r->pool, r->user->id)));
	json_object *keys;

	if (res == NULL)
		return r->status;
	keys = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_object *k = reply_row_json(res, i, KEY_COLS);
		unsigned bits = 0;
		char *s = pool_strdup(r->pool, db_text(res, i, 3));

		for (char *name = strtok(s, ","); name != NULL; name = strtok(NULL, ","))
			if (auth_scope_bit(name) > 0)
				bits |= (unsigned)auth_scope_bit(name);
		json_object_object_add(k, "scopes", scopes_json(bits));
		json_object_object_add(k, "revoked",
		                       json_object_new_boolean(!PQgetisnull(res, i, 6)));
		json_object_array_add(keys, k);
	}
	return reply_page(r, keys, NULL);
}

/* Revoke one of the caller's keys; others' keys and unknown ids are 404,
 * an already revoked key of the caller's 204 again. */
static int
revoke_key(struct req *r)
{
	const char *id, *uid = db_i64(r->pool, r->user->id);
	json_object *d;
	PGresult *res;
	int64_t n;

	if (req_path_i64_or_reply(r, "id", &n) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if ((res = db_query_or_reply(r, SQL_REVOKE, DB_ARGS(id, uid))) == NULL)
		return r->status;
	if (PQntuples(res) == 0) {
		if ((res = db_query_or_reply(r, SQL_OWN_KEY, DB_ARGS(id, uid))) == NULL)
			return r->status;
		return PQntuples(res) ? reply_raw(r, 204, NULL, "", 0)
		                      : reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	}
	d = pool_json_object(r->pool);
	json_object_object_add(d, "prefix", json_object_new_string(db_text(res, 0, 0)));
	if (audit_or_reply(r, 0, "apikey.revoked",
	                   pool_printf(r->pool, "api_key:%s", id), d) < 0)
		return r->status;
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_raw(r, 204, NULL, "", 0);
}
