/* http.c: outbound GET and POST: one reused libcurl handle, timeouts, size cap,
 * retries with exponential backoff and full jitter. The database side (the
 * call log and the response cache) is in http_cache.c. */
#include "http.h"

#include <assert.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "build_info.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "valid.h"

#define MAX_REDIRECTS   3
#define WAIT_BUDGET_MS  30000L     /* all the waits of one call together */

struct limits {
	long connect_ms, total_ms, retries, base_ms;
	size_t max_bytes;
	const char *user_agent;
};

/* The body being received; malloc'ed, copied into the pool at the end. */
struct sink {
	char *data;
	size_t len, cap, max;
	int too_large;
};

static CURL *easy;
static int curl_ready;

static long
clamp(long long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : (long)v;
}

static void
limits_read(struct limits *l, struct pool *p)
{
	const char *ua = config_get("HTTP_USER_AGENT");

	l->connect_ms = clamp(config_int("HTTP_CONNECT_TIMEOUT_MS", 5000), 1, 60000);
	l->total_ms = clamp(config_int("HTTP_TIMEOUT_MS", 15000), 1, 300000);
	if (l->connect_ms > l->total_ms)
		l->connect_ms = l->total_ms;
	l->retries = clamp(config_int("HTTP_RETRIES", 3), 0, 10);
	l->base_ms = clamp(config_int("HTTP_RETRY_BASE_MS", 1000), 1, 60000);
	l->max_bytes = (size_t)clamp(config_int("HTTP_MAX_BYTES", 10 << 20), 1, 1L << 30);
	l->user_agent = ua && *ua ? ua : pool_printf(p, "edgescout/%s", build_version);
}

/* Set up libcurl and the process's handle once; 0 or -1 (logged). */
static int
http_setup(void)
{
	if (easy != NULL)
		return 0;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || sodium_init() < 0) {
			log_kv(LOG_ERROR, "libcurl failed to initialise", NULL);
			return -1;
		}
		curl_ready = 1;
	}
	easy = curl_easy_init();
	if (easy == NULL) {
		log_kv(LOG_ERROR, "libcurl handle could not be created", NULL);
		return -1;
	}
	return 0;
}

void
http_cleanup(void)
{
	if (easy != NULL)
		curl_easy_cleanup(easy);
	easy = NULL;
	if (curl_ready)
		curl_global_cleanup();
	curl_ready = 0;
}

static size_t
sink_write(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb;

	if (n > s->max - s->len) {
		s->too_large = 1;
		return 0;   /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;

		while (cap < s->len + n + 1)
			cap *= 2;
		if (cap > s->max + 1)
			cap = s->max + 1;
		s->data = realloc(s->data, cap);
		if (s->data == NULL)
			abort();
		s->cap = cap;
	}
	memcpy(s->data + s->len, ptr, n);
	s->len += n;
	return n;
}

/* A short reason for a failed transfer: fixed text, never the URL. */
static const char *
curl_reason(CURLcode cc, const struct sink *s)
{
	if (s->too_large || cc == CURLE_FILESIZE_EXCEEDED)
		return "response too large";
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT: return "timed out";
	case CURLE_COULDNT_RESOLVE_HOST: return "could not resolve host";
	case CURLE_COULDNT_RESOLVE_PROXY: return "could not resolve proxy";
	case CURLE_COULDNT_CONNECT: return "could not connect";
	case CURLE_PEER_FAILED_VERIFICATION: return "TLS certificate verification failed";
	case CURLE_SSL_CONNECT_ERROR: return "TLS handshake failed";
	case CURLE_FILE_COULDNT_READ_FILE: return "file not found or unreadable";
	case CURLE_TOO_MANY_REDIRECTS: return "too many redirects";
	case CURLE_UNSUPPORTED_PROTOCOL: return "protocol not allowed";
	case CURLE_URL_MALFORMAT: return "malformed url";
	case CURLE_GOT_NOTHING: return "empty reply";
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR: return "connection broken";
	default: return curl_easy_strerror(cc);
	}
}

/* 1 when a failure may pass on its own: timeouts, connection errors, 429,
 * 5xx. (Nothing a file read can fail with is in the list.) */
static int
retryable(CURLcode cc, long status)
{
	switch (cc) {
	case CURLE_OK:
		return status == 429 || (status >= 500 && status <= 599);
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* The calls left that the last reply reports in X-Ratelimit-Remaining
 * (Finnhub's documented header; a plain count), or -1 when it says none. */
static long long
quota_remaining(void)
{
	struct curl_header *h = NULL;
	int64_t v;

	if (curl_easy_header(easy, "X-Ratelimit-Remaining", 0, CURLH_HEADER, -1, &h) !=
	    CURLHE_OK || h == NULL || valid_i64(h->value, 0, INT64_MAX, &v) != 0)
		return -1;
	return v;
}

/* One request on the process's handle; fills out's status, content type,
 * retry_after and quota_remaining from the reply. */
static CURLcode
perform(struct pool *p, const struct http_request *req, struct curl_slist *headers,
        const struct limits *l, struct sink *s, struct http_response *out)
{
	const char *const *capture = req->capture;
	CURLcode cc;
	long status = 0;
	char *ctype = NULL, *scheme = NULL;
	curl_off_t retry_after = 0;

	curl_easy_reset(easy);
	/* the safety settings must hold, or nothing is sent */
	if (curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR,
	                     req->post_body ? "http,https" : "http,https,file") != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK) {
		out->status = 0;
		out->retry_after = -1;
		return CURLE_FAILED_INIT;
	}
	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, req->post_body ? 0L : 1L);  /* a POST is never redirected */
	if (req->post_body != NULL) {
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->post_len);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->post_body);
	}
	if (req->userpwd != NULL)
		curl_easy_setopt(easy, CURLOPT_USERPWD, req->userpwd);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, l->connect_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, l->total_ms);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, l->user_agent);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)l->max_bytes);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, s);
	cc = curl_easy_perform(easy);

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after);
	curl_easy_getinfo(easy, CURLINFO_SCHEME, &scheme);
	if (cc == CURLE_OK && scheme != NULL && strcasecmp(scheme, "file") == 0)
		status = 200;   /* a file read in full */
	out->status = cc == CURLE_OK ? status : 0;
	out->content_type = pool_strdup(p, ctype ? ctype : "");
	out->retry_after = cc == CURLE_OK && retry_after > 0 ? (long)retry_after : -1;
	out->quota_remaining = cc == CURLE_OK ? quota_remaining() : -1;
	for (size_t i = 0; capture != NULL && capture[i] != NULL; i++) {
		struct curl_header *h = NULL;

		out->captured[i] = cc == CURLE_OK && curl_easy_header(easy, capture[i], 0,
		    CURLH_HEADER, -1, &h) == CURLHE_OK ? pool_strdup(p, h->value) : NULL;
	}
	return cc;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* a signal (SIGTERM) cuts the wait short: the worker is stopping */
	nanosleep(&ts, NULL);
}

/* The header list for curl, or -1 when a line could smuggle in another
 * header (CR or LF) or has no "Name:". */
static int
headers_build(const char *const *lines, struct curl_slist **out)
{
	*out = NULL;
	for (; lines != NULL && *lines != NULL; lines++) {
		struct curl_slist *next;

		if (strpbrk(*lines, "\r\n") != NULL || strchr(*lines, ':') == NULL ||
		    **lines == ':')
			return -1;
		next = curl_slist_append(*out, *lines);
		if (next == NULL)
			abort();
		*out = next;
	}
	return 0;
}

/* The request with its retries; 0 with a reply in out, or -1 (out->error). */
static int
fetch(struct pool *p, const struct http_request *req, const struct limits *l,
      struct http_response *out)
{
	struct curl_slist *headers = NULL;
	struct sink s = { .max = l->max_bytes };
	CURLcode cc = CURLE_OK;
	long waited = 0;
	int rc = -1;

	if (headers_build(req->headers, &headers) < 0) {
		out->error = "malformed request header";
		goto out;
	}
	if (http_setup() < 0) {
		out->error = "HTTP client unavailable";
		goto out;
	}
	for (int attempt = 0;; attempt++) {
		long wait;

		s.len = 0;
		s.too_large = 0;
		cc = perform(p, req, headers, l, &s, out);
		out->attempts = attempt + 1;
		if (cc != CURLE_OK)
			out->error = curl_reason(cc, &s);
		else if (out->status < 200 || out->status > 299)
			out->error = pool_printf(p, "HTTP %ld", out->status);
		else
			out->error = NULL;
		if (attempt >= l->retries || !retryable(cc, out->status))
			break;
		if (out->retry_after > 0)
			wait = out->retry_after * 1000;
		else   /* full jitter: uniform in [0, base * 2^attempt] */
			wait = (long)randombytes_uniform((uint32_t)(l->base_ms << attempt) + 1);
		if (waited + wait > WAIT_BUDGET_MS)
			break;   /* e.g. Retry-After: 3600; the caller may try elsewhere */
		log_kv(LOG_INFO, "provider call retried", "provider", req->provider,
		       "error", out->error, "wait_ms", pool_printf(p, "%ld", wait), NULL);
		sleep_ms(wait);
		waited += wait;
	}
	if (cc == CURLE_OK) {
		char *body = pool_alloc(p, s.len + 1);

		if (s.len)
			memcpy(body, s.data, s.len);
		out->body = body;
		out->len = s.len;
		rc = 0;
	}
out:
	curl_slist_free_all(headers);
	free(s.data);
	return rc;
}

/* out emptied, with room for req's captured headers. */
static void
response_init(struct pool *p, const struct http_request *req, struct http_response *out)
{
	assert(req != NULL && req->provider != NULL && *req->provider != '\0');
	assert(req->url != NULL && out != NULL);
	assert(req->post_body == NULL || req->cache_ttl == 0);
	memset(out, 0, sizeof(*out));
	out->body = "";
	out->content_type = "";
	out->retry_after = -1;
	out->quota_remaining = -1;
	if (req->capture != NULL) {
		size_t n = 0;

		while (req->capture[n] != NULL)
			n++;
		out->captured = pool_alloc(p, (n + 1) * sizeof(*out->captured));
		memset(out->captured, 0, (n + 1) * sizeof(*out->captured));
	}
}

int
http_post(struct pool *p, const struct http_request *req, struct http_response *out)
{
	double start = clock_now();
	struct limits l;
	int rc;

	assert(req != NULL && req->post_body != NULL);
	response_init(p, req, out);
	limits_read(&l, p);
	l.retries = 0;
	rc = fetch(p, req, &l, out);
	if (db_conn() != NULL && out->attempts > 0)
		http_record_call(p, req, out, clock_now() - start);
	out->seconds = clock_now() - start;
	return rc;
}

int
http_get(struct pool *p, const struct http_request *req, struct http_response *out)
{
	double start = clock_now(), began;
	struct limits l;
	int rc, failed, use_db, cache;
	struct http_response old;

	response_init(p, req, out);
	limits_read(&l, p);
	use_db = db_conn() != NULL;
	cache = use_db && req->cache_ttl > 0 && req->post_body == NULL;

	if (cache && !req->refresh && http_cache_lookup(p, req->url, 0, out) == 0) {
		out->seconds = clock_now() - start;
		return 0;
	}
	began = clock_now();
	rc = fetch(p, req, &l, out);
	if (use_db && out->attempts > 0)
		http_record_call(p, req, out, clock_now() - began);
	failed = rc < 0 || out->status == 429 || out->status >= 500;
	if (failed && cache && http_cache_lookup(p, req->url, 1, &old) == 0) {
		out->status = old.status;
		out->body = old.body;
		out->len = old.len;
		out->content_type = old.content_type;
		out->from_cache = out->stale = 1;
		rc = 0;
	} else if (rc == 0 && cache && out->status >= 200 && out->status <= 299) {
		http_cache_store(p, req, out);
	}
	if (out->error != NULL)
		log_kv(failed ? LOG_WARN : LOG_INFO, "provider call failed",
		       "provider", req->provider, "endpoint", http_url_for_log(p, req->url),
		       "error", out->error, "attempts", pool_printf(p, "%d", out->attempts),
		       "stale", out->stale ? "served" : "none", NULL);
	out->seconds = clock_now() - start;
	return rc;
}
