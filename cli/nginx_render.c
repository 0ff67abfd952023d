/* nginx_render.c: the pieces of the nginx configuration, each rendered from
 * its template in nginx/, and the whole put together. */
#include "nginx_conf.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "pool.h"

#define CONN_PER_IP 50
/* Debian's libnginx-mod-nchan; loaded only when some route is pubsub. */
#define NCHAN_MODULE "/usr/lib/nginx/modules/ngx_nchan_module.so"
/* Connections per nginx worker: live stream subscribers each hold one. */
#define WORKER_CONNECTIONS 1024
#define WORKER_CONNECTIONS_PUBSUB 4096
/* Messages each stream channel keeps for clients resuming with Last-Event-ID. */
#define STREAM_BUFFER 200

/* Errors nginx answers itself, each at /__es/error/<status> (see
 * nginx/error_pages.conf for which statuses go where). */
static const enum err nginx_errors[] = {
	ERR_BAD_REQUEST, ERR_FORBIDDEN, ERR_NOT_FOUND, ERR_METHOD_NOT_ALLOWED,
	ERR_PAYLOAD_TOO_LARGE, ERR_URI_TOO_LONG, ERR_RATE_LIMITED, ERR_INTERNAL,
	ERR_SERVICE_UNAVAILABLE,
};

static const char *const class_names[] = {
	[NC_RL_DEFAULT] = "default", [NC_RL_NONE] = "none",
	[NC_RL_LOGIN] = "login", [NC_RL_REGISTER] = "register", [NC_RL_WEBHOOK] = "webhook",
};

static const char *
num(struct pool *p, long n)
{
	return pool_printf(p, "%ld", n);
}

/* Seconds until a client that used up N per minute may send again, as
 * nginx counts it: the bucket drains at N*1000/60 (truncated) thousandths of
 * a request per second, so 5/min frees a request after 12.05 s: 13, not 12. */
static long
retry_after(long per_minute)
{
	long milli_per_s = per_minute * 1000 / 60;

	return (1000 + milli_per_s - 1) / milli_per_s;
}

static int
render_rate_limits(struct nc_ctx *c, struct buf *out)
{
	const long *r = c->s.rate;
	const struct nc_var vars[] = {
		{ "RATE_DEFAULT", num(c->p, r[NC_RL_DEFAULT]) },
		{ "RATE_LOGIN", num(c->p, r[NC_RL_LOGIN]) },
		{ "RATE_REGISTER", num(c->p, r[NC_RL_REGISTER]) },
		{ "RATE_WEBHOOK", num(c->p, r[NC_RL_WEBHOOK]) },
		{ "RETRY_DEFAULT", num(c->p, retry_after(r[NC_RL_DEFAULT])) },
		{ "RETRY_LOGIN", num(c->p, retry_after(r[NC_RL_LOGIN])) },
		{ "RETRY_REGISTER", num(c->p, retry_after(r[NC_RL_REGISTER])) },
		{ "RETRY_WEBHOOK", num(c->p, retry_after(r[NC_RL_WEBHOOK])) },
		{ NULL, NULL }
	};

	if (!c->s.limits)
		return 0;
	return nc_tmpl_file(out, c->share, "rate_limits.conf.in", vars, c->err,
	                    sizeof(c->err));
}

/* 1 when origin is scheme://host[:port] with nothing unsafe in it. */
static int
origin_ok(const char *o, size_t n)
{
	size_t i = strncmp(o, "https://", 8) == 0 ? 8 : strncmp(o, "http://", 7) == 0 ? 7 : 0;

	if (i == 0 || i == n || n > 200)
		return 0;
	for (; i < n; i++)
		if (!((o[i] >= 'a' && o[i] <= 'z') || (o[i] >= 'A' && o[i] <= 'Z') ||
		      (o[i] >= '0' && o[i] <= '9') || o[i] == '.' || o[i] == '-' ||
		      o[i] == ':' || o[i] == '[' || o[i] == ']'))
			return 0;
	return 1;
}

static int
render_cors_maps(struct nc_ctx *c, struct buf *out)
{
	struct buf origins;
	const char *s = c->s.cors;

	buf_init(&origins, c->p);
	while (*s) {
		size_t n;

		s += strspn(s, " ,");
		n = strcspn(s, " ,");
		if (n == 0)
			break;
		if (!origin_ok(s, n)) {
			snprintf(c->err, sizeof(c->err),
			         "CORS_ORIGINS: \"%.*s\" is not an origin like https://app.example.com",
			         (int)(n > 100 ? 100 : n), s);
			return -1;
		}
		buf_printf(&origins, "\"%.*s\" $http_origin;\n", (int)n, s);
		s += n;
	}
	if (origins.len == 0) {
		c->s.cors = "";
		return 0;
	}
	return nc_tmpl_file(out, c->share, "cors_maps.conf.in",
	                    (const struct nc_var[]){ { "ORIGINS", buf_cstr(&origins) },
	                                             { NULL, NULL } },
	                    c->err, sizeof(c->err));
}

static int
render_upstreams(struct nc_ctx *c, const struct nc_table *t, struct buf *out)
{
	long k = c->o.keepalive;
	const char *note = k > 0
		? pool_printf(c->p, "An idle kept-alive connection holds a worker (a\n"
		              "# worker serves one connection at a time): %ld nginx worker(s) x %ld\n"
		              "# idle connection(s) stay below the %ld workers.",
		              c->o.nginx_workers, k, c->o.workers)
		: "A new connection per request: a worker serves one\n"
		  "# connection at a time, and an idle kept-alive one would hold it.";

	for (size_t i = 0; i < t->nbinaries; i++) {
		const struct nc_var vars[] = {
			{ "BINARY", t->binaries[i] },
			{ "WORKERS", num(c->p, c->o.workers) },
			{ "KEEPALIVE_NOTE", note },
			{ "KEEPALIVE", k > 0 ? pool_printf(c->p, "keepalive %ld;\n"
			  "keepalive_timeout 1s;", k) : "" },
			{ "DIR", c->o.dir },
			{ NULL, NULL }
		};

		if (nc_tmpl_file(out, c->share, "upstream.conf.in", vars, c->err,
		                 sizeof(c->err)) < 0)
			return -1;
	}
	return 0;
}

static int
render_errors(struct nc_ctx *c, struct buf *out)
{
	const char *cors = *c->s.cors
		? pool_printf(c->p, "include %s/cors_headers.conf;", c->share) : "";

	for (size_t i = 0; i < sizeof(nginx_errors) / sizeof(nginx_errors[0]); i++) {
		const struct err_info *e = err_info(nginx_errors[i]);
		const char *extra = "";

		if (strpbrk(e->message, "'\"\\${}") != NULL) {
			snprintf(c->err, sizeof(c->err), "error message of %s has a quote", e->code);
			return -1;
		}
		if (e->status == 429 && c->s.limits)
			extra = "add_header Retry-After $es_retry_after always;";
		const struct nc_var vars[] = {
			{ "STATUS", num(c->p, e->status) },
			{ "CODE", e->code },
			{ "MESSAGE", e->message },
			{ "CORS_HEADERS", cors },
			{ "EXTRA", extra },
			{ "SHARE", c->share },
			{ NULL, NULL }
		};
		if (nc_tmpl_file(out, c->share, "error_location.conf.in", vars, c->err,
		                 sizeof(c->err)) < 0)
			return -1;
	}
	return 0;
}

/* The rate-limit lines of a location: its class in $es_rl (per method when
 * they differ) and the zones of the classes it uses. */
static const char *
location_limits(struct nc_ctx *c, const struct nc_location *l)
{
	struct buf b;
	int used[5] = { 0 };
	static const enum nc_class zones[] = {
		NC_RL_DEFAULT, NC_RL_LOGIN, NC_RL_REGISTER, NC_RL_WEBHOOK
	};

	for (int i = 0; i < l->nmethods; i++)
		used[l->classes[i]] = 1;
	if (!c->s.limits || (!used[NC_RL_DEFAULT] && !used[NC_RL_LOGIN] && !used[NC_RL_REGISTER] &&
	                     !used[NC_RL_WEBHOOK]))
		return "";
	buf_init(&b, c->p);
	buf_printf(&b, "set $es_rl %s;\n", class_names[l->classes[0]]);
	for (int i = 1; i < l->nmethods; i++) {
		if (l->classes[i] == l->classes[0])
			continue;
		buf_printf(&b, "if ($request_method = %s) { set $es_rl %s; }\n", l->methods[i],
		           class_names[l->classes[i]]);
		if (strcmp(l->methods[i], "GET") == 0)
			buf_printf(&b, "if ($request_method = HEAD) { set $es_rl %s; }\n",
			           class_names[l->classes[i]]);
	}
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		long burst = c->s.rate[zones[z]] - 1;

		if (!used[zones[z]])
			continue;
		if (burst > 0)
			buf_printf(&b, "limit_req zone=%s burst=%ld nodelay;\n",
			           class_names[zones[z]], burst);
		else
			buf_printf(&b, "limit_req zone=%s nodelay;\n", class_names[zones[z]]);
	}
	return buf_cstr(&b);
}

static int
render_locations(struct nc_ctx *c, const struct nc_table *t, struct buf *out)
{
	const char *cors = *c->s.cors
		? pool_printf(c->p, "include %s/cors_headers.conf;\n"
		              "if ($es_cors_preflight) { return 204; }", c->share) : "";

	for (size_t i = 0; i < t->nlocs; i++) {
		const struct nc_location *l = &t->locs[i];
		struct buf routes;

		if (strncmp(l->path, "/__", 3) == 0) {
			snprintf(c->err, sizeof(c->err), "%s: path %s: /__* is reserved for nginx",
			         l->binary, l->path);
			return -1;
		}
		buf_init(&routes, c->p);
		for (int m = 0; m < l->nmethods; m++)
			buf_printf(&routes, "%s%s", m ? ", " : "", l->methods[m]);
		buf_printf(&routes, " %s (%s)", l->path, l->binary);
		if (l->pubsub) {
			const struct nc_var sub[] = {
				{ "ROUTES", buf_cstr(&routes) },
				{ "MATCH", l->match },
				{ "SHARE", c->share },
				{ "CORS", cors },
				{ "RATE_LIMIT", location_limits(c, l) },
				{ "BINARY", l->binary },
				{ "AUTH", pool_printf(c->p, "/__es/subscribe/%zu", i) },
				{ "N", num(c->p, (long)i) },
				{ NULL, NULL }
			};
			if (nc_tmpl_file(out, c->share, "stream_location.conf.in", sub, c->err,
			                 sizeof(c->err)) < 0)
				return -1;
			continue;
		}
		const struct nc_var vars[] = {
			{ "ROUTES", buf_cstr(&routes) },
			{ "MATCH", l->match },
			{ "SHARE", c->share },
			{ "CORS", cors },
			{ "RATE_LIMIT", location_limits(c, l) },
			{ "BINARY", l->binary },
			{ "STREAM", l->stream ? "fastcgi_buffering off;\nfastcgi_read_timeout 1h;" : "" },
			{ NULL, NULL }
		};
		if (nc_tmpl_file(out, c->share, "location.conf.in", vars, c->err,
		                 sizeof(c->err)) < 0)
			return -1;
	}
	return 0;
}

/* The web page's locations: its files in the folder beside the templates'
 * (DIR/share/web of a stack, PREFIX/share/edgescout/web once installed). */
static int
render_web(struct nc_ctx *c, struct buf *out)
{
	const char *slash = strrchr(c->share, '/');
	const char *web = pool_printf(c->p, "%.*s/web", (int)(slash ? slash - c->share : 0), c->share);

	return nc_tmpl_file(out, c->share, "web_location.conf.in",
	                    (const struct nc_var[]){ { "SHARE", c->share }, { "WEB", web },
	                                             { NULL, NULL } },
	                    c->err, sizeof(c->err));
}

/* listen lines for port on the comma-separated addresses; NULL when one is
 * not an IPv4 address or a bracketed IPv6 address. */
static const char *
listen_lines(struct nc_ctx *c, long port, const char *extra)
{
	struct buf b;
	const char *s = c->o.listen;

	buf_init(&b, c->p);
	while (*s) {
		size_t n = strcspn(s, ","), span = strspn(s, "0123456789abcdefABCDEF.:[]");

		if (n == 0 || span < n || (s[0] == '[') != (s[n - 1] == ']') ||
		    (s[0] != '[' && memchr(s, ':', n) != NULL)) {
			snprintf(c->err, sizeof(c->err),
			         "--listen: \"%.*s\" is not an address like 127.0.0.1 or [::1]",
			         (int)(n > 64 ? 64 : n), s);
			return NULL;
		}
		buf_printf(&b, "listen %.*s:%ld%s;\n", (int)n, s, port, extra);
		s += n + (s[n] == ',');
	}
	return buf_cstr(&b);
}

/* Render the whole nginx.conf for the table (see nginx_conf.h). */
int
nc_render(struct nc_ctx *c, const struct nc_table *t, struct buf *out)
{
	struct buf limits, cors, ups, errs, locs, ceiling, web, stream;
	const char *https, *http;
	int bench = c->o.bench || !c->s.limits, pubsub = 0;

	buf_init(&limits, c->p);
	buf_init(&cors, c->p);
	buf_init(&ups, c->p);
	buf_init(&errs, c->p);
	buf_init(&locs, c->p);
	buf_init(&ceiling, c->p);
	buf_init(&web, c->p);
	buf_init(&stream, c->p);
	for (size_t i = 0; i < t->nlocs; i++)
		pubsub |= t->locs[i].pubsub;
	if (pubsub && nc_tmpl_file(&stream, c->share, "stream_server.conf.in",
	                           (const struct nc_var[]){ { "DIR", c->o.dir },
	                             { "STREAM_BUFFER", num(c->p, STREAM_BUFFER) },
	                             { NULL, NULL } },
	                           c->err, sizeof(c->err)) < 0)
		return -1;
	if ((https = listen_lines(c, c->o.port, " ssl")) == NULL ||
	    (http = listen_lines(c, c->o.http_port, "")) == NULL ||
	    render_rate_limits(c, &limits) < 0 || render_cors_maps(c, &cors) < 0 ||
	    render_upstreams(c, t, &ups) < 0 || render_errors(c, &errs) < 0 ||
	    render_locations(c, t, &locs) < 0 || render_web(c, &web) < 0)
		return -1;
	if (bench && nc_tmpl_file(&ceiling, c->share, "ceiling.conf.in",
	                          (const struct nc_var[]){ { "SHARE", c->share }, { NULL, NULL } },
	                          c->err, sizeof(c->err)) < 0)
		return -1;
	const struct nc_var vars[] = {
		{ "USER", c->o.user ? pool_printf(c->p, "user %s;", c->o.user) : "" },
		{ "NCHAN_MODULE", pubsub ? "load_module " NCHAN_MODULE ";" : "" },
		{ "NGINX_WORKERS", num(c->p, c->o.nginx_workers) },
		{ "WORKER_CONNECTIONS", num(c->p, pubsub ? WORKER_CONNECTIONS_PUBSUB
		                                         : WORKER_CONNECTIONS) },
		{ "WORKER_RLIMIT", pubsub ? pool_printf(c->p, "worker_rlimit_nofile %d;",
		                                        2 * WORKER_CONNECTIONS_PUBSUB) : "" },
		{ "DIR", c->o.dir },
		{ "SHARE", c->share },
		{ "BODY_MAX_BYTES", num(c->p, c->s.body_max) },
		{ "KEEP_CONN", c->o.keepalive > 0 ? "on" : "off" },
		{ "RATE_LIMITS", buf_cstr(&limits) },
		{ "CORS_MAPS", buf_cstr(&cors) },
		{ "UPSTREAMS", buf_cstr(&ups) },
		{ "STREAM_SERVER", buf_cstr(&stream) },
		{ "LISTEN_HTTP", http },
		{ "LISTEN_HTTPS", https },
		{ "HTTPS_PORT_SUFFIX", c->o.port == 443 ? "" : pool_printf(c->p, ":%ld", c->o.port) },
		{ "SERVER_LIMITS", c->s.limits ? pool_printf(c->p,
		  "limit_conn es_conn %d;\n"
		  "# A request outside the limited locations has no $es_rl: no zone.\n"
		  "uninitialized_variable_warn off;", CONN_PER_IP) : "" },
		{ "RATE_LIMIT_DECLARE", c->s.limits ? "set $es_rl none;" : "" },
		{ "ERROR_LOCATIONS", buf_cstr(&errs) },
		{ "WEB_LOCATIONS", buf_cstr(&web) },
		{ "CEILING", buf_cstr(&ceiling) },
		{ "LOCATIONS", buf_cstr(&locs) },
		{ NULL, NULL }
	};
	buf_printf(out, "# Generated by `edgescout nginx-conf` from the templates in %s:\n"
	           "# edit those, not this file.\n", c->share);
	return nc_tmpl_file(out, c->share, "nginx.conf.in", vars, c->err, sizeof(c->err));
}
