/* deal_opinion_ask.c: a second opinion on a search's great deals from an
 * OpenAI-compatible chat-completions API (deal_fetch.h). */
#include "deal_fetch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "deal_opinion.h"
#include "http.h"
#include "log.h"
#include "pool.h"

int
deal_opinion_configured(void)
{
	const char *url = config_get("DEALS_OPINION_URL");

	return url != NULL && *url != '\0';
}

static double
num(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

/* Ask for the opinion of row i of res; 0 when kept, -1 (logged). */
static int
ask(struct pool *p, PGresult *res, int i, const char *url, const char *model)
{
	const char *key = config_get("DEALS_OPINION_KEY"), *text, *msg;
	struct deal_opinion_in in = {
		.title = db_text(res, i, 1), .currency = db_text(res, i, 2),
		.condition = db_text(res, i, 3), .band = db_text(res, i, 4),
		.price = num(res, i, 5), .shipping = num(res, i, 6), .score = num(res, i, 7),
		.median_total = num(res, i, 8), .comparables = (long)db_int(res, i, 9),
		.components = db_text(res, i, 10),
	};
	const char *headers[] = {
		pool_printf(p, "Authorization: Bearer %s", key ? key : ""),
		"Content-Type: application/json", NULL
	};
	const char *body = deal_opinion_body(p, model, &in);
	struct http_request req = { .provider = "deals_opinion", .url = url,
	                            .headers = headers, .post_body = body,
	                            .post_len = strlen(body) };
	struct http_response resp;
	enum provider_status st;

	if (http_get(p, &req, &resp) < 0) {
		log_kv(LOG_WARN, "deals: no second opinion", "message", resp.error, NULL);
		return -1;
	}
	st = deal_opinion_parse(p, resp.status, resp.body, resp.len, &text, &msg);
	if (st != PROVIDER_OK) {
		log_kv(LOG_WARN, "deals: no second opinion", "status", provider_status_name(st),
		       "message", msg, NULL);
		return -1;
	}
	return deal_opinion_store(p, db_int(res, i, 0), text, model);
}

int
deal_opinion_run(struct pool *p, int64_t search_id)
{
	const char *base = config_get("DEALS_OPINION_URL"), *model;
	PGresult *res;
	char *url;
	size_t n;
	int due, kept = 0;

	if (!deal_opinion_configured())
		return 0;
	model = config_get("DEALS_OPINION_MODEL");
	url = pool_printf(p, "%s", base);
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	url = pool_printf(p, "%s/chat/completions", url);
	due = deal_opinions_due(p, search_id, (int)config_int("DEALS_OPINION_MAX", 3), &res);
	for (int i = 0; i < due; i++)
		if (ask(p, res, i, url, model && *model ? model : "gpt-4o-mini") == 0)
			kept++;
	return kept;
}
