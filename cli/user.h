/* user.h: what `edgescout user ...` and `edgescout seed-demo` share: the
 * app role's connection, finding, creating and changing users, and the
 * audit rows of these actions (actor NULL, details {"via":"cli",
 * "os_user":...}). Errors are printed as "edgescout: WHAT: message". */
#ifndef EDGESCOUT_CLI_USER_H
#define EDGESCOUT_CLI_USER_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stddef.h>

struct pool;

/* Exit statuses of the commands. */
#define USERCMD_OK 0
#define USERCMD_FAIL 1
#define USERCMD_USAGE 2

/* Room for a password line: more than PASSWORD_MAX_BYTES, so an over-long
 * one is refused by the policy with its usual message. */
#define USERCMD_PASSWORD_BUF 1024

/* A user as the commands show it; strings in pool memory. */
struct usercmd_user {
	const char *id;
	const char *email;
	const char *role;
	const char *tier;
	int disabled;
	const char *created_at;      /* RFC 3339, UTC */
	const char *last_login_at;   /* NULL when never */
	const char *password_hash;
};

/* A change to a user: NULL / -1 for what stays. */
struct usercmd_change {
	const char *tier;
	const char *role;
	int disabled;
};

/* Connect to DATABASE_URL (the app role); NULL after printing why. */
PGconn *usercmd_connect(const char *what);

/* Find the user named by EMAIL or ID (all digits). 0 with *u filled, 1 when
 * there is none (not printed), -1 on a database error (printed). */
int usercmd_find(struct pool *p, PGconn *c, const char *what, const char *who,
                 struct usercmd_user *u);

/* Insert a user with an already hashed password and its audit row
 * (admin.user_created, details extended by extra, which is taken over and
 * may be NULL) in one transaction. 0 with *u filled; 1 when the email is
 * taken, -1 on other errors (both printed). */
int usercmd_insert(struct pool *p, PGconn *c, const char *what, const char *email,
                   const char *hash, const char *role, const char *tier,
                   json_object *extra, struct usercmd_user *u);

/* Apply ch to the user named by who, with the admin.user_updated audit row
 * (before/after of the changed fields) in one transaction; disabling also
 * revokes every session and refresh token and bumps the token generation
 * (as does a role change). 0 with *after filled (and *before when not NULL),
 * 1 when there is no such user, -1 on errors (both printed). */
int usercmd_update(struct pool *p, PGconn *c, const char *what, const char *who,
                   const struct usercmd_change *ch, struct usercmd_user *before,
                   struct usercmd_user *after);

/* Read a password: one line of standard input (from_stdin), else twice from
 * the terminal without echo. Into buf (size bytes, zeroed by the caller
 * after use); 0, or -1 after printing why. */
int usercmd_read_password(const char *what, int from_stdin, char *buf, size_t size);

#endif
