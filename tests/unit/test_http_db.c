/* test_http_db.c: outbound HTTP against a local scripted stand-in
 * (tests/standin/http_standin.py): retries, Retry-After, timeouts and
 * connection errors, the cache with stale fallback, the call log, calls
 * without the database or inside a caller's transaction, and that no URL
 * query is ever stored or logged. Limits, TLS, headers and file:// URLs:
 * test_http_limits_db. Uses the test stack's database (tests named *_db
 * get its EDGESCOUT_ENV_FILE); run from the repo root. */
#include "unit.h"

#include "http_db.h"

/* ---- retries --------------------------------------------------------- */

static void
test_ok_reply_and_its_call_row(void **state)
{
	struct http_response r;
	struct call c;

	(void)state;
	assert_int_equal(get("/status/200", 0, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 1);
	assert_null(r.error);
	assert_int_equal(r.retry_after, -1);
	assert_false(r.from_cache || r.stale);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.body, "{\"ok\": true, \"path\": \"/status/200\", \"n\": 1}");
	assert_int_equal(r.len, strlen(r.body));
	assert_int_equal(hits("/status/200"), 1);
	c = last_call();
	assert_true(c.ok);
	assert_int_equal(c.status, 200);
	assert_int_equal(c.attempts, 1);
	assert_string_equal(c.error, "");
	assert_string_equal(c.endpoint, pool_printf(pool, "http://127.0.0.1:%d/status/200", port));
	assert_int_equal(r.quota_remaining, -1);       /* no header: nothing reported */
	assert_int_equal(c.quota_remaining, -1);
}

/* A provider's X-Ratelimit-Remaining (Finnhub's) lands in the reply and the
 * call row; a value that is not a count is ignored. */
static void
test_quota_remaining_is_recorded(void **state)
{
	struct http_response r;

	(void)state;
	assert_int_equal(get("/ratelimit/57", 0, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.quota_remaining, 57);
	assert_int_equal(last_call().quota_remaining, 57);
	assert_int_equal(get("/ratelimit/0", 0, 0, &r), 0);
	assert_int_equal(r.quota_remaining, 0);
	assert_int_equal(last_call().quota_remaining, 0);
	assert_int_equal(get("/ratelimit/-3", 0, 0, &r), 0);
	assert_int_equal(r.quota_remaining, -1);
	assert_int_equal(last_call().quota_remaining, -1);
}

static void
test_429_and_5xx_are_retried(void **state)
{
	struct http_response r;
	struct call c;
	int64_t before = calls();

	(void)state;
	assert_int_equal(get("/seq/429,500,200", 0, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 3);
	assert_null(r.error);
	assert_int_equal(hits("/seq/429,500,200"), 3);
	assert_int_equal(calls(), before + 1);   /* one row per call, not per attempt */
	c = last_call();
	assert_true(c.ok);
	assert_int_equal(c.attempts, 3);

	/* at most HTTP_RETRIES retries, then the last reply */
	assert_int_equal(get("/seq/503", 0, 0, &r), 0);
	assert_int_equal(r.status, 503);
	assert_int_equal(r.attempts, 4);
	assert_string_equal(r.error, "HTTP 503");
	assert_non_null(strstr(r.body, "\"n\": 4"));
	assert_int_equal(hits("/seq/503"), 4);
	c = last_call();
	assert_false(c.ok);
	assert_int_equal(c.status, 503);
	assert_int_equal(c.attempts, 4);
	assert_string_equal(c.error, "HTTP 503");

	setenv("HTTP_RETRIES", "1", 1);
	assert_int_equal(get("/seq/502", 0, 0, &r), 0);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(hits("/seq/502"), 2);
	setenv("HTTP_RETRIES", "0", 1);
	assert_int_equal(get("/seq/500,200", 0, 0, &r), 0);
	assert_int_equal(r.status, 500);
	assert_int_equal(r.attempts, 1);
}

static void
test_other_4xx_are_not_retried(void **state)
{
	static const int codes[] = { 400, 401, 403, 404, 410, 422 };

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct http_response r;
		const char *path = pool_printf(pool, "/status/%d", codes[i]);

		assert_int_equal(get(path, 0, 0, &r), 0);
		assert_int_equal(r.status, codes[i]);
		assert_int_equal(r.attempts, 1);
		assert_string_equal(r.error, pool_printf(pool, "HTTP %d", codes[i]));
		assert_int_equal(hits(path), 1);
		assert_int_equal(last_call().status, codes[i]);
		assert_false(last_call().ok);
	}
}

static void
test_backoff_stays_within_its_ceiling(void **state)
{
	struct http_response r;

	(void)state;
	/* full jitter: waits of at most 100 + 200 + 400 ms */
	setenv("HTTP_RETRY_BASE_MS", "100", 1);
	assert_int_equal(get("/seq/500,500,500,200", 0, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 4);
	assert_true(r.seconds < 0.7 + 1.5);   /* slack for a busy machine */
}

static void
test_retry_after_is_honoured(void **state)
{
	struct http_response r;

	(void)state;
	assert_int_equal(get("/retry-after/1", 0, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	assert_true(r.seconds >= 1.0);   /* the backoff alone would be <= 20 ms */
	assert_int_equal(r.retry_after, -1);   /* the final reply had none */

	/* a wait beyond the budget is not waited out: the caller may go elsewhere */
	assert_int_equal(get("/seq/429r3600", 0, 0, &r), 0);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.retry_after, 3600);
	assert_true(r.seconds < 3.0);

	setenv("HTTP_RETRIES", "0", 1);
	assert_int_equal(get("/seq/503r2", 0, 0, &r), 0);
	assert_int_equal(r.status, 503);
	assert_int_equal(r.retry_after, 2);
}

static void
test_timeouts_and_connection_errors(void **state)
{
	struct http_response r;
	struct call c;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	setenv("HTTP_TIMEOUT_MS", "300", 1);
	setenv("HTTP_RETRIES", "1", 1);
	assert_int_equal(get("/slow/3", 0, 0, &r), -1);
	assert_string_equal(r.error, "timed out");
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.len, 0);
	assert_string_equal(r.body, "");
	assert_true(r.seconds < 2.5);
	c = last_call();
	assert_false(c.ok);
	assert_int_equal(c.status, 0);   /* NULL: no reply */
	assert_int_equal(c.attempts, 2);
	assert_string_equal(c.error, "timed out");

	/* a dropped connection is retried */
	setenv("HTTP_RETRIES", "3", 1);
	setenv("HTTP_TIMEOUT_MS", "5000", 1);
	assert_int_equal(get("/seq/x,200", 0, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);

	/* nobody listening: retried, then -1 */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	assert_int_equal(get_ex(pool_printf(pool, "http://127.0.0.1:%d/x?apikey=" SECRET,
	                                    ntohs(sa.sin_port)), 0, 0, NULL, &r), -1);
	assert_string_equal(r.error, "could not connect");
	assert_int_equal(r.attempts, 4);
}

/* ---- cache ------------------------------------------------------------- */

static void
test_cache_hit_refresh_and_ttl(void **state)
{
	struct http_response a, b;
	const char *path = "/status/200/cache";
	int64_t n;

	(void)state;
	assert_int_equal(get(path, 60, 0, &a), 0);
	assert_false(a.from_cache);
	assert_int_equal(sql_int("SELECT count(*) FROM http_cache WHERE provider = $1 AND key = $2 "
	                         "AND expires_at > now() + interval '50 seconds'",
	                         sha256_hex(url(path))), 1);
	n = calls();
	assert_int_equal(get(path, 60, 0, &b), 0);
	assert_true(b.from_cache);
	assert_false(b.stale);
	assert_int_equal(b.attempts, 0);
	assert_null(b.error);
	assert_int_equal(b.status, 200);
	assert_string_equal(b.content_type, "application/json");
	assert_int_equal(b.len, a.len);
	assert_string_equal(b.body, a.body);
	assert_int_equal(hits(path), 1);
	assert_int_equal(calls(), n);   /* a cache hit is no provider call */

	assert_int_equal(get(path, 60, 1, &b), 0);   /* refresh */
	assert_false(b.from_cache);
	assert_non_null(strstr(b.body, "\"n\": 2"));
	assert_int_equal(get(path, 60, 0, &b), 0);   /* the refreshed copy is the cached one */
	assert_true(b.from_cache);
	assert_non_null(strstr(b.body, "\"n\": 2"));
	assert_int_equal(get(path, 0, 0, &b), 0);    /* ttl 0: no cache */
	assert_false(b.from_cache);
	assert_int_equal(hits(path), 3);

	expire(url(path));   /* expired: fetched again */
	assert_int_equal(get(path, 60, 0, &b), 0);
	assert_false(b.from_cache);
	assert_int_equal(hits(path), 4);

	/* only 2xx replies are cached */
	assert_int_equal(get("/status/404/cache", 60, 0, &b), 0);
	assert_int_equal(get("/status/404/cache", 60, 0, &b), 0);
	assert_false(b.from_cache);
	assert_int_equal(hits("/status/404/cache"), 2);
	assert_int_equal(sql_int("SELECT count(*) FROM http_cache WHERE provider = $1 AND key = $2",
	                         sha256_hex(url("/status/404/cache"))), 0);
}

static void
stale_case(const char *path, const char *error, int attempts, int refresh)
{
	struct http_response a, b;

	assert_int_equal(get(path, 60, 0, &a), 0);
	assert_int_equal(a.status, 200);
	if (!refresh)
		expire(url(path));
	assert_int_equal(get(path, 60, refresh, &b), 0);
	assert_true(b.stale);
	assert_true(b.from_cache);
	assert_int_equal(b.status, 200);
	assert_string_equal(b.body, a.body);
	assert_string_equal(b.error, error);
	assert_int_equal(b.attempts, attempts);
	assert_false(last_call().ok);
}

static void
test_stale_copy_when_the_provider_fails(void **state)
{
	struct http_response r;

	(void)state;
	stale_case("/seq/200,500/stale", "HTTP 500", 4, 0);
	assert_int_equal(last_call().status, 500);
	assert_int_equal(hits("/seq/200,500/stale"), 5);
	stale_case("/seq/200,429/stale", "HTTP 429", 4, 0);
	stale_case("/seq/200,x/stale", "empty reply", 4, 0);
	stale_case("/seq/200,503/stale", "HTTP 503", 4, 1);   /* refresh, fresh copy stands in */

	/* a definite answer (404) is no failure to cover up */
	assert_int_equal(get("/seq/200,404/stale", 60, 0, &r), 0);
	expire(url("/seq/200,404/stale"));
	assert_int_equal(get("/seq/200,404/stale", 60, 0, &r), 0);
	assert_int_equal(r.status, 404);
	assert_false(r.stale || r.from_cache);
}

/* ---- the database's part ----------------------------------------------- */

static void
test_works_without_the_database(void **state)
{
	struct http_response r;
	int64_t n = calls();

	(void)state;
	capture_begin();
	db_set_conninfo("host=127.0.0.1 port=1 dbname=none connect_timeout=2");
	assert_int_equal(get("/status/200/nodb", 60, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(get("/status/200/nodb", 60, 0, &r), 0);
	assert_false(r.from_cache);
	db_set_conninfo(NULL);
	capture_end();
	assert_int_equal(hits("/status/200/nodb"), 2);
	assert_int_equal(calls(), n);
}

static void
test_inside_a_caller_transaction(void **state)
{
	struct http_response r;
	struct http_request bad = { bad_provider, url("/status/200/tx"), NULL, 60, 0 };
	int64_t n = calls();

	(void)state;
	capture_begin();
	assert_int_equal(db_begin(pool), 0);
	assert_int_equal(http_get(pool, &bad, &r), 0);   /* its call row is refused */
	assert_int_equal(r.status, 200);
	assert_int_equal(get("/status/200/tx2", 60, 0, &r), 0);
	assert_non_null(db_query(pool, "SELECT 1", DB_NOARGS));   /* still usable */
	assert_int_equal(db_commit(pool), 0);
	capture_end();
	assert_int_equal(calls(), n + 1);
	assert_string_equal(last_call().endpoint,
	                    pool_printf(pool, "http://127.0.0.1:%d/status/200/tx2", port));
}

static void
test_no_query_is_stored_or_logged(void **state)
{
	struct http_response r;
	const char *logged;

	(void)state;
	assert_string_equal(
		http_url_for_log(pool, "https://u:pw@api.example.com:8443/a/b?apikey=k#f"),
		"https://api.example.com:8443/a/b");
	assert_string_equal(http_url_for_log(pool, "file:///tmp/x.csv?k=1"), "file:///tmp/x.csv");
	assert_string_equal(http_url_for_log(pool, "not a url"), "(unparsable url)");

	setenv("LOG_LEVEL", "debug", 1);
	log_init("test_http_db");
	capture_begin();
	get("/seq/500,429,503,500/log", 0, 0, &r);
	setenv("HTTP_TIMEOUT_MS", "200", 1);
	setenv("HTTP_RETRIES", "1", 1);
	get("/slow/3/log", 0, 0, &r);
	get("/status/200/log", 60, 0, &r);
	logged = capture_end();
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_http_db");
	assert_non_null(strstr(logged, "provider call retried"));
	assert_non_null(strstr(logged, "/seq/500,429,503,500/log"));   /* the path is there */
	assert_null(strstr(logged, SECRET));
	assert_null(strstr(logged, "apikey"));

	assert_true(calls() > 20);
	assert_true(sql_int("SELECT count(*) FROM http_cache WHERE provider = $1", NULL) >= 5);
	assert_int_equal(sql_int(
		"SELECT count(*) FROM provider_calls c WHERE provider = $1 "
		"AND (c::text LIKE '%' || $2::text || '%' OR c::text LIKE '%apikey%')", SECRET), 0);
	assert_int_equal(sql_int(
		"SELECT count(*) FROM http_cache c WHERE provider = $1 "
		"AND (c::text LIKE '%' || $2::text || '%' OR c::text LIKE '%apikey%' "
		"OR position(convert_to($2::text, 'UTF8') IN body) > 0)", SECRET), 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, test_setup)
	const struct CMUnitTest tests[] = {
		T(test_ok_reply_and_its_call_row),
		T(test_quota_remaining_is_recorded),
		T(test_429_and_5xx_are_retried),
		T(test_other_4xx_are_not_retried),
		T(test_backoff_stays_within_its_ceiling),
		T(test_retry_after_is_honoured),
		T(test_timeouts_and_connection_errors),
		T(test_cache_hit_refresh_and_ttl),
		T(test_stale_copy_when_the_provider_fails),
		T(test_works_without_the_database),
		T(test_inside_a_caller_transaction),
		T(test_no_query_is_stored_or_logged),
	};
#undef T
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_http_db: needs EDGESCOUT_ENV_FILE of a migrated stack %s\n",
		        err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_http_db");
	if (sodium_init() < 0)
		return 1;
	alarm(90);   /* a wait that never ends fails the run instead of hanging it */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
