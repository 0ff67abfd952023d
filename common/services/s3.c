/* s3.c: a small S3 client for the off-site copy of backups: PUT (multipart
 * above BACKUP_S3_PART_MB), GET, DELETE and ListObjectsV2, signed by
 * libcurl (CURLOPT_AWS_SIGV4). Not the provider wrapper of http.c: these
 * calls stream files both ways, and are neither cached nor retried here
 * (the next scheduled run is the retry).
 *
 * Every query string is sent already in SigV4's canonical form (parameters
 * sorted by name, "name=" for a bare name): libcurl 7.88 signs the query as
 * it is sent, so any other order or "?uploads" would be signed wrongly
 * (tests/unit/test_s3.c recomputes each signature to hold it to that). */
#include "s3.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_sigv4.h"
#include "buf.h"
#include "config.h"
#include "pool.h"

#define XML_MAX (4 * 1024 * 1024)
#define MAX_PARTS 10000

struct s3_call {
	const char *method;          /* GET PUT POST DELETE */
	const char *key;             /* object key, NULL for the bucket */
	const char *query;           /* encoded, "" for none */
	const char *body;            /* POST body, NULL for none */
	FILE *in;                    /* PUT: read from here ... */
	int64_t in_len;              /* ... this many bytes */
	FILE *out;                   /* GET: the object into here, else into xml */
	struct buf xml;
	char etag[128];
	backup_progress_fn progress;
	curl_off_t shown;            /* bytes at the last progress report */
	long status;
};

static const char *
setting(const char *key, const char *def)
{
	const char *v = config_get(key);

	return v != NULL && *v != '\0' ? v : def;
}

int
s3_configured(void)
{
	return setting("BACKUP_S3_ENDPOINT", NULL) != NULL &&
	       setting("BACKUP_S3_BUCKET", NULL) != NULL;
}

const char *
s3_key(struct pool *p, const char *name)
{
	return pool_printf(p, "%s%s", setting("BACKUP_S3_PREFIX", "edgescout/"), name);
}

static size_t
on_read(char *ptr, size_t size, size_t n, void *arg)
{
	struct s3_call *c = arg;
	size_t want = size * n;

	if ((int64_t)want > c->in_len)
		want = (size_t)c->in_len;
	want = want > 0 ? fread(ptr, 1, want, c->in) : 0;
	c->in_len -= (int64_t)want;
	return want;
}

static size_t
on_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct s3_call *c = arg;

	if (c->out != NULL && c->status / 100 == 2)
		return fwrite(ptr, 1, size * n, c->out);
	if (c->xml.len + size * n > XML_MAX)
		return 0;
	buf_append(&c->xml, ptr, size * n);
	return size * n;
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct s3_call *c = arg;
	size_t len = size * n;

	if (len > 9 && strncmp(line, "HTTP/", 5) == 0)
		c->status = strtol(strchr(line, ' ') ? strchr(line, ' ') + 1 : "0", NULL, 10);
	if (len > 5 && strncasecmp(line, "etag:", 5) == 0) {
		size_t from = 5, to = len;

		while (from < to && line[from] == ' ')
			from++;
		while (to > from && (line[to - 1] == '\r' || line[to - 1] == '\n'))
			to--;
		if (to - from < sizeof(c->etag)) {
			memcpy(c->etag, line + from, to - from);
			c->etag[to - from] = '\0';
		}
	}
	return len;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
            curl_off_t ulnow)
{
	struct s3_call *c = arg;

	(void)dltotal;
	(void)ultotal;
	if (ulnow + dlnow - c->shown >= 8 * 1024 * 1024) {
		c->shown = ulnow + dlnow;
		c->progress(ulnow ? "uploading" : "downloading", (int64_t)c->shown, 0);
	}
	return 0;
}

const char *
s3_xml_next(struct pool *p, const char *tag, const char **from)
{
	const char *open = pool_printf(p, "<%s>", tag), *close = pool_printf(p, "</%s>", tag);
	const char *a = strstr(*from, open), *b;
	struct buf v;

	if (a == NULL || (b = strstr(a += strlen(open), close)) == NULL)
		return NULL;
	*from = b + strlen(close);
	buf_init(&v, p);
	for (const char *s = a; s < b; s++) {
		static const struct { const char *ent; char c; } ents[] = {
			{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
			{ "&apos;", '\'' },
		};
		size_t i;

		for (i = 0; i < 5; i++)
			if (strncmp(s, ents[i].ent, strlen(ents[i].ent)) == 0)
				break;
		if (i < 5) {
			buf_putc(&v, ents[i].c);
			s += strlen(ents[i].ent) - 1;
		} else {
			buf_putc(&v, *s);
		}
	}
	return buf_cstr(&v);
}

/* Run one call; 0 on a 2xx without an <Error> body. */
static int
perform(struct pool *p, struct s3_call *c, char *err, size_t errlen)
{
	const char *region = setting("BACKUP_S3_REGION", "us-east-1");
	const char *url = pool_printf(p, "%s/%s%s%s%s%s", setting("BACKUP_S3_ENDPOINT", ""),
	                              sigv4_uri_encode(p, setting("BACKUP_S3_BUCKET", ""), 0),
	                              c->key ? "/" : "", c->key ? sigv4_uri_encode(p, c->key, 1) : "",
	                              *c->query ? "?" : "", c->query);
	struct curl_slist *hdrs = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	CURL *e = curl_easy_init();
	CURLcode rc;
	const char *from, *code;

	buf_init(&c->xml, p);
	c->status = 0;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 120L);
	curl_easy_setopt(e, CURLOPT_AWS_SIGV4, pool_printf(p, "aws:amz:%s:s3", region));
	curl_easy_setopt(e, CURLOPT_USERNAME, setting("BACKUP_S3_ACCESS_KEY", ""));
	curl_easy_setopt(e, CURLOPT_PASSWORD, setting("BACKUP_S3_SECRET_KEY", ""));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	if (c->progress != NULL) {
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, c);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	}
	if (strcmp(c->method, "PUT") == 0) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, c);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->in_len);
	} else if (strcmp(c->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body ? c->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(c->body ? strlen(c->body) : 0));
	} else if (strcmp(c->method, "DELETE") == 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->status);
	curl_easy_cleanup(e);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "S3 %s %s: %s", c->method, c->key ? c->key : "(bucket)",
		         curl_easy_strerror(rc));
		return -1;
	}
	from = buf_cstr(&c->xml);
	code = strstr(from, "<Error>") ? s3_xml_next(p, "Code", &from) : NULL;
	if (c->status / 100 != 2 || code != NULL) {
		snprintf(err, errlen, "S3 %s %s: HTTP %ld%s%s%s", c->method,
		         c->key ? c->key : "(bucket)", c->status, code ? " (" : "", code ? code : "",
		         code ? ")" : "");
		return -1;
	}
	return 0;
}

/* The part size in bytes. */
static int64_t
part_size(void)
{
	long long mb = config_int("BACKUP_S3_PART_MB", 16);

	return (int64_t)(mb < 1 || mb > 5120 ? 16 : mb) * 1024 * 1024;
}

/* Upload f (size bytes) in parts; the upload is aborted on failure. */
static int
put_multipart(struct pool *p, const char *key, FILE *f, int64_t size,
              backup_progress_fn progress, char *err, size_t errlen)
{
	struct s3_call c = { .method = "POST", .key = key, .query = "uploads=" };
	int64_t part = part_size(), done = 0;
	const char *from, *id, *qid;
	struct buf done_xml;
	int n = 0;

	if (perform(p, &c, err, errlen) < 0)
		return -1;
	from = buf_cstr(&c.xml);
	if ((id = s3_xml_next(p, "UploadId", &from)) == NULL) {
		snprintf(err, errlen, "S3 POST %s?uploads: no UploadId in the reply", key);
		return -1;
	}
	qid = sigv4_uri_encode(p, id, 0);
	buf_init(&done_xml, p);
	buf_puts(&done_xml, "<CompleteMultipartUpload>");
	while (done < size && n < MAX_PARTS) {
		struct s3_call up = { .method = "PUT", .key = key, .in = f, .progress = progress };

		up.in_len = size - done < part ? size - done : part;
		up.query = pool_printf(p, "partNumber=%d&uploadId=%s", ++n, qid);
		if (fseeko(f, (off_t)done, SEEK_SET) != 0 || perform(p, &up, err, errlen) < 0)
			goto abort;
		done += part;
		buf_printf(&done_xml, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n,
		           up.etag);
		if (progress != NULL)
			progress("uploading", done < size ? done : size, 0);
	}
	buf_puts(&done_xml, "</CompleteMultipartUpload>");
	c = (struct s3_call){ .method = "POST", .key = key, .body = buf_cstr(&done_xml) };
	c.query = pool_printf(p, "uploadId=%s", qid);
	if (perform(p, &c, err, errlen) == 0)
		return 0;
abort:
	{
		char ignored[256];
		struct s3_call ab = { .method = "DELETE", .key = key };

		ab.query = pool_printf(p, "uploadId=%s", qid);
		perform(p, &ab, ignored, sizeof(ignored));
	}
	return -1;
}

int
s3_put_file(struct pool *p, const char *key, const char *path,
            backup_progress_fn progress, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	int rc;

	if (f == NULL || fstat(fileno(f), &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if ((int64_t)st.st_size > part_size()) {
		rc = put_multipart(p, key, f, (int64_t)st.st_size, progress, err, errlen);
	} else {
		struct s3_call c = { .method = "PUT", .key = key, .query = "", .in = f,
		                     .in_len = (int64_t)st.st_size, .progress = progress };

		rc = perform(p, &c, err, errlen);
	}
	fclose(f);
	if (rc == 0 && progress != NULL)
		progress("uploaded", (int64_t)st.st_size, 1);
	return rc;
}

int
s3_get_file(struct pool *p, const char *key, const char *path,
            backup_progress_fn progress, char *err, size_t errlen)
{
	const char *tmp = pool_printf(p, "%s.tmp", path);
	struct s3_call c = { .method = "GET", .key = key, .query = "", .progress = progress };
	int rc;

	if ((c.out = fopen(tmp, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	rc = perform(p, &c, err, errlen);
	if (fflush(c.out) != 0 || fsync(fileno(c.out)) != 0) {
		if (rc == 0)
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	fclose(c.out);
	if (rc == 0 && rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int
s3_delete(struct pool *p, const char *key, char *err, size_t errlen)
{
	struct s3_call c = { .method = "DELETE", .key = key, .query = "" };

	return perform(p, &c, err, errlen);
}

int
s3_list(struct pool *p, const char *prefix, const char ***keys, char *err, size_t errlen)
{
	const char **out = NULL, *token = NULL;
	size_t n = 0, cap = 0;

	do {
		struct s3_call c = { .method = "GET", .key = NULL };
		const char *from, *k, *trunc;

		c.query = pool_printf(p, "%s%s%slist-type=2&prefix=%s",
		                      token ? "continuation-token=" : "",
		                      token ? sigv4_uri_encode(p, token, 0) : "", token ? "&" : "",
		                      sigv4_uri_encode(p, prefix, 0));
		if (perform(p, &c, err, errlen) < 0)
			return -1;
		from = buf_cstr(&c.xml);
		while ((k = s3_xml_next(p, "Key", &from)) != NULL) {
			if (n == cap) {
				const char **grown = pool_alloc(p, (cap = cap ? 2 * cap : 64) * sizeof(*out));

				if (n > 0)
					memcpy(grown, out, n * sizeof(*out));
				out = grown;
			}
			out[n++] = k;
		}
		from = buf_cstr(&c.xml);
		trunc = s3_xml_next(p, "IsTruncated", &from);
		from = buf_cstr(&c.xml);
		token = trunc && strcmp(trunc, "true") == 0 ?
		        s3_xml_next(p, "NextContinuationToken", &from) : NULL;
	} while (token != NULL);
	*keys = out;
	return (int)n;
}
