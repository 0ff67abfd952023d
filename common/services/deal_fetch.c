/* deal_fetch.c: a saved search's scan (deal_fetch.h). */
#include "deal_fetch.h"

#include <string.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "pool.h"

int
deal_provider_configured(void)
{
	const char *url = config_get("DEALS_CSV_URL");

	return deal_ebay_configured() || (url != NULL && *url != '\0');
}

int
deal_budget_left(struct pool *p, int64_t *left)
{
	int64_t used;

	int ebay = deal_ebay_configured();

	if (deal_calls_today(p, ebay ? "ebay" : "deals_csv", &used) < 0)
		return -1;
	*left = config_int(ebay ? "EBAY_DAILY_CALLS" : "DEALS_DAILY_CALLS", 5000) - used;
	if (*left < 0)
		*left = 0;
	return 0;
}

/* The recorded listings at DEALS_CSV_URL into *items. */
static enum provider_status
fetch_csv(struct pool *p, struct deal_scan *s, struct deal_items *items)
{
	const char *url = s->url ? s->url : config_get("DEALS_CSV_URL");
	struct http_request req = { .provider = "deals_csv", .url = url,
	                            .cache_ttl = (int)config_int("DEALS_CACHE_TTL", 300),
	                            .refresh = s->refresh };
	struct http_response resp;

	s->provider = "csv";
	if (url == NULL || *url == '\0') {
		s->message = "DEALS_CSV_URL is not set";
		return PROVIDER_UNAVAILABLE;
	}
	if (http_get(p, &req, &resp) < 0 || resp.status != 200) {
		s->message = resp.error ? resp.error : "the recorded listings could not be read";
		return PROVIDER_UNAVAILABLE;
	}
	return deal_parse_csv(p, resp.body, resp.len, items, &s->message);
}

/* Store the matching items, score the search again; in the caller's
 * transaction. 0, or -1 (logged). */
static int
store_and_score(struct pool *p, struct deal_scan *s, const struct deal_search *search,
    const struct deal_items *items, int complete)
{
	struct deal_item *keep = pool_alloc(p, (items->n + 1) * sizeof(*keep));
	size_t k = 0;

	for (size_t i = 0; i < items->n; i++)
		if (deal_query_match(&search->q, &items->v[i]))
			keep[k++] = items->v[i];
	s->matched = (int)k;
	if (deal_store_items(p, search->id, s->provider, keep, k, complete, &s->stored) < 0 ||
	    deal_store_rescore(p, search, &s->scored, &s->hits) < 0)
		return -1;
	return 0;
}

enum provider_status
deal_scan_run(struct pool *p, struct deal_scan *s)
{
	struct deal_search search;
	struct deal_items items = { 0 };
	enum provider_status st;
	int rc, complete = 1;

	s->provider = "csv";
	s->message = "";
	if ((rc = deal_search_load(p, s->search_id, &search)) != 0) {
		s->message = rc > 0 ? "no such search" : "the database failed";
		return rc > 0 ? PROVIDER_NO_DATA : PROVIDER_UNAVAILABLE;
	}
	if (s->url == NULL && deal_ebay_configured()) {
		s->provider = "ebay";
		st = deal_ebay_fetch(p, &search.q, &items, &complete, &s->message);
	} else {
		st = fetch_csv(p, s, &items);
	}
	if (st == PROVIDER_NO_DATA)
		st = PROVIDER_OK;     /* an empty reply: every listing ended */
	if (st != PROVIDER_OK) {
		if (deal_search_scanned(p, search.id, s->message) < 0)
			log_kv(LOG_WARN, "deals: scan not recorded", NULL);
		return st;
	}
	s->fetched = (int)items.n;
	if (db_begin(p) < 0)
		goto fail;
	if (store_and_score(p, s, &search, &items, complete) < 0 ||
	    deal_search_scanned(p, search.id, NULL) < 0 || db_commit(p) < 0) {
		db_rollback(p);
		goto fail;
	}
	s->message = pool_printf(p, "%d listings, %d matched, %d new, %d ended", s->fetched,
	                         s->matched, s->stored.added, s->stored.ended);
	return PROVIDER_OK;
fail:
	s->message = "storing the listings failed";
	return PROVIDER_UNAVAILABLE;
}
