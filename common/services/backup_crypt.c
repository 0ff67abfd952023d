/* backup_crypt.c: the backup key and the encrypted stream.
 *
 * File layout: the 8-byte magic "ESBKUP1\n", the secretstream header, then
 * chunks of CHUNK plaintext bytes sealed with crypto_secretstream_xchacha20-
 * poly1305 (each CHUNK + ABYTES long), the last one shorter or empty and
 * tagged FINAL. A file cut short has no FINAL chunk and is refused. */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define MAGIC "ESBKUP1\n"
#define MAGIC_LEN 8
#define CHUNK (64 * 1024)
#define SEALED (CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)
#define PROGRESS_EVERY (8 * 1024 * 1024)

/* Decode 64 hex digits (surrounding white space allowed) into k. */
static int
key_from_hex(struct backup_key *k, const char *hex, size_t len)
{
	size_t bin_len = 0;
	const char *end = NULL;

	while (len > 0 && (hex[len - 1] == '\n' || hex[len - 1] == ' ' ||
	                   hex[len - 1] == '\r' || hex[len - 1] == '\t'))
		len--;
	if (len != 2 * BACKUP_KEY_BYTES ||
	    sodium_hex2bin(k->key, sizeof(k->key), hex, len, NULL, &bin_len, &end) != 0 ||
	    bin_len != BACKUP_KEY_BYTES)
		return -1;
	return 0;
}

/* The fingerprint: BLAKE2b keyed by the key over a fixed label, 8 bytes. */
static void
key_fingerprint(struct backup_key *k)
{
	static const char label[] = "edgescout backup key id";
	unsigned char h[8];

	crypto_generichash(h, sizeof(h), (const unsigned char *)label, sizeof(label) - 1,
	                   k->key, sizeof(k->key));
	sodium_bin2hex(k->fingerprint, sizeof(k->fingerprint), h, sizeof(h));
}

int
backup_key_load(struct backup_key *k, char *err, size_t errlen)
{
	const char *hex = config_get("BACKUP_KEY");
	const char *path = config_get("BACKUP_KEY_FILE");
	char text[200];
	ssize_t n;
	int fd;

	if (hex != NULL && *hex != '\0') {
		if (key_from_hex(k, hex, strlen(hex)) < 0) {
			snprintf(err, errlen, "BACKUP_KEY is not 64 hex digits");
			return -1;
		}
	} else if (path != NULL && *path != '\0') {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			snprintf(err, errlen, "BACKUP_KEY_FILE %s: %s", path, strerror(errno));
			return -1;
		}
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n < 0 || key_from_hex(k, text, (size_t)n) < 0) {
			sodium_memzero(text, sizeof(text));
			snprintf(err, errlen, "BACKUP_KEY_FILE %s does not hold 64 hex digits", path);
			return -1;
		}
		sodium_memzero(text, sizeof(text));
	} else {
		snprintf(err, errlen, "no backup key: set BACKUP_KEY or BACKUP_KEY_FILE "
		         "(edgescout backup keygen makes one)");
		return -1;
	}
	key_fingerprint(k);
	return 0;
}

/* Write all of buf to fd, hashing it; -1 with errno set. */
static int
write_all(int fd, const unsigned char *buf, size_t n, crypto_hash_sha256_state *sha)
{
	size_t done = 0;
	ssize_t w;

	if (sha != NULL)
		crypto_hash_sha256_update(sha, buf, n);
	while (done < n) {
		if ((w = write(fd, buf + done, n - done)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

/* Read up to n bytes, as many as there are before end of file. */
static ssize_t
read_full(int fd, unsigned char *buf, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		if ((r = read(fd, buf + done, n - done)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* A failed write of the backup file, saying plainly when the disk is full. */
static int
write_failed(char *err, size_t errlen)
{
	int e = errno;

	if (e == ENOSPC || e == EFBIG || e == EDQUOT)
		snprintf(err, errlen, "disk full while writing the backup (%s)", strerror(e));
	else
		snprintf(err, errlen, "writing the backup: %s", strerror(e));
	return -1;
}

int
backup_encrypt_fd(const struct backup_key *k, int in_fd, int out_fd,
                  backup_progress_fn progress, char sha256[65], int64_t *size,
                  char *err, size_t errlen)
{
	static unsigned char plain[CHUNK], sealed[SEALED];
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_hash_sha256_state sha;
	unsigned long long sealed_len;
	int64_t total = 0, shown = 0;
	ssize_t n;
	unsigned char tag;

	crypto_hash_sha256_init(&sha);
	crypto_secretstream_xchacha20poly1305_init_push(&st, header, k->key);
	if (write_all(out_fd, (const unsigned char *)MAGIC, MAGIC_LEN, &sha) < 0 ||
	    write_all(out_fd, header, sizeof(header), &sha) < 0)
		return write_failed(err, errlen);
	total = MAGIC_LEN + sizeof(header);
	do {
		if ((n = read_full(in_fd, plain, CHUNK)) < 0) {
			snprintf(err, errlen, "reading the dump: %s", strerror(errno));
			return -1;
		}
		tag = n < CHUNK ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
		crypto_secretstream_xchacha20poly1305_push(&st, sealed, &sealed_len, plain,
		                                           (unsigned long long)n, NULL, 0, tag);
		if (write_all(out_fd, sealed, (size_t)sealed_len, &sha) < 0)
			return write_failed(err, errlen);
		total += (int64_t)sealed_len;
		if (progress != NULL && total - shown >= PROGRESS_EVERY) {
			progress("encrypting", total, 0);
			shown = total;
		}
	} while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	sodium_memzero(plain, sizeof(plain));
	crypto_hash_sha256_final(&sha, digest);
	sodium_bin2hex(sha256, 65, digest, sizeof(digest));
	*size = total;
	if (progress != NULL)
		progress("encrypting", total, 1);
	return 0;
}

int
backup_decrypt_fd(const struct backup_key *k, int in_fd, int out_fd,
                  backup_progress_fn progress, char *err, size_t errlen)
{
	static unsigned char plain[CHUNK], sealed[SEALED];
	unsigned char head[MAGIC_LEN + crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned long long plain_len;
	unsigned char tag = 0;
	int64_t total = 0, shown = 0;
	ssize_t n;

	if (read_full(in_fd, head, sizeof(head)) != (ssize_t)sizeof(head) ||
	    memcmp(head, MAGIC, MAGIC_LEN) != 0) {
		snprintf(err, errlen, "not an edgescout backup file");
		return -1;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&st, head + MAGIC_LEN,
	                                                    k->key) != 0) {
		snprintf(err, errlen, "cannot decrypt: bad header");
		return -1;
	}
	while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		if ((n = read_full(in_fd, sealed, SEALED)) < 0) {
			snprintf(err, errlen, "reading the backup: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			snprintf(err, errlen, "the backup file is truncated");
			return -1;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&st, plain, &plain_len, &tag,
		                                               sealed, (unsigned long long)n,
		                                               NULL, 0) != 0) {
			snprintf(err, errlen, total == 0 ?
			         "cannot decrypt: wrong key or damaged file" :
			         "cannot decrypt: the backup file is damaged");
			return -1;
		}
		if (out_fd >= 0 && write_all(out_fd, plain, (size_t)plain_len, NULL) < 0) {
			if (errno != EPIPE) {
				snprintf(err, errlen, "passing the dump on: %s", strerror(errno));
				return -1;
			}
			out_fd = -1;    /* the reader has what it wanted: check the rest */
		}
		total += (int64_t)plain_len;
		if (progress != NULL && total - shown >= PROGRESS_EVERY) {
			progress("decrypting", total, 0);
			shown = total;
		}
	}
	sodium_memzero(plain, sizeof(plain));
	if (read_full(in_fd, sealed, 1) != 0) {
		snprintf(err, errlen, "the backup file has data after its end");
		return -1;
	}
	if (progress != NULL)
		progress("decrypting", total, 1);
	return 0;
}

int
backup_file_sha256(const char *path, char out[65], char *err, size_t errlen)
{
	static unsigned char buf[CHUNK];
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state sha;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	crypto_hash_sha256_init(&sha);
	while ((n = read_full(fd, buf, sizeof(buf))) > 0)
		crypto_hash_sha256_update(&sha, buf, (size_t)n);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	crypto_hash_sha256_final(&sha, digest);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
	return 0;
}
