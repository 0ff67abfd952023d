/* alert_send.c: one message to one channel (alert_send.h). */
#include "alert_send.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "alert_email.h"
#include "alert_sign.h"
#include "buf.h"
#include "config.h"
#include "http.h"
#include "pool.h"
#include "pool_json.h"
#include "smtp.h"
#include "token.h"
#include "valid.h"

static int
is_set(const char *key)
{
	const char *v = config_get(key);

	return v != NULL && *v != '\0';
}

int
alert_kind_available(const char *kind)
{
	if (strcmp(kind, "sms") == 0)
		return is_set("TWILIO_ACCOUNT_SID") && is_set("TWILIO_AUTH_TOKEN") &&
		       is_set("TWILIO_FROM");
	if (strcmp(kind, "email") == 0)
		return smtp_configured() && is_set("SMTP_FROM");
	return 1;
}

const char *
alert_unsubscribe_url(struct pool *p, int64_t channel)
{
	unsigned char key[TOKEN_KEY_BYTES];
	const char *base = config_get("PUBLIC_URL");

	if (token_subkey("alert-unsubscribe", key) != 0)
		return NULL;
	return pool_printf(p, "%s/api/alerts/unsubscribe?channel=%lld&sig=%s",
	                   base ? base : "", (long long)channel,
	                   alert_unsubscribe_token(p, key, (long long)channel));
}

/* Discord's 429 says retry_after (seconds) in its JSON body; -1 if not. */
static long
discord_retry_after(const struct http_response *res)
{
	json_object *o = json_tokener_parse(res->body), *v;
	long s = -1;

	if (o != NULL && json_object_object_get_ex(o, "retry_after", &v))
		s = (long)ceil(json_object_get_double(v));
	json_object_put(o);
	return s;
}

/* An HTTP send's outcome: 2xx sent; no reply, 429 and 5xx transient;
 * anything else permanent. */
static void
http_outcome(struct pool *p, int rc, const struct http_response *res, struct alert_result *out)
{
	out->status = rc == 0 ? res->status : 0;
	out->retry_after = rc == 0 ? res->retry_after : -1;
	out->error = rc < 0 ? res->error : pool_printf(p, "HTTP %ld", res->status);
	if (rc == 0 && res->status >= 200 && res->status <= 299) {
		out->outcome = ALERT_SENT;
		out->error = NULL;
	} else if (rc < 0 || res->status == 429 || res->status >= 500) {
		out->outcome = ALERT_TRANSIENT;
	} else {
		out->outcome = ALERT_PERMANENT;
	}
}

/* POST body (JSON) to a webhook or Discord channel. */
static void
send_json(struct pool *p, const struct alert_target *c, const char *body,
          struct alert_result *out)
{
	const char *headers[4] = { "Content-Type: application/json", NULL };
	struct http_request req = { .provider = "webhook", .headers = headers, .url = c->target,
	                            .post_body = body, .post_len = strlen(body) };
	struct http_response res;
	int rc, discord = strcmp(c->kind, "discord") == 0;

	headers[1] = pool_printf(p, "X-Edgescout-Delivery: %s", c->delivery_id);
	if (discord)
		req.provider = "discord";
	else
		headers[2] = pool_printf(p, "X-Edgescout-Signature: %s",
		    alert_signature(p, c->secret ? c->secret : "", (long long)time(NULL), body,
		                    strlen(body)));
	rc = http_post(p, &req, &res);
	http_outcome(p, rc, &res, out);
	if (discord && rc == 0 && res.status == 429 && discord_retry_after(&res) > out->retry_after)
		out->retry_after = discord_retry_after(&res);
}

/* A Discord message: one embed. */
static const char *
discord_body(struct pool *p, const struct alert_text *t)
{
	json_object *o = pool_json_object(p), *embeds = json_object_new_array(),
	            *e = json_object_new_object();

	json_object_object_add(e, "title", json_object_new_string(t->title));
	json_object_object_add(e, "description", json_object_new_string(t->text));
	json_object_array_add(embeds, e);
	json_object_object_add(o, "embeds", embeds);
	return pool_strdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* s percent-encoded for an application/x-www-form-urlencoded value. */
static void
put_form(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch))
			buf_putc(b, (char)ch);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

/* An SMS through Twilio's Messages resource: 201 sent, 400 (a bad number)
 * permanent, 429 and 5xx transient. */
static void
send_sms(struct pool *p, const struct alert_target *c, const struct alert_text *t,
         struct alert_result *out)
{
	const char *sid = config_get("TWILIO_ACCOUNT_SID"), *base = config_get("TWILIO_BASE_URL");
	const char *headers[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	struct http_request req = { .provider = "twilio", .headers = headers };
	struct http_response res;
	struct buf b;

	if (!alert_kind_available("sms") || !valid_phone(c->target)) {
		*out = (struct alert_result){ ALERT_PERMANENT, 0, -1,
		                              "SMS is not set up, or not an E.164 number" };
		return;
	}
	buf_init(&b, p);
	buf_puts(&b, "To=");
	put_form(&b, c->target);
	buf_puts(&b, "&From=");
	put_form(&b, config_get("TWILIO_FROM"));
	buf_puts(&b, "&Body=");
	put_form(&b, pool_printf(p, "%s\n%s", t->title, t->text));
	req.url = pool_printf(p, "%s/2010-04-01/Accounts/%s/Messages.json",
	                      base ? base : "https://api.twilio.com", sid);
	req.post_body = b.data;
	req.post_len = b.len;
	req.userpwd = pool_printf(p, "%s:%s", sid, config_get("TWILIO_AUTH_TOKEN"));
	http_outcome(p, http_post(p, &req, &res), &res, out);
}

/* An email over SMTP: 250 sent, a 5xx reply permanent, else transient. */
static void
send_email(struct pool *p, const struct alert_target *c, const struct alert_text *t,
           struct alert_result *out)
{
	const char *unsub = alert_unsubscribe_url(p, c->channel_id), *data, *why = NULL;
	struct alert_email e = {
		.from = config_get("SMTP_FROM"), .to = c->target, .subject = t->title,
		.unsubscribe = unsub, .date = time(NULL),
		.message_id = pool_printf(p, "<alert-%s@edgescout>", c->delivery_id),
	};
	size_t len;
	long code;

	if (!alert_kind_available("email") || !valid_email(c->target)) {
		*out = (struct alert_result){ ALERT_PERMANENT, 0, -1,
		                              "email is not set up, or not an address" };
		return;
	}
	e.text = pool_printf(p, "%s\n\n%s\n", t->title, t->text);
	e.html = pool_printf(p, "<!doctype html><html><body><h1>%s</h1><p>%s</p>%s</body></html>",
	                     valid_html_escape(p, t->title), valid_html_escape(p, t->text),
	                     unsub ? pool_printf(p, "<p><a href=\"%s\">Unsubscribe</a></p>",
	                                         valid_html_escape(p, unsub)) : "");
	data = alert_email_build(p, &e, &len);
	if (smtp_send(p, e.from, e.to, data, len, &code, &why) == 0) {
		*out = (struct alert_result){ ALERT_SENT, 250, -1, NULL };
		return;
	}
	*out = (struct alert_result){ code >= 500 ? ALERT_PERMANENT : ALERT_TRANSIENT, code, -1,
	                              why };
}

void
alert_send(struct pool *p, const struct alert_target *c, const struct alert_text *t,
           struct alert_result *out)
{
	if (strcmp(c->kind, "sms") == 0)
		send_sms(p, c, t, out);
	else if (strcmp(c->kind, "email") == 0)
		send_email(p, c, t, out);
	else if (strcmp(c->kind, "discord") == 0)
		send_json(p, c, discord_body(p, t), out);
	else
		send_json(p, c, t->json, out);
}

void
alert_send_test(struct pool *p, const struct alert_target *c, struct alert_result *out)
{
	json_object *o = pool_json_object(p);
	const char *unsub = alert_unsubscribe_url(p, c->channel_id);
	struct alert_text t = { .title = "edgescout: verifying this channel",
	                        .text = "This channel is being verified for edgescout alerts." };

	json_object_object_add(o, "type", json_object_new_string("verification"));
	json_object_object_add(o, "message", json_object_new_string(t.text));
	json_object_object_add(o, "unsubscribe_url", unsub ? json_object_new_string(unsub) : NULL);
	t.json = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	alert_send(p, c, &t, out);
}

void
alert_send_code(struct pool *p, const struct alert_target *c, const char *code,
                struct alert_result *out)
{
	const char *base = config_get("PUBLIC_URL");
	struct alert_text t = { .title = "edgescout: confirm this channel" };

	if (strcmp(c->kind, "sms") == 0)
		t.text = pool_printf(p, "Your edgescout code: %s (15 minutes)", code);
	else
		t.text = pool_printf(p, "Confirm that this address gets edgescout alerts: "
		                     "%s/api/alerts/confirm?channel=%lld&code=%s (15 minutes)",
		                     base ? base : "", (long long)c->channel_id, code);
	alert_send(p, c, &t, out);
}
