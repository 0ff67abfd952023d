/* test_stripe_event.c: reading webhook events (stripe_event.h) in the
 * shapes of Stripe's API reference: subscriptions (with the period end at
 * the top or on the first item), checkout sessions, invoices (with the
 * subscription at the top or under parent.subscription_details). */
#include "unit.h"

#include <string.h>

#include "pool_json.h"
#include "stripe_event.h"

static json_object *
parse(const char *s)
{
	json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

/* Read text into e; the result of stripe_event_read. e's strings live in
 * the object, which is freed with the pool. */
static int
read_event(const char *text, struct stripe_event *e, const char **why)
{
	json_object *o = parse(text);

	pool_json(pool, o);
	return stripe_event_read(o, e, why);
}

#define EVENT(type, obj) \
	"{\"id\":\"evt_1Nx\",\"object\":\"event\",\"created\":1700000000,\"type\":\"" type \
	"\",\"data\":{\"object\":" obj "}}"

static void
test_subscription(void **state)
{
	struct stripe_event e;
	const char *why = NULL;

	(void)state;
	assert_int_equal(read_event(EVENT("customer.subscription.updated",
		"{\"id\":\"sub_A1\",\"object\":\"subscription\",\"customer\":\"cus_B2\","
		"\"status\":\"past_due\",\"current_period_end\":1702592000,"
		"\"cancel_at_period_end\":true,\"metadata\":{\"user_id\":\"42\"}}"), &e, &why), 0);
	assert_int_equal(e.kind, STRIPE_EV_SUBSCRIPTION_UPDATED);
	assert_string_equal(e.id, "evt_1Nx");
	assert_int_equal(e.created, 1700000000);
	assert_string_equal(e.subscription, "sub_A1");
	assert_string_equal(e.customer, "cus_B2");
	assert_string_equal(e.status, "past_due");
	assert_int_equal(e.period_end, 1702592000);
	assert_true(e.cancel_at_period_end);
	assert_int_equal(e.user_id, 42);
	/* newer API versions: the period on the item; an expanded customer */
	assert_int_equal(read_event(EVENT("customer.subscription.deleted",
		"{\"id\":\"sub_A1\",\"customer\":{\"id\":\"cus_B2\",\"object\":\"customer\"},"
		"\"status\":\"active\",\"items\":{\"data\":[{\"current_period_end\":1702600000}]}}"),
		&e, &why), 0);
	assert_string_equal(e.status, "canceled");   /* deleted: over, whatever it said */
	assert_string_equal(e.customer, "cus_B2");
	assert_int_equal(e.period_end, 1702600000);
	assert_false(e.cancel_at_period_end);
	assert_int_equal(e.user_id, 0);
}

static void
test_checkout_and_invoices(void **state)
{
	struct stripe_event e;
	const char *why = NULL;

	(void)state;
	assert_int_equal(read_event(EVENT("checkout.session.completed",
		"{\"id\":\"cs_1\",\"mode\":\"subscription\",\"payment_status\":\"paid\","
		"\"client_reference_id\":\"7\",\"customer\":\"cus_C\",\"subscription\":\"sub_D\"}"),
		&e, &why), 0);
	assert_int_equal(e.kind, STRIPE_EV_CHECKOUT_COMPLETED);
	assert_true(e.paid);
	assert_int_equal(e.user_id, 7);
	assert_string_equal(e.customer, "cus_C");
	assert_string_equal(e.subscription, "sub_D");
	assert_int_equal(read_event(EVENT("checkout.session.completed",
		"{\"mode\":\"payment\",\"payment_status\":\"paid\",\"customer\":null}"), &e, &why), 0);
	assert_false(e.paid);
	assert_null(e.customer);
	assert_int_equal(read_event(EVENT("invoice.payment_failed",
		"{\"customer\":\"cus_C\",\"parent\":{\"subscription_details\":"
		"{\"subscription\":\"sub_D\"}}}"), &e, &why), 0);
	assert_int_equal(e.kind, STRIPE_EV_INVOICE_FAILED);
	assert_string_equal(e.subscription, "sub_D");
	assert_int_equal(read_event(EVENT("invoice.paid", "{\"subscription\":\"sub_D\"}"),
	                            &e, &why), 0);
	assert_int_equal(e.kind, STRIPE_EV_INVOICE_PAID);
	assert_null(e.customer);
	/* a type billing does not handle is read, and marked other */
	assert_int_equal(read_event(EVENT("customer.created", "{\"id\":\"cus_C\"}"), &e, &why), 0);
	assert_int_equal(e.kind, STRIPE_EV_OTHER);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"{\"id\":\"ev_1\",\"type\":\"x\",\"created\":1,\"data\":{\"object\":{}}}",
		"{\"id\":\"evt_1\",\"created\":1,\"data\":{\"object\":{}}}",
		"{\"id\":\"evt_1\",\"type\":\"x\",\"created\":\"1\",\"data\":{\"object\":{}}}",
		"{\"id\":\"evt_1\",\"type\":\"x\",\"created\":-5,\"data\":{\"object\":{}}}",
		"{\"id\":\"evt_1\",\"type\":\"x\",\"created\":1,\"data\":{}}",
		"{\"id\":\"evt_1\",\"type\":\"x\",\"created\":1,\"data\":{\"object\":[]}}",
		"{\"id\":\"evt_1'; DROP TABLE users;--\",\"type\":\"x\",\"created\":1,"
		"\"data\":{\"object\":{}}}",
		EVENT("customer.subscription.updated", "{\"id\":\"sub_1\",\"status\":\"bogus\"}"),
		EVENT("customer.subscription.updated", "{\"id\":\"cus_1\",\"status\":\"active\"}"),
		EVENT("customer.subscription.updated",
		      "{\"id\":\"sub_1\",\"status\":\"active\",\"customer\":\"sub_2\"}"),
		EVENT("customer.subscription.created",
		      "{\"id\":\"sub_1\",\"status\":\"active\",\"metadata\":{\"user_id\":\"x1\"}}"),
		EVENT("checkout.session.completed", "{\"client_reference_id\":\"0\"}"),
		EVENT("checkout.session.completed", "{\"subscription\":42}"),
		EVENT("invoice.paid", "{}"),
		EVENT("invoice.paid", "{\"customer\":\"cus_\"}"),
		NULL
	};
	struct stripe_event e;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		const char *why = NULL;

		if (read_event(bad[i], &e, &why) != -1 || why == NULL)
			fail_msg("accepted: %s", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subscription),
		cmocka_unit_test(test_checkout_and_invoices),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
