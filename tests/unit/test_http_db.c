/* test_http_db.c: outbound HTTP against a local scripted stand-in
 * (tests/standin/http_standin.py) and file:// fixtures: retries, Retry-After,
 * timeouts, size cap, redirects, the cache with stale fallback, the call log,
 * and that no URL query is ever stored or logged. Uses the test stack's
 * database (tests named *_db get its EDGESCOUT_ENV_FILE); run from the repo
 * root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "http.h"

#define SECRET "SECRET123"

static struct pool *pool;
static pid_t standin = -1;
static int port;
static char dir[64] = "/tmp/test_http_db.XXXXXX";
static char provider[64], bad_provider[64], nonce[32];

static const char *
url(const char *path)
{
	return pool_printf(pool, "http://127.0.0.1:%d%s?apikey=" SECRET "&run=%s",
	                   port, path, nonce);
}

static int
get_ex(const char *u, int ttl, int refresh, const char *const *headers, struct http_response *r)
{
	struct http_request req = { provider, u, headers, ttl, refresh };

	return http_get(pool, &req, r);
}

static int
get(const char *path, int ttl, int refresh, struct http_response *r)
{
	return get_ex(url(path), ttl, refresh, NULL, r);
}

static size_t
collect(char *ptr, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;

	buf_append(b, ptr, size * n);
	return size * n;
}

/* Requests the stand-in has seen for path (asked with a separate handle). */
static int
hits(const char *path)
{
	CURL *c = curl_easy_init();
	struct buf b;

	buf_init(&b, pool);
	curl_easy_setopt(c, CURLOPT_URL,
	                 pool_printf(pool, "http://127.0.0.1:%d/_hits%s", port, path));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	return atoi(buf_cstr(&b));
}

static int64_t
sql_int(const char *q, const char *a)
{
	PGresult *res = a ? db_query(pool, q, DB_ARGS(provider, a))
	                  : db_query(pool, q, DB_ARGS(provider));

	assert_non_null(res);
	return db_int(res, 0, 0);
}

struct call { int ok; long status; int attempts; const char *error, *endpoint; };

/* The provider's latest provider_calls row. */
static struct call
last_call(void)
{
	PGresult *res = db_query(pool,
		"SELECT ok, coalesce(status, 0), attempts, coalesce(error, ''), endpoint "
		"FROM provider_calls WHERE provider = $1 ORDER BY id DESC LIMIT 1",
		DB_ARGS(provider));
	struct call c;

	assert_non_null(res);
	assert_int_equal(PQntuples(res), 1);
	c.ok = strcmp(db_text(res, 0, 0), "t") == 0;
	c.status = (long)db_int(res, 0, 1);
	c.attempts = (int)db_int(res, 0, 2);
	c.error = db_text(res, 0, 3);
	c.endpoint = db_text(res, 0, 4);
	return c;
}

static int64_t
calls(void)
{
	return sql_int("SELECT count(*) FROM provider_calls WHERE provider = $1", NULL);
}

static const char *
sha256_hex(const char *s)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	char *hex = pool_alloc(pool, 2 * sizeof(d) + 1);

	crypto_hash_sha256(d, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(hex, 2 * sizeof(d) + 1, d, sizeof(d));
	return hex;
}

/* Make the cached copy of u expired. */
static void
expire(const char *u)
{
	assert_non_null(db_query(pool,
		"UPDATE http_cache SET fetched_at = now() - interval '1 hour', "
		"expires_at = now() - interval '1 minute' WHERE key = $1", DB_ARGS(sha256_hex(u))));
}

/* stderr into a file while a block runs, to check what is logged. */
static int saved_stderr = -1;

static void
capture_begin(void)
{
	int fd = open(pool_printf(pool, "%s/stderr", dir), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static const char *
capture_end(void)
{
	FILE *f;
	struct buf b;
	char chunk[4096];
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	buf_init(&b, pool);
	f = fopen(pool_printf(pool, "%s/stderr", dir), "r");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_cstr(&b);
}

static void
cleanup_rows(void)
{
	db_query(pool, "DELETE FROM provider_calls WHERE provider = $1", DB_ARGS(provider));
	db_query(pool, "DELETE FROM http_cache WHERE provider IN ($1, $2)",
	         DB_ARGS(provider, bad_provider));
}

static int
group_setup(void **state)
{
	const char *port_file;

	(void)state;
	pool = pool_new();
	snprintf(provider, sizeof(provider), "test-http-%d", (int)getpid());
	snprintf(bad_provider, sizeof(bad_provider), "Bad Provider %d", (int)getpid());
	snprintf(nonce, sizeof(nonce), "%ld%d", (long)time(NULL), (int)getpid());
	if (mkdtemp(dir) == NULL)
		return -1;
	port_file = pool_printf(pool, "%s/port", dir);
	standin = fork();
	if (standin == 0) {
		int null = open("/dev/null", O_RDWR);

		/* not our stdout/stderr: whoever reads them must not wait for it */
		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/bin/python3", "python3", "tests/standin/http_standin.py", "--port", "0",
		      "--port-file", port_file, "--idle", "120", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && port == 0; i++) {   /* up to 10 s on a busy machine */
		FILE *f = fopen(port_file, "r");

		if (f == NULL || fscanf(f, "%d", &port) != 1)
			nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
		if (f != NULL)
			fclose(f);
	}
	if (port == 0)
		return -1;
	cleanup_rows();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (standin > 0) {
		kill(standin, SIGTERM);
		waitpid(standin, NULL, 0);
	}
	cleanup_rows();
	unlink(pool_printf(pool, "%s/port", dir));
	unlink(pool_printf(pool, "%s/stderr", dir));
	rmdir(dir);
	pool_free(pool);
	db_close();
	http_cleanup();
	return 0;
}

/* Each test starts from quick settings: short backoff, short timeouts. */
static int
test_setup(void **state)
{
	(void)state;
	setenv("HTTP_RETRIES", "3", 1);
	setenv("HTTP_RETRY_BASE_MS", "20", 1);
	setenv("HTTP_TIMEOUT_MS", "5000", 1);
	setenv("HTTP_CONNECT_TIMEOUT_MS", "2000", 1);
	unsetenv("HTTP_MAX_BYTES");
	unsetenv("HTTP_USER_AGENT");
	return 0;
}

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

/* ---- limits ------------------------------------------------------------ */

static void
test_size_cap(void **state)
{
	struct http_response r;

	(void)state;
	setenv("HTTP_MAX_BYTES", "4096", 1);
	assert_int_equal(get("/big/4096", 0, 0, &r), 0);
	assert_int_equal(r.len, 4096);
	assert_int_equal(r.body[4096], '\0');
	assert_int_equal(get("/big/4097", 0, 0, &r), -1);
	assert_string_equal(r.error, "response too large");
	assert_int_equal(r.attempts, 1);   /* not retried */
	assert_string_equal(last_call().error, "response too large");
	/* no Content-Length to refuse early: the cap holds while reading */
	assert_int_equal(get("/stream/4096", 0, 0, &r), 0);
	assert_int_equal(r.len, 4096);
	assert_int_equal(get("/stream/9000", 0, 0, &r), -1);
	assert_string_equal(r.error, "response too large");
	unsetenv("HTTP_MAX_BYTES");   /* the default: 10 MiB */
	assert_int_equal(get("/big/300000", 0, 0, &r), 0);
	assert_int_equal(r.len, 300000);
}

static void
test_redirects_and_protocols(void **state)
{
	struct http_response r;

	(void)state;
	assert_int_equal(get("/redirect/200", 0, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"path\": \"/status/200\""));
	assert_int_equal(get("/redirect-loop", 0, 0, &r), -1);
	assert_string_equal(r.error, "too many redirects");
	assert_int_equal(hits("/redirect-loop"), 4);   /* the request and 3 redirects */
	assert_int_equal(get("/redirect-file", 0, 0, &r), -1);
	assert_string_equal(r.error, "protocol not allowed");
	assert_int_equal(get_ex(pool_printf(pool, "ftp://127.0.0.1:%d/x", port), 0, 0, NULL, &r),
	                 -1);
	assert_string_equal(r.error, "protocol not allowed");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(get_ex("gopher://127.0.0.1/x", 0, 0, NULL, &r), -1);
	assert_string_equal(r.error, "protocol not allowed");
}

/* The test stack's HTTPS port (its nginx has a self-signed certificate),
 * from the stack.env beside its etc/ directory; 0 when unknown. */
static int
stack_tls_port(void)
{
	const char *env = getenv("EDGESCOUT_ENV_FILE");
	const char *slash = env ? strrchr(env, '/') : NULL;
	char line[256];
	int tls_port = 0;
	FILE *f;

	if (slash == NULL)
		return 0;
	f = fopen(pool_printf(pool, "%.*s/../stack.env", (int)(slash - env), env), "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "PORT=%d", &tls_port) == 1)
			break;
	fclose(f);
	return tls_port;
}

static void
test_tls_is_verified(void **state)
{
	struct http_response r;
	int tls_port = stack_tls_port();

	(void)state;
	if (tls_port == 0)
		skip();
	assert_int_equal(get_ex(pool_printf(pool, "https://localhost:%d/health", tls_port),
	                        0, 0, NULL, &r), -1);
	assert_string_equal(r.error, "TLS certificate verification failed");
	assert_int_equal(r.attempts, 1);   /* not retried */
}

static void
test_headers_and_user_agent(void **state)
{
	static const char *const headers[] = { "X-Test: yes", "Accept: application/json", NULL };
	static const char *const evil[] = { "X-Test: a\r\nX-Injected: b", NULL };
	struct http_response r;
	int64_t n;

	(void)state;
	assert_int_equal(get_ex(url("/headers"), 0, 0, headers, &r), 0);
	assert_non_null(strstr(r.body, "\"X-Test\": \"yes\""));
	assert_non_null(strstr(r.body, "\"Accept\": \"application/json\""));
	assert_non_null(strstr(r.body, "\"User-Agent\": \"edgescout/"));
	setenv("HTTP_USER_AGENT", "probe/1.0", 1);
	assert_int_equal(get_ex(url("/headers"), 0, 0, NULL, &r), 0);
	assert_non_null(strstr(r.body, "\"User-Agent\": \"probe/1.0\""));
	n = calls();
	assert_int_equal(get_ex(url("/headers"), 0, 0, evil, &r), -1);
	assert_string_equal(r.error, "malformed request header");
	assert_int_equal(r.attempts, 0);
	assert_int_equal(hits("/headers"), 2);
	assert_int_equal(calls(), n);   /* nothing was sent */
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

/* ---- file:// ----------------------------------------------------------- */

static const char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	buf_init(&b, pool);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_cstr(&b);
}

static void
test_file_urls(void **state)
{
	char cwd[4096];
	struct http_response r;
	const char *want, *u;
	size_t want_len;
	struct call c;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	want = read_file("tests/fixtures/http/hello.json", &want_len);
	u = pool_printf(pool, "file://%s/tests/fixtures/http/hello.json", cwd);
	assert_int_equal(get_ex(u, 0, 0, NULL, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 1);
	assert_null(r.error);
	assert_int_equal(r.len, want_len);
	assert_memory_equal(r.body, want, want_len);
	assert_string_equal(last_call().endpoint, u);

	/* binary content survives the cache byte for byte */
	want = read_file("tests/fixtures/http/bytes.bin", &want_len);
	u = pool_printf(pool, "file://%s/tests/fixtures/http/bytes.bin", cwd);
	assert_int_equal(get_ex(u, 60, 0, NULL, &r), 0);
	assert_int_equal(get_ex(u, 60, 0, NULL, &r), 0);
	assert_true(r.from_cache);
	assert_int_equal(r.len, 256);
	assert_memory_equal(r.body, want, want_len);

	u = pool_printf(pool, "file://%s/tests/fixtures/http/missing.json", cwd);
	assert_int_equal(get_ex(u, 0, 0, NULL, &r), -1);
	assert_string_equal(r.error, "file not found or unreadable");
	assert_int_equal(r.attempts, 1);   /* not retried */
	c = last_call();
	assert_false(c.ok);
	assert_int_equal(c.status, 0);
	assert_string_equal(c.endpoint, u);
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
		T(test_429_and_5xx_are_retried),
		T(test_other_4xx_are_not_retried),
		T(test_backoff_stays_within_its_ceiling),
		T(test_retry_after_is_honoured),
		T(test_timeouts_and_connection_errors),
		T(test_size_cap),
		T(test_redirects_and_protocols),
		T(test_tls_is_verified),
		T(test_headers_and_user_agent),
		T(test_cache_hit_refresh_and_ttl),
		T(test_stale_copy_when_the_provider_fails),
		T(test_file_urls),
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
