/* test_deal_provider.c: recorded listings as CSV, provider condition words
 * and a saved search's query (deal_provider.h). */
#include "unit.h"

#include <math.h>
#include <string.h>

#include "deal_opinion.h"
#include "deal_provider.h"

static const char CSV[] =
	"item_id,title,price,currency,shipping,condition,seller_feedback_pct,feedback_score,"
	"url,listed_at,location,country\r\n"
	"a1,\"Lens 50mm f/1.8, \"\"mint\"\"\",120.50,USD,5,Used,99.8,1200,"
	"https://example.com/a1,2026-01-02T03:04:05Z,\"Austin, TX\",US\r\n"
	"b2,Lens 50mm for parts,20,USD,,For parts or not working,,,,,,\r\n"
	"a1,Lens 50mm f/1.8 mint,110,USD,5,used,99.8,1200,,,,US\r\n";

static void
test_parse(void **state)
{
	struct deal_items it;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(deal_parse_csv(pool, CSV, strlen(CSV), &it, &msg), PROVIDER_OK);
	assert_int_equal(it.n, 2);                 /* a1 twice: the last line stands */
	assert_string_equal(it.v[0].l.item_id, "a1");
	assert_true(it.v[0].l.price == 110);
	assert_string_equal(it.v[0].l.title, "Lens 50mm f/1.8 mint");
	assert_true(it.v[1].l.condition == DEAL_PARTS);
	assert_true(isnan(it.v[1].l.shipping));
	assert_true(isnan(it.v[1].l.feedback_pct));
	assert_int_equal(it.v[1].l.feedback_score, -1);
	assert_string_equal(msg, "2 listings");
}

static void
test_parse_quotes(void **state)
{
	const char *csv = "title,item_id,price,currency\n\"A \"\"quoted\"\", title\",x,1,EUR\n";
	struct deal_items it;
	const char *msg = NULL;

	(void)state;
	assert_int_equal(deal_parse_csv(pool, csv, strlen(csv), &it, &msg), PROVIDER_OK);
	assert_string_equal(it.v[0].l.title, "A \"quoted\", title");
	assert_true(it.v[0].l.condition == DEAL_UNKNOWN);
}

static void
test_parse_refused(void **state)
{
	static const struct {
		const char *csv, *msg;
	} bad[] = {
		{ "", "empty body" },
		{ "item_id,title,price\n", "line 1: no currency column" },
		{ "item_id,title,price,currency\n", "no listings" },
		{ "item_id,title,price,currency\nx,t,0,USD\n", "line 2: price must be a decimal above 0" },
		{ "item_id,title,price,currency\nx,t,1e3,USD\n", "line 2: price must be a decimal above 0" },
		{ "item_id,title,price,currency\nx,t,-1,USD\n", "line 2: price must be a decimal above 0" },
		{ "item_id,title,price,currency\nx,t,1,usd\n", "line 2: currency must be three capital letters" },
		{ "item_id,title,price,currency\nx,,1,USD\n", "line 2: title must be 1 to 300 characters of text" },
		{ "item_id,title,price,currency,shipping\nx,t,1,USD,-2\n",
		  "line 2: shipping must be a decimal of at least 0, or empty" },
		{ "item_id,title,price,currency,seller_feedback_pct\nx,t,1,USD,100.5\n",
		  "line 2: seller_feedback_pct must be 0 to 100, or empty" },
		{ "item_id,title,price,currency,url\nx,t,1,USD,javascript:alert(1)\n",
		  "line 2: url must be an http(s) URL, or empty" },
		{ "item_id,title,price,currency\nx,t,1\n", "line 2: a line with a different number of fields" },
		{ "item_id,title,price,currency\nx,\"t\xff\",1,USD\n", "line 2: title is not text" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct deal_items it = { 0 };
		const char *msg = NULL;

		assert_int_not_equal(deal_parse_csv(pool, bad[i].csv, strlen(bad[i].csv), &it, &msg),
		                     PROVIDER_OK);
		assert_string_equal(msg, bad[i].msg);
	}
}

static void
test_condition_words(void **state)
{
	(void)state;
	assert_int_equal(deal_condition_from_text("Open box"), DEAL_OPEN_BOX);
	assert_int_equal(deal_condition_from_text("PRE-OWNED"), DEAL_USED);
	assert_int_equal(deal_condition_from_text("Certified - Refurbished"), DEAL_REFURBISHED);
	assert_int_equal(deal_condition_from_text("For parts or not working"), DEAL_PARTS);
	assert_int_equal(deal_condition_from_text("new"), DEAL_NEW);
	assert_int_equal(deal_condition_from_text("shiny"), DEAL_UNKNOWN);
	assert_int_equal(deal_condition_from_text(NULL), DEAL_UNKNOWN);
}

static struct deal_item
listing(const char *title, double price, double shipping, enum deal_condition c)
{
	struct deal_item it = { { "i", title, price, shipping, c, NAN, -1 },
	                        "USD", "", "", "", "US", "Lenses", "fixed_price" };

	return it;
}

static void
test_query(void **state)
{
	const char *const all[] = { "lens", "50mm" }, *const any[] = { "canon", "nikon" };
	const char *const none[] = { "cap" }, *const excl[] = { "for parts" };
	struct deal_query q = { all, 2, any, 2, none, 1, excl, 1, NULL, 0, 0, NAN, NAN, NAN, NULL };
	struct deal_item it = listing("Canon LENS 50mm", 100, 5, DEAL_USED);

	(void)state;
	assert_true(deal_query_match(&q, &it));
	it.l.title = "Canon lens 35mm";            /* AND fails */
	assert_false(deal_query_match(&q, &it));
	it.l.title = "Sigma lens 50mm";            /* OR fails */
	assert_false(deal_query_match(&q, &it));
	it.l.title = "Nikon lens 50mm with cap";   /* NOT */
	assert_false(deal_query_match(&q, &it));
	it.l.title = "Nikon lens 50mm for parts";  /* exclusion word */
	assert_false(deal_query_match(&q, &it));
	it.l.title = "Nikon lens 50mm";
	q.min_price = 100;
	q.max_price = 100;
	assert_true(deal_query_match(&q, &it));
	q.max_price = 99.99;
	assert_false(deal_query_match(&q, &it));
	q.max_price = NAN;
	q.conditions = 1u << DEAL_NEW;
	assert_false(deal_query_match(&q, &it));
	q.conditions |= 1u << DEAL_USED;
	assert_true(deal_query_match(&q, &it));
	q.max_shipping = 4;
	assert_false(deal_query_match(&q, &it));
	q.max_shipping = 5;
	assert_true(deal_query_match(&q, &it));
	it.l.shipping = NAN;                       /* unknown fails a limit */
	assert_false(deal_query_match(&q, &it));
	it.l.shipping = 0;
	q.country = "DE";
	assert_false(deal_query_match(&q, &it));
	q.country = "US";
	q.category = "lenses";
	q.buying = 1u << 1;                        /* auction only */
	assert_false(deal_query_match(&q, &it));
	q.buying |= 1u;
	assert_true(deal_query_match(&q, &it));
}

static void
test_ebay_token(void **state)
{
	const char *ok = "{\"access_token\":\"v^1.1#abc\",\"expires_in\":7200,"
	                 "\"token_type\":\"Application Access Token\"}";
	const char *bad = "{\"error\":\"invalid_client\","
	                  "\"error_description\":\"client authentication failed\"}";
	const char *token = NULL, *msg = NULL;
	long secs = 0;

	(void)state;
	assert_int_equal(deal_ebay_parse_token(pool, 200, ok, strlen(ok), &token, &secs, &msg),
	                 PROVIDER_OK);
	assert_string_equal(token, "v^1.1#abc");
	assert_int_equal(secs, 7200);
	assert_int_equal(deal_ebay_parse_token(pool, 401, bad, strlen(bad), &token, &secs, &msg),
	                 PROVIDER_FORBIDDEN);
	assert_string_equal(msg, "HTTP 401: client authentication failed");
	bad = "{\"access_token\":\"x\"}";    /* no expires_in */
	assert_int_equal(deal_ebay_parse_token(pool, 200, bad, strlen(bad), &token, &secs, &msg),
	                 PROVIDER_BAD_RESPONSE);
}

static void
test_ebay_search(void **state)
{
	const char *page =
		"{\"href\":\"h\",\"total\":3,\"next\":\"https://api.ebay.com/next\","
		"\"itemSummaries\":["
		"{\"itemId\":\"v1|1|0\",\"title\":\"Lens\",\"price\":{\"value\":\"12.30\","
		"\"currency\":\"USD\"},\"conditionId\":\"1500\",\"condition\":\"Used\","
		"\"seller\":{\"feedbackPercentage\":\"99.5\",\"feedbackScore\":12},"
		"\"shippingOptions\":[{\"shippingCost\":{\"value\":\"4.99\","
		"\"currency\":\"USD\"}}],\"itemLocation\":{\"country\":\"US\","
		"\"city\":\"Austin\"},\"buyingOptions\":[\"AUCTION\"],"
		"\"itemCreationDate\":\"2026-01-02T03:04:05.000Z\"},"
		"{\"itemId\":\"v1|2|0\",\"title\":\"No price\"},"
		"{\"itemId\":\"v1|3|0\",\"title\":\"Money as a number\","
		"\"price\":{\"value\":12.3,\"currency\":\"USD\"}}]}";
	const char *err = "{\"errors\":[{\"errorId\":2001,\"message\":\"Too many requests\"}]}";
	struct deal_items it = { 0 };
	const char *next = NULL, *msg = NULL;

	(void)state;
	assert_int_equal(deal_ebay_parse_search(pool, 200, page, strlen(page), &it, &next, &msg),
	                 PROVIDER_OK);
	assert_int_equal(it.n, 1);
	assert_string_equal(msg, "1 listings, 2 skipped");
	assert_string_equal(next, "https://api.ebay.com/next");
	assert_true(it.v[0].l.price == 12.30 && it.v[0].l.shipping == 4.99);
	assert_int_equal(it.v[0].l.condition, DEAL_OPEN_BOX);   /* conditionId wins */
	assert_true(it.v[0].l.feedback_pct == 99.5 && it.v[0].l.feedback_score == 12);
	assert_string_equal(it.v[0].location, "Austin, US");
	assert_string_equal(it.v[0].buying, "auction");
	assert_string_equal(it.v[0].listed_at, "2026-01-02T03:04:05.000Z");
	assert_int_equal(deal_ebay_parse_search(pool, 200, "{\"total\":0}", 11, &it, &next,
	                                        &msg), PROVIDER_OK);
	assert_int_equal(it.n, 1);
	assert_null(next);
	assert_int_equal(deal_ebay_parse_search(pool, 429, err, strlen(err), &it, &next, &msg),
	                 PROVIDER_RATE_LIMITED);
	assert_string_equal(msg, "HTTP 429: Too many requests");
	assert_int_equal(deal_ebay_parse_search(pool, 200, "<html>", 6, &it, &next, &msg),
	                 PROVIDER_BAD_RESPONSE);
}

static void
test_opinion(void **state)
{
	struct deal_opinion_in in = { "Lens \"50mm\"", "USD", "used", "great", 60, NAN, 80.5,
	                              103.5, 6, "[]" };
	const char *ok = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
	                 "\"content\":\"Looks good.\"}}]}";
	const char *bad = "{\"error\":{\"message\":\"Incorrect API key provided\"}}";
	const char *body, *text = NULL, *msg = NULL;

	(void)state;
	body = deal_opinion_body(pool, "m1", &in);
	assert_non_null(strstr(body, "\"model\":\"m1\""));
	assert_non_null(strstr(body, "Listing: Lens \\\"50mm\\\"\\nCondition: used"));
	assert_non_null(strstr(body, "Shipping: not known"));
	assert_non_null(strstr(body, "Deal score: 80.50 (great) against 6 comparable"));
	assert_int_equal(deal_opinion_parse(pool, 200, ok, strlen(ok), &text, &msg), PROVIDER_OK);
	assert_string_equal(text, "Looks good.");
	assert_int_equal(deal_opinion_parse(pool, 401, bad, strlen(bad), &text, &msg),
	                 PROVIDER_FORBIDDEN);
	assert_string_equal(msg, "HTTP 401: Incorrect API key provided");
	assert_int_equal(deal_opinion_parse(pool, 200, "{\"choices\":[]}", 14, &text, &msg),
	                 PROVIDER_BAD_RESPONSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_quotes),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_condition_words),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_ebay_token),
		cmocka_unit_test(test_ebay_search),
		cmocka_unit_test(test_opinion),
	};

	return cmocka_run_group_tests(tests, unit_setup, unit_teardown);
}
