/* db.c: `edgescout db`: dispatch to init | migrate | status | new | rollback. */
#include "cli.h"
#include "db_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "pool.h"

static const char db_usage[] =
	"usage: edgescout db COMMAND [--help]\n"
	"\n"
	"  init       create the roles and the database, set privileges (admin)\n"
	"  migrate    apply pending migrations (owner); --dry-run lists them\n"
	"  status     applied / pending / modified / missing; exit 1 unless current\n"
	"  new NAME   create MIGRATIONS_DIR/NNN_NAME.sql and its .down.sql\n"
	"  rollback   undo the last applied migration with its .down.sql\n";

/* Write text to a new file at path (never over an existing one). */
static int
write_new_file(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd, rc = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		dbcmd_fail("db new", "%s: %s", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			dbcmd_fail("db new", "%s: %s", path, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	rc = 0;
out:
	if (close(fd) < 0 && rc == 0) {
		dbcmd_fail("db new", "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(path);
	return rc;
}

static int
db_cmd_new(int argc, char **argv)
{
	const char *what = "db new", *dir = config_get("MIGRATIONS_DIR"), *name;
	struct pool *p = pool_new();
	struct migration *files;
	size_t nfiles;
	const char *up, *down, *base;
	char err[1024];
	long next = 1;
	int rc = 2;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs("usage: edgescout db new NAME\n"
		      "Create MIGRATIONS_DIR/NNN_NAME.sql (the next number) and an empty\n"
		      "NNN_NAME.down.sql; NAME is lower-case letters, digits and _.\n", stdout);
		rc = 0;
		goto out;
	}
	if (argc != 2) {
		fputs("usage: edgescout db new NAME\n", stderr);
		goto out;
	}
	name = argv[1];
	if (name[0] == '\0' || strlen(name) > 60 || strspn(name,
	    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name)) {
		dbcmd_fail(what, "'%s': a name is 1 to 60 of a-z, 0-9 and _", name);
		goto out;
	}
	rc = 1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		dbcmd_fail(what, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (mig_scan(p, dir, &files, &nfiles, err, sizeof(err)) < 0) {
		dbcmd_fail(what, "%s", err);
		goto out;
	}
	if (nfiles > 0)
		next = strtol(files[nfiles - 1].version, NULL, 10) + 1;
	base = pool_printf(p, "%03ld_%s", next, name);
	up = pool_printf(p, "%s/%s.sql", dir, base);
	down = pool_printf(p, "%s/%s.down.sql", dir, base);
	if (write_new_file(up, pool_printf(p,
	    "-- %s.sql\n"
	    "-- Applied once by `edgescout db migrate`, as the owner role, in one\n"
	    "-- transaction with its schema_migrations row: no BEGIN or COMMIT here.\n"
	    "-- Never edit it once applied anywhere; write a new migration instead.\n\n",
	    base)) < 0)
		goto out;
	if (write_new_file(down, pool_printf(p,
	    "-- %s.down.sql: undoes %s.sql (`edgescout db rollback`).\n"
	    "-- Rollback refuses to run while this file holds no statements.\n\n",
	    base, base)) < 0) {
		unlink(up);
		goto out;
	}
	printf("%s\n%s\n", up, down);
	rc = 0;
out:
	pool_free(p);
	return rc;
}

/* `edgescout db ...`: argv[0] is "db". */
int
cmd_db(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "init", db_cmd_init },
		{ "migrate", db_cmd_migrate },
		{ "status", db_cmd_status },
		{ "new", db_cmd_new },
		{ "rollback", db_cmd_rollback },
	};

	if (argc < 2) {
		fputs(db_usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(db_usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "edgescout: db: unknown command '%s' (see edgescout db --help)\n",
	        argv[1]);
	return 2;
}
