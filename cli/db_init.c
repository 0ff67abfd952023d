/* db_init.c: `edgescout db init`: roles, database and privileges, idempotent.
 *
 * Names come from DATABASE_OWNER_URL and DATABASE_URL and are checked
 * against ^[a-z_][a-z0-9_]{0,62}$ before they go into SQL text (role and
 * database statements take no parameters). Passwords travel only as SCRAM
 * verifiers computed here. */
#include "db_cmd.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "pool.h"

static const char *const what = "db init";

struct names {
	const char *owner, *owner_password;
	const char *app, *app_password;
	const char *db;
};

/* 1 when the name taken from key is present and a safe identifier. */
static int
name_ok(const char *key, const char *keyword, const char *name)
{
	if (name == NULL)
		dbcmd_fail(what, "%s: no %s given", key, keyword);
	else if (!mig_valid_ident(name))
		dbcmd_fail(what, "%s: %s '%s' is not ^[a-z_][a-z0-9_]{0,62}$", key, keyword,
		           name);
	else
		return 1;
	return 0;
}

/* Take the names and passwords from the two connection strings. */
static int
read_names(struct pool *p, struct names *n)
{
	const char *owner_url = config_get("DATABASE_OWNER_URL");
	const char *app_url = config_get("DATABASE_URL");
	const char *owner_db;
	int bad = 0;

	if (owner_url == NULL || *owner_url == '\0' || app_url == NULL || *app_url == '\0') {
		dbcmd_fail(what, "%s is not set", owner_url && *owner_url ? "DATABASE_URL" :
		           "DATABASE_OWNER_URL");
		return -1;
	}
	n->owner = dbcmd_conninfo_get(p, owner_url, "user", &bad);
	n->owner_password = dbcmd_conninfo_get(p, owner_url, "password", &bad);
	owner_db = dbcmd_conninfo_get(p, owner_url, "dbname", &bad);
	if (bad) {
		dbcmd_fail(what, "DATABASE_OWNER_URL: not a valid connection string");
		return -1;
	}
	n->app = dbcmd_conninfo_get(p, app_url, "user", &bad);
	n->app_password = dbcmd_conninfo_get(p, app_url, "password", &bad);
	n->db = dbcmd_conninfo_get(p, app_url, "dbname", &bad);
	if (bad) {
		dbcmd_fail(what, "DATABASE_URL: not a valid connection string");
		return -1;
	}
	if (!name_ok("DATABASE_OWNER_URL", "user", n->owner) ||
	    !name_ok("DATABASE_URL", "user", n->app) ||
	    !name_ok("DATABASE_URL", "dbname", n->db))
		return -1;
	if (strcmp(n->owner, n->app) == 0) {
		dbcmd_fail(what, "DATABASE_URL and DATABASE_OWNER_URL name one role (%s); "
		           "the app role must not own the schema", n->app);
		return -1;
	}
	if (owner_db != NULL && strcmp(owner_db, n->db) != 0) {
		dbcmd_fail(what, "DATABASE_OWNER_URL names database %s, DATABASE_URL %s",
		           owner_db, n->db);
		return -1;
	}
	return 0;
}

/* Create role name (or bring an existing one back to LOGIN without extra
 * rights), with the SCRAM verifier of password when there is one. */
static int
ensure_role(struct pool *p, PGconn *c, const char *name, const char *password,
            const char *key)
{
	PGresult *res;
	char *verifier = NULL, *literal = NULL;
	int exists, super, rc = -1;

	res = dbcmd_exec(c, what, "SELECT rolsuper FROM pg_roles WHERE rolname = $1", 1, &name);
	if (res == NULL)
		return -1;
	exists = PQntuples(res) > 0;
	super = exists && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (super) {
		dbcmd_fail(what, "role %s is a superuser; give edgescout roles of its own", name);
		return -1;
	}
	if (password != NULL) {
		verifier = PQencryptPasswordConn(c, password, name, "scram-sha-256");
		if (verifier == NULL) {
			dbcmd_fail(what, "role %s: cannot compute the password verifier", name);
			goto out;
		}
		literal = PQescapeLiteral(c, verifier, strlen(verifier));
		if (literal == NULL) {
			dbcmd_fail(what, "role %s: cannot quote the password verifier", name);
			goto out;
		}
	}
	if (dbcmd_run(c, what, pool_printf(p, "%s ROLE \"%s\" LOGIN NOSUPERUSER NOCREATEDB "
	    "NOCREATEROLE NOREPLICATION NOBYPASSRLS%s%s", exists ? "ALTER" : "CREATE", name,
	    literal ? " PASSWORD " : "", literal ? literal : ""), 0, NULL) < 0)
		goto out;
	printf("%s role %s (login, no superuser/createdb/createrole; %s)\n",
	       exists ? "updated" : "created", name,
	       password ? pool_printf(p, "password from %s", key) :
	       exists ? "password unchanged" : "no password");
	rc = 0;
out:
	PQfreemem(literal);
	PQfreemem(verifier);
	return rc;
}

/* Create the database owned by the owner role, or hand it to that role. */
static int
ensure_database(struct pool *p, PGconn *c, const struct names *n)
{
	PGresult *res;
	const char *owner = NULL;
	const char *params[2] = { n->app, n->owner };
	int member;

	res = dbcmd_exec(c, what, "SELECT pg_get_userbyid(datdba) FROM pg_database "
	                 "WHERE datname = $1", 1, &n->db);
	if (res == NULL)
		return -1;
	if (PQntuples(res) > 0)
		owner = pool_strdup(p, PQgetvalue(res, 0, 0));
	PQclear(res);
	if (owner == NULL) {
		if (dbcmd_run(c, what, pool_printf(p, "CREATE DATABASE \"%s\" OWNER \"%s\" "
		    "ENCODING 'UTF8' TEMPLATE template0", n->db, n->owner), 0, NULL) < 0)
			return -1;
		printf("created database %s owned by %s\n", n->db, n->owner);
	} else if (strcmp(owner, n->owner) != 0) {
		if (dbcmd_run(c, what, pool_printf(p, "ALTER DATABASE \"%s\" OWNER TO \"%s\"",
		    n->db, n->owner), 0, NULL) < 0)
			return -1;
		printf("database %s: owner changed from %s to %s\n", n->db, owner, n->owner);
	} else {
		printf("database %s exists, owned by %s\n", n->db, n->owner);
	}
	res = dbcmd_exec(c, what, "SELECT pg_has_role($1, $2, 'MEMBER')", 2, params);
	if (res == NULL)
		return -1;
	member = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (member) {
		dbcmd_fail(what, "role %s is a member of %s, which would give it DDL rights; "
		           "revoke that membership", n->app, n->owner);
		return -1;
	}
	if (dbcmd_run(c, what, pool_printf(p, "REVOKE ALL ON DATABASE \"%s\" FROM PUBLIC",
	    n->db), 0, NULL) < 0 ||
	    dbcmd_run(c, what, pool_printf(p, "GRANT CONNECT ON DATABASE \"%s\" TO \"%s\"",
	    n->db, n->app), 0, NULL) < 0)
		return -1;
	printf("database %s: no access for PUBLIC; %s may connect\n", n->db, n->app);
	return 0;
}

/* Inside the database: only the owner creates; the app role gets DML on
 * whatever the owner creates from now on, never DDL. */
static int
grant_schema(struct pool *p, PGconn *c, const struct names *n)
{
	const char *o = n->owner, *a = n->app;

	if (dbcmd_run(c, what, "REVOKE CREATE ON SCHEMA public FROM PUBLIC", 0, NULL) < 0 ||
	    dbcmd_run(c, what, pool_printf(p, "REVOKE CREATE ON SCHEMA public FROM \"%s\"",
	    a), 0, NULL) < 0 ||
	    dbcmd_run(c, what, pool_printf(p, "GRANT USAGE, CREATE ON SCHEMA public "
	    "TO \"%s\"", o), 0, NULL) < 0 ||
	    dbcmd_run(c, what, pool_printf(p, "GRANT USAGE ON SCHEMA public TO \"%s\"",
	    a), 0, NULL) < 0 ||
	    dbcmd_run(c, what, pool_printf(p, "ALTER DEFAULT PRIVILEGES FOR ROLE \"%s\" "
	    "IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO \"%s\"",
	    o, a), 0, NULL) < 0 ||
	    dbcmd_run(c, what, pool_printf(p, "ALTER DEFAULT PRIVILEGES FOR ROLE \"%s\" "
	    "IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO \"%s\"", o, a),
	    0, NULL) < 0)
		return -1;
	printf("schema public: only %s may create; %s gets SELECT, INSERT, UPDATE, "
	       "DELETE on %s's new tables and USAGE, SELECT on its sequences\n", o, a, o);
	return 0;
}

/* 1 when the admin connection has the rights init needs (said if not). */
static int
is_superuser(PGconn *c)
{
	PGresult *res = dbcmd_exec(c, what, "SELECT rolsuper FROM pg_roles "
	                           "WHERE rolname = current_user", 0, NULL);
	int super;

	if (res == NULL)
		return 0;
	super = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!super)
		dbcmd_fail(what, "DATABASE_ADMIN_URL connects as %s, which is not a superuser",
		           PQuser(c));
	return super;
}

int
db_cmd_init(int argc, char **argv)
{
	struct pool *p = pool_new();
	struct names n;
	PGconn *admin = NULL, *indb = NULL;
	char err[1024];
	int rc = 1;

	if (argc > 1) {
		int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;

		if (!help)
			fprintf(stderr, "edgescout: db init: unknown argument '%s'\n", argv[1]);
		fputs("usage: edgescout db init\n"
		      "As DATABASE_ADMIN_URL (a superuser): create or update the owner role\n"
		      "(DATABASE_OWNER_URL), the app role and the database (DATABASE_URL),\n"
		      "and the privileges: the owner runs migrations, the app role has DML\n"
		      "only. Safe to run again.\n", help ? stdout : stderr);
		rc = help ? 0 : 2;
		goto out;
	}
	if (read_names(p, &n) < 0)
		goto out;
	admin = dbcmd_connect("DATABASE_ADMIN_URL", NULL, err, sizeof(err));
	if (admin == NULL) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	if (strcmp(PQuser(admin), n.owner) == 0 || strcmp(PQuser(admin), n.app) == 0) {
		dbcmd_fail(what, "DATABASE_ADMIN_URL connects as %s, one of the roles it would "
		           "create; use a separate superuser", PQuser(admin));
		goto out;
	}
	if (!is_superuser(admin))
		goto out;
	if (ensure_role(p, admin, n.owner, n.owner_password, "DATABASE_OWNER_URL") < 0 ||
	    ensure_role(p, admin, n.app, n.app_password, "DATABASE_URL") < 0 ||
	    ensure_database(p, admin, &n) < 0)
		goto out;
	indb = dbcmd_connect("DATABASE_ADMIN_URL", n.db, err, sizeof(err));
	if (indb == NULL) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	if (grant_schema(p, indb, &n) < 0)
		goto out;
	printf("database %s ready: run `edgescout db migrate`\n", n.db);
	rc = 0;
out:
	PQfinish(indb);
	PQfinish(admin);
	pool_free(p);
	return rc;
}
