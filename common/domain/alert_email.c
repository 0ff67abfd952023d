/* alert_email.c: an alert as a MIME message (alert_email.h). */
#include "alert_email.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "pool.h"

/* s (n bytes) in base64, lines of 76 characters ended by CRLF. */
static void
put_base64(struct buf *b, const char *s, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), len;
	char *enc = pool_alloc(b->pool, cap);

	sodium_bin2base64(enc, cap, (const unsigned char *)s, n, sodium_base64_VARIANT_ORIGINAL);
	len = strlen(enc);
	for (size_t i = 0; i < len; i += 76) {
		buf_append(b, enc + i, len - i < 76 ? len - i : 76);
		buf_puts(b, "\r\n");
	}
}

static int
ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* The Subject header's value: s itself when plain ASCII, else RFC 2047
 * encoded words of UTF-8 in base64. */
static void
put_subject(struct buf *b, const char *s)
{
	size_t n = strlen(s), cap;
	char *enc;

	if (ascii_printable(s) && n <= 900) {
		buf_puts(b, s);
		return;
	}
	cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	enc = pool_alloc(b->pool, cap);
	sodium_bin2base64(enc, cap, (const unsigned char *)s, n, sodium_base64_VARIANT_ORIGINAL);
	buf_printf(b, "=?UTF-8?B?%s?=", enc);
}

const char *
alert_email_build(struct pool *p, const struct alert_email *e, size_t *len)
{
	struct buf b;
	char date[64];
	struct tm tm;
	unsigned char h[8];
	char boundary[40], hex[17];

	crypto_generichash(h, sizeof(h), (const unsigned char *)e->message_id,
	                   strlen(e->message_id), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(boundary, sizeof(boundary), "=_edgescout_%s", hex);
	gmtime_r(&e->date, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_init(&b, p);
	buf_printf(&b, "From: %s\r\nTo: %s\r\nSubject: ", e->from, e->to);
	put_subject(&b, e->subject);
	buf_printf(&b, "\r\nDate: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n", date,
	           e->message_id);
	if (e->unsubscribe != NULL)
		buf_printf(&b, "List-Unsubscribe: <%s>\r\n", e->unsubscribe);
	buf_printf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	buf_printf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	           "Content-Transfer-Encoding: base64\r\n\r\n", boundary);
	put_base64(&b, e->text, strlen(e->text));
	buf_printf(&b, "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	           "Content-Transfer-Encoding: base64\r\n\r\n", boundary);
	put_base64(&b, e->html, strlen(e->html));
	buf_printf(&b, "--%s--\r\n", boundary);
	*len = b.len;
	return b.data;
}
