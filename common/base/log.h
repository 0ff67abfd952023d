/* log.h: one JSON object per line on stderr.
 *
 * Each line carries time, level, binary and the current request id. Values
 * under secret-looking keys (password, token, secret, key, authorization,
 * cookie, ...) are replaced by "[REDACTED]" wherever they appear. */
#ifndef EDGESCOUT_LOG_H
#define EDGESCOUT_LOG_H

#include <stddef.h>

#include <json-c/json.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Name the binary for every line, set the level from LOG_LEVEL and the
 * request line sampling from LOG_REQUEST_SAMPLE. */
void log_init(const char *binary);

/* Send stderr (every log line) to path, appending, created 0640; with
 * reopen_signal > 0 that signal opens path again (after logrotate renamed
 * it). Returns 0, or -1 when path cannot be opened (errno set). */
int log_open_file(const char *path, int reopen_signal);

/* Requests at least this slow are always logged. */
#define LOG_SLOW_MS 1000.0

/* 1 when the line of a request with this status and duration is written:
 * errors (4xx, 5xx) and slow requests always, others one in
 * LOG_REQUEST_SAMPLE (1 = all; default 10 in production, else 1). */
int log_request_sampled(int status, double duration_ms);

/* Set (or clear, with NULL) the request id added to lines; the string must
 * stay valid until it is cleared. */
void log_set_request_id(const char *request_id);

/* 1 when a line at level would be written. */
int log_enabled(enum log_level level);

/* 1 when key names a secret (case-insensitive match on known fragments). */
int log_key_is_secret(const char *key);

/* Replace the values under secret-looking keys in obj (recursively). */
void log_redact(json_object *obj);

/* Write fields (a JSON object, which this call takes over and frees) as one
 * line, adding ts, level, bin and request_id where absent; secrets redacted. */
void log_json(enum log_level level, json_object *fields);

/* Write msg with string key/value pairs, ended by a NULL key:
 * log_kv(LOG_WARN, "db down", "sqlstate", "08006", NULL). */
void log_kv(enum log_level level, const char *msg, ...);

/* Bytes of the path kept in a request line. */
#define LOG_PATH_MAX 256

/* What the one line per request says. */
struct log_request {
	const char *method;      /* as sent */
	const char *route;       /* route pattern, or "unmatched" */
	const char *path;        /* cut to LOG_PATH_MAX bytes on a UTF-8 boundary */
	int status;
	double duration_ms;      /* written with three decimals */
	long long user_id;       /* 0: none */
	const char *error;       /* catalogue code, or NULL */
};

/* Write the request line: ts, level, bin, request_id (when set), msg
 * "request", method, route, path, status, duration_ms, user_id, error. */
void log_request_line(enum log_level level, const struct log_request *lr);

/* Write s (n bytes) into out as a quoted JSON string: quote, backslash and
 * control characters escaped, valid UTF-8 kept, every other byte written as
 * \ufffd. out needs 6 * n + 2 bytes; returns the bytes written (no NUL). */
size_t log_json_escape(char *out, const char *s, size_t n);


/* printf-style message line. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
