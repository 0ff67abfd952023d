/* db_migrate.c: `edgescout db migrate | status | rollback`. */
#include "db_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "pool.h"

static const char create_table_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version text PRIMARY KEY,"
	" name text NOT NULL,"
	" checksum text NOT NULL,"
	" applied_at timestamptz NOT NULL DEFAULT now())";

/* Create schema_migrations if missing; the app role (DATABASE_URL's user)
 * may read it but never write it, whatever the default privileges say. */
static int
ensure_table(struct pool *p, PGconn *c, const char *what)
{
	const char *app;
	PGresult *res;
	int bad = 0, exists;

	if (dbcmd_run(c, what, create_table_sql, 0, NULL) < 0)
		return -1;
	app = dbcmd_conninfo_get(p, config_get("DATABASE_URL"), "user", &bad);
	if (app == NULL || !mig_valid_ident(app) || strcmp(app, PQuser(c)) == 0)
		return 0;
	res = dbcmd_exec(c, what, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, &app);
	if (res == NULL)
		return -1;
	exists = PQntuples(res) > 0;
	PQclear(res);
	if (!exists)
		return 0;
	if (dbcmd_run(c, what, pool_printf(p, "REVOKE INSERT, UPDATE, DELETE, TRUNCATE "
	    "ON schema_migrations FROM \"%s\"", app), 0, NULL) < 0)
		return -1;
	return dbcmd_run(c, what, pool_printf(p, "GRANT SELECT ON schema_migrations "
	    "TO \"%s\"", app), 0, NULL);
}

/* In one transaction: run the file's sql, then after (one $1..$3 statement
 * on schema_migrations). 0, or -1 with everything rolled back (printed). */
static int
run_in_transaction(PGconn *c, const char *what, const char *path, const char *sql,
                   const char *after, int nparams, const char *const *params)
{
	PGresult *res = NULL;
	char msg[1200];
	int rc = -1;

	if (dbcmd_run(c, what, "BEGIN", 0, NULL) < 0)
		return -1;
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_EMPTY_QUERY) {
		dbcmd_result_error(res, sql, msg, sizeof(msg));
		dbcmd_fail(what, "%s: %s", path, msg);
		goto out;
	}
	if (PQtransactionStatus(c) != PQTRANS_INTRANS) {
		dbcmd_fail(what, "%s: ends the transaction itself (BEGIN/COMMIT do not "
		           "belong in a migration); check the schema by hand", path);
		goto out;
	}
	if (dbcmd_run(c, what, after, nparams, params) < 0 ||
	    dbcmd_run(c, what, "COMMIT", 0, NULL) < 0)
		goto out;
	rc = 0;
out:
	PQclear(res);
	if (rc < 0 && PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
	return rc;
}

/* Print the states that stop a migration; returns how many. */
static int
report_problems(const char *what, const struct mig_status *s, size_t n)
{
	int problems = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i].state == MIG_MODIFIED)
			dbcmd_fail(what, "%s: changed since it was applied on %s (checksum "
			           "differs); write a new migration instead", s[i].file->path,
			           s[i].row->applied_at);
		else if (s[i].state == MIG_MISSING)
			dbcmd_fail(what, "%s_%s.sql: applied on %s but the file is missing",
			           s[i].row->version, s[i].row->name, s[i].row->applied_at);
		else if (s[i].state == MIG_OUT_OF_ORDER)
			dbcmd_fail(what, "%s: pending but older than an applied migration; "
			           "renumber it", s[i].file->path);
		else
			continue;
		problems++;
	}
	return problems;
}

static int
usage(const char *cmd, int status)
{
	FILE *f = status ? stderr : stdout;

	if (strcmp(cmd, "migrate") == 0)
		fputs("usage: edgescout db migrate [--dry-run] [--db NAME]\n"
		      "Apply the pending migrations in MIGRATIONS_DIR as DATABASE_OWNER_URL,\n"
		      "each in its own transaction; refuse when an applied file changed or\n"
		      "went missing. --dry-run lists what would run; --db migrates database\n"
		      "NAME of the same server instead (a restored backup).\n", f);
	else if (strcmp(cmd, "status") == 0)
		fputs("usage: edgescout db status\n"
		      "Each migration: applied (with time), pending, modified or missing.\n"
		      "Exit 0 when the schema is current, 1 otherwise.\n", f);
	else
		fputs("usage: edgescout db rollback\n"
		      "Undo the last applied migration with its NNN_name.down.sql, in one\n"
		      "transaction with the removal of its schema_migrations row.\n", f);
	return status;
}

/* Parse the options of migrate/status/rollback (dry_run and dbname NULL where
 * the option does not apply): -1 done (*rc set), else 0. */
static int
parse_args(int argc, char **argv, int *dry_run, const char **dbname, int *rc)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			*rc = usage(argv[0], 0);
			return -1;
		}
		if (dry_run != NULL && strcmp(argv[i], "--dry-run") == 0) {
			*dry_run = 1;
			continue;
		}
		if (dbname != NULL && strcmp(argv[i], "--db") == 0 && i + 1 < argc &&
		    mig_valid_ident(argv[i + 1])) {
			*dbname = argv[++i];
			continue;
		}
		fprintf(stderr, "edgescout: db %s: unknown argument '%s'\n", argv[0], argv[i]);
		*rc = usage(argv[0], 2);
		return -1;
	}
	return 0;
}

int
db_cmd_migrate(int argc, char **argv)
{
	const char *what = "db migrate";
	struct pool *p = pool_new();
	PGconn *c = NULL;
	struct migration *files;
	struct applied *rows;
	struct mig_status *st;
	size_t nfiles, nrows, n, done = 0;
	char err[1024];
	const char *dbname = NULL;
	int dry_run = 0, rc = 1;

	if (parse_args(argc, argv, &dry_run, &dbname, &rc) < 0)
		goto out;
	rc = 1;
	if (mig_scan(p, config_get("MIGRATIONS_DIR"), &files, &nfiles, err, sizeof(err)) < 0) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	c = dbcmd_connect("DATABASE_OWNER_URL", dbname, err, sizeof(err));
	if (c == NULL) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	if (!dry_run && (dbcmd_lock(c, what) < 0 || ensure_table(p, c, what) < 0))
		goto out;
	if (dbcmd_applied(p, c, what, &rows, &nrows) < 0)
		goto out;
	n = mig_compare(p, files, nfiles, rows, nrows, &st);
	if (report_problems(what, st, n) > 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct migration *m = st[i].file;
		const char *params[3];
		double t0;

		if (st[i].state != MIG_PENDING)
			continue;
		done++;
		if (dry_run) {
			printf("would apply %s\n", m->path);
			continue;
		}
		params[0] = m->version;
		params[1] = m->name;
		params[2] = m->checksum;
		t0 = clock_now() * 1e3;
		if (run_in_transaction(c, what, m->path, m->sql,
		    "INSERT INTO schema_migrations (version, name, checksum) "
		    "VALUES ($1, $2, $3)", 3, params) < 0)
			goto out;
		printf("applied %s (%.1f ms)\n", m->path, clock_now() * 1e3 - t0);
		fflush(stdout);
	}
	if (done == 0)
		printf("up to date (schema at %s)\n", nfiles ? files[nfiles - 1].version : "none");
	rc = 0;
out:
	PQfinish(c);
	pool_free(p);
	return rc;
}

int
db_cmd_status(int argc, char **argv)
{
	const char *what = "db status";
	struct pool *p = pool_new();
	PGconn *c = NULL;
	struct migration *files;
	struct applied *rows;
	struct mig_status *st;
	size_t nfiles, nrows, n, width = 8;
	char err[1024];
	int rc = 1, behind = 0;

	if (parse_args(argc, argv, NULL, NULL, &rc) < 0)
		goto out;
	rc = 1;
	if (mig_scan(p, config_get("MIGRATIONS_DIR"), &files, &nfiles, err, sizeof(err)) < 0) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	c = dbcmd_connect(config_get("DATABASE_OWNER_URL") ? "DATABASE_OWNER_URL" :
	                  "DATABASE_URL", NULL, err, sizeof(err));
	if (c == NULL) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	if (dbcmd_applied(p, c, what, &rows, &nrows) < 0)
		goto out;
	n = mig_compare(p, files, nfiles, rows, nrows, &st);
	for (size_t i = 0; i < n; i++) {
		size_t w = st[i].file ? strlen(st[i].file->file) :
		           strlen(st[i].row->version) + strlen(st[i].row->name) + 5;
		if (w > width)
			width = w;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = st[i].file ? st[i].file->file :
		    pool_printf(p, "%s_%s.sql", st[i].row->version, st[i].row->name);

		printf("%-*s  ", (int)width, name);
		switch (st[i].state) {
		case MIG_APPLIED:
			printf("applied   %s\n", st[i].row->applied_at);
			continue;
		case MIG_PENDING:
			printf("pending\n");
			break;
		case MIG_OUT_OF_ORDER:
			printf("pending   older than an applied migration: renumber it\n");
			break;
		case MIG_MODIFIED:
			printf("modified  applied %s, file changed since\n", st[i].row->applied_at);
			break;
		case MIG_MISSING:
			printf("missing   applied %s, file not found\n", st[i].row->applied_at);
			break;
		}
		behind++;
	}
	if (n == 0)
		printf("no migrations in %s\n", config_get("MIGRATIONS_DIR"));
	if (behind)
		printf("not current: %d of %zu migrations need attention\n", behind, n);
	else
		printf("current (schema at %s)\n", nrows ? rows[nrows - 1].version : "none");
	rc = behind ? 1 : 0;
out:
	PQfinish(c);
	pool_free(p);
	return rc;
}

int
db_cmd_rollback(int argc, char **argv)
{
	const char *what = "db rollback";
	struct pool *p = pool_new();
	PGconn *c = NULL;
	struct applied *rows, *last;
	const char *path, *sql;
	size_t nrows, len;
	char err[1024];
	int rc = 1;

	if (parse_args(argc, argv, NULL, NULL, &rc) < 0)
		goto out;
	rc = 1;
	c = dbcmd_connect("DATABASE_OWNER_URL", NULL, err, sizeof(err));
	if (c == NULL) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	if (dbcmd_lock(c, what) < 0 || dbcmd_applied(p, c, what, &rows, &nrows) < 0)
		goto out;
	if (nrows == 0) {
		dbcmd_fail(what, "no migration has been applied");
		goto out;
	}
	last = &rows[nrows - 1];
	path = pool_printf(p, "%s/%s_%s.down.sql", config_get("MIGRATIONS_DIR"),
	                   last->version, last->name);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		dbcmd_fail(what, "%s: no down migration, so %s_%s cannot be rolled back",
		           path, last->version, last->name);
		goto out;
	}
	sql = mig_read_file(p, path, &len, err, sizeof(err));
	if (sql == NULL) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	if (!mig_sql_has_statements(sql)) {
		dbcmd_fail(what, "%s: holds no statements; write the rollback first", path);
		goto out;
	}
	if (run_in_transaction(c, what, path, sql,
	    "DELETE FROM schema_migrations WHERE version = $1", 1, &last->version) < 0)
		goto out;
	printf("rolled back %s_%s (ran %s)\n", last->version, last->name, path);
	rc = 0;
out:
	PQfinish(c);
	pool_free(p);
	return rc;
}
