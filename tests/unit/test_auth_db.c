/* test_auth_db.c: request authentication, scopes, CSRF and quotas in the
 * app loop, against the test stack's database (tests named *_db get its
 * EDGESCOUT_ENV_FILE). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <time.h>

#include "harness.h"
#include "jwt.h"
#include "token.h"
#include <sodium.h>
#include <unistd.h>

static struct pool *pool;
static int64_t user_id;
static char email[64];

static int
whoami(struct req *r)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "id", json_object_new_int64(r->user->id));
	json_object_object_add(o, "via", json_object_new_int(r->user->via));
	return reply_json(r, 200, o);
}

static const struct route routes[] = {
	{ "GET",  "/me",      whoami, NEED_AUTH },
	{ "POST", "/me",      whoami, NEED_AUTH },
	{ "GET",  "/admin",   whoami, NEED_ADMIN },
	{ "GET",  "/session", whoami, NEED_AUTH | NO_API_KEY },
	{ "GET",  "/export",  whoami, NEED_SCOPE(SCOPE_EXPORT) },
	{ "GET",  "/run",     whoami, NEED_AUTH, "run" },
	{ 0 }
};

static struct fake *
call(const char *method, const char *uri, const char *header, const char *value)
{
	struct fake *f = fake_new(method, uri);

	if (header)
		fake_param(f, header, value);
	fake_run(f, routes);
	return f;
}

static int
status_of(const char *method, const char *uri, const char *header, const char *value)
{
	struct fake *f = call(method, uri, header, value);
	int status = f->status;

	fake_free(f);
	return status;
}

static const char *
bearer(int64_t gen, int64_t exp_offset)
{
	struct jwt_claims c = { .sub = user_id, .gen = gen, .tier = "free", .role = "user" };
	int64_t now = (int64_t)time(NULL);

	c.iat = c.nbf = now;
	c.exp = now + exp_offset;
	return pool_printf(pool, "Bearer %s", jwt_sign(pool, &c));
}

static void
sql(const char *q, const char *a, const char *b)
{
	if (b != NULL)
		assert_non_null(db_query(pool, q, DB_ARGS(a, b)));
	else if (a != NULL)
		assert_non_null(db_query(pool, q, DB_ARGS(a)));
	else
		assert_non_null(db_query(pool, q, DB_NOARGS));
}

static int
setup(void **state)
{
	PGresult *res;

	(void)state;
	pool = pool_new();
	snprintf(email, sizeof(email), "auth-db-%ld-%d@example.org", (long)time(NULL), getpid());
	res = db_query(pool, "INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id",
	               DB_ARGS(email));
	if (res == NULL)
		return -1;
	user_id = db_int(res, 0, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_query(pool, "DELETE FROM users WHERE id = $1", DB_ARGS(db_i64(pool, user_id)));
	pool_free(pool);
	db_close();
	return 0;
}

static void
test_bearer_token(void **state)
{
	(void)state;
	assert_int_equal(status_of("GET", "/me", NULL, NULL), 401);
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", bearer(1, 900)), 200);
	assert_int_equal(status_of("POST", "/me", "HTTP_AUTHORIZATION", bearer(1, 900)), 200);
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", bearer(1, -120)), 401);
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", bearer(2, 900)), 401);
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", "Basic dXNlcjpwYXNz"), 401);
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", "Bearer garbage"), 401);
	assert_int_equal(status_of("GET", "/admin", "HTTP_AUTHORIZATION", bearer(1, 900)), 403);
}

static void
test_generation_and_disabled_kill_tokens(void **state)
{
	const char *token = bearer(1, 900);
	const char *id = db_i64(pool, user_id);

	(void)state;
	sql("UPDATE users SET token_generation = 2 WHERE id = $1", id, NULL);
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", token), 401);
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", bearer(2, 900)), 200);
	sql("UPDATE users SET disabled = true WHERE id = $1", id, NULL);
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", bearer(2, 900)), 401);
	sql("UPDATE users SET disabled = false, token_generation = 1 WHERE id = $1", id, NULL);
}

static void
test_api_key_scopes(void **state)
{
	const char *key = token_new(pool, "es_", 32);
	const char *hdr = pool_printf(pool, "Bearer %s", key);
	struct fake *f;

	(void)state;
	assert_int_equal(strlen(key), 46);
	assert_non_null(db_query(pool, "INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes) "
	                         "VALUES ($1, 'k', 'es_x', $2, '{read}')",
	                         DB_ARGS(db_i64(pool, user_id), token_hash(pool, key))));
	f = call("GET", "/me", "HTTP_AUTHORIZATION", hdr);
	assert_int_equal(f->status, 200);
	assert_non_null(strstr(f->reply_body, "\"via\":3"));
	fake_free(f);
	assert_int_equal(status_of("GET", "/me", "HTTP_X_API_KEY", key), 200);
	assert_int_equal(status_of("POST", "/me", "HTTP_X_API_KEY", key), 403);   /* write */
	assert_int_equal(status_of("GET", "/export", "HTTP_X_API_KEY", key), 403);
	assert_int_equal(status_of("GET", "/session", "HTTP_X_API_KEY", key), 403);
	assert_int_equal(status_of("GET", "/admin", "HTTP_X_API_KEY", key), 403);
	f = call("GET", pool_printf(pool, "/me?api_key=%s", key), NULL, NULL);
	assert_int_equal(f->status, 400);
	assert_non_null(strstr(f->reply_body, "not be sent in the URL"));
	fake_free(f);
	sql("UPDATE api_keys SET scopes = '{read,export}' WHERE key_hash = $1",
	    token_hash(pool, key), NULL);
	assert_int_equal(status_of("GET", "/export", "HTTP_X_API_KEY", key), 200);
	sql("UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", token_hash(pool, key), NULL);
	assert_int_equal(status_of("GET", "/me", "HTTP_X_API_KEY", key), 401);
	assert_int_equal(status_of("GET", "/me", "HTTP_X_API_KEY", "es_short"), 401);
}

static void
test_cookie_session_needs_csrf_for_unsafe_methods(void **state)
{
	const char *cookie = token_new(pool, "", 32), *csrf = token_new(pool, "", 32);
	const char *jar = pool_printf(pool, "other=1; " AUTH_SESSION_COOKIE "=%s", cookie);
	struct fake *f;

	(void)state;
	assert_non_null(db_query(pool, "INSERT INTO sessions (user_id, token_hash, csrf_hash, expires_at) "
	                         "VALUES ($1, $2, $3, now() + interval '1 hour')",
	                         DB_ARGS(db_i64(pool, user_id), token_hash(pool, cookie),
	                                 token_hash(pool, csrf))));
	assert_int_equal(status_of("GET", "/me", "HTTP_COOKIE", jar), 200);
	assert_int_equal(status_of("GET", "/session", "HTTP_COOKIE", jar), 200);
	assert_int_equal(status_of("POST", "/me", "HTTP_COOKIE", jar), 403);
	f = fake_new("POST", "/me");
	fake_param(f, "HTTP_COOKIE", jar);
	fake_param(f, "HTTP_X_CSRF_TOKEN", "wrong");
	fake_run(f, routes);
	assert_int_equal(f->status, 403);
	fake_free(f);
	f = fake_new("POST", "/me");
	fake_param(f, "HTTP_COOKIE", jar);
	fake_param(f, "HTTP_X_CSRF_TOKEN", csrf);
	fake_run(f, routes);
	assert_int_equal(f->status, 200);
	fake_free(f);
	sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
	    token_hash(pool, cookie), NULL);
	assert_int_equal(status_of("GET", "/me", "HTTP_COOKIE", jar), 401);
}

static void
test_daily_quota(void **state)
{
	const char *token = bearer(1, 900);
	PGresult *res;
	struct fake *f;
	char want[8];

	(void)state;
	/* free tier: 10 "run" units a day (sql/002_accounts.sql) */
	for (int i = 1; i <= 10; i++) {
		f = call("GET", "/run", "HTTP_AUTHORIZATION", token);
		assert_int_equal(f->status, 200);
		assert_string_equal(fake_header(f, "X-RateLimit-Limit"), "10");
		snprintf(want, sizeof(want), "%d", 10 - i);
		assert_string_equal(fake_header(f, "X-RateLimit-Remaining"), want);
		fake_free(f);
	}
	for (int i = 0; i < 2; i++) {
		f = call("GET", "/run", "HTTP_AUTHORIZATION", token);
		assert_int_equal(f->status, 429);
		assert_non_null(strstr(f->reply_body, "\"code\":\"QUOTA_EXCEEDED\""));
		assert_true(atoi(fake_header(f, "Retry-After")) > 0);
		assert_true(atoi(fake_header(f, "Retry-After")) <= 86400);
		assert_string_equal(fake_header(f, "X-RateLimit-Remaining"), "0");
		fake_free(f);
	}
	res = db_query(pool, "SELECT count(*) FROM audit_log WHERE actor_id = $1 "
	               "AND action = 'quota.exhausted' AND target = 'run'",
	               DB_ARGS(db_i64(pool, user_id)));
	assert_int_equal(db_int(res, 0, 0), 1);   /* audited once, not per refusal */
	assert_int_equal(status_of("GET", "/me", "HTTP_AUTHORIZATION", token), 200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bearer_token),
		cmocka_unit_test(test_generation_and_disabled_kill_tokens),
		cmocka_unit_test(test_api_key_scopes),
		cmocka_unit_test(test_cookie_session_needs_csrf_for_unsafe_methods),
		cmocka_unit_test(test_daily_quota),
	};
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL ||
	    config_get("SECRET_KEY") == NULL) {
		fprintf(stderr, "test_auth_db: needs EDGESCOUT_ENV_FILE of a migrated stack %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_auth_db");
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
