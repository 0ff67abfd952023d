/* nginx_conf.h: the parts of `edgescout nginx-conf` (cli/nginx_*.c).
 *
 * nginx_routes.c reads the route tables of the FastCGI binaries and turns
 * them into nginx locations; nginx_tmpl.c fills {{NAME}} placeholders in the
 * templates of nginx/; nginx_conf.c puts the configuration together. */
#ifndef EDGESCOUT_NGINX_CONF_H
#define EDGESCOUT_NGINX_CONF_H

#include <stddef.h>

struct buf;
struct pool;

/* Rate-limit class of a route, from its rl_* flag (none of them: default). */
enum nc_class { NC_RL_DEFAULT, NC_RL_NONE, NC_RL_LOGIN, NC_RL_REGISTER, NC_RL_WEBHOOK };

#define NC_MAX_METHODS 16

/* One nginx location: every route of one binary with the same path shape. */
struct nc_location {
	const char *binary;       /* the binary serving it */
	const char *path;         /* path as the first route wrote it */
	const char *match;        /* "= /health" or "~ ^/a/[^/]+/b$" */
	int literal;              /* no {name} segment */
	int stream;               /* some route is flagged stream */
	int pubsub;               /* some route is flagged pubsub: nchan subscribers */
	int nmethods;
	const char *methods[NC_MAX_METHODS];
	enum nc_class classes[NC_MAX_METHODS];
};

/* Every binary and location found, binaries in name order, locations in
 * binary then route-table order. All memory belongs to the pool. */
struct nc_table {
	const char **binaries;
	size_t nbinaries;
	struct nc_location *locs;
	size_t nlocs;
};

/* Run every executable in bindir with --routes and build the table. Returns
 * 0, or -1 with a one-line reason in err (unreadable directory, a binary
 * that fails, a malformed line, an unsafe path, a path claimed twice). */
int nc_routes_load(struct pool *p, const char *bindir, struct nc_table *t,
                   char *err, size_t errlen);

/* --keepalive auto: (workers - 1) / nginx workers. */
#define NC_KEEPALIVE_AUTO (-1L)

/* Command-line options. */
struct nc_opts {
	const char *out, *dir, *templates, *user, *listen;
	long port, http_port, workers, nginx_workers;
	long keepalive;       /* idle connections per upstream and nginx worker,
	                         or NC_KEEPALIVE_AUTO until the arguments are read */
	int bench;
};

/* Settings read from the configuration (environment and env file). */
struct nc_settings {
	int limits;           /* RATE_LIMITS on */
	long rate[5];         /* requests per minute, indexed by enum nc_class */
	long body_max;        /* BODY_MAX_BYTES */
	const char *cors;     /* CORS_ORIGINS, "" for none */
};

/* One run of the command. */
struct nc_ctx {
	struct pool *p;
	struct nc_opts o;
	struct nc_settings s;
	const char *share;    /* absolute templates directory */
	char err[512];        /* the one-line reason of a failure */
};

/* Render the whole configuration for the table into out. Returns 0, or -1
 * with the reason in c->err (a template missing or broken, a bad setting). */
int nc_render(struct nc_ctx *c, const struct nc_table *t, struct buf *out);

/* One placeholder and its value; a list ends with name == NULL. */
struct nc_var {
	const char *name;
	const char *value;
};

/* The text of template file name in dir, owned by the pool; NULL with a
 * one-line reason in err when it cannot be read. */
char *nc_tmpl_read(struct pool *p, const char *dir, const char *name,
                   char *err, size_t errlen);

/* Append text to out with each {{NAME}} replaced by its value in vars. A
 * placeholder alone on a line gives every line of its value that line's
 * indentation, and drops the line when the value is empty. Returns 0, or -1
 * with a reason in err for an unknown or unterminated placeholder (what
 * names the template in the message). */
int nc_tmpl_render(struct buf *out, const char *text, const char *what,
                   const struct nc_var *vars, char *err, size_t errlen);

/* nc_tmpl_read then nc_tmpl_render of the template name in dir. */
int nc_tmpl_file(struct buf *out, const char *dir, const char *name,
                 const struct nc_var *vars, char *err, size_t errlen);

#endif
