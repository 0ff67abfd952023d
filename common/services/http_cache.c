/* http_cache.c: the database side of outbound HTTP: the provider call log
 * (provider_calls) and the response cache (http_cache, keyed by the SHA-256
 * of the URL). Nothing here stores or logs a URL's query. Failures are
 * logged by the db layer and never fail the call; inside a caller's
 * transaction each statement runs under a savepoint so that a failure here
 * cannot abort the caller's work. */
#include "http.h"

#include <curl/curl.h>
#include <sodium.h>
#include <string.h>

#include "db.h"
#include "pool.h"
#include "valid.h"

#define ENDPOINT_MAX 300   /* provider_calls.endpoint */
#define ERROR_MAX    200   /* provider_calls.error */

static const char hexdigits[] = "0123456789abcdef";

static char *
hex_encode(struct pool *p, const unsigned char *bin, size_t n)
{
	char *hex = pool_alloc(p, 2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = hexdigits[bin[i] >> 4];
		hex[2 * i + 1] = hexdigits[bin[i] & 15];
	}
	return hex;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode lower-case hex into pool memory (NUL-terminated); -1 if malformed. */
static int
hex_decode(struct pool *p, const char *hex, size_t hexlen, const char **out, size_t *len)
{
	char *bin;

	if (hexlen % 2)
		return -1;
	bin = pool_alloc(p, hexlen / 2 + 1);
	for (size_t i = 0; i < hexlen / 2; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		bin[i] = (char)(hi << 4 | lo);
	}
	*out = bin;
	*len = hexlen / 2;
	return 0;
}

/* The cache key of url: its SHA-256 in hex. */
static const char *
cache_key(struct pool *p, const char *url)
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)url, strlen(url));
	return hex_encode(p, digest, sizeof(digest));
}

/* db_query under a savepoint when the caller has a transaction open. */
static PGresult *
soft_query(struct pool *p, const char *sql, const char *const *args, int nargs)
{
	int in_tx = db_in_transaction();
	PGresult *res;

	if (in_tx && db_query(p, "SAVEPOINT http_get", DB_NOARGS) == NULL)
		return NULL;
	res = db_query(p, sql, args, nargs);
	if (in_tx)
		db_query(p, res ? "RELEASE SAVEPOINT http_get" : "ROLLBACK TO SAVEPOINT http_get",
		         DB_NOARGS);
	return res;
}

int
http_cache_lookup(struct pool *p, const char *url, int any_age, struct http_response *out)
{
	PGresult *res = soft_query(p,
		"SELECT status, content_type, encode(body, 'hex') FROM http_cache "
		"WHERE key = $1 AND ($2::boolean OR expires_at > now())",
		DB_ARGS(cache_key(p, url), any_age ? "true" : "false"));
	const char *body;
	size_t len;

	if (res == NULL || PQntuples(res) != 1)
		return -1;
	if (hex_decode(p, PQgetvalue(res, 0, 2), (size_t)PQgetlength(res, 0, 2), &body, &len) < 0)
		return -1;
	out->status = (long)db_int(res, 0, 0);
	out->content_type = pool_strdup(p, db_text(res, 0, 1));
	out->body = body;
	out->len = len;
	out->from_cache = 1;
	return 0;
}

void
http_cache_store(struct pool *p, const struct http_request *req,
                 const struct http_response *resp)
{
	soft_query(p,
		"INSERT INTO http_cache (key, provider, status, content_type, body, expires_at) "
		"VALUES ($1, $2, $3::int, $4, decode($5, 'hex'), "
		"        now() + make_interval(secs => $6::int)) "
		"ON CONFLICT (key) DO UPDATE SET provider = EXCLUDED.provider, "
		"  status = EXCLUDED.status, content_type = EXCLUDED.content_type, "
		"  body = EXCLUDED.body, fetched_at = EXCLUDED.fetched_at, "
		"  expires_at = EXCLUDED.expires_at",
		DB_ARGS(cache_key(p, req->url), req->provider, db_i64(p, resp->status),
		        resp->content_type,
		        hex_encode(p, (const unsigned char *)resp->body, resp->len),
		        db_i64(p, req->cache_ttl)));
}

const char *
http_url_for_log(struct pool *p, const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	const char *shown = "(unparsable url)";

	if (u != NULL && url != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
			host = NULL;   /* file:///path has none */
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
			port = NULL;
		shown = pool_printf(p, "%s://%s%s%s%s", scheme, host ? host : "",
		                    port ? ":" : "", port ? port : "", path);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return shown;
}

void
http_record_call(struct pool *p, const struct http_request *req,
                 const struct http_response *resp, double seconds)
{
	int ok = resp->status >= 200 && resp->status <= 299 && resp->error == NULL;
	const char *status = resp->status >= 100 && resp->status <= 599 ?
	                     db_i64(p, resp->status) : NULL;
	const char *error = resp->error ? valid_utf8_trunc(p, resp->error, ERROR_MAX) : NULL;
	long long ms = seconds > 0 ? (long long)(seconds * 1000.0 + 0.5) : 0;

	soft_query(p,
		"INSERT INTO provider_calls (provider, ok, status, latency_ms, attempts, error, "
		"endpoint, quota_remaining) VALUES ($1, $2::boolean, $3::int, $4::int, $5::int, $6, "
		"$7, $8::bigint)",
		DB_ARGS(req->provider, ok ? "true" : "false", status,
		        db_i64(p, ms > 2000000000 ? 2000000000 : ms),
		        db_i64(p, resp->attempts), error,
		        valid_utf8_trunc(p, http_url_for_log(p, req->url), ENDPOINT_MAX),
		        resp->quota_remaining >= 0 ? db_i64(p, resp->quota_remaining) : NULL));
}
