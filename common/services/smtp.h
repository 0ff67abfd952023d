/* smtp.h: sending one email over SMTP through libcurl.
 *
 * SMTP_URL says where: smtp://host:port upgrades with STARTTLS and refuses
 * to go on without it; smtps://host:port speaks TLS from the start. The
 * server's certificate and name are always verified (SMTP_CA_FILE: the CA
 * bundle, default the system's). SMTP_USERNAME and SMTP_PASSWORD log in
 * (AUTH) when set. */
#ifndef EDGESCOUT_SMTP_H
#define EDGESCOUT_SMTP_H

#include <stddef.h>

struct pool;

/* Send data (len bytes, a whole message with CRLF lines) from from to to.
 * 0 sent; -1 not sent: *code is the server's last reply code (0 when none
 * came: no connection, TLS failure) and *why says what went wrong. */
int smtp_send(struct pool *p, const char *from, const char *to, const char *data, size_t len,
              long *code, const char **why);

/* 1 when SMTP_URL is set. */
int smtp_configured(void);

#endif
