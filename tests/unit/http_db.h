/* http_db.h: the fixture of the outbound HTTP tests (test_http_db,
 * test_http_limits_db): the scripted stand-in (tests/standin/http_standin.py)
 * and its URLs, reading provider_calls and http_cache back, stderr
 * capture, and group and test set-up. Include once, after unit.h. */
#ifndef EDGESCOUT_TEST_HTTP_DB_H
#define EDGESCOUT_TEST_HTTP_DB_H

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
#include "standin.h"

#define SECRET "SECRET123"

static pid_t standin = -1;
static int port;
static char dir[64] = "/tmp/test_http_db.XXXXXX";
static char provider[64], bad_provider[64], nonce[32];

static inline const char *
url(const char *path)
{
	return pool_printf(pool, "http://127.0.0.1:%d%s?apikey=" SECRET "&run=%s",
	                   port, path, nonce);
}

static inline int
get_ex(const char *u, int ttl, int refresh, const char *const *headers, struct http_response *r)
{
	struct http_request req = { provider, u, headers, ttl, refresh };

	return http_get(pool, &req, r);
}

static inline int
get(const char *path, int ttl, int refresh, struct http_response *r)
{
	return get_ex(url(path), ttl, refresh, NULL, r);
}

static inline size_t
collect(char *ptr, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;

	buf_append(b, ptr, size * n);
	return size * n;
}

/* Requests the stand-in has seen for path (asked with a separate handle). */
static inline int
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

static inline int64_t
sql_int(const char *q, const char *a)
{
	PGresult *res = a ? db_query(pool, q, DB_ARGS(provider, a))
	                  : db_query(pool, q, DB_ARGS(provider));

	assert_non_null(res);
	return db_int(res, 0, 0);
}

struct call {
	int ok;
	long status;
	int attempts;
	const char *error, *endpoint;
	long long quota_remaining;   /* -1 for NULL */
};

/* The provider's latest provider_calls row. */
static inline struct call
last_call(void)
{
	PGresult *res = db_query(pool,
		"SELECT ok, coalesce(status, 0), attempts, coalesce(error, ''), endpoint, "
		"coalesce(quota_remaining, -1) "
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
	c.quota_remaining = db_int(res, 0, 5);
	return c;
}

static inline int64_t
calls(void)
{
	return sql_int("SELECT count(*) FROM provider_calls WHERE provider = $1", NULL);
}

static inline const char *
sha256_hex(const char *s)
{
	unsigned char d[crypto_hash_sha256_BYTES];
	char *hex = pool_alloc(pool, 2 * sizeof(d) + 1);

	crypto_hash_sha256(d, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(hex, 2 * sizeof(d) + 1, d, sizeof(d));
	return hex;
}

/* Make the cached copy of u expired. */
static inline void
expire(const char *u)
{
	assert_non_null(db_query(pool,
		"UPDATE http_cache SET fetched_at = now() - interval '1 hour', "
		"expires_at = now() - interval '1 minute' WHERE key = $1", DB_ARGS(sha256_hex(u))));
}

/* stderr into a file while a block runs, to check what is logged. */
static int saved_stderr = -1;

static inline void
capture_begin(void)
{
	int fd = open(pool_printf(pool, "%s/stderr", dir), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static inline const char *
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

static inline void
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
	port = standin_start("tests/standin/http_standin.py", NULL, port_file, &standin);
	if (port == 0)
		return -1;
	cleanup_rows();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	standin_stop(&standin);
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


#endif
