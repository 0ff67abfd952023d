/* test_backup_crypt.c: the backup key and the encrypted stream
 * (backup_crypt.c): round trips of several chunk sizes, the wrong key, a
 * flipped byte, a cut file, a full disk (/dev/full), and key loading. */
#include "unit.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static char dir[] = "/tmp/es-crypt-XXXXXX";

/* A file at dir/name holding len pseudo-random bytes; its path. */
static const char *
make_file(const char *name, size_t len)
{
	const char *path = pool_printf(pool, "%s/%s", dir, name);
	unsigned char *data = malloc(len + 1);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	randombytes_buf(data, len);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
	return path;
}

static void
load_key(struct backup_key *k, const char *hex)
{
	char err[BACKUP_ERR_MAX];

	setenv("BACKUP_KEY", hex, 1);
	assert_int_equal(backup_key_load(k, err, sizeof(err)), 0);
}

/* Encrypt path into path.enc; the error or "" */
static const char *
encrypt(const struct backup_key *k, const char *path, char sha[65], int64_t *size)
{
	static char err[BACKUP_ERR_MAX];
	int in = open(path, O_RDONLY);
	int out = open(pool_printf(pool, "%s.enc", path), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int rc = backup_encrypt_fd(k, in, out, NULL, sha, size, err, sizeof(err));

	close(in);
	close(out);
	return rc == 0 ? "" : err;
}

/* Decrypt path.enc into path.out; the error or "". */
static const char *
decrypt(const struct backup_key *k, const char *path)
{
	static char err[BACKUP_ERR_MAX];
	int in = open(pool_printf(pool, "%s.enc", path), O_RDONLY);
	int out = open(pool_printf(pool, "%s.out", path), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int rc = backup_decrypt_fd(k, in, out, NULL, err, sizeof(err));

	close(in);
	close(out);
	return rc == 0 ? "" : err;
}

static int
same_files(const char *a, const char *b)
{
	char ha[65], hb[65], err[BACKUP_ERR_MAX];

	assert_int_equal(backup_file_sha256(a, ha, err, sizeof(err)), 0);
	assert_int_equal(backup_file_sha256(b, hb, err, sizeof(err)), 0);
	return strcmp(ha, hb) == 0;
}

static void
test_round_trips(void **state)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 3 * 65536 + 17 };
	struct backup_key k;
	char sha[65], file_sha[65], err[BACKUP_ERR_MAX];
	int64_t size;

	(void)state;
	load_key(&k, HEX_A);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *path = make_file(pool_printf(pool, "rt%zu", i), sizes[i]);
		const char *enc = pool_printf(pool, "%s.enc", path);

		assert_string_equal(encrypt(&k, path, sha, &size), "");
		/* the hash and size are those of the file written */
		assert_int_equal(backup_file_sha256(enc, file_sha, err, sizeof(err)), 0);
		assert_string_equal(sha, file_sha);
		assert_int_equal(size, 8 + 24 + (int64_t)sizes[i] +
		                 17 * (int64_t)(sizes[i] / 65536 + 1));
		assert_string_equal(decrypt(&k, path), "");
		assert_true(same_files(path, pool_printf(pool, "%s.out", path)));
	}
}

static void
test_refusals(void **state)
{
	struct backup_key a, b;
	const char *path = make_file("refuse", 200000), *enc = pool_printf(pool, "%s.enc", path);
	char sha[65];
	int64_t size;
	int fd;
	unsigned char byte;

	(void)state;
	load_key(&a, HEX_A);
	load_key(&b, HEX_B);
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	assert_string_equal(encrypt(&a, path, sha, &size), "");
	assert_string_equal(decrypt(&b, path), "cannot decrypt: wrong key or damaged file");
	/* a flipped byte in the second chunk */
	fd = open(enc, O_RDWR);
	assert_int_equal(pread(fd, &byte, 1, 70000), 1);
	byte ^= 1;
	assert_int_equal(pwrite(fd, &byte, 1, 70000), 1);
	close(fd);
	assert_string_equal(decrypt(&a, path), "cannot decrypt: the backup file is damaged");
	/* cut at a chunk boundary: no FINAL chunk */
	assert_string_equal(encrypt(&a, path, sha, &size), "");
	assert_int_equal(truncate(enc, 8 + 24 + 2 * (65536 + 17)), 0);
	assert_string_equal(decrypt(&a, path), "the backup file is truncated");
	/* not a backup at all */
	assert_string_equal(encrypt(&a, path, sha, &size), "");
	assert_int_equal(truncate(enc, 5), 0);
	assert_string_equal(decrypt(&a, path), "not an edgescout backup file");
}

static void
test_disk_full(void **state)
{
	struct backup_key k;
	const char *path = make_file("full", 300000);
	char sha[65], err[BACKUP_ERR_MAX];
	int64_t size;
	int in = open(path, O_RDONLY), out = open("/dev/full", O_WRONLY);

	(void)state;
	load_key(&k, HEX_A);
	assert_true(out >= 0);
	assert_int_equal(backup_encrypt_fd(&k, in, out, NULL, sha, &size, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "disk full while writing the backup"));
	close(in);
	close(out);
}

static void
test_key_sources(void **state)
{
	struct backup_key k, from_file;
	const char *file = pool_printf(pool, "%s/key", dir);
	char err[BACKUP_ERR_MAX];
	FILE *f;

	(void)state;
	setenv("BACKUP_KEY", "abcd", 1);
	assert_int_equal(backup_key_load(&k, err, sizeof(err)), -1);
	assert_string_equal(err, "BACKUP_KEY is not 64 hex digits");
	setenv("BACKUP_KEY", HEX_A "00", 1);
	assert_int_equal(backup_key_load(&k, err, sizeof(err)), -1);
	unsetenv("BACKUP_KEY");
	unsetenv("BACKUP_KEY_FILE");
	assert_int_equal(backup_key_load(&k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no backup key"));
	f = fopen(file, "w");
	fputs(HEX_A "\n", f);
	fclose(f);
	setenv("BACKUP_KEY_FILE", file, 1);
	assert_int_equal(backup_key_load(&from_file, err, sizeof(err)), 0);
	load_key(&k, HEX_A);
	assert_memory_equal(k.key, from_file.key, BACKUP_KEY_BYTES);
	assert_string_equal(k.fingerprint, from_file.fingerprint);
	assert_int_equal(strlen(k.fingerprint), 16);
	unsetenv("BACKUP_KEY");
	f = fopen(file, "w");
	fputs("not hex\n", f);
	fclose(f);
	assert_int_equal(backup_key_load(&k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not hold 64 hex digits"));
	unsetenv("BACKUP_KEY_FILE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_key_sources),
	};
	int rc;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, unit_setup, unit_teardown);
	if (rc == 0) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return rc;
}
