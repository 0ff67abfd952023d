/* nginx_conf.c: `edgescout nginx-conf`, the nginx configuration of a stack,
 * rendered from the templates in nginx/ and the route tables of the FastCGI
 * binaries in DIR/bin/cgi-bin. */
#define _XOPEN_SOURCE 700  /* realpath */
#include "cli.h"
#include "nginx_conf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "pool.h"

static void
usage(FILE *f)
{
	fputs("usage: edgescout nginx-conf --dir DIR [--out FILE] [--port N] [--http-port N]\n"
	      "           [--workers N] [--nginx-workers N] [--keepalive N|auto] [--user USER]\n"
	      "           [--listen ADDRS] [--templates DIR] [--bench]\n"
	      "Render the nginx configuration of the stack in DIR from the templates\n"
	      "(default DIR/share/nginx, else ./nginx) and the route tables of\n"
	      "DIR/bin/cgi-bin/*. --workers: FastCGI workers per binary (2).\n"
	      "--keepalive: idle FastCGI connections each nginx worker keeps per binary;\n"
	      "N x nginx workers must stay below --workers. auto (the default): as many\n"
	      "as that allows, (workers - 1) / nginx workers; 0 turns keep-alive off.\n"
	      "ADDRS: listen addresses, comma-separated (default 127.0.0.1; IPv6 in\n"
	      "brackets).\n"
	      "--bench adds the /__ceiling location (also when RATE_LIMITS=off).\n", f);
}

static int
parse_num(const char *opt, const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0' || n < lo || n > hi) {
		fprintf(stderr, "edgescout nginx-conf: %s must be a number from %ld to %ld\n",
		        opt, lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* Parse argv into o; 0 ok, 2 usage error, 1 help shown. */
static int
parse_args(int argc, char **argv, struct nc_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '='), *v = NULL;
		char name[32];
		size_t n = eq ? (size_t)(eq - a) : strlen(a);

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 1;
		}
		if (strcmp(a, "--bench") == 0) {
			o->bench = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || n >= sizeof(name))
			goto bad;
		memcpy(name, a, n);
		name[n] = '\0';
		if (eq != NULL)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			goto bad;
		if (strcmp(name, "--out") == 0)
			o->out = v;
		else if (strcmp(name, "--dir") == 0)
			o->dir = v;
		else if (strcmp(name, "--templates") == 0)
			o->templates = v;
		else if (strcmp(name, "--user") == 0)
			o->user = v;
		else if (strcmp(name, "--listen") == 0)
			o->listen = v;
		else if (strcmp(name, "--port") == 0) {
			if (parse_num(name, v, 1, 65535, &o->port) < 0)
				return 2;
		} else if (strcmp(name, "--http-port") == 0) {
			if (parse_num(name, v, 1, 65535, &o->http_port) < 0)
				return 2;
		} else if (strcmp(name, "--workers") == 0) {
			if (parse_num(name, v, 1, 1024, &o->workers) < 0)
				return 2;
		} else if (strcmp(name, "--nginx-workers") == 0) {
			if (parse_num(name, v, 1, 256, &o->nginx_workers) < 0)
				return 2;
		} else if (strcmp(name, "--keepalive") == 0) {
			if (strcmp(v, "auto") == 0)
				o->keepalive = NC_KEEPALIVE_AUTO;
			else if (parse_num(name, v, 0, 1024, &o->keepalive) < 0) {
				fputs("edgescout nginx-conf: (or --keepalive auto)\n", stderr);
				return 2;
			}
		} else
			goto bad;
		continue;
bad:
		fprintf(stderr, "edgescout nginx-conf: bad argument %s\n", a);
		usage(stderr);
		return 2;
	}
	if (o->dir == NULL) {
		fputs("edgescout nginx-conf: --dir is required\n", stderr);
		usage(stderr);
		return 2;
	}
	/* A libfcgi worker serves one connection at a time and an idle kept
	 * connection holds it: with every worker held, new requests stall. So
	 * auto keeps one worker of each binary free of idle connections: the
	 * most kept connections that allows measured fastest. */
	if (o->keepalive == NC_KEEPALIVE_AUTO)
		o->keepalive = (o->workers - 1) / o->nginx_workers;
	if (o->keepalive > 0 && o->keepalive * o->nginx_workers >= o->workers) {
		fprintf(stderr, "edgescout nginx-conf: --keepalive %ld x --nginx-workers %ld must "
		        "stay below --workers %ld (idle connections would hold every worker)\n",
		        o->keepalive, o->nginx_workers, o->workers);
		return 2;
	}
	return 0;
}

/* 1 when s is safe to write unquoted into nginx.conf as a path. */
static int
safe_path(const char *s)
{
	if (*s != '/')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("/._+-", *s) != NULL))
			return 0;
	return 1;
}

/* realpath of path, checked safe; NULL with c->err set. */
static const char *
real_safe(struct nc_ctx *c, const char *what, const char *path)
{
	char resolved[PATH_MAX];

	if (realpath(path, resolved) == NULL) {
		snprintf(c->err, sizeof(c->err), "%s %.300s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (!safe_path(resolved) || strlen(resolved) > 200) {
		snprintf(c->err, sizeof(c->err),
		         "%s %.300s: use a path of at most 200 characters from [A-Za-z0-9/._+-]",
		         what, resolved);
		return NULL;
	}
	return pool_strdup(c->p, resolved);
}

static int
has_template(struct pool *p, const char *dir)
{
	return access(pool_printf(p, "%s/nginx.conf.in", dir), R_OK) == 0;
}

/* The templates directory: --templates, else DIR/share/nginx, else ./nginx. */
static const char *
find_templates(struct nc_ctx *c)
{
	const char *own = pool_printf(c->p, "%s/share/nginx", c->o.dir);

	if (c->o.templates != NULL) {
		if (!has_template(c->p, c->o.templates)) {
			snprintf(c->err, sizeof(c->err), "--templates %.300s: no nginx.conf.in there",
			         c->o.templates);
			return NULL;
		}
		return real_safe(c, "templates", c->o.templates);
	}
	if (has_template(c->p, own))
		return real_safe(c, "templates", own);
	if (has_template(c->p, "nginx"))
		return real_safe(c, "templates", "nginx");
	snprintf(c->err, sizeof(c->err),
	         "no templates in %s or ./nginx (use --templates DIR)", own);
	return NULL;
}

static int
read_rate(struct nc_ctx *c, const char *key, enum nc_class cls)
{
	long long n = config_int(key, -1);

	if (n < 1 || n > 100000) {
		snprintf(c->err, sizeof(c->err), "%s must be requests per minute, 1 to 100000",
		         key);
		return -1;
	}
	c->s.rate[cls] = (long)n;
	return 0;
}

/* Fill c->s from the environment and the env file. */
static int
read_settings(struct nc_ctx *c)
{
	long long body;

	if (config_load(NULL, c->err, sizeof(c->err)) < 0)
		return -1;
	c->s.limits = config_bool("RATE_LIMITS", 1);
	if (read_rate(c, "RATE_LIMIT_DEFAULT", NC_RL_DEFAULT) < 0 ||
	    read_rate(c, "RATE_LIMIT_LOGIN", NC_RL_LOGIN) < 0 ||
	    read_rate(c, "RATE_LIMIT_REGISTER", NC_RL_REGISTER) < 0 ||
	    read_rate(c, "RATE_LIMIT_WEBHOOK", NC_RL_WEBHOOK) < 0)
		return -1;
	body = config_int("BODY_MAX_BYTES", -1);
	if (body < 1024 || body > 64 << 20) {
		snprintf(c->err, sizeof(c->err),
		         "BODY_MAX_BYTES must be a number from 1024 to 67108864");
		return -1;
	}
	c->s.body_max = (long)body;
	c->s.cors = config_get("CORS_ORIGINS");
	if (c->s.cors == NULL)
		c->s.cors = "";
	return 0;
}

/* Write text to path through a temporary file and rename. */
static int
write_file(struct nc_ctx *c, const char *path, const char *text)
{
	const char *tmp = pool_printf(c->p, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");

	if (f == NULL) {
		snprintf(c->err, sizeof(c->err), "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fputs(text, f) == EOF || fclose(f) == EOF) {
		snprintf(c->err, sizeof(c->err), "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		snprintf(c->err, sizeof(c->err), "cannot rename %s to %s: %s", tmp, path,
		         strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* One line on stderr: what was rendered. */
static void
report(const struct nc_ctx *c, const struct nc_table *t)
{
	fprintf(stderr, "edgescout nginx-conf: %zu binaries, %zu locations, rate limits %s%s\n",
	        t->nbinaries, t->nlocs, c->s.limits ? "on" : "off",
	        c->o.bench || !c->s.limits ? ", /__ceiling" : "");
}

/* edgescout nginx-conf: render the nginx configuration of a stack; 0 ok,
 * 1 failure (one line on stderr), 2 usage. */
int
cmd_nginx_conf(int argc, char **argv)
{
	struct nc_ctx c;
	struct nc_table t;
	struct buf out;
	int rc = 1, st;

	memset(&c, 0, sizeof(c));
	c.o.port = 8443;
	c.o.http_port = 8080;
	c.o.workers = 2;
	c.o.nginx_workers = 1;
	c.o.keepalive = NC_KEEPALIVE_AUTO;
	c.o.listen = "127.0.0.1";
	st = parse_args(argc, argv, &c.o);
	if (st != 0)
		return st == 1 ? 0 : 2;
	c.p = pool_new();
	if ((c.o.dir = real_safe(&c, "--dir", c.o.dir)) == NULL ||
	    (c.share = find_templates(&c)) == NULL || read_settings(&c) < 0)
		goto out;
	if (nc_routes_load(c.p, pool_printf(c.p, "%s/bin/cgi-bin", c.o.dir), &t,
	                   c.err, sizeof(c.err)) < 0)
		goto out;
	buf_init(&out, c.p);
	if (nc_render(&c, &t, &out) < 0)
		goto out;
	if (c.o.out != NULL ? write_file(&c, c.o.out, buf_cstr(&out)) < 0
	                    : fputs(buf_cstr(&out), stdout) == EOF || fflush(stdout) == EOF)
		goto out;
	report(&c, &t);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "edgescout nginx-conf: %s\n", c.err[0] ? c.err : "cannot write");
	pool_free(c.p);
	return rc;
}
