/* aws_sigv4.c: AWS Signature Version 4 (canonical request, string to sign,
 * signing key, signature), as the AWS general reference describes it. */
#include "aws_sigv4.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pool.h"

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static void
hmac(unsigned char out[32], const unsigned char *key, size_t keylen, const char *msg)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
	crypto_auth_hmacsha256_final(&st, out);
}

const char *
sigv4_uri_encode(struct pool *p, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;

	buf_init(&b, p);
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_' ||
		    *c == '~' || (keep_slash && *c == '/')) {
			buf_putc(&b, (char)*c);
		} else {
			buf_putc(&b, '%');
			buf_putc(&b, hex[*c >> 4]);
			buf_putc(&b, hex[*c & 15]);
		}
	}
	return buf_cstr(&b);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The query's parameters as "k=v" (a missing '=' added), sorted. */
static void
canonical_query(struct pool *p, struct buf *out, const char *query)
{
	const char **parts;
	size_t n = 1, k = 0;
	char *q = pool_strdup(p, query), *save = NULL;

	if (*query == '\0')
		return;
	for (const char *c = query; *c; c++)
		n += *c == '&';
	parts = pool_alloc(p, n * sizeof(*parts));
	for (char *t = strtok_r(q, "&", &save); t != NULL; t = strtok_r(NULL, "&", &save))
		parts[k++] = strchr(t, '=') ? t : pool_printf(p, "%s=", t);
	qsort(parts, k, sizeof(*parts), cmp_str);
	for (size_t i = 0; i < k; i++) {
		if (i > 0)
			buf_putc(out, '&');
		buf_puts(out, parts[i]);
	}
}

/* A header line "name:value": the name lower case, the value trimmed with
 * runs of spaces made one. */
static const char *
header_line(struct pool *p, const char *name, const char *value)
{
	struct buf b;
	int space = 0;

	buf_init(&b, p);
	for (const char *c = name; *c; c++)
		buf_putc(&b, (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c));
	buf_putc(&b, ':');
	while (*value == ' ' || *value == '\t')
		value++;
	for (const char *c = value; *c; c++) {
		if (*c == ' ' || *c == '\t') {
			space = 1;
			continue;
		}
		if (space)
			buf_putc(&b, ' ');
		space = 0;
		buf_putc(&b, *c);
	}
	return buf_cstr(&b);
}

void
sigv4_sign(struct pool *p, const struct sigv4_request *r, const struct sigv4_scope *s,
           struct sigv4_result *out)
{
	const char **lines;
	size_t n = 0;
	struct buf cr, sh, sts;
	char hash[65], date[9];
	unsigned char k[32];
	const char *scope;

	for (n = 0; r->headers[2 * n] != NULL; n++)
		;
	lines = pool_alloc(p, (n + 1) * sizeof(*lines));
	for (size_t i = 0; i < n; i++)
		lines[i] = header_line(p, r->headers[2 * i], r->headers[2 * i + 1]);
	qsort(lines, n, sizeof(*lines), cmp_str);

	buf_init(&cr, p);
	buf_init(&sh, p);
	buf_printf(&cr, "%s\n%s\n", r->method, r->path);
	canonical_query(p, &cr, r->query);
	buf_putc(&cr, '\n');
	for (size_t i = 0; i < n; i++) {
		buf_printf(&cr, "%s\n", lines[i]);
		if (i > 0)
			buf_putc(&sh, ';');
		buf_append(&sh, lines[i], strcspn(lines[i], ":"));
	}
	buf_printf(&cr, "\n%s\n%s", buf_cstr(&sh), r->payload_hash);
	out->canonical_request = buf_cstr(&cr);
	out->signed_headers = buf_cstr(&sh);

	memcpy(date, s->amz_date, 8);
	date[8] = '\0';
	scope = pool_printf(p, "%s/%s/%s/aws4_request", date, s->region, s->service);
	sha256_hex(out->canonical_request, strlen(out->canonical_request), hash);
	buf_init(&sts, p);
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", s->amz_date, scope, hash);
	out->string_to_sign = buf_cstr(&sts);

	{
		const char *secret = pool_printf(p, "AWS4%s", s->secret_key);

		hmac(k, (const unsigned char *)secret, strlen(secret), date);
		hmac(k, k, 32, s->region);
		hmac(k, k, 32, s->service);
		hmac(k, k, 32, "aws4_request");
		hmac(k, k, 32, out->string_to_sign);
		sodium_memzero((void *)secret, strlen(secret));
	}
	sodium_bin2hex(out->signature, sizeof(out->signature), k, 32);
	sodium_memzero(k, sizeof(k));
	out->authorization = pool_printf(p, "AWS4-HMAC-SHA256 Credential=%s/%s, "
	                                 "SignedHeaders=%s, Signature=%s", s->access_key, scope,
	                                 out->signed_headers, out->signature);
}
