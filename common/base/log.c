/* log.c: JSON-lines logging with redaction. */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "valid.h"

static const char *log_binary = "edgescout";
static const char *log_request_id;
static enum log_level log_min = LOG_INFO;
static long long log_sample = 1;
static unsigned long long log_sample_seen;
static char log_path[1024];

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
	log_sample = config_int("LOG_REQUEST_SAMPLE", config_env() == APP_PRODUCTION ? 10 : 1);
	if (log_sample < 1)
		log_sample = 1;
	log_sample_seen = 0;
}

/* Open log_path for appending onto stderr; only async-signal-safe calls. */
static int
log_reopen(void)
{
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

	if (fd < 0)
		return -1;
	if (fd != STDERR_FILENO) {
		if (dup2(fd, STDERR_FILENO) < 0) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static void
on_reopen_signal(int sig)
{
	int saved = errno;

	(void)sig;
	log_reopen();
	errno = saved;
}

int
log_open_file(const char *path, int reopen_signal)
{
	struct sigaction sa;

	if (strlen(path) >= sizeof(log_path))
		return -1;
	memcpy(log_path, path, strlen(path) + 1);
	if (log_reopen() != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_reopen_signal;
	sa.sa_flags = SA_RESTART;   /* accept() and reads carry on */
	sigemptyset(&sa.sa_mask);
	return reopen_signal > 0 ? sigaction(reopen_signal, &sa, NULL) : 0;
}

int
log_request_sampled(int status, double duration_ms)
{
	if (status >= 400 || duration_ms >= LOG_SLOW_MS || log_sample <= 1)
		return 1;
	return log_sample_seen++ % (unsigned long long)log_sample == 0;
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

	char low[64];
	size_t n;

	/* lower-case once, then plain searches; long keys take the slow path */
	for (n = 0; key[n] != '\0' && n < sizeof(low) - 1; n++)
		low[n] = (char)(key[n] >= 'A' && key[n] <= 'Z' ? key[n] + ('a' - 'A') : key[n]);
	low[n] = '\0';
	for (int i = 0; fragments[i]; i++)
		if (key[n] == '\0' ? strstr(low, fragments[i]) != NULL
		                    : strcasestr(key, fragments[i]) != NULL)
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

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" for now into out (LOG_TS_MAX bytes); the part
 * up to the seconds is formatted again only when the second changes. */
#define LOG_TS_MAX 80
static void
log_timestamp(char out[LOG_TS_MAX])
{
	static time_t cached_sec = (time_t)-1;
	static char cached[64];
	static size_t cached_len;
	struct timespec ts;
	struct tm tm;
	long ms;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d",
		             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		             tm.tm_min, tm.tm_sec);
		cached_len = n < 0 ? 0 : (size_t)n < sizeof(cached) ? (size_t)n : sizeof(cached) - 1;
		cached_sec = ts.tv_sec;
	}
	ms = ts.tv_nsec / 1000000;
	memcpy(out, cached, cached_len);
	out[cached_len] = '.';
	out[cached_len + 1] = (char)('0' + ms / 100);
	out[cached_len + 2] = (char)('0' + ms / 10 % 10);
	out[cached_len + 3] = (char)('0' + ms % 10);
	out[cached_len + 4] = 'Z';
	out[cached_len + 5] = '\0';
}

void
log_json(enum log_level level, json_object *fields)
{
	json_object *line;
	char when[LOG_TS_MAX];
	const char *text;
	size_t len;

	if (!log_enabled(level)) {
		json_object_put(fields);
		return;
	}
	log_timestamp(when);
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

/* Bytes in the valid UTF-8 sequence at s (n bytes left), or 0 when the bytes
 * there are not one (stray continuation, overlong form, surrogate, beyond
 * U+10FFFF, or cut short). */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

size_t
log_json_escape(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, i = 0, len;

	out[o++] = '"';
	while (i < n) {
		size_t run = i;

		/* copy the run of plain ASCII in one go */
		while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\')
			run++;
		memcpy(out + o, u + i, run - i);
		o += run - i;
		i = run;
		if (i == n)
			break;
		if (u[i] == '"' || u[i] == '\\') {
			out[o++] = '\\';
			out[o++] = (char)u[i++];
		} else if (u[i] < 0x20) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[u[i] >> 4];
			out[o + 5] = hex[u[i] & 15];
			o += 6;
			i++;
		} else if (u[i] < 0x80)
			out[o++] = (char)u[i++];
		else if ((len = utf8_seq(u + i, n - i)) != 0) {
			memcpy(out + o, u + i, len);
			o += len;
			i += len;
		} else {
			/* one replacement character per byte that is not UTF-8 */
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
		}
	}
	out[o++] = '"';
	return o;
}

/* Append the literal text s to the line. */
static char *
put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

static char *
put_ll(char *o, long long v)
{
	char tmp[BUF_LL_MAX], *s = buf_ll_digits(tmp, v);

	return put(o, s, (size_t)(tmp + BUF_LL_MAX - s));
}

#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

void
log_request_line(enum log_level level, const struct log_request *lr)
{
	char stack[2048], when[LOG_TS_MAX], *line, *o;
	size_t nbin, nid, nmethod, nroute, npath, nerror, need;
	double ms = lr->duration_ms;
	long long th;

	if (!log_enabled(level))
		return;
	nbin = strlen(log_binary);
	nid = log_request_id ? strlen(log_request_id) : 0;
	nmethod = strlen(lr->method);
	nroute = strlen(lr->route);
	npath = valid_utf8_cut(lr->path, strlen(lr->path), LOG_PATH_MAX);
	nerror = lr->error ? strlen(lr->error) : 0;
	/* every escaped byte takes at most 6; keys, numbers and ts fit in 512 */
	need = 512 + 6 * (nbin + nid + nmethod + nroute + npath + nerror);
	line = need <= sizeof(stack) ? stack : malloc(need);
	if (line == NULL)
		return;
	log_timestamp(when);
	o = PUT_LIT(line, "{\"ts\":\"");
	o = put(o, when, strlen(when));
	o = PUT_LIT(o, "\",\"level\":\"");
	o = put(o, level_names[level], strlen(level_names[level]));
	o = PUT_LIT(o, "\",\"bin\":");
	o += log_json_escape(o, log_binary, nbin);
	if (log_request_id) {
		o = PUT_LIT(o, ",\"request_id\":");
		o += log_json_escape(o, log_request_id, nid);
	}
	o = PUT_LIT(o, ",\"msg\":\"request\",\"method\":");
	o += log_json_escape(o, lr->method, nmethod);
	o = PUT_LIT(o, ",\"route\":");
	o += log_json_escape(o, lr->route, nroute);
	o = PUT_LIT(o, ",\"path\":");
	o += log_json_escape(o, lr->path, npath);
	o = PUT_LIT(o, ",\"status\":");
	o = put_ll(o, lr->status);
	/* milliseconds with three decimals */
	o = PUT_LIT(o, ",\"duration_ms\":");
	if (!(ms >= 0.0))
		ms = 0.0;
	else if (ms > 1e15)
		ms = 1e15;
	th = (long long)(ms * 1000.0 + 0.5);
	o = put_ll(o, th / 1000);
	*o++ = '.';
	*o++ = (char)('0' + th % 1000 / 100);
	*o++ = (char)('0' + th % 100 / 10);
	*o++ = (char)('0' + th % 10);
	if (lr->user_id != 0) {
		o = PUT_LIT(o, ",\"user_id\":");
		o = put_ll(o, lr->user_id);
	}
	if (lr->error) {
		o = PUT_LIT(o, ",\"error\":");
		o += log_json_escape(o, lr->error, nerror);
	}
	o = PUT_LIT(o, "}\n");
	/* one write per line so lines of concurrent workers never interleave */
	if (write(STDERR_FILENO, line, (size_t)(o - line)) < 0) {
		/* nowhere left to report it */
	}
	if (line != stack)
		free(line);
}
