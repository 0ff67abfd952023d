/* test_cli_migrations.c: the pure parts of `edgescout db` (cli/db_files.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../cli/db_files.c"

static void
test_parse_name(void **state)
{
	size_t vlen, nlen;
	const char *name;

	(void)state;
	assert_int_equal(mig_parse_name("001_core.sql", &vlen, &name, &nlen), MIG_FILE_UP);
	assert_int_equal(vlen, 3);
	assert_int_equal(nlen, 4);
	assert_memory_equal(name, "core", 4);
	assert_int_equal(mig_parse_name("012_add_users_2.down.sql", &vlen, &name, &nlen),
	                 MIG_FILE_DOWN);
	assert_int_equal(nlen, 11);
	assert_int_equal(mig_parse_name("1000_big.sql", &vlen, &name, &nlen), MIG_FILE_UP);
	assert_int_equal(vlen, 4);
	assert_int_equal(mig_parse_name("README.md", &vlen, &name, &nlen), MIG_FILE_OTHER);
	assert_int_equal(mig_parse_name(".001_x.sql", &vlen, &name, &nlen), MIG_FILE_OTHER);
	assert_int_equal(mig_parse_name("001_x.sql~", &vlen, &name, &nlen), MIG_FILE_OTHER);
	assert_int_equal(mig_parse_name("1_x.sql", &vlen, &name, &nlen), MIG_FILE_BAD);
	assert_int_equal(mig_parse_name("001_.sql", &vlen, &name, &nlen), MIG_FILE_BAD);
	assert_int_equal(mig_parse_name("001.sql", &vlen, &name, &nlen), MIG_FILE_BAD);
	assert_int_equal(mig_parse_name("001_Core.sql", &vlen, &name, &nlen), MIG_FILE_BAD);
	assert_int_equal(mig_parse_name("001_a-b.sql", &vlen, &name, &nlen), MIG_FILE_BAD);
	assert_int_equal(mig_parse_name("001_a.b.sql", &vlen, &name, &nlen), MIG_FILE_BAD);
	assert_int_equal(mig_parse_name("abc_x.sql", &vlen, &name, &nlen), MIG_FILE_BAD);
	assert_int_equal(mig_parse_name(".down.sql", &vlen, &name, &nlen), MIG_FILE_OTHER);
	assert_int_equal(mig_parse_name("x.down.sql", &vlen, &name, &nlen), MIG_FILE_BAD);
}

static void
test_version_cmp(void **state)
{
	(void)state;
	assert_true(mig_version_cmp("001", "002") < 0);
	assert_true(mig_version_cmp("010", "009") > 0);
	assert_true(mig_version_cmp("999", "1000") < 0);
	assert_int_equal(mig_version_cmp("001", "0001"), 0);
	assert_int_equal(mig_version_cmp("000", "0"), 0);
}

static void
test_valid_ident(void **state)
{
	char long_name[80];

	(void)state;
	assert_true(mig_valid_ident("edgescout"));
	assert_true(mig_valid_ident("_x9"));
	assert_false(mig_valid_ident(NULL));
	assert_false(mig_valid_ident(""));
	assert_false(mig_valid_ident("9lives"));
	assert_false(mig_valid_ident("Edge"));
	assert_false(mig_valid_ident("a-b"));
	assert_false(mig_valid_ident("a\"; DROP TABLE x; --"));
	memset(long_name, 'a', 63);
	long_name[63] = '\0';
	assert_true(mig_valid_ident(long_name));
	long_name[63] = 'a';
	long_name[64] = '\0';
	assert_false(mig_valid_ident(long_name));
}

static void
test_has_statements(void **state)
{
	(void)state;
	assert_false(mig_sql_has_statements(""));
	assert_false(mig_sql_has_statements("  \n\t\r\n"));
	assert_false(mig_sql_has_statements("-- only a comment\n-- and another"));
	assert_false(mig_sql_has_statements("/* a /* nested */ comment */\n"));
	assert_false(mig_sql_has_statements("/* unterminated"));
	assert_true(mig_sql_has_statements("-- c\nDROP TABLE x;"));
	assert_true(mig_sql_has_statements("/* a /* b */ still */ ;"));
	assert_true(mig_sql_has_statements("/* a */ - 1"));
}

static void
test_line_of(void **state)
{
	const char *sql = "-- é\nSELECT 1;\n\nSELECT x;";

	(void)state;
	assert_int_equal(mig_line_of(sql, 1), 1);
	/* "-- é\n" is 5 characters (6 bytes): character 6 is the S on line 2 */
	assert_int_equal(mig_line_of(sql, 6), 2);
	assert_int_equal(mig_line_of(sql, 17), 4);
	assert_int_equal(mig_line_of(sql, 1000), 4);
}

static void
test_sha256(void **state)
{
	char hex[65];

	(void)state;
	mig_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_compare(void **state)
{
	struct pool *p = pool_new();
	struct migration files[4] = {
		{ .version = "001", .name = "a", .checksum = "c1" },
		{ .version = "002", .name = "b", .checksum = "c2" },
		{ .version = "004", .name = "d", .checksum = "c4" },
		{ .version = "005", .name = "e", .checksum = "c5" },
	};
	struct applied rows[3] = {
		{ .version = "001", .checksum = "c1" },
		{ .version = "003", .checksum = "c3" },
		{ .version = "004", .checksum = "changed" },
	};
	struct mig_status *s;
	size_t n;

	(void)state;
	n = mig_compare(p, files, 4, rows, 3, &s);
	assert_int_equal(n, 5);
	assert_int_equal(s[0].state, MIG_APPLIED);
	assert_int_equal(s[1].state, MIG_OUT_OF_ORDER);
	assert_int_equal(s[2].state, MIG_MISSING);
	assert_null(s[2].file);
	assert_int_equal(s[3].state, MIG_MODIFIED);
	assert_int_equal(s[4].state, MIG_PENDING);
	assert_int_equal(mig_compare(p, NULL, 0, NULL, 0, &s), 0);
	pool_free(p);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_scan(void **state)
{
	char dir[] = "/tmp/test_cli_migrations.XXXXXX", err[512];
	struct pool *p = pool_new();
	struct migration *m;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "010_later.sql", "SELECT 10;\n");
	put(dir, "002_second.sql", "SELECT 2;\n");
	put(dir, "002_second.down.sql", "SELECT -2;\n");
	put(dir, "notes.txt", "not a migration\n");
	assert_int_equal(mig_scan(p, dir, &m, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].file, "002_second.sql");
	assert_true(m[0].has_down);
	assert_string_equal(m[1].version, "010");
	assert_false(m[1].has_down);
	assert_string_equal(m[1].sql, "SELECT 10;\n");

	put(dir, "003_orphan.down.sql", "SELECT 3;\n");
	assert_int_equal(mig_scan(p, dir, &m, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no matching 003_orphan.sql"));
	put(dir, "003_orphan.sql", "SELECT 3;\n");
	put(dir, "0003_twin.sql", "SELECT 3;\n");
	assert_int_equal(mig_scan(p, dir, &m, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "share version"));
	put(dir, "0003_twin.sql", "");
	snprintf(err, sizeof(err), "%s/0003_twin.sql", dir);
	unlink(err);
	put(dir, "004_Bad.sql", "");
	assert_int_equal(mig_scan(p, dir, &m, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a migration name"));

	for (const char *const *f = (const char *const[]){ "010_later.sql",
	     "002_second.sql", "002_second.down.sql", "notes.txt", "003_orphan.sql",
	     "003_orphan.down.sql", "004_Bad.sql", NULL }; *f; f++) {
		snprintf(err, sizeof(err), "%s/%s", dir, *f);
		unlink(err);
	}
	rmdir(dir);
	pool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_valid_ident),
		cmocka_unit_test(test_has_statements),
		cmocka_unit_test(test_line_of),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
