/* stripe_event.h: the parts of a Stripe webhook event that billing uses.
 *
 * An event is {"id":"evt_...","type":"...","created":<unix>,"data":{"object":
 * {...}}}. What is read from data.object depends on the type:
 *   checkout.session.completed     client_reference_id, customer, subscription,
 *                                  mode, payment_status
 *   customer.subscription.*        id, customer, status, current_period_end
 *                                  (or items.data[0].current_period_end),
 *                                  cancel_at_period_end, metadata.user_id
 *   invoice.paid / payment_failed  customer, subscription (or
 *                                  parent.subscription_details.subscription) */
#ifndef EDGESCOUT_STRIPE_EVENT_H
#define EDGESCOUT_STRIPE_EVENT_H

#include <json-c/json.h>
#include <stdint.h>

enum stripe_event_kind {
	STRIPE_EV_OTHER,                  /* received, stored, otherwise ignored */
	STRIPE_EV_CHECKOUT_COMPLETED,
	STRIPE_EV_SUBSCRIPTION_CREATED,
	STRIPE_EV_SUBSCRIPTION_UPDATED,
	STRIPE_EV_SUBSCRIPTION_DELETED,
	STRIPE_EV_INVOICE_PAID,
	STRIPE_EV_INVOICE_FAILED,
};

struct stripe_event {
	const char *id;                   /* evt_... */
	const char *type;
	enum stripe_event_kind kind;
	int64_t created;                  /* Unix seconds */
	int64_t user_id;                  /* client_reference_id or metadata.user_id; 0 */
	const char *customer;             /* cus_..., or NULL */
	const char *subscription;         /* sub_..., or NULL */
	const char *status;               /* a subscription status (deleted: canceled) */
	int64_t period_end;               /* Unix seconds, 0 when unknown */
	int cancel_at_period_end;
	int paid;                         /* checkout: payment_status paid or
	                                     no_payment_required, mode subscription */
};

/* The statuses a subscription can have, NULL-ended. */
extern const char *const stripe_subscription_statuses[];

/* Read event (a parsed JSON object, borrowed; the strings in e point into
 * it) into e. 0, or -1 with *why set when a field the type needs is
 * missing or malformed (an id not shaped like Stripe's, a bad status). */
int stripe_event_read(json_object *event, struct stripe_event *e, const char **why);

#endif
