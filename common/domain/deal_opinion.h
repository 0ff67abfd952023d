/* deal_opinion.h: a second opinion on a deal from a language model behind
 * an OpenAI-compatible chat-completions API: the request's body and the
 * reply's text. Pure: the call itself is deal_fetch.h's. */
#ifndef EDGESCOUT_DEAL_OPINION_H
#define EDGESCOUT_DEAL_OPINION_H

#include <stddef.h>

#include "provider.h"

struct pool;

#define DEAL_OPINION_MAX 2000      /* bytes of the model's text kept */

/* What the model is told about a listing (strings borrowed). */
struct deal_opinion_in {
	const char *title, *currency, *condition, *band;
	double price, shipping;        /* shipping NAN: not known */
	double score, median_total;
	long comparables;
	const char *components;        /* the score's components as JSON text */
};

/* The JSON body of POST /chat/completions asking model for a short second
 * opinion on in (pool memory): a system message saying what is wanted, a
 * user message with the listing, its score and its components. */
const char *deal_opinion_body(struct pool *p, const char *model,
    const struct deal_opinion_in *in);

/* The text of a chat-completions reply (choices[0].message.content) into
 * *text, cut to DEAL_OPINION_MAX bytes of valid UTF-8. 401/403 ->
 * FORBIDDEN, 429 -> RATE_LIMITED, 5xx -> UNAVAILABLE, with the API's
 * error.message in *msg. */
enum provider_status deal_opinion_parse(struct pool *p, long status, const char *body,
    size_t len, const char **text, const char **msg);

#endif
