/* fcgi_client.h: a minimal FastCGI client, from the FastCGI 1.0 spec.
 *
 * One RESPONDER request per connection over a unix socket: BEGIN_REQUEST,
 * the PARAMS stream, the STDIN stream, then STDOUT/STDERR until END_REQUEST.
 * Used by `edgescout health` to ask each binary whether it answers. */
#ifndef EDGESCOUT_FCGI_CLIENT_H
#define EDGESCOUT_FCGI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct pool;

/* Record types of the spec. */
enum fcgi_type {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_ABORT_REQUEST = 2,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_STDERR = 7,
};

#define FCGI_HEADER_LEN 8
#define FCGI_RESPONDER 1

struct fcgi_param {
	const char *name;
	const char *value;
};

struct fcgi_response {
	char *out;               /* FCGI_STDOUT bytes, NUL-terminated, pool memory */
	size_t out_len;
	char *err;               /* FCGI_STDERR bytes, NUL-terminated, pool memory */
	size_t err_len;
	uint32_t app_status;     /* from END_REQUEST */
	int protocol_status;     /* 0 REQUEST_COMPLETE */
};

/* Send one request (params, then body as STDIN) to the FastCGI server on the
 * unix socket at path, and read its answer into *resp, all within timeout_ms.
 * Returns 0, or -1 with a one-line reason in err. Memory from p. */
int fcgi_request(struct pool *p, const char *path, const struct fcgi_param *params,
                 size_t nparams, const void *body, size_t body_len, int timeout_ms,
                 struct fcgi_response *resp, char *err, size_t errlen);

/* Write a record header for content_len bytes followed by padding bytes. */
void fcgi_header(unsigned char out[FCGI_HEADER_LEN], int type, unsigned request_id,
                 size_t content_len, size_t padding);

/* Encode one name-value pair (lengths in 1 byte below 128, else 4 bytes with
 * the high bit set) into out when it fits in outlen; returns the bytes it
 * needs, or 0 when a length exceeds 2^31-1. */
size_t fcgi_encode_pair(unsigned char *out, size_t outlen, const char *name,
                        size_t name_len, const char *value, size_t value_len);

/* The code of the CGI "Status:" header in the header block of a response
 * (the lines before the first empty one), or 0 when there is none. */
int fcgi_response_status(const char *out, size_t len);

#endif
