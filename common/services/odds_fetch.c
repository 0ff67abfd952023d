/* odds_fetch.c: odds from The Odds API or a recorded CSV into the store,
 * and +EV hits out of it (odds_fetch.h). */
#include "odds_fetch.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "odds_provider.h"
#include "odds_store.h"
#include "pool.h"
#include "url.h"

static const char *const quota_headers[] = {
	"x-requests-remaining", "x-requests-used", "x-requests-last", NULL
};

static const char *
conf(const char *key, const char *def)
{
	const char *v = config_get(key);

	return v != NULL && *v ? v : def;
}

enum devig_method
odds_method(void)
{
	int m = devig_method_parse(conf("ODDS_METHOD", "multiplicative"));

	return m < 0 ? DEVIG_MULTIPLICATIVE : (enum devig_method)m;
}

const char *
odds_sharp_book(void)
{
	return conf("ODDS_SHARP_BOOK", "pinnacle");
}

/* The API's base URL without a trailing slash. */
static const char *
api_base(struct pool *p)
{
	char *b = pool_strdup(p, conf("ODDS_API_URL", "https://api.the-odds-api.com"));
	size_t n = strlen(b);

	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	return b;
}

/* Keep the quota headers of resp; -1 in *remaining when it had none. */
static void
keep_quota(struct pool *p, const struct http_response *resp, int64_t *remaining)
{
	const char *const *c = resp->captured;

	*remaining = -1;
	if (c == NULL || c[0] == NULL)
		return;
	*remaining = strtoll(c[0], NULL, 10);
	if (odds_store_quota(p, "odds_api", c[0], c[1], c[2]) < 0)
		log_kv(LOG_WARN, "odds: quota not recorded", NULL);
}

static enum provider_status
fetch_csv(struct pool *p, struct odds_fetch *f, struct odds_rows *rows)
{
	const char *url = config_get("ODDS_CSV_URL");
	struct http_request req = { .provider = "odds_csv", .url = url,
	                            .cache_ttl = (int)config_int("ODDS_CACHE_TTL", 60),
	                            .refresh = f->refresh };
	struct http_response resp;
	enum provider_status st;

	f->provider = "odds_csv";
	if (url == NULL || *url == '\0') {
		f->message = "neither ODDS_API_KEY nor ODDS_CSV_URL is set";
		return PROVIDER_UNAVAILABLE;
	}
	if (http_get(p, &req, &resp) < 0 || resp.status != 200) {
		f->message = resp.error ? resp.error : "the recorded odds could not be read";
		return PROVIDER_UNAVAILABLE;
	}
	f->from_cache = resp.from_cache;
	st = odds_parse_csv(p, resp.body, resp.len, 0, NULL, rows, &f->message);
	return st;
}

/* PROVIDER_RATE_LIMITED when the recorded quota is below the floor. */
static enum provider_status
quota_floor(struct pool *p, int64_t *remaining, const char **message)
{
	int64_t left;

	if (odds_quota_remaining(p, "odds_api", &left) == 0 && left >= 0 &&
	    left < config_int("ODDS_QUOTA_FLOOR", 50)) {
		*remaining = left;
		*message = "the provider's request quota is below ODDS_QUOTA_FLOOR";
		return PROVIDER_RATE_LIMITED;
	}
	return PROVIDER_OK;
}

static enum provider_status
fetch_api(struct pool *p, const char *key, struct odds_fetch *f, struct odds_rows *rows)
{
	struct http_request req = { .provider = "odds_api",
	                            .cache_ttl = (int)config_int("ODDS_CACHE_TTL", 60),
	                            .refresh = f->refresh, .capture = quota_headers };
	struct http_response resp;

	f->provider = "odds_api";
	if (quota_floor(p, &f->remaining, &f->message) != PROVIDER_OK)
		return PROVIDER_RATE_LIMITED;
	req.url = pool_printf(p, "%s/v4/sports/%s/odds?apiKey=%s&regions=%s&markets=%s"
	                      "&oddsFormat=decimal&dateFormat=iso", api_base(p),
	                      url_encode(p, f->sport, 0), url_encode(p, key, 0),
	                      url_encode(p, conf("ODDS_REGIONS", "us"), 0),
	                      url_encode(p, conf("ODDS_MARKETS", "h2h,spreads,totals"), 0));
	if (http_get(p, &req, &resp) < 0) {
		f->message = resp.error;
		return PROVIDER_UNAVAILABLE;
	}
	f->from_cache = resp.from_cache;
	keep_quota(p, &resp, &f->remaining);
	return odds_parse_events(p, resp.status, resp.body, resp.len, 0, NULL, rows,
	                         &f->message);
}

enum provider_status
odds_fetch_run(struct pool *p, struct odds_fetch *f)
{
	const char *key = config_get("ODDS_API_KEY");
	struct odds_rows rows = { 0 };
	enum provider_status st;

	f->remaining = -1;
	f->prices = f->refused = 0;
	f->inserted = 0;
	st = key != NULL && *key ? fetch_api(p, key, f, &rows) : fetch_csv(p, f, &rows);
	if (st != PROVIDER_OK)
		return st;
	f->prices = rows.n;
	f->refused = rows.refused;
	if (rows.refusal != NULL)
		log_kv(LOG_INFO, "odds: book markets refused", "provider", f->provider,
		       "count", pool_printf(p, "%zu", rows.refused), "first", rows.refusal, NULL);
	if (odds_store_rows(p, &rows, strcmp(f->provider, "odds_csv") == 0 ? "csv" : "api",
	                    &f->inserted) < 0) {
		f->message = "the odds could not be stored";
		return PROVIDER_UNAVAILABLE;
	}
	return PROVIDER_OK;
}

enum provider_status
odds_fetch_sports(struct pool *p, const char **message)
{
	const char *key = config_get("ODDS_API_KEY");
	struct http_request req = { .provider = "odds_api", .cache_ttl = 3600 };
	struct http_response resp;
	struct odds_sport *s;
	enum provider_status st;
	size_t n;

	if (key == NULL || *key == '\0') {
		*message = "ODDS_API_KEY is not set";
		return PROVIDER_UNAVAILABLE;
	}
	req.url = pool_printf(p, "%s/v4/sports?apiKey=%s", api_base(p), url_encode(p, key, 0));
	if (http_get(p, &req, &resp) < 0) {
		*message = resp.error;
		return PROVIDER_UNAVAILABLE;
	}
	st = odds_parse_sports(p, resp.status, resp.body, resp.len, &s, &n, message);
	if (st == PROVIDER_OK && odds_store_sports(p, s, n) < 0) {
		*message = "the sports could not be stored";
		return PROVIDER_UNAVAILABLE;
	}
	return st;
}

/* The recorded scores at ODDS_SCORES_URL (The Odds API's scores shape,
 * every sport), stored as odds_fetch_scores stores the provider's. */
static enum provider_status
recorded_scores(struct pool *p, int *changed, const char **message)
{
	const char *url = config_get("ODDS_SCORES_URL");
	struct http_request req = { .provider = "odds_csv", .url = url };
	struct http_response resp;
	struct odds_score *s;
	enum provider_status st;
	size_t n;

	if (url == NULL || *url == '\0') {
		*message = "neither ODDS_API_KEY nor ODDS_SCORES_URL is set";
		return PROVIDER_UNAVAILABLE;
	}
	if (http_get(p, &req, &resp) < 0) {
		*message = resp.error ? resp.error : "the recorded scores could not be read";
		return PROVIDER_UNAVAILABLE;
	}
	st = odds_parse_scores(p, resp.status, resp.body, resp.len, &s, &n, message);
	if (st == PROVIDER_OK && odds_store_scores(p, s, n, changed) < 0) {
		*message = "the scores could not be stored";
		return PROVIDER_UNAVAILABLE;
	}
	return st;
}

enum provider_status
odds_fetch_scores(struct pool *p, const char *sport, int days_from, int *changed,
                  const char **message)
{
	const char *key = config_get("ODDS_API_KEY");
	struct http_request req = { .provider = "odds_api", .capture = quota_headers,
	                            .cache_ttl = (int)config_int("ODDS_CACHE_TTL", 60) };
	struct http_response resp;
	struct odds_score *s;
	enum provider_status st;
	int64_t left;
	size_t n;

	*changed = 0;
	days_from = days_from < 0 ? 0 : days_from > 3 ? 3 : days_from;
	if (key == NULL || *key == '\0')
		return recorded_scores(p, changed, message);
	if (quota_floor(p, &left, message) != PROVIDER_OK)
		return PROVIDER_RATE_LIMITED;
	req.url = pool_printf(p, "%s/v4/sports/%s/scores?apiKey=%s%s&dateFormat=iso",
	                      api_base(p), url_encode(p, sport, 0), url_encode(p, key, 0),
	                      days_from > 0 ? pool_printf(p, "&daysFrom=%d", days_from) : "");
	if (http_get(p, &req, &resp) < 0) {
		*message = resp.error;
		return PROVIDER_UNAVAILABLE;
	}
	keep_quota(p, &resp, &left);
	st = odds_parse_scores(p, resp.status, resp.body, resp.len, &s, &n, message);
	if (st == PROVIDER_OK && odds_store_scores(p, s, n, changed) < 0) {
		*message = "the scores could not be stored";
		return PROVIDER_UNAVAILABLE;
	}
	return st;
}

/* odds_find_hits of sport's upcoming events, or of event_id only. */
static int
find_hits(struct pool *p, const char *sport, const char *event_id, enum devig_method m,
          double min_ev, int *found, int *created)
{
	struct odds_rows rows;
	struct odds_eval *e;
	int own_tx = !db_in_transaction();

	*found = *created = 0;
	if (odds_latest_rows(p, sport, event_id, &rows) < 0)
		return -1;
	odds_evaluate(p, rows.v, rows.n, m, odds_sharp_book(), &e);
	if (own_tx && db_begin(p) < 0)
		return -1;
	for (size_t i = 0; i < rows.n; i++) {
		int64_t id;
		int made;

		if (!e[i].fair_known || e[i].ev < min_ev || e[i].fair >= 1)
			continue;
		if (odds_store_hit(p, &rows.v[i], &e[i], devig_method_name(m), "scan", 0, &id,
		                   &made) < 0)
			goto fail;
		(*found)++;
		*created += made;
	}
	if (own_tx && db_commit(p) < 0)
		goto fail;
	return 0;
fail:
	if (own_tx)
		db_rollback(p);
	*found = *created = 0;
	return -1;
}

int
odds_find_hits(struct pool *p, const char *sport, enum devig_method m, double min_ev,
               int *found, int *created)
{
	return find_hits(p, sport, NULL, m, min_ev, found, created);
}

int
odds_find_event_hits(struct pool *p, const char *event_id, enum devig_method m,
                     double min_ev, int *found, int *created)
{
	return find_hits(p, NULL, event_id, m, min_ev, found, created);
}
