/* http.h: outbound HTTP GET and POST, the one way edgescout talks to providers.
 *
 * One libcurl handle per process, reused across calls (connections, DNS and
 * TLS sessions are kept). Each attempt has a connect and a total time limit
 * (HTTP_CONNECT_TIMEOUT_MS, HTTP_TIMEOUT_MS); TLS peers and host names are
 * always verified (there is no switch); only http, https and file are spoken
 * (redirects: http and https, at most 3); reading stops past HTTP_MAX_BYTES;
 * the User-Agent is HTTP_USER_AGENT. Timeouts, connection failures, 429 and
 * 5xx are retried up to HTTP_RETRIES times, after the reply's Retry-After or
 * else a random wait of up to HTTP_RETRY_BASE_MS doubled per retry; the waits
 * of one call add up to at most 30 s (a longer Retry-After ends the retries).
 *
 * Query strings carry API keys, so a URL is only ever logged or stored as
 * scheme://host[:port]/path: keep secrets out of paths. Request headers
 * follow redirects to other hosts (curl drops only Authorization and Cookie).
 *
 * With the database reachable, each call is recorded in provider_calls (with
 * the quota the provider says is left, when its reply says), and
 * 2xx replies are cached in http_cache under the SHA-256 of the URL (request
 * headers are not part of the key). Without it, calls still work, uncached
 * and unrecorded. */
#ifndef EDGESCOUT_HTTP_H
#define EDGESCOUT_HTTP_H

#include <stddef.h>

struct pool;

struct http_request {
	const char *provider;         /* "alphavantage": call log and cache owner
	                                 (lower case, digits, _ . -) */
	const char *url;              /* https://, http:// or file:// */
	const char *const *headers;   /* "Name: value" lines, NULL-terminated; or NULL */
	int cache_ttl;                /* seconds a 2xx reply stays fresh; 0: no cache */
	int refresh;                  /* skip a fresh cached copy (a stale one still
	                                 stands in when the provider fails) */
	const char *const *capture;   /* reply header names to keep, NULL-terminated;
	                                 or NULL */
	const char *post_body;        /* set: POST these post_len bytes (with the
	                                 Content-Type among headers), never cached
	                                 (cache_ttl 0), redirects not followed;
	                                 retried like a GET, so the request must be
	                                 idempotent (an Idempotency-Key) */
	size_t post_len;
	const char *userpwd;          /* "user:password" for Basic auth, or NULL */
};

struct http_response {
	long status;                  /* HTTP status; 200 for a file read; 0 when none */
	const char *body;             /* NUL-terminated (may hold NULs); "" when none */
	size_t len;
	const char *content_type;     /* "" when none */
	int from_cache;               /* served from http_cache */
	int stale;                    /* the provider failed and a cached copy (an
	                                 expired one, or a fresh one skipped by
	                                 refresh) was served: reply X-Cache: STALE */
	int attempts;                 /* requests made (0 for a fresh cache hit) */
	double seconds;               /* wall time of the whole call */
	const char *error;            /* why the provider gave no 2xx ("timed out",
	                                 "HTTP 503"), also when a stale copy stands
	                                 in; NULL otherwise. Holds no URL. */
	long retry_after;             /* seconds from the last reply's Retry-After, or -1 */
	long long quota_remaining;    /* calls left that the last reply reported
	                                 (X-Ratelimit-Remaining, as Finnhub sends), or -1 */
	const char **captured;        /* the values of req->capture's headers in the
	                                 last reply, in its order (NULL: absent; all
	                                 NULL for a cached copy); NULL when none asked */
};

/* GET req->url (POST req->post_body when set) into out (all of it pool
 * memory). Returns 0 with out filled for any HTTP status, including a
 * 4xx/5xx after retries, or a stale copy; -1 when no usable reply came (timeout, connection, TLS, too large, missing
 * file) and no stale copy exists: out->error says why. */
int http_get(struct pool *p, const struct http_request *req, struct http_response *out);

/* POST req->post_body to req->url (http or https only, no redirect followed)
 * once: no retry and no cache, the caller decides what a failure means.
 * The call is recorded like http_get's. 0 with out filled for any HTTP
 * status, -1 when no reply came (out->error says why). */
int http_post(struct pool *p, const struct http_request *req, struct http_response *out);

/* url without userinfo, query and fragment: "https://host[:port]/path", in
 * pool memory; "(unparsable url)" when it cannot be parsed. Safe to log. */
const char *http_url_for_log(struct pool *p, const char *url);

/* The database side of http_get (http_cache.c). */

/* The cached reply for url into out (status, body, content type, from_cache;
 * pool memory): any_age 0 takes a fresh entry only, 1 also an expired one.
 * 0, or -1 when there is none or the database failed. */
int http_cache_lookup(struct pool *p, const char *url, int any_age,
                      struct http_response *out);

/* Store resp (a 2xx reply) as the cached copy of req->url for req->cache_ttl
 * seconds. Failures are logged and otherwise ignored. */
void http_cache_store(struct pool *p, const struct http_request *req,
                      const struct http_response *resp);

/* Add the call's row to provider_calls (seconds: time spent on the provider).
 * Failures are logged and otherwise ignored. */
void http_record_call(struct pool *p, const struct http_request *req,
                      const struct http_response *resp, double seconds);

/* Release the process's libcurl handles and libcurl itself (at exit; a later
 * http_get sets them up again). */
void http_cleanup(void);

#endif
