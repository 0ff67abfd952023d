/* stripe_event.c: reading a Stripe webhook event. */
#include "stripe_event.h"

#include <string.h>

#include "valid.h"

const char *const stripe_subscription_statuses[] = {
	"incomplete", "incomplete_expired", "trialing", "active", "past_due",
	"canceled", "unpaid", "paused", NULL
};

static const struct {
	const char *type;
	enum stripe_event_kind kind;
} kinds[] = {
	{ "checkout.session.completed", STRIPE_EV_CHECKOUT_COMPLETED },
	{ "customer.subscription.created", STRIPE_EV_SUBSCRIPTION_CREATED },
	{ "customer.subscription.updated", STRIPE_EV_SUBSCRIPTION_UPDATED },
	{ "customer.subscription.deleted", STRIPE_EV_SUBSCRIPTION_DELETED },
	{ "invoice.paid", STRIPE_EV_INVOICE_PAID },
	{ "invoice.payment_failed", STRIPE_EV_INVOICE_FAILED },
};

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *
string_member(json_object *o, const char *key)
{
	json_object *v = member(o, key);

	return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
	                                                             : NULL;
}

static int
int_member(json_object *o, const char *key, int64_t *out)
{
	json_object *v = member(o, key);

	if (v == NULL || !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return *out >= 0 ? 0 : -1;
}

/* 1 when s is prefix followed by 1-200 letters, digits or _. */
static int
stripe_id(const char *s, const char *prefix)
{
	size_t n = strlen(prefix), len;

	if (s == NULL || strncmp(s, prefix, n) != 0)
		return 0;
	len = strlen(s + n);
	return len >= 1 && len <= 200 &&
	       strspn(s + n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/* An optional id member: absent or null is NULL, a wrong shape is -1. An
 * expanded object stands for its id. */
static int
optional_id(json_object *o, const char *key, const char *prefix, const char **out)
{
	json_object *v = member(o, key);

	*out = NULL;
	if (v != NULL && json_object_is_type(v, json_type_object))
		v = member(v, "id");
	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	*out = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	return stripe_id(*out, prefix) ? 0 : -1;
}

/* A user id as edgescout writes it into client_reference_id and metadata. */
static int
user_ref(const char *s, int64_t *out)
{
	return s != NULL && valid_i64(s, 1, INT64_MAX, out) == 0 ? 0 : -1;
}

static int
read_subscription(json_object *obj, struct stripe_event *e, const char **why)
{
	json_object *items = member(member(obj, "items"), "data"), *cancel;
	const char *uid = string_member(member(obj, "metadata"), "user_id");

	if (!stripe_id(e->subscription = string_member(obj, "id"), "sub_"))
		return *why = "data.object.id is not a subscription id", -1;
	if (optional_id(obj, "customer", "cus_", &e->customer) < 0)
		return *why = "data.object.customer is not a customer id", -1;
	e->status = string_member(obj, "status");
	if (e->status == NULL || valid_enum(e->status, stripe_subscription_statuses) < 0)
		return *why = "data.object.status is not a subscription status", -1;
	if (e->kind == STRIPE_EV_SUBSCRIPTION_DELETED)
		e->status = "canceled";
	if (int_member(obj, "current_period_end", &e->period_end) < 0 && items != NULL &&
	    json_object_is_type(items, json_type_array) && json_object_array_length(items) > 0)
		int_member(json_object_array_get_idx(items, 0), "current_period_end", &e->period_end);
	cancel = member(obj, "cancel_at_period_end");
	e->cancel_at_period_end = cancel != NULL && json_object_is_type(cancel, json_type_boolean) &&
	                          json_object_get_boolean(cancel);
	if (uid != NULL && user_ref(uid, &e->user_id) < 0)
		return *why = "data.object.metadata.user_id is not a user id", -1;
	return 0;
}

static int
read_checkout(json_object *obj, struct stripe_event *e, const char **why)
{
	const char *ref = string_member(obj, "client_reference_id");
	const char *mode = string_member(obj, "mode"), *paid = string_member(obj, "payment_status");

	if (ref != NULL && user_ref(ref, &e->user_id) < 0)
		return *why = "data.object.client_reference_id is not a user id", -1;
	if (optional_id(obj, "customer", "cus_", &e->customer) < 0 ||
	    optional_id(obj, "subscription", "sub_", &e->subscription) < 0)
		return *why = "data.object.customer or subscription is malformed", -1;
	e->paid = mode != NULL && strcmp(mode, "subscription") == 0 && paid != NULL &&
	          (strcmp(paid, "paid") == 0 || strcmp(paid, "no_payment_required") == 0);
	return 0;
}

static int
read_invoice(json_object *obj, struct stripe_event *e, const char **why)
{
	if (optional_id(obj, "customer", "cus_", &e->customer) < 0)
		return *why = "data.object.customer is not a customer id", -1;
	if (optional_id(obj, "subscription", "sub_", &e->subscription) < 0)
		return *why = "data.object.subscription is not a subscription id", -1;
	if (e->subscription == NULL &&
	    optional_id(member(member(obj, "parent"), "subscription_details"), "subscription",
	                "sub_", &e->subscription) < 0)
		return *why = "the invoice's subscription is not a subscription id", -1;
	if (e->customer == NULL && e->subscription == NULL)
		return *why = "the invoice names neither customer nor subscription", -1;
	return 0;
}

int
stripe_event_read(json_object *event, struct stripe_event *ev, const char **why)
{
	json_object *obj = member(member(event, "data"), "object");

	memset(ev, 0, sizeof(*ev));
	if (!stripe_id(ev->id = string_member(event, "id"), "evt_"))
		return *why = "id is not an event id", -1;
	ev->type = string_member(event, "type");
	if (ev->type == NULL || *ev->type == '\0' || strlen(ev->type) > 100)
		return *why = "type is missing", -1;
	if (int_member(event, "created", &ev->created) < 0)
		return *why = "created is not a time", -1;
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return *why = "data.object is missing", -1;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(ev->type, kinds[i].type) == 0)
			ev->kind = kinds[i].kind;
	switch (ev->kind) {
	case STRIPE_EV_CHECKOUT_COMPLETED:
		return read_checkout(obj, ev, why);
	case STRIPE_EV_SUBSCRIPTION_CREATED:
	case STRIPE_EV_SUBSCRIPTION_UPDATED:
	case STRIPE_EV_SUBSCRIPTION_DELETED:
		return read_subscription(obj, ev, why);
	case STRIPE_EV_INVOICE_PAID:
	case STRIPE_EV_INVOICE_FAILED:
		return read_invoice(obj, ev, why);
	default:
		return 0;
	}
}
