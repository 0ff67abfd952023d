/* err.c: the error catalogue. */
#include "err.h"

#include <assert.h>
#include <string.h>

static const struct err_info catalogue[ERR_COUNT] = {
	[ERR_BAD_REQUEST]            = { "BAD_REQUEST", 400, "the request is malformed" },
	[ERR_VALIDATION_FAILED]      = { "VALIDATION_FAILED", 422, "a field is not valid" },
	[ERR_INVALID_JSON]           = { "INVALID_JSON", 400, "the body is not valid JSON" },
	[ERR_UNAUTHORIZED]           = { "UNAUTHORIZED", 401, "authentication is required" },
	[ERR_FORBIDDEN]              = { "FORBIDDEN", 403, "not allowed" },
	[ERR_NOT_FOUND]              = { "NOT_FOUND", 404, "no such resource" },
	[ERR_METHOD_NOT_ALLOWED]     = { "METHOD_NOT_ALLOWED", 405, "method not allowed on this resource" },
	[ERR_CONFLICT]               = { "CONFLICT", 409, "the resource already exists or has changed" },
	[ERR_PAYLOAD_TOO_LARGE]      = { "PAYLOAD_TOO_LARGE", 413, "the request body is too large" },
	[ERR_URI_TOO_LONG]           = { "URI_TOO_LONG", 414, "the request URI is too long" },
	[ERR_UNSUPPORTED_MEDIA_TYPE] = { "UNSUPPORTED_MEDIA_TYPE", 415, "the body must be application/json" },
	[ERR_RATE_LIMITED]           = { "RATE_LIMITED", 429, "too many requests" },
	[ERR_QUOTA_EXCEEDED]         = { "QUOTA_EXCEEDED", 429, "the quota for this period is used up" },
	[ERR_INTERNAL]               = { "INTERNAL_ERROR", 500, "internal error" },
	[ERR_PROVIDER_UNAVAILABLE]   = { "PROVIDER_UNAVAILABLE", 502, "the data provider is unavailable" },
	[ERR_SERVICE_UNAVAILABLE]    = { "SERVICE_UNAVAILABLE", 503, "the service is unavailable" },
	[ERR_DB_UNAVAILABLE]         = { "DATABASE_UNAVAILABLE", 503, "the database is unavailable" },
};

const struct err_info *
err_info(enum err e)
{
	assert(e >= 0 && e < ERR_COUNT);
	return &catalogue[e];
}

const struct err_info *
err_by_code(const char *code)
{
	for (int i = 0; i < ERR_COUNT; i++)
		if (strcmp(catalogue[i].code, code) == 0)
			return &catalogue[i];
	return NULL;
}
