/* err.h: the one catalogue of error codes, each with its HTTP status and
 * default message. Every error reply, from the app or from nginx, uses a
 * code from here in the envelope
 * {"error":{"code","message","field"?,"request_id"}}. */
#ifndef EDGESCOUT_ERR_H
#define EDGESCOUT_ERR_H

enum err {
	ERR_BAD_REQUEST,
	ERR_VALIDATION_FAILED,
	ERR_INVALID_JSON,
	ERR_UNAUTHORIZED,
	ERR_FORBIDDEN,
	ERR_NOT_FOUND,
	ERR_METHOD_NOT_ALLOWED,
	ERR_CONFLICT,
	ERR_PAYLOAD_TOO_LARGE,
	ERR_URI_TOO_LONG,
	ERR_UNSUPPORTED_MEDIA_TYPE,
	ERR_RATE_LIMITED,
	ERR_QUOTA_EXCEEDED,
	ERR_INTERNAL,
	ERR_PROVIDER_UNAVAILABLE,
	ERR_SERVICE_UNAVAILABLE,
	ERR_DB_UNAVAILABLE,
	ERR_COUNT
};

struct err_info {
	const char *code;     /* "VALIDATION_FAILED" */
	int status;           /* 422 */
	const char *message;  /* default message: short, lower case, no period */
};

/* The catalogue entry for e (asserts e is in range). */
const struct err_info *err_info(enum err e);

/* The catalogue entry whose code is code, or NULL. */
const struct err_info *err_by_code(const char *code);

#endif
