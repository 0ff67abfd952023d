/* deal_opinion.c: the second opinion's request and reply (deal_opinion.h). */
#include "deal_opinion.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "pool.h"
#include "pool_json.h"
#include "provider_parse.h"
#include "valid.h"

static const char SYSTEM[] =
	"You review second-hand and new marketplace listings for a buyer. Given a "
	"listing, its deal score (0-100, 50 is the median of comparable listings) and "
	"the score's components, say in at most three sentences whether it looks like a "
	"good buy and what the buyer should check before buying. Plain text only.";

const char *
deal_opinion_body(struct pool *p, const char *model, const struct deal_opinion_in *in)
{
	json_object *o = pool_json_object(p), *msgs = json_object_new_array(), *m;
	const char *user = pool_printf(p,
		"Listing: %s\nCondition: %s\nPrice: %.2f %s\nShipping: %s\n"
		"Deal score: %.2f (%s) against %ld comparable listings whose median total is "
		"%.2f %s\nComponents: %s",
		in->title, in->condition, in->price, in->currency,
		isnan(in->shipping) ? "not known" : pool_printf(p, "%.2f %s", in->shipping,
		                                                 in->currency),
		in->score, in->band ? in->band : "no band", in->comparables, in->median_total,
		in->currency, in->components ? in->components : "[]");

	json_object_object_add(o, "model", json_object_new_string(model));
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("system"));
	json_object_object_add(m, "content", json_object_new_string(SYSTEM));
	json_object_array_add(msgs, m);
	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("user"));
	json_object_object_add(m, "content", json_object_new_string(user));
	json_object_array_add(msgs, m);
	json_object_object_add(o, "messages", msgs);
	json_object_object_add(o, "temperature", json_object_new_double(0));
	json_object_object_add(o, "max_tokens", json_object_new_int(200));
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

static json_object *
member(json_object *o, const char *key)
{
	json_object *v;

	return o != NULL && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

enum provider_status
deal_opinion_parse(struct pool *p, long status, const char *body, size_t len,
    const char **text, const char **msg)
{
	enum provider_status st = prov_http_class(status);
	json_object *o, *choices;
	const char *t;
	size_t n;

	o = prov_json_object(p, body, len, msg);
	if (st != PROVIDER_OK) {
		t = prov_member_string(member(o, "error"), "message");
		*msg = t ? prov_text(p, pool_printf(p, "HTTP %ld: ", status), t, strlen(t))
		         : prov_http_msg(p, status);
		return st;
	}
	if (o == NULL)
		return PROVIDER_BAD_RESPONSE;
	choices = member(o, "choices");
	t = prov_member_string(member(choices && json_object_is_type(choices, json_type_array) &&
	                              json_object_array_length(choices) > 0 ?
	                              json_object_array_get_idx(choices, 0) : NULL, "message"),
	                       "content");
	if (t == NULL || *t == '\0') {
		*msg = "a reply without choices[0].message.content";
		return PROVIDER_BAD_RESPONSE;
	}
	n = valid_utf8_cut(t, strlen(t), DEAL_OPINION_MAX);
	*text = pool_strndup(p, t, n);
	if (valid_text(*text, 1, DEAL_OPINION_MAX, DEAL_OPINION_MAX) != 0) {
		*msg = "the opinion is not text";
		return PROVIDER_BAD_RESPONSE;
	}
	*msg = "opinion";
	return PROVIDER_OK;
}
