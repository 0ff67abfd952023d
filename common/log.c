/* log.c: JSON-lines logging with redaction. */
#define _GNU_SOURCE
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config.h"

static const char *log_binary = "edgescout";
static const char *log_request_id;
static enum log_level log_min = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *binary)
{
	const char *lvl = config_get("LOG_LEVEL");

	log_binary = binary;
	log_min = LOG_INFO;
	for (int i = 0; i < 4; i++)
		if (lvl && strcmp(lvl, level_names[i]) == 0)
			log_min = (enum log_level)i;
}

void
log_set_request_id(const char *request_id)
{
	log_request_id = request_id;
}

int
log_enabled(enum log_level level)
{
	return level >= log_min;
}

int
log_key_is_secret(const char *key)
{
	static const char *const fragments[] = {
		"password", "passwd", "secret", "token", "key", "authorization",
		"cookie", "credential", "signature", "session", NULL
	};

	for (int i = 0; fragments[i]; i++)
		if (strcasestr(key, fragments[i]))
			return 1;
	return 0;
}

void
log_redact(json_object *obj)
{
	if (json_object_is_type(obj, json_type_object)) {
		json_object_object_foreach(obj, k, v) {
			if (log_key_is_secret(k) && !json_object_is_type(v, json_type_null))
				json_object_object_add(obj, k, json_object_new_string("[REDACTED]"));
			else
				log_redact(v);
		}
	} else if (json_object_is_type(obj, json_type_array)) {
		size_t n = json_object_array_length(obj);

		for (size_t i = 0; i < n; i++)
			log_redact(json_object_array_get_idx(obj, i));
	}
}

void
log_json(enum log_level level, json_object *fields)
{
	json_object *line;
	struct timespec ts;
	struct tm tm;
	char when[64];
	const char *text;
	size_t len;

	if (!log_enabled(level)) {
		json_object_put(fields);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	         tm.tm_sec, ts.tv_nsec / 1000000);
	/* fixed fields first, then the caller's */
	line = json_object_new_object();
	json_object_object_add(line, "ts", json_object_new_string(when));
	json_object_object_add(line, "level", json_object_new_string(level_names[level]));
	json_object_object_add(line, "bin", json_object_new_string(log_binary));
	if (log_request_id && !json_object_object_get_ex(fields, "request_id", NULL))
		json_object_object_add(line, "request_id", json_object_new_string(log_request_id));
	log_redact(fields);
	json_object_object_foreach(fields, k, v)
		json_object_object_add(line, k, json_object_get(v));
	json_object_put(fields);
	text = json_object_to_json_string_length(line,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	{
		struct iovec iov[2] = {
			{ .iov_base = (void *)text, .iov_len = len },
			{ .iov_base = "\n", .iov_len = 1 },
		};

		/* one write per line so lines of concurrent workers never interleave */
		if (writev(STDERR_FILENO, iov, 2) < 0) {
			/* nowhere left to report it */
		}
	}
	json_object_put(line);
}

void
log_kv(enum log_level level, const char *msg, ...)
{
	json_object *f;
	va_list ap;
	const char *k, *v;

	if (!log_enabled(level))
		return;
	f = json_object_new_object();
	json_object_object_add(f, "msg", json_object_new_string(msg));
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		json_object_object_add(f, k, v ? json_object_new_string(v) : NULL);
	}
	va_end(ap);
	log_json(level, f);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_kv(level, msg, NULL);
}
