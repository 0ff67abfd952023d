/* db_cmd.h: what the `edgescout db` subcommands (and `health`) share:
 * the migration files on disk, the schema_migrations rows, and a few libpq
 * helpers for the operator's connections. Everything lives in a pool. */
#ifndef EDGESCOUT_DB_CMD_H
#define EDGESCOUT_DB_CMD_H

#include <libpq-fe.h>
#include <stddef.h>

struct pool;

/* One migration file NNN_name.sql (and whether NNN_name.down.sql exists). */
struct migration {
	const char *version;     /* "001" */
	const char *name;        /* "core" */
	const char *file;        /* "001_core.sql" */
	const char *path;        /* "sql/001_core.sql" */
	const char *sql;         /* the file's contents, NUL-terminated */
	int has_down;
	char checksum[65];       /* hex SHA-256 of the file's bytes */
};

/* One row of schema_migrations. */
struct applied {
	const char *version;
	const char *name;
	const char *checksum;
	const char *applied_at;  /* "2024-05-01 12:00:00Z" */
};

enum mig_state {
	MIG_APPLIED,             /* recorded, file unchanged */
	MIG_PENDING,             /* file not recorded yet */
	MIG_MODIFIED,            /* recorded with another checksum */
	MIG_MISSING,             /* recorded, file gone */
	MIG_OUT_OF_ORDER,        /* not recorded, older than the newest recorded */
};

/* A file and its row matched by version; either may be NULL, not both. */
struct mig_status {
	enum mig_state state;
	const struct migration *file;
	const struct applied *row;
};

enum mig_kind { MIG_FILE_UP, MIG_FILE_DOWN, MIG_FILE_OTHER, MIG_FILE_BAD };

/* Classify a directory entry: "001_core.sql" is UP, "001_core.down.sql"
 * DOWN, names not ending in .sql OTHER, other *.sql names BAD. For UP and
 * DOWN, *vlen is the length of the version and name/namelen the name. */
enum mig_kind mig_parse_name(const char *fname, size_t *vlen, const char **name,
                             size_t *namelen);

/* Compare two version strings (digits) numerically: <0, 0, >0. */
int mig_version_cmp(const char *a, const char *b);

/* 1 when s is a safe SQL identifier: ^[a-z_][a-z0-9_]{0,62}$. */
int mig_valid_ident(const char *s);

/* 1 when sql holds anything besides whitespace and comments. */
int mig_sql_has_statements(const char *sql);

/* The 1-based line of the 1-based character position pos in sql (UTF-8). */
int mig_line_of(const char *sql, long pos);

/* Hex SHA-256 of len bytes of data into out (65 bytes). */
void mig_sha256_hex(const void *data, size_t len, char out[65]);

/* The contents of path, NUL-terminated, in pool memory; NULL with the reason
 * in err when unreadable or when it holds a NUL byte. */
char *mig_read_file(struct pool *p, const char *path, size_t *len, char *err,
                    size_t errlen);

/* The migrations in dir, sorted by version, read and checksummed. Returns 0,
 * or -1 with the reason in err (unreadable dir or file, bad name, two files
 * with one version). */
int mig_scan(struct pool *p, const char *dir, struct migration **out, size_t *n,
             char *err, size_t errlen);

/* Match files and rows (both sorted by version) into *out (pool memory);
 * returns the number of entries. */
size_t mig_compare(struct pool *p, const struct migration *files, size_t nfiles,
                   const struct applied *rows, size_t nrows, struct mig_status **out);

/* Print "edgescout: what: message" on stderr. */
void dbcmd_fail(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The value of keyword ("user", "password", "dbname") in conninfo, copied
 * into the pool; NULL when absent or empty, or when conninfo does not parse
 * (then *bad is set to 1). */
const char *dbcmd_conninfo_get(struct pool *p, const char *conninfo,
                               const char *keyword, int *bad);

/* Connect with the conninfo in config key (dbname overriding its database
 * when not NULL). Returns the connection, or NULL with a one-line reason in
 * err. The caller PQfinish()es it. */
PGconn *dbcmd_connect(const char *key, const char *dbname, char *err, size_t errlen);

/* One line describing a failed result (primary message, with the line in
 * sql when the server gave a position and sql is not NULL) into out. */
void dbcmd_result_error(const PGresult *res, const char *sql, char *out, size_t outlen);

/* Run one statement with text parameters; on failure print
 * "edgescout: what: <error>" and return NULL. The caller PQclear()s. */
PGresult *dbcmd_exec(PGconn *c, const char *what, const char *sql, int nparams,
                     const char *const *params);

/* dbcmd_exec for statements whose result is not needed: 0 or -1. */
int dbcmd_run(PGconn *c, const char *what, const char *sql, int nparams,
              const char *const *params);

/* Take the migrators' session advisory lock, waiting (and saying so) when
 * another holds it. 0 or -1 (printed). */
int dbcmd_lock(PGconn *c, const char *what);

/* Read schema_migrations sorted by version (none when the table does not
 * exist yet). 0, or -1 after printing the error. */
int dbcmd_applied(struct pool *p, PGconn *c, const char *what, struct applied **rows,
                  size_t *n);

/* The `db` subcommands, each given the arguments after its own name. */
int db_cmd_init(int argc, char **argv);
int db_cmd_migrate(int argc, char **argv);
int db_cmd_status(int argc, char **argv);
int db_cmd_rollback(int argc, char **argv);

#endif
