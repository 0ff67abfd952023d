/* aws_sigv4.h: AWS Signature Version 4, computed here to check the
 * signatures libcurl's CURLOPT_AWS_SIGV4 puts on the S3 requests of the
 * off-site backups (the unit tests hold both to AWS's published vectors). */
#ifndef EDGESCOUT_AWS_SIGV4_H
#define EDGESCOUT_AWS_SIGV4_H

#include <stddef.h>

struct pool;

/* A request as sent: the path and query already URI-encoded the AWS way
 * (RFC 3986 unreserved characters left, the rest %XX). */
struct sigv4_request {
	const char *method;           /* "GET" */
	const char *path;             /* "/bucket/key" */
	const char *query;            /* "a=1&b" (no '?'), "" for none */
	const char *const *headers;   /* name, value, name, value, ..., NULL: the signed ones */
	const char *payload_hash;     /* hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" */
};

struct sigv4_scope {
	const char *access_key, *secret_key;
	const char *region, *service;
	const char *amz_date;         /* YYYYMMDDTHHMMSSZ */
};

/* Each stage of the signature (pool memory). */
struct sigv4_result {
	const char *canonical_request;
	const char *string_to_sign;
	const char *signed_headers;   /* "host;x-amz-date" */
	char signature[65];
	const char *authorization;    /* the Authorization header's value */
};

/* Sign r in scope s into out. */
void sigv4_sign(struct pool *p, const struct sigv4_request *r, const struct sigv4_scope *s,
                struct sigv4_result *out);

/* Append to a pool string the AWS URI encoding of s (every byte but
 * A-Z a-z 0-9 - . _ ~ as %XX; '/' kept when keep_slash). */
const char *sigv4_uri_encode(struct pool *p, const char *s, int keep_slash);

#endif
