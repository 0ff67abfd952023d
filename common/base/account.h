/* account.h: what registration, the admin API and the CLI agree on about
 * accounts. */
#ifndef EDGESCOUT_ACCOUNT_H
#define EDGESCOUT_ACCOUNT_H

struct pool;

/* The session cookie's name and the prefix of every API key: the names a
 * client presents its credentials under. */
#define AUTH_SESSION_COOKIE "__Host-edgescout_session"
#define AUTH_API_KEY_PREFIX "es_"

/* The normalised form of an e-mail address as typed: surrounding white space
 * (space, tab, CR, LF) removed and the domain lower-cased; the local part
 * keeps its case (uniqueness is case-insensitive in the database). In pool
 * memory; NULL when email is NULL or the result is not valid_email(). */
char *account_normalize_email(struct pool *p, const char *email);

#endif
