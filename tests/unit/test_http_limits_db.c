/* test_http_limits_db.c: outbound HTTP's limits against a local scripted
 * stand-in (tests/standin/http_standin.py): the size cap, redirects and
 * protocols, TLS verification, headers and the user agent, and file://
 * fixtures. Uses the test stack's database; run from the repo root. */
#include "unit.h"

#include "http_db.h"

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

/* A POST sends its body and headers, is never cached, and does not follow
 * a redirect (which would turn it into a GET). */
static void
test_post(void **state)
{
	const char *body = "a=1&b=%5Bx%5D";
	const char *const hdrs[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	struct http_request req = { .provider = provider, .url = url("/echo"), .headers = hdrs,
	                            .post_body = body, .post_len = strlen(body) };
	struct http_response r;

	(void)state;
	assert_int_equal(http_get(pool, &req, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"method\": \"POST\", \"content_type\": "
	                    "\"application/x-www-form-urlencoded\", \"body\": \"a=1&b=%5Bx%5D\"}");
	assert_int_equal(http_get(pool, &req, &r), 0);
	assert_false(r.from_cache);
	assert_int_equal(hits("/echo"), 2);
	req.url = url("/redirect/208");
	assert_int_equal(http_get(pool, &req, &r), 0);
	assert_int_equal(r.status, 302);
	assert_int_equal(hits("/status/208"), 0);
	/* retried like a GET (the caller's Idempotency-Key makes that safe) */
	setenv("HTTP_RETRY_BASE_MS", "1", 1);
	req.url = url("/seq/503,200/post");
	assert_int_equal(http_get(pool, &req, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	unsetenv("HTTP_RETRY_BASE_MS");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup(f, test_setup)
	const struct CMUnitTest tests[] = {
		T(test_size_cap),
		T(test_redirects_and_protocols),
		T(test_tls_is_verified),
		T(test_headers_and_user_agent),
		T(test_file_urls),
		T(test_post),
	};
#undef T
	char err[256] = "";

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_http_limits_db: needs EDGESCOUT_ENV_FILE of a migrated stack %s\n",
		        err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_http_limits_db");
	if (sodium_init() < 0)
		return 1;
	alarm(90);   /* a wait that never ends fails the run instead of hanging it */
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
