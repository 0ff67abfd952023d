/* password.c: password policy (length, email, zxcvbn) and Argon2id hashing.
 *
 * The strength floor is PASSWORD_MIN_BITS of zxcvbn's estimate, about 10^12
 * guesses: two orders of magnitude past zxcvbn's top band (10^10, "strong
 * protection from an offline slow-hash attack"), because the hash runs at
 * the interactive limits and per-account throttling protects only the
 * online case.
 *
 * zxcvbn's cost grows steeply with length on digit patterns ("1212...":
 * 20 ms at 40 bytes, 2 s from 100 bytes on), so it rates the password in
 * chunks of ZXCVBN_CHUNK bytes and takes the strongest: guessing the whole
 * password takes at least as long as guessing any piece of it. */
#include "password.h"

#include <assert.h>
#include <ctype.h>
#include <sodium.h>
#include <string.h>
#include <zxcvbn.h>

#include "config.h"
#include "log.h"
#include "pool.h"
#include "valid.h"

#define ARGON2ID_PREFIX "$argon2id$"
#define EMAIL_COPY_MAX 256       /* bytes of the email considered */
#define USER_DICT_MAX 16         /* words of the zxcvbn user dictionary */
#define USER_WORD_MIN 3          /* shorter words are not worth matching */
#define ZXCVBN_CHUNK 40          /* bytes rated at a time */

/* 1 when hay contains needle, ASCII case-insensitively. */
static int
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0'; i++)
			if (tolower((unsigned char)hay[i]) != tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return 1;
	}
	return 0;
}

/* Words of an email that a guesser would try first. */
struct email_words {
	char buf[2 * EMAIL_COPY_MAX + 4];
	const char *local;               /* the local part, or NULL */
	const char *dict[USER_DICT_MAX + 1];   /* NULL-terminated, for zxcvbn */
};

/* Fill w from email (which may be NULL or malformed): the local part, its
 * pieces split at . _ + -, the first domain label, and the service's name. */
static void
email_words(const char *email, struct email_words *w)
{
	const char *at = email ? strrchr(email, '@') : NULL;
	size_t k = 0, nl;
	char *pieces, *dom, *piece, *save;

	w->local = NULL;
	w->dict[k++] = "edgescout";
	if (at != NULL && strlen(email) < EMAIL_COPY_MAX) {
		/* buf: "local\0local\0label\0"; the second copy is cut into pieces */
		nl = (size_t)(at - email);
		memcpy(w->buf, email, nl);
		w->buf[nl] = '\0';
		w->local = w->buf;
		pieces = w->buf + nl + 1;
		memcpy(pieces, w->buf, nl + 1);
		dom = pieces + nl + 1;
		strcpy(dom, at + 1);
		dom[strcspn(dom, ".")] = '\0';
		if (nl >= USER_WORD_MIN)
			w->dict[k++] = w->local;
		if (strlen(dom) >= USER_WORD_MIN)
			w->dict[k++] = dom;
		for (piece = strtok_r(pieces, "._+-", &save); piece && k < USER_DICT_MAX;
		     piece = strtok_r(NULL, "._+-", &save))
			if (strlen(piece) >= USER_WORD_MIN && strcmp(piece, w->local) != 0)
				w->dict[k++] = piece;
	}
	w->dict[k] = NULL;
}

/* 1 when some chunk of pw[0..n) (valid UTF-8) rates PASSWORD_MIN_BITS. */
static int
strong_enough(const char *pw, size_t n, const char **dict)
{
	char chunk[ZXCVBN_CHUNK + 1];
	size_t off, len;

	for (off = 0; off < n; off += len) {
		len = n - off < ZXCVBN_CHUNK ? n - off : ZXCVBN_CHUNK;
		while (off + len < n && ((unsigned char)pw[off + len] & 0xc0) == 0x80)
			len--;          /* end on a character boundary */
		memcpy(chunk, pw + off, len);
		chunk[len] = '\0';
		if (ZxcvbnMatch(chunk, dict, NULL) >= PASSWORD_MIN_BITS)
			return 1;
	}
	return 0;
}

const char *
password_weakness(const char *pw, const char *email)
{
	struct email_words w;
	size_t n;

	if (pw == NULL)
		return "must be at least 12 characters";
	n = strnlen(pw, PASSWORD_MAX_BYTES + 1);
	if (n > PASSWORD_MAX_BYTES)
		return "is too long";
	if (!valid_utf8(pw, n))
		return "must be valid UTF-8 text";
	if (valid_utf8_len(pw, n) < PASSWORD_MIN_CHARS)
		return "must be at least 12 characters";
	email_words(email, &w);
	if (w.local != NULL && strlen(w.local) >= USER_WORD_MIN && contains_ci(pw, w.local))
		return "must not contain your email address";
	if (!strong_enough(pw, n, w.dict))
		return "is too common or easy to guess";
	return NULL;
}

/* The configured Argon2id limits, clamped to what libsodium accepts. */
static void
limits(unsigned long long *ops, size_t *mem)
{
	long long o = config_int("PWHASH_OPSLIMIT", crypto_pwhash_OPSLIMIT_INTERACTIVE);
	long long m = config_int("PWHASH_MEMLIMIT", crypto_pwhash_MEMLIMIT_INTERACTIVE);

	if (o < (long long)crypto_pwhash_argon2id_OPSLIMIT_MIN)
		o = crypto_pwhash_argon2id_OPSLIMIT_MIN;
	if ((unsigned long long)o > crypto_pwhash_argon2id_OPSLIMIT_MAX)
		o = (long long)crypto_pwhash_argon2id_OPSLIMIT_MAX;
	if (m < (long long)crypto_pwhash_argon2id_MEMLIMIT_MIN)
		m = crypto_pwhash_argon2id_MEMLIMIT_MIN;
	if ((unsigned long long)m > (unsigned long long)crypto_pwhash_argon2id_MEMLIMIT_MAX)
		m = (long long)crypto_pwhash_argon2id_MEMLIMIT_MAX;
	*ops = (unsigned long long)o;
	*mem = (size_t)m;
}

/* 1 when hash is a NUL-terminated string short enough for libsodium. */
static int
hash_fits(const char *hash)
{
	return hash != NULL && strnlen(hash, crypto_pwhash_STRBYTES) < crypto_pwhash_STRBYTES;
}

char *
password_hash(struct pool *p, const char *pw)
{
	char out[crypto_pwhash_STRBYTES];
	unsigned long long ops;
	size_t mem;

	assert(pw != NULL);
	limits(&ops, &mem);
	if (crypto_pwhash_str_alg(out, pw, strlen(pw), ops, mem,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_kv(LOG_ERROR, "password hashing failed (out of memory?)", NULL);
		return NULL;
	}
	return pool_strdup(p, out);
}

int
password_verify(const char *hash, const char *pw)
{
	if (!hash_fits(hash) || pw == NULL)
		return 0;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void
password_verify_dummy(const char *pw)
{
	static char dummy[crypto_pwhash_STRBYTES];
	static unsigned long long dummy_ops;
	static size_t dummy_mem;
	unsigned char secret[32];
	unsigned long long ops;
	size_t mem;
	int bad;

	limits(&ops, &mem);
	if (dummy[0] == '\0' || ops != dummy_ops || mem != dummy_mem) {
		/* a random password nobody knows, hashed with today's limits */
		randombytes_buf(secret, sizeof(secret));
		bad = crypto_pwhash_str_alg(dummy, (const char *)secret, sizeof(secret), ops, mem,
		                            crypto_pwhash_ALG_ARGON2ID13);
		sodium_memzero(secret, sizeof(secret));
		if (bad != 0) {
			dummy[0] = '\0';
			log_kv(LOG_ERROR, "dummy password hashing failed (out of memory?)", NULL);
			return;
		}
		dummy_ops = ops;
		dummy_mem = mem;
	}
	(void)password_verify(dummy, pw ? pw : "");
}

int
password_needs_rehash(const char *hash)
{
	unsigned long long ops;
	size_t mem;

	if (!hash_fits(hash) || strncmp(hash, ARGON2ID_PREFIX, strlen(ARGON2ID_PREFIX)) != 0)
		return 1;
	limits(&ops, &mem);
	return crypto_pwhash_str_needs_rehash(hash, ops, mem) != 0;
}
