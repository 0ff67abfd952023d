/* alert_email.h: an alert as an email message (RFC 5322, MIME): a plain
 * text and an HTML part, and List-Unsubscribe. */
#ifndef EDGESCOUT_ALERT_EMAIL_H
#define EDGESCOUT_ALERT_EMAIL_H

#include <stddef.h>
#include <time.h>

struct pool;

struct alert_email {
	const char *from, *to;        /* addresses valid_email accepts */
	const char *subject;          /* UTF-8; encoded (RFC 2047) when not ASCII */
	const char *text, *html;      /* the two parts' bodies (UTF-8) */
	const char *unsubscribe;      /* the unsubscribe URL, or NULL */
	const char *message_id;       /* "<id@host>" */
	time_t date;
};

/* The message e as CRLF-ended lines, both parts base64 in a
 * multipart/alternative (pool memory; its length in *len). */
const char *alert_email_build(struct pool *p, const struct alert_email *e, size_t *len);

#endif
