/* smtp.c: one email through libcurl's SMTP (smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "pool.h"

struct upload {
	const char *data;
	size_t len, off;
};

static size_t
read_part(char *out, size_t size, size_t nmemb, void *ctx)
{
	struct upload *u = ctx;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(out, u->data + u->off, n);
	u->off += n;
	return n;
}

int
smtp_configured(void)
{
	const char *url = config_get("SMTP_URL");

	return url != NULL && *url != '\0';
}

int
smtp_send(struct pool *p, const char *from, const char *to, const char *data, size_t len,
          long *code, const char **why)
{
	const char *url = config_get("SMTP_URL"), *user = config_get("SMTP_USERNAME");
	const char *pass = config_get("SMTP_PASSWORD"), *ca = config_get("SMTP_CA_FILE");
	struct upload u = { data, len, 0 };
	struct curl_slist *rcpt = NULL;
	CURL *c;
	CURLcode cc;
	int rc = -1;

	*code = 0;
	if (url == NULL || (strncasecmp(url, "smtp://", 7) != 0 &&
	                    strncasecmp(url, "smtps://", 8) != 0)) {
		*why = "SMTP_URL is not an smtp:// or smtps:// URL";
		return -1;
	}
	if ((c = curl_easy_init()) == NULL || (rcpt = curl_slist_append(NULL, to)) == NULL) {
		*why = "SMTP client unavailable";
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca != NULL && *ca != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (user != NULL && *user != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
	}
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_part);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	if (cc == CURLE_OK) {
		rc = 0;
	} else {
		*why = pool_printf(p, "SMTP: %s (reply %ld)", curl_easy_strerror(cc), *code);
		log_kv(LOG_WARN, "email not sent", "error", *why, NULL);
	}
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return rc;
}
