/* app.c: the FastCGI accept loop and the way of one request. */
#define _GNU_SOURCE
#include "app.h"

#include <errno.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_info.h"
#include "clock.h"
#include "contract.h"
#include "metrics.h"
#include "openapi.h"
#include "procname.h"

static const char *binary = "edgescout";
static struct metrics *app_metrics;
static volatile sig_atomic_t stopping;
static long long body_max = 1 << 20;

/* ---- the request ------------------------------------------------------- */

static int
valid_request_id(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (!(id[n] == '-' || (id[n] >= '0' && id[n] <= '9') ||
		      (id[n] >= 'a' && id[n] <= 'z') || (id[n] >= 'A' && id[n] <= 'Z')))
			return 0;
	return n >= 8 && n <= 64;
}

static const char *
request_id_for(struct req *r)
{
	const char *id = req_param(r, "REQUEST_ID");
	unsigned char raw[16];
	char *hex;

	if (id == NULL || !valid_request_id(id))
		id = req_header(r, "X-Request-ID");
	if (id != NULL && valid_request_id(id))
		return id;
	randombytes_buf(raw, sizeof(raw));
	hex = pool_alloc(r->pool, sizeof(raw) * 2 + 1);
	sodium_bin2hex(hex, sizeof(raw) * 2 + 1, raw, sizeof(raw));
	return hex;
}

static int
token_method(const char *m)
{
	size_t n = 0;

	for (; m[n] != '\0'; n++)
		if (m[n] < 'A' || m[n] > 'Z')
			return 0;
	return n >= 3 && n <= 16;
}

/* Read the body into pool memory, enforcing BODY_MAX_BYTES. */
static int
read_body_or_reply(struct req *r)
{
	const char *cl = req_param(r, "CONTENT_LENGTH");
	int64_t want = 0;
	size_t got = 0;
	char *body;

	if (cl != NULL && *cl != '\0' && valid_i64(cl, 0, INT64_MAX, &want) != 0)
		return reply_error(r, ERR_BAD_REQUEST, NULL, "Content-Length is not a number"), -1;
	if (want > body_max)
		return reply_error(r, ERR_PAYLOAD_TOO_LARGE, NULL, NULL), -1;
	body = pool_alloc(r->pool, (size_t)want + 1);
	while (got < (size_t)want) {
		int n = r->io.read ? r->io.read(r->io.ctx, body + got, (int)((size_t)want - got)) : 0;

		if (n <= 0)
			return reply_error(r, ERR_BAD_REQUEST, NULL, "the body is shorter than Content-Length"), -1;
		got += (size_t)n;
	}
	body[got] = '\0';
	r->body = body;
	r->body_len = got;
	return 0;
}

/* 1 for application/json with no charset or a UTF-8 one (JSON is UTF-8:
 * RFC 8259); a body declared in another charset is refused with 415. */
static int
json_content_type(const char *ct)
{
	size_t n = strlen("application/json");
	const char *cs;

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	if (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ')
		return 0;
	if ((cs = strcasestr(ct + n, "charset=")) == NULL)
		return 1;
	cs += strlen("charset=");
	if (*cs == '"')
		cs++;
	return (strncasecmp(cs, "utf-8", 5) == 0 || strncasecmp(cs, "utf8", 4) == 0) &&
	       strchr("\"; ", cs[cs[3] == '-' ? 5 : 4]) != NULL;
}

/* Everything between routing and the handler; returns 0 to run the handler. */
static int
prepare_or_reply(const struct route *routes, struct req *r)
{
	const char *uri = req_param(r, "REQUEST_URI");
	const char *method = req_param(r, "REQUEST_METHOD");
	const char *q, *allow = NULL, *why = NULL;
	size_t path_len;

	if (method == NULL || uri == NULL || !token_method(method))
		return reply_error(r, ERR_BAD_REQUEST, NULL, "the request line is malformed"), -1;
	r->method = method;
	r->is_head = strcmp(method, "HEAD") == 0;
	q = strchr(uri, '?');
	path_len = q ? (size_t)(q - uri) : strlen(uri);
	if (path_len > REQ_MAX_PATH_LEN || (q && strlen(q + 1) > REQ_MAX_QUERY_LEN))
		return reply_error(r, ERR_URI_TOO_LONG, NULL, NULL), -1;
	r->path = pool_strndup(r->pool, uri, path_len);
	r->query = q ? q + 1 : "";

	switch (route_match(r->pool, routes, method, r->path, &r->route, r->params,
	                    &r->nparams, &allow)) {
	case ROUTE_FOUND:
		break;
	case ROUTE_BAD_METHOD:
		reply_header(r, "Allow", allow);
		return reply_error(r, ERR_METHOD_NOT_ALLOWED, NULL, NULL), -1;
	case ROUTE_BAD_PATH:
		return reply_error(r, ERR_BAD_REQUEST, NULL,
		                   "the path has bad percent-encoding or invalid UTF-8"), -1;
	default:
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL), -1;
	}
	if ((r->route->flags & INTERNAL_ONLY) &&
	    !net_addr_allowed(req_param(r, "REMOTE_ADDR"), config_get("METRICS_ALLOW")))
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL), -1;
	if (req_parse_query(r->pool, r->query, &r->args, &r->nargs, &why) != 0)
		return reply_error(r, ERR_BAD_REQUEST, "query", why), -1;
	if (read_body_or_reply(r) != 0)
		return -1;
	if (r->body_len > 0 && (strcmp(method, "GET") == 0 || r->is_head ||
	                        strcmp(method, "DELETE") == 0))
		return reply_error(r, ERR_BAD_REQUEST, NULL,
		                   "a body is not allowed with this method"), -1;
	if (r->route->flags & NEED_JSON) {
		if (!json_content_type(req_param(r, "CONTENT_TYPE")))
			return reply_error(r, ERR_UNSUPPORTED_MEDIA_TYPE, NULL, NULL), -1;
		r->json = req_parse_json(r->pool, r->body, r->body_len, &why);
		if (r->json == NULL)
			return reply_error(r, ERR_INVALID_JSON, NULL, why), -1;
	}
	if ((r->route->flags & (NEED_AUTH | NEED_ADMIN)) && auth_request_or_reply(r) != 0)
		return -1;
	if (contract_check_or_reply(r) != 0)
		return -1;
	if (r->route->quota != NULL && r->user != NULL &&
	    !(r->route->flags & QUOTA_IN_HANDLER) && quota_charge_or_reply(r, r->route->quota) != 0)
		return -1;
	return 0;
}

static const char *
metric_method(const struct req *r)
{
	static const char *const known[] = {
		"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL
	};

	if (r->route != NULL)
		return r->is_head ? "HEAD" : r->route->method;
	for (int i = 0; r->method && known[i]; i++)
		if (strcmp(r->method, known[i]) == 0)
			return known[i];
	return "OTHER";
}

static void
log_request(const struct req *r, double seconds)
{
	struct log_request lr = {
		.method = r->method ? r->method : "-",
		.route = r->route ? r->route->path : "unmatched",
		.path = r->path ? r->path : "",
		.status = r->status,
		.duration_ms = seconds * 1000.0,
		.user_id = r->user ? (long long)r->user->id : 0,
		.error = r->error_code,
	};

	if (log_request_sampled(r->status, lr.duration_ms))
		log_request_line(r->status >= 500 ? LOG_ERROR : LOG_INFO, &lr);
}

void
app_handle(const struct route *routes, struct req *r)
{
	double seconds;

	r->started = clock_now();
	r->request_id = request_id_for(r);
	log_set_request_id(r->request_id);
	if (prepare_or_reply(routes, r) == 0) {
		r->route->handler(r);
		if (!r->replied) {
			log_kv(LOG_ERROR, "handler returned without a reply",
			       "route", r->route->path, NULL);
			reply_error(r, ERR_INTERNAL, NULL, NULL);
		}
		if (r->status == 422 && r->quota_charged)
			quota_refund(r, r->route->quota);
	}
	seconds = clock_now() - r->started;
	metrics_observe(app_metrics, metric_method(r),
	                r->route ? r->route->path : "unmatched", r->status, seconds);
	log_request(r, seconds);
	log_set_request_id(NULL);
}

/* ---- the process ------------------------------------------------------- */

/* Heap growth a worker keeps between requests. glibc gives back only the
 * free top of its heap, so a worker would otherwise stay at the high-water
 * mark of its largest request (a /api/v1/run of five series: about 10 MiB
 * more than a small request leaves). */
#define HEAP_GROWTH_KEEP (1024 * 1024)

/* After a request: when the heap's end moved more than HEAP_GROWTH_KEEP past
 * *mark (where it was before the first request, or after the last trim),
 * give its free pages back (malloc_trim); otherwise one comparison, so small
 * requests pay nothing. */
static void
heap_return(char **mark)
{
	char *end = sbrk(0);

	if (end < *mark) {
		*mark = end;
	} else if (end - *mark > HEAP_GROWTH_KEEP) {
		malloc_trim(0);
		*mark = sbrk(0);
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static int
fcgx_read(void *ctx, char *buf, int n)
{
	return FCGX_GetStr(buf, n, ((FCGX_Request *)ctx)->in);
}

static int
fcgx_write(void *ctx, const char *buf, int n)
{
	return FCGX_PutStr(buf, n, ((FCGX_Request *)ctx)->out);
}

static void
print_routes(const struct route *routes)
{
	struct pool *p = pool_new();

	for (const struct route *rt = routes; rt->method != NULL; rt++)
		printf("%s\t%s\t%s\n", rt->method, rt->path, route_flag_names(p, rt->flags));
	pool_free(p);
}

static void
report_quota(const char *quota, void *ctx)
{
	(void)ctx;
	log_kv(LOG_ERROR, "a route names a quota class with no tier_quotas row",
	       "quota_class", quota, NULL);
}

/* The quota classes of routes against tier_quotas: 0 when every one has a
 * row (or the database cannot tell now: logged), -1 when some has none. */
static int
check_quotas(const struct route *routes)
{
	struct pool *p = pool_new();
	PGresult *res = NULL;
	const char **known;
	int rc = 0, any = 0;

	for (const struct route *rt = routes; rt->method != NULL; rt++)
		any |= rt->quota != NULL;
	if (any)
		res = db_query(p, "SELECT DISTINCT quota_class FROM tier_quotas", NULL, 0);
	if (any && res == NULL)
		log_kv(LOG_WARN, "quota classes not checked: no database", NULL);
	if (res != NULL) {
		known = pool_alloc(p, sizeof(*known) * ((size_t)PQntuples(res) + 1));
		for (int i = 0; i < PQntuples(res); i++)
			known[i] = db_text(res, i, 0);
		known[PQntuples(res)] = NULL;
		rc = contract_unknown_quotas(routes, known, report_quota, NULL) ? -1 : 0;
	}
	pool_free(p);
	db_close();
	return rc;
}

static void
report_problem(const char *key, const char *problem, void *ctx)
{
	int *fatal = ctx;

	log_kv(*fatal ? LOG_ERROR : LOG_WARN, "configuration problem",
	       "setting", key, "problem", problem, NULL);
}

/* Load config and refuse unsafe production settings; 0 or an exit status. */
static int
setup(void)
{
	char err[512];
	int fatal;

	if (config_load(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", binary, err);
		return 1;
	}
	log_init(binary);
	/* LOG_FILE (environment only: one file per binary): reopened on SIGHUP */
	if (getenv("LOG_FILE") != NULL && *getenv("LOG_FILE") != '\0' &&
	    log_open_file(getenv("LOG_FILE"), SIGHUP) != 0) {
		fprintf(stderr, "%s: cannot open LOG_FILE %s\n", binary, getenv("LOG_FILE"));
		return 1;
	}
	fatal = config_env() == APP_PRODUCTION;
	if (config_check(report_problem, &fatal) > 0 && fatal) {
		log_kv(LOG_ERROR, "refusing to start: unsafe production configuration", NULL);
		return 1;
	}
	if (sodium_init() < 0) {
		log_kv(LOG_ERROR, "libsodium failed to initialise", NULL);
		return 1;
	}
	body_max = config_int("BODY_MAX_BYTES", 1 << 20);
	return 0;
}

/* The socket to accept on: --socket PATH, systemd's fd 3, or spawn-fcgi's fd 0. */
static int
listen_fd(const char *socket_path)
{
	struct stat st;
	const char *fds = getenv("LISTEN_FDS");

	if (socket_path != NULL)
		return FCGX_OpenSocket(socket_path, 128);
	if (fds != NULL && atoi(fds) >= 1)
		return 3;
	if (fstat(0, &st) == 0 && S_ISSOCK(st.st_mode))
		return 0;
	return -1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [--routes | --version | --socket PATH]\n"
	           "A FastCGI worker of edgescout: accepts on fd 0 (spawn-fcgi),\n"
	           "the systemd socket (LISTEN_FDS), or --socket PATH.\n"
	           "  --routes   print the route table (method, path, flags)\n"
	           "  --openapi  print the OpenAPI paths of the route table (JSON)\n"
	           "  --version  print the version\n", binary);
}

int
app_main(int argc, char **argv, const struct route *routes)
{
	const char *socket_path = NULL;
	struct sigaction sa;
	FCGX_Request fr;
	struct pool *pool;
	char *heap_mark;
	int fd, rc;

	binary = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	procname_set(binary);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--routes") == 0) {
			print_routes(routes);
			return 0;
		} else if (strcmp(argv[i], "--openapi") == 0) {
			return openapi_print_paths(stdout, routes) == 0 ? 0 : 1;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s (%s)\n", binary, build_version, build_commit);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			socket_path = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if ((rc = setup()) != 0)
		return rc;
	if (check_quotas(routes) != 0) {
		log_kv(LOG_ERROR, "refusing to start: add the quota classes to tier_quotas", NULL);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: accept() returns on SIGTERM */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);   /* multiwatch's stop signal, before FCGX_Init */
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || (fd = listen_fd(socket_path)) < 0) {
		fprintf(stderr, "%s: no FastCGI socket: run under spawn-fcgi or give --socket PATH\n",
		        binary);
		return 2;
	}
	app_metrics = metrics_open(binary);
	pool = pool_new();
	heap_mark = sbrk(0);
	FCGX_InitRequest(&fr, fd, 0);
	log_kv(LOG_INFO, "worker started", "env", config_env_name(config_env()), NULL);
	while (!stopping && FCGX_Accept_r(&fr) >= 0) {
		struct req r;

		memset(&r, 0, sizeof(r));
		r.pool = pool;
		r.envp = fr.envp;
		r.io = (struct req_io){ fcgx_read, fcgx_write, &fr };
		app_handle(routes, &r);
		FCGX_Finish_r(&fr);
		pool_reset(pool);
		heap_return(&heap_mark);
	}
	log_kv(LOG_INFO, "worker stopping", NULL);
	FCGX_Free(&fr, 1);
	if (socket_path != NULL)
		unlink(socket_path);
	pool_free(pool);
	db_close();
	metrics_close(app_metrics);
	return 0;
}
