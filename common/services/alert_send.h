/* alert_send.h: one message to one alert channel, whatever its kind: a
 * signed webhook, a Discord webhook, an SMS through Twilio, an email over
 * SMTP; and what became of it, as the outbox needs to know. */
#ifndef EDGESCOUT_ALERT_SEND_H
#define EDGESCOUT_ALERT_SEND_H

#include <stdint.h>

struct pool;

enum alert_outcome {
	ALERT_SENT,        /* the receiver took it (2xx, SMTP 250) */
	ALERT_TRANSIENT,   /* no reply, 429, 5xx, SMTP 4xx: try again later */
	ALERT_PERMANENT,   /* any other refusal: trying again will not help */
};

struct alert_result {
	enum alert_outcome outcome;
	long status;        /* HTTP status or SMTP reply code; 0 when none came */
	long retry_after;   /* seconds the receiver asked to wait, or -1 */
	const char *error;  /* NULL when sent */
};

/* A channel and what to tell it. */
struct alert_target {
	int64_t channel_id;
	const char *kind;          /* webhook | discord | sms | email */
	const char *target;        /* URL, E.164 number or address */
	const char *secret;        /* a webhook's signing secret */
	const char *delivery_id;   /* X-Edgescout-Delivery, the email's Message-ID */
};

struct alert_text {
	const char *title;         /* one line */
	const char *text;          /* plain text, a few lines */
	const char *json;          /* a webhook's body (JSON text) */
};

/* Send t to channel c once; the outcome in out (pool memory). */
void alert_send(struct pool *p, const struct alert_target *c, const struct alert_text *t,
                struct alert_result *out);

/* Send webhook or Discord channel c the test message of its verification
 * (a 2xx answer verifies it); the outcome in out. */
void alert_send_test(struct pool *p, const struct alert_target *c, struct alert_result *out);

/* Send SMS or email channel c its one-time verification code: the code
 * itself by SMS, a confirmation link holding it by email. */
void alert_send_code(struct pool *p, const struct alert_target *c, const char *code,
                     struct alert_result *out);

/* The channel's unsubscribe link under PUBLIC_URL, or NULL without
 * SECRET_KEY (pool memory). */
const char *alert_unsubscribe_url(struct pool *p, int64_t channel_id);

/* 1 when channels of kind can be sent to on this server (SMS needs the
 * Twilio settings, email SMTP_URL and SMTP_FROM). */
int alert_kind_available(const char *kind);

#endif
