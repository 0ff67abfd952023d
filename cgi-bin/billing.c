/* billing.c: the pro tier through Stripe: Checkout to subscribe, the
 * customer portal to manage or cancel, the caller's subscription, and the
 * webhook by which Stripe tells what happened. The API calls are in
 * common/services/stripe.h, the signature in common/domain/stripe_sig.h,
 * the state and the tier it gives in common/store/billing_store.h. */
#include "app.h"

#include <string.h>
#include <time.h>

#include "billing_store.h"
#include "jsonv.h"
#include "stripe.h"
#include "stripe_event.h"
#include "stripe_sig.h"

static int get_billing(struct req *r);
static int checkout(struct req *r);
static int portal(struct req *r);
static int webhook(struct req *r);

#define STATUS "str(none|incomplete|incomplete_expired|trialing|active|past_due|canceled|" \
	"unpaid|paused)"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/billing", .handler = get_billing,
	  .flags = NEED_SCOPE(SCOPE_READ),
	  .reply = "{tier:str(free|pro), status:" STATUS ", renews_at:str?, expires_at:str?, "
	           "cancel_at_period_end:bool, can_manage:bool}",
	  .summary = "the caller's tier and subscription: status, renewal or expiry date" },
	{ .method = "POST", .path = "/api/billing/checkout", .handler = checkout,
	  .flags = NEED_AUTH | NO_API_KEY, .reply = "{url:str}",
	  .summary = "a Stripe Checkout page that subscribes the caller to the pro tier" },
	{ .method = "POST", .path = "/api/billing/portal", .handler = portal,
	  .flags = NEED_AUTH | NO_API_KEY, .reply = "{url:str}",
	  .summary = "a Stripe customer portal page to manage or cancel the subscription" },
	{ .method = "POST", .path = "/api/billing/webhook", .handler = webhook,
	  .flags = RL_WEBHOOK,
	  .reply = "{received:bool, replay:bool, outcome:str(applied|stale|unknown_user|ignored)}",
	  .summary = "Stripe's event callback, signed in Stripe-Signature (raw JSON body)" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static int
not_configured(struct req *r)
{
	return reply_error(r, ERR_SERVICE_UNAVAILABLE, NULL, "billing is not configured");
}

static int
active(const char *status)
{
	return strcmp(status, "active") == 0 || strcmp(status, "trialing") == 0;
}

/* 1 when the user has a subscription still running (paid, trialing, or
 * waiting on a payment): Checkout would make a second one. */
static int
subscribed(const char *status)
{
	static const char *const running[] = {
		"active", "trialing", "past_due", "unpaid", "paused", NULL
	};

	return valid_enum(status, running) >= 0;
}

static json_object *
time_or_null(const char *t, int when)
{
	return when && *t ? json_object_new_string(t) : NULL;
}

/* GET /api/billing */
static int
get_billing(struct req *r)
{
	PGresult *res = billing_account(r->pool, r->user->id);
	const char *status, *period_end, *grace;
	int cancel, grace_on;
	json_object *o;

	if (res == NULL)
		return db_failure_reply(r), r->status;
	status = db_text(res, 0, 1);
	period_end = db_text(res, 0, 2);
	cancel = strcmp(db_text(res, 0, 3), "t") == 0;
	grace = db_text(res, 0, 4);
	grace_on = strcmp(status, "past_due") == 0 || strcmp(status, "unpaid") == 0;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "tier", json_object_new_string(db_text(res, 0, 0)));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "renews_at", time_or_null(period_end, active(status) && !cancel));
	json_object_object_add(o, "expires_at", grace_on ? time_or_null(grace, 1)
	                                        : time_or_null(period_end, active(status) && cancel));
	json_object_object_add(o, "cancel_at_period_end", json_object_new_boolean(cancel));
	json_object_object_add(o, "can_manage", json_object_new_boolean(*db_text(res, 0, 5) != '\0'));
	return reply_json(r, 200, o);
}

static int
url_reply(struct req *r, const char *url)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "url", json_object_new_string(url));
	return reply_json(r, 200, o);
}

/* POST /api/billing/checkout */
static int
checkout(struct req *r)
{
	PGresult *res;
	const char *url, *why;

	if (!stripe_configured())
		return not_configured(r);
	if ((res = billing_account(r->pool, r->user->id)) == NULL)
		return db_failure_reply(r), r->status;
	if (subscribed(db_text(res, 0, 1)))
		return reply_error(r, ERR_CONFLICT, NULL,
		                   "already subscribed: manage it in the billing portal");
	if ((url = stripe_checkout_url(r->pool, r->user->id, r->user->email, &why)) == NULL)
		return reply_error(r, ERR_PROVIDER_UNAVAILABLE, NULL,
		                   "the payment provider did not open a checkout session");
	return url_reply(r, url);
}

/* POST /api/billing/portal */
static int
portal(struct req *r)
{
	PGresult *res;
	const char *url, *why;

	if (!stripe_configured())
		return not_configured(r);
	if ((res = billing_account(r->pool, r->user->id)) == NULL)
		return db_failure_reply(r), r->status;
	if (*db_text(res, 0, 5) == '\0')
		return reply_error(r, ERR_CONFLICT, NULL, "no subscription to manage: subscribe first");
	if ((url = stripe_portal_url(r->pool, db_text(res, 0, 5), &why)) == NULL)
		return reply_error(r, ERR_PROVIDER_UNAVAILABLE, NULL,
		                   "the payment provider did not open a portal session");
	return url_reply(r, url);
}

/* ---- webhook ----------------------------------------------------------- */

static int
webhook_reply(struct req *r, int replay, const char *outcome)
{
	json_object *o = pool_json_object(r->pool);

	json_object_object_add(o, "received", json_object_new_boolean(1));
	json_object_object_add(o, "replay", json_object_new_boolean(replay));
	json_object_object_add(o, "outcome", json_object_new_string(outcome));
	return reply_json(r, 200, o);
}

/* The event of a request whose signature holds; NULL after replying 400. */
static json_object *
signed_event_or_reply(struct req *r, const char *secret)
{
	long long t = 0;
	enum stripe_sig sig;
	const char *why = NULL;
	json_object *event;

	sig = stripe_sig_check(req_header(r, "Stripe-Signature"), r->body, r->body_len, secret,
	                       (long long)time(NULL), (long)config_int("STRIPE_WEBHOOK_TOLERANCE",
	                       300), &t);
	if (sig != STRIPE_SIG_OK) {
		log_kv(LOG_WARN, "webhook refused", "why", stripe_sig_reason(sig), NULL);
		reply_error(r, ERR_BAD_REQUEST, "Stripe-Signature", stripe_sig_reason(sig));
		return NULL;
	}
	if ((event = jsonv_parse(r->pool, r->body, r->body_len, REQ_MAX_JSON_DEPTH, &why)) == NULL)
		reply_error(r, ERR_INVALID_JSON, NULL, why);
	return event;
}

/* Apply the event to its user; the outcome, or NULL after replying. */
static const char *
apply_or_reply(struct req *r, const struct stripe_event *e, int64_t *uid)
{
	struct billing_change c;
	json_object *details;

	if (e->kind == STRIPE_EV_OTHER)
		return "ignored";
	if (billing_event_user(r->pool, e, uid) < 0)
		return db_failure_reply(r), NULL;
	if (*uid == 0) {
		log_kv(LOG_WARN, "webhook event of no known user", "event", e->id, "type", e->type,
		       NULL);
		return "unknown_user";
	}
	if (billing_event_apply(r->pool, e, *uid, (int)config_int("BILLING_GRACE_DAYS", 7),
	                        &c) < 0)
		return db_failure_reply(r), NULL;
	if (strcmp(c.outcome, "applied") != 0)
		return c.outcome;
	details = pool_json_object(r->pool);
	json_object_object_add(details, "event", json_object_new_string(e->id));
	json_object_object_add(details, "type", json_object_new_string(e->type));
	json_object_object_add(details, "status", json_object_new_string(c.status));
	json_object_object_add(details, "tier_before", json_object_new_string(c.tier_before));
	json_object_object_add(details, "tier_after", json_object_new_string(c.tier_after));
	if (audit_or_reply(r, 0, strcmp(c.tier_before, c.tier_after) != 0 ? "billing.tier_changed"
	                   : "billing.subscription_changed",
	                   pool_printf(r->pool, "user:%lld", (long long)*uid), details) < 0)
		return NULL;
	return c.outcome;
}

/* POST /api/billing/webhook: a signed event, applied once. */
static int
webhook(struct req *r)
{
	const char *secret = config_get("STRIPE_WEBHOOK_SECRET"), *why = NULL, *outcome;
	struct stripe_event e;
	json_object *event;
	int64_t uid = 0;
	int fresh;

	if (secret == NULL || *secret == '\0')
		return not_configured(r);
	if ((event = signed_event_or_reply(r, secret)) == NULL)
		return r->status;
	if (stripe_event_read(event, &e, &why) < 0)
		return reply_error(r, ERR_BAD_REQUEST, NULL, pool_printf(r->pool, "event: %s", why));
	if (db_begin_or_reply(r) < 0)
		return r->status;
	if ((fresh = billing_event_claim(r->pool, &e)) < 0)
		return db_failure_reply(r), r->status;
	if (!fresh) {
		db_rollback(r->pool);
		return webhook_reply(r, 1, "ignored");
	}
	if ((outcome = apply_or_reply(r, &e, &uid)) == NULL)
		return r->status;
	if (billing_event_finish(r->pool, e.id, uid, outcome) < 0)
		return db_failure_reply(r), r->status;
	if (db_commit_or_reply(r) < 0)
		return r->status;
	log_kv(LOG_INFO, "webhook event", "event", e.id, "type", e.type, "outcome", outcome, NULL);
	return webhook_reply(r, 0, outcome);
}
