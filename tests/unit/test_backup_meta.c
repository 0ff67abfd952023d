/* test_backup_meta.c: backup metadata files and the list of backups
 * (backup_meta.c): a round trip, malformed files refused, odd names and
 * half backups left out of the list, newest first, deletion. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"

static char dir[] = "/tmp/es-meta-XXXXXX";

static void
touch(const char *name, const char *text)
{
	FILE *f = fopen(pool_printf(pool, "%s/%s", dir, name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct backup_meta
sample(const char *id)
{
	static struct backup_table tables[] = {
		{ "public.a", 3, "0cc175b9c0f1b6a831c399e269772661" },
		{ "\"odd name\".b", 0, "d41d8cd98f00b204e9800998ecf8427e" },
	};
	struct backup_meta m = { id, "2026-12-06T05:15:00Z", "012", "0.1.0", "0123456789abcdef",
	                         4096, "", tables, 2 };

	memset(m.sha256, 'a', 64);
	return m;
}

static void
test_round_trip(void **state)
{
	struct backup_meta m = sample("20261206T051500Z"), back;
	char err[BACKUP_ERR_MAX];

	(void)state;
	assert_int_equal(backup_meta_write(pool, &m, err, sizeof(err)), 0);
	assert_int_equal(backup_meta_read(pool, m.id, &back, err, sizeof(err)), 0);
	assert_string_equal(back.id, m.id);
	assert_string_equal(back.created_at, m.created_at);
	assert_string_equal(back.schema_version, "012");
	assert_string_equal(back.key_id, m.key_id);
	assert_int_equal(back.size, 4096);
	assert_string_equal(back.sha256, m.sha256);
	assert_int_equal(back.ntables, 2);
	assert_string_equal(back.tables[1].name, "\"odd name\".b");
	assert_int_equal(back.tables[0].rows, 3);
	assert_string_equal(back.tables[0].checksum, m.tables[0].checksum);
	assert_int_equal(access(pool_printf(pool, "%s/edgescout-%s.json.tmp", dir, m.id), F_OK), -1);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"not json",
		"{\"id\":\"20261206T000001Z\"}",
		/* another id than the file's name */
		"{\"id\":\"20261206T000002Z\",\"created_at\":\"x\",\"schema_version\":\"1\","
		"\"edgescout_version\":\"1\",\"key_id\":\"k\",\"size\":1,\"sha256\":\"" \
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"tables\":[]}",
		/* rows not an integer */
		"{\"id\":\"20261206T000001Z\",\"created_at\":\"x\",\"schema_version\":\"1\","
		"\"edgescout_version\":\"1\",\"key_id\":\"k\",\"size\":1,\"sha256\":\"" \
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"tables\":"
		"[{\"name\":\"t\",\"rows\":\"3\",\"checksum\":\"c\"}]}",
		/* a short hash */
		"{\"id\":\"20261206T000001Z\",\"created_at\":\"x\",\"schema_version\":\"1\","
		"\"edgescout_version\":\"1\",\"key_id\":\"k\",\"size\":1,\"sha256\":\"ab\","
		"\"tables\":[]}",
	};
	struct backup_meta m;
	char err[BACKUP_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		touch("edgescout-20261206T000001Z.json", bad[i]);
		assert_int_equal(backup_meta_read(pool, "20261206T000001Z", &m, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "backup 20261206T000001Z: "));
	}
	assert_int_equal(backup_meta_read(pool, "../../etc/passwd", &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is not a backup id"));
	unlink(pool_printf(pool, "%s/edgescout-20261206T000001Z.json", dir));
}

static void
test_list_and_delete(void **state)
{
	const char **ids;
	char err[BACKUP_ERR_MAX];

	(void)state;
	touch("edgescout-20261206T051500Z.dump.enc", "x");        /* with the round trip's json */
	touch("edgescout-20251206T051500Z.dump.enc", "x");
	touch("edgescout-20251206T051500Z.json", "{}");
	touch("edgescout-20270101T000000Z.json", "{}");            /* no dump: half a backup */
	touch("edgescout-20270101T000001Z.json.tmp", "{}");
	touch("edgescout-2027.json", "{}");
	touch("other.json", "{}");
	assert_int_equal(backup_list(pool, &ids, err, sizeof(err)), 2);
	assert_string_equal(ids[0], "20261206T051500Z");
	assert_string_equal(ids[1], "20251206T051500Z");
	assert_int_equal(backup_delete(pool, "20251206T051500Z", err, sizeof(err)), 0);
	assert_int_equal(backup_list(pool, &ids, err, sizeof(err)), 1);
	assert_int_equal(backup_delete(pool, "20251206T051500Z", err, sizeof(err)), 0);
	setenv("BACKUP_DIR", "/nonexistent/es", 1);
	assert_int_equal(backup_list(pool, &ids, err, sizeof(err)), 0);
	setenv("BACKUP_DIR", dir, 1);
}

static void
test_ids(void **state)
{
	(void)state;
	assert_true(backup_id_valid("20261206T051500Z"));
	assert_false(backup_id_valid("20261206T051500"));
	assert_false(backup_id_valid("2026120XT051500Z"));
	assert_false(backup_id_valid("20261206t051500Z"));
	assert_false(backup_id_valid("20261206T051500Z/"));
	assert_false(backup_id_valid(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_list_and_delete),
		cmocka_unit_test(test_ids),
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	setenv("BACKUP_DIR", dir, 1);
	rc = cmocka_run_group_tests(tests, unit_setup, unit_teardown);
	if (rc == 0) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return rc;
}
