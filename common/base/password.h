/* password.h: password policy and Argon2id hashing (libsodium crypto_pwhash_str).
 *
 * Limits come from PWHASH_OPSLIMIT / PWHASH_MEMLIMIT (default: libsodium's
 * INTERACTIVE). Policy (NIST SP 800-63B, OWASP ASVS 5.0): 12+ characters,
 * at most 256 bytes, any characters, no composition rules; rejected when
 * weak or common (zxcvbn), or equal to or containing the email's local part. */
#ifndef EDGESCOUT_PASSWORD_H
#define EDGESCOUT_PASSWORD_H

#include <stddef.h>

struct pool;

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_BYTES 256
#define PASSWORD_MIN_BITS 40     /* zxcvbn's estimate, log2 of the guesses */

/* NULL when pw is acceptable for an account with this email, else a short
 * reason fit for the user ("must be at least 12 characters"). */
const char *password_weakness(const char *pw, const char *email);

/* The encoded Argon2id hash of pw in pool memory; NULL when hashing failed
 * (out of memory for the configured limits; logged). */
char *password_hash(struct pool *p, const char *pw);

/* 1 when pw matches hash, else 0. Takes as long as one hash. */
int password_verify(const char *hash, const char *pw);

/* Spend the time of one verification against a fixed dummy hash, so an
 * unknown email answers as slowly as a wrong password. */
void password_verify_dummy(const char *pw);

/* 1 when hash was made with other limits than the configured ones. */
int password_needs_rehash(const char *hash);

#endif
