/* user.c: `edgescout user create | list | set-tier | set-role | disable | enable`. */
#include "cli.h"
#include "user.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "db.h"
#include "db_cmd.h"
#include "password.h"
#include "pool.h"
#include "reply_rows.h"
#include "valid.h"

#define SQL_LIST \
	"SELECT id, email, role, tier, disabled, " \
	DB_TIME("created_at") ", " DB_TIME("last_login_at") " " \
	"FROM users ORDER BY id"

static const char user_usage[] =
	"usage: edgescout user COMMAND\n"
	"\n"
	"  create --email E [--role user|admin] [--tier free|pro] [--password-stdin]\n"
	"                           a new user; the password is asked twice on the\n"
	"                           terminal, or read as one line of standard input\n"
	"  list [--json]            every user\n"
	"  set-tier EMAIL|ID free|pro\n"
	"  set-role EMAIL|ID user|admin\n"
	"  disable EMAIL|ID         also ends every session and token of the user\n"
	"  enable EMAIL|ID\n"
	"\n"
	"Connects as the app role (DATABASE_URL); every change is written to the\n"
	"audit trail. Exit status: 0 ok, 1 failure, 2 usage.\n";

static const char *const roles[] = { "user", "admin", NULL };
static const char *const tiers[] = { "free", "pro", NULL };

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("edgescout: user: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see edgescout user --help)\n", stderr);
	return USERCMD_USAGE;
}

static int
is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* Hash pw for email after the policy check; NULL after printing why. */
static const char *
hash_or_fail(struct pool *p, const char *what, const char *pw, const char *email)
{
	const char *weak = password_weakness(pw, email);
	const char *hash;

	if (weak != NULL) {
		dbcmd_fail(what, "the password %s", weak);
		return NULL;
	}
	if ((hash = password_hash(p, pw)) == NULL)
		dbcmd_fail(what, "cannot hash the password (out of memory?)");
	return hash;
}

static int
user_create(struct pool *p, int argc, char **argv)
{
	const char *what = "user create", *email = NULL, *role = "user", *tier = "free";
	const char *hash;
	char pw[USERCMD_PASSWORD_BUF];
	struct usercmd_user u;
	int from_stdin = 0, rc;
	PGconn *c;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (is_help(o)) {
			fputs(user_usage, stdout);
			return USERCMD_OK;
		} else if (strcmp(o, "--password-stdin") == 0) {
			from_stdin = 1;
		} else if ((strcmp(o, "--email") == 0 || strcmp(o, "--role") == 0 ||
		            strcmp(o, "--tier") == 0) && i + 1 < argc) {
			const char **slot = o[2] == 'e' ? &email : o[2] == 'r' ? &role : &tier;

			*slot = argv[++i];
		} else {
			return usage_error("create: unknown or incomplete option '%s'", o);
		}
	}
	if (email == NULL)
		return usage_error("create: --email is required");
	if (valid_enum(role, roles) < 0)
		return usage_error("create: --role must be user or admin, not '%s'", role);
	if (valid_enum(tier, tiers) < 0)
		return usage_error("create: --tier must be free or pro, not '%s'", tier);
	if ((email = account_normalize_email(p, email)) == NULL) {
		dbcmd_fail(what, "that is not a valid e-mail address");
		return USERCMD_FAIL;
	}
	if ((c = usercmd_connect(what)) == NULL)
		return USERCMD_FAIL;
	/* say so before asking for a password (the insert still decides) */
	if ((rc = usercmd_find(p, c, what, email, &u)) != 1) {
		if (rc == 0)
			dbcmd_fail(what, "that email is taken");
		PQfinish(c);
		return USERCMD_FAIL;
	}
	rc = usercmd_read_password(what, from_stdin, pw, sizeof(pw));
	hash = rc == 0 ? hash_or_fail(p, what, pw, email) : NULL;
	sodium_memzero(pw, sizeof(pw));
	rc = hash ? usercmd_insert(p, c, what, email, hash, role, tier, NULL, &u) : -1;
	PQfinish(c);
	if (rc != 0)
		return USERCMD_FAIL;
	printf("created user %s <%s> (role %s, tier %s)\n", u.id, u.email, u.role, u.tier);
	return USERCMD_OK;
}

/* A row of SQL_LIST in `user list --json`. */
static const struct reply_col ROW_COLS[] = {
	{ "id",            0, RCOL_INT,  0 },
	{ "email",         1, RCOL_TEXT, 0 },
	{ "role",          2, RCOL_TEXT, 0 },
	{ "tier",          3, RCOL_TEXT, 0 },
	{ "disabled",      4, RCOL_BOOL, 0 },
	{ "created_at",    5, RCOL_TEXT, 0 },
	{ "last_login_at", 6, RCOL_TEXT, RCOL_NULLABLE },
	{ NULL }
};

static int
user_list(int argc, char **argv)
{
	int json = argc == 2 && strcmp(argv[1], "--json") == 0;
	PGresult *res;
	PGconn *c;

	if (argc == 2 && is_help(argv[1])) {
		fputs("usage: edgescout user list [--json]\n", stdout);
		return USERCMD_OK;
	}
	if (argc > 2 || (argc == 2 && !json))
		return usage_error("list: unknown argument '%s'", argv[argc - 1]);
	if ((c = usercmd_connect("user list")) == NULL)
		return USERCMD_FAIL;
	res = dbcmd_exec(c, "user list", SQL_LIST, 0, NULL);
	PQfinish(c);
	if (res == NULL)
		return USERCMD_FAIL;
	if (json) {
		json_object *a = reply_rows_json(res, -1, ROW_COLS);

		puts(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
		                                       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(a);
	} else {
		printf("%-6s  %-32s  %-5s  %-4s  %-8s  %-20s  %s\n", "ID", "EMAIL", "ROLE",
		       "TIER", "DISABLED", "CREATED", "LAST LOGIN");
		for (int i = 0; i < PQntuples(res); i++)
			printf("%-6s  %-32s  %-5s  %-4s  %-8s  %-20s  %s\n", PQgetvalue(res, i, 0),
			       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
			       strcmp(PQgetvalue(res, i, 4), "t") == 0 ? "yes" : "no",
			       PQgetvalue(res, i, 5),
			       PQgetisnull(res, i, 6) ? "never" : PQgetvalue(res, i, 6));
	}
	PQclear(res);
	return USERCMD_OK;
}

/* set-tier, set-role, disable and enable. */
static int
user_change(struct pool *p, int argc, char **argv)
{
	const char *cmd = argv[0], *what = pool_printf(p, "user %s", argv[0]);
	int with_value = strcmp(cmd, "set-tier") == 0 || strcmp(cmd, "set-role") == 0;
	struct usercmd_change ch = { NULL, NULL, -1 };
	struct usercmd_user before, after;
	PGconn *c;
	int rc;

	if (argc == 2 && is_help(argv[1])) {
		fputs(user_usage, stdout);
		return USERCMD_OK;
	}
	if (argc != (with_value ? 3 : 2))
		return usage_error("%s: give EMAIL|ID%s", cmd, !with_value ? ""
		                   : strcmp(cmd, "set-tier") == 0 ? " and free|pro" : " and user|admin");
	if (strcmp(cmd, "set-tier") == 0 && valid_enum(ch.tier = argv[2], tiers) < 0)
		return usage_error("set-tier: the tier is free or pro, not '%s'", argv[2]);
	if (strcmp(cmd, "set-role") == 0 && valid_enum(ch.role = argv[2], roles) < 0)
		return usage_error("set-role: the role is user or admin, not '%s'", argv[2]);
	if (!with_value)
		ch.disabled = strcmp(cmd, "disable") == 0;
	if ((c = usercmd_connect(what)) == NULL)
		return USERCMD_FAIL;
	rc = usercmd_update(p, c, what, argv[1], &ch, &before, &after);
	PQfinish(c);
	if (rc != 0)
		return USERCMD_FAIL;
	if (ch.tier)
		printf("user %s <%s>: tier %s (was %s)\n", after.id, after.email, after.tier,
		       before.tier);
	else if (ch.role)
		printf("user %s <%s>: role %s (was %s)\n", after.id, after.email, after.role,
		       before.role);
	else
		printf("user %s <%s>: %s%s\n", after.id, after.email,
		       after.disabled ? "disabled" : "enabled",
		       before.disabled == after.disabled ? " (already)" : "");
	return USERCMD_OK;
}

/* `edgescout user ...`: argv[0] is "user". */
int
cmd_user(int argc, char **argv)
{
	static const char *const changes[] = {
		"set-tier", "set-role", "disable", "enable", NULL
	};
	struct pool *p;
	int rc;

	if (argc < 2) {
		fputs(user_usage, stderr);
		return USERCMD_USAGE;
	}
	if (is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
		fputs(user_usage, stdout);
		return USERCMD_OK;
	}
	p = pool_new();
	if (strcmp(argv[1], "create") == 0)
		rc = user_create(p, argc - 1, argv + 1);
	else if (strcmp(argv[1], "list") == 0)
		rc = user_list(argc - 1, argv + 1);
	else if (valid_enum(argv[1], changes) >= 0)
		rc = user_change(p, argc - 1, argv + 1);
	else
		rc = usage_error("unknown command '%s'", argv[1]);
	pool_free(p);
	return rc;
}
