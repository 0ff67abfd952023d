/* stream_pub.c: publishing to the live stream over nginx's unix socket.
 * The socket is local and answers at once, so this is a plain libcurl
 * call with short time limits, not the provider wrapper of http.c (no
 * retries, cache or provider health: it is not a provider). */
#include "stream_pub.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "stream_store.h"

#define STREAM_TIMEOUT_MS 2000L
#define STREAM_MAX_REPLY 16384

struct reply {
	struct buf body;
};

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;

	if (r->body.len + size * n > STREAM_MAX_REPLY)
		return 0;
	buf_append(&r->body, data, size * n);
	return size * n;
}

/* The socket's path (pool string), or NULL without RUN_DIR. */
static const char *
socket_path(struct pool *p)
{
	const char *run = config_get("RUN_DIR");

	return run && *run ? pool_printf(p, "%s/stream-publish.socket", run) : NULL;
}

/* One request to the stream's server; the status (0 when none came). */
static long
stream_call(struct pool *p, const char *path, const char *body, size_t len,
            struct reply *out)
{
	const char *sock = socket_path(p);
	struct curl_slist *hdrs = NULL;
	CURL *c;
	long status = 0;
	CURLcode rc;

	buf_init(&out->body, p);
	if (sock == NULL || (c = curl_easy_init()) == NULL)
		return 0;
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, pool_printf(p, "http://localhost%s", path));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, STREAM_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, STREAM_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		hdrs = curl_slist_append(hdrs, "Accept: text/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		log_kv(LOG_WARN, "stream: no answer", "socket", sock,
		       "message", curl_easy_strerror(rc), NULL);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return status;
}

int
stream_publish(struct pool *p, const char *topic, const char *json, size_t len)
{
	struct reply r;
	long status;
	size_t n = strlen(topic);

	if (n == 0 || n > 64 || strspn(topic, "abcdefghijklmnopqrstuvwxyz0123456789.") != n)
		return -1;
	status = stream_call(p, pool_printf(p, "/pub/%s", topic), json, len, &r);
	if (status < 200 || status > 299) {
		log_kv(LOG_WARN, "stream: publish refused", "topic", topic,
		       "status", pool_printf(p, "%ld", status), NULL);
		return -1;
	}
	return 0;
}

int
stream_publish_hits(struct pool *p, int limit, int *published)
{
	PGresult *res;
	int rc = 0;

	*published = 0;
	if (socket_path(p) == NULL)
		return 0;
	if (db_begin(p) < 0)
		return -1;
	if ((res = stream_store_pending(p, limit)) == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *json = db_text(res, i, 2);

		if (stream_publish(p, db_text(res, i, 1), json, strlen(json)) < 0) {
			rc = -1;
			break;
		}
		if (stream_store_sent(p, db_int(res, i, 0)) < 0)
			goto fail;
		(*published)++;
	}
	if (stream_store_advance(p) < 0)
		goto fail;
	if (db_commit(p) < 0)
		return -1;
	return rc;
fail:
	db_rollback(p);
	return -1;
}

void
stream_publish_pending(struct pool *p)
{
	int n, total = 0, rc;

	while ((rc = stream_publish_hits(p, 500, &n)) == 0 && n > 0)
		total += n;
	log_kv(rc == 0 ? LOG_INFO : LOG_WARN, rc == 0 ? "stream: hits published" :
	       "stream: hits left for the next run", "published",
	       pool_printf(p, "%d", total + (rc < 0 ? n : 0)), NULL);
}

/* The number after "label: " in nchan's stub status; -1 when absent. */
static long long
status_field(const char *text, const char *label)
{
	const char *s = text;
	size_t n = strlen(label);

	while ((s = strstr(s, label)) != NULL) {
		if ((s == text || s[-1] == '\n') && s[n] == ':')
			return strtoll(s + n + 1, NULL, 10);
		s += n;
	}
	return -1;
}

int
stream_counts(struct pool *p, struct stream_counts *out)
{
	struct reply r;

	if (stream_call(p, "/status", NULL, 0, &r) != 200)
		return -1;
	out->subscribers = status_field(buf_cstr(&r.body), "subscribers");
	out->channels = status_field(buf_cstr(&r.body), "channels");
	out->messages = status_field(buf_cstr(&r.body), "stored messages");
	return out->subscribers < 0 || out->channels < 0 ? -1 : 0;
}
