/* odds.c: the sports the odds provider covers, and a sport's upcoming
 * events with every book's latest prices and the fair line of each market.
 * Fetching is in common/services/odds_fetch.h, the fair line in
 * common/domain/odds_fair.h. */
#include "app.h"

#include <math.h>
#include <string.h>

#include "config.h"
#include "devig.h"
#include "jsonv.h"
#include "odds_eval.h"
#include "odds_fetch.h"
#include "odds_store.h"
#include "reply_rows.h"

static int list_sports(struct req *r);
static int list_events(struct req *r);

static int
sport_key(const char *s)
{
	return *s && strlen(s) <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static const struct param events_query[] = {
	{ .name = "sport", .type = PARAM_STRING, .required = 1, .check = sport_key,
	  .rule = "a sport key (lower case letters, digits, _)", .desc = "the sport key" },
	{ .name = "method", .type = PARAM_ENUM, .values = devig_method_names,
	  .desc = "the devig method (default: the configured one)" },
	{ .name = "refresh", .type = PARAM_BOOL,
	  .desc = "true: skip the 60 s cache (pro tier and administrators)" },
	{ 0 }
};

#define SPORT "{key:str, group:str, title:str, description:str, active:bool, " \
	"has_outrights:bool}"
#define QUOTA "{remaining:int?, used:int?, last_cost:int?, updated_at:str?}"
#define PRICE "{book:str, book_title:str, outcome:str, point:num?, price:num, " \
	"fair_prob:num?, ev:num?, observed_at:str}"
#define OUTCOME "{outcome:str, point:num?, fair_prob:num?, fair_price:num?, " \
	"best_price:num, best_book:str}"
#define LINE "{market:str, point:num?, fair_source:str?, overround:num?, hold:num?, " \
	"books:int, outcomes:[" OUTCOME "], prices:[" PRICE "]}"
#define EVENT "{id:str, sport:str, commence_time:str, home_team:str, away_team:str, " \
	"lines:[" LINE "]}"
#define PROVIDER "{name:str, status:str, message:str, from_cache:bool, new_prices:int}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/odds/sports", .handler = list_sports,
	  .flags = NEED_SCOPE(SCOPE_READ),
	  .reply = "{sports:[" SPORT "], quota:" QUOTA "}",
	  .summary = "the sports the odds provider covers, and its request quota" },
	{ .method = "GET", .path = "/api/odds/events", .handler = list_events,
	  .flags = NEED_SCOPE(SCOPE_READ), .query = events_query,
	  .reply = "{sport:str, method:str, sharp_book:str, provider:" PROVIDER "?, "
	           "events:[" EVENT "]}",
	  .summary = "a sport's upcoming events: every book's prices and the fair line" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const char SQL_SPORTS[] =
	"SELECT key, grp, title, description, active, has_outrights FROM odds_sports "
	"ORDER BY grp, key";

static const char SQL_QUOTA[] =
	"SELECT q.remaining, q.used, q.last_cost, " DB_TIME("q.updated_at") " "
	"FROM (SELECT 1) one LEFT JOIN odds_quota q ON q.provider = 'odds_api'";

static const struct reply_col SPORT_COLS[] = {
	{ "key",           0, RCOL_TEXT, 0 },
	{ "group",         1, RCOL_TEXT, 0 },
	{ "title",         2, RCOL_TEXT, 0 },
	{ "description",   3, RCOL_TEXT, 0 },
	{ "active",        4, RCOL_BOOL, 0 },
	{ "has_outrights", 5, RCOL_BOOL, 0 },
	{ NULL }
};

static const struct reply_col QUOTA_COLS[] = {
	{ "remaining",  0, RCOL_INT,  RCOL_NULLABLE },
	{ "used",       1, RCOL_INT,  RCOL_NULLABLE },
	{ "last_cost",  2, RCOL_INT,  RCOL_NULLABLE },
	{ "updated_at", 3, RCOL_TEXT, RCOL_NULLABLE },
	{ NULL }
};

/* GET /api/odds/sports: the stored sports (fetched again, free of quota,
 * at most hourly when ODDS_API_KEY is set) and the provider's quota. */
static int
list_sports(struct req *r)
{
	const char *key = config_get("ODDS_API_KEY"), *msg;
	PGresult *sports, *quota;
	json_object *o;

	if (key != NULL && *key && odds_fetch_sports(r->pool, &msg) != PROVIDER_OK)
		log_kv(LOG_WARN, "odds: sports not refreshed", "message", msg, NULL);
	if ((sports = db_query_or_reply(r, SQL_SPORTS, DB_NOARGS)) == NULL ||
	    (quota = db_query_or_reply(r, SQL_QUOTA, DB_NOARGS)) == NULL)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "sports", reply_rows_json(sports, -1, SPORT_COLS));
	json_object_object_add(o, "quota", reply_row_json(quota, 0, QUOTA_COLS));
	return reply_json(r, 200, o);
}

/* ---- events ------------------------------------------------------------ */

static json_object *
num_or_null(double v, int known)
{
	return known ? jsonv_number(v) : NULL;
}

/* The outcome entry of line for row w, made when new. */
static json_object *
outcome_of(json_object *outcomes, const struct odds_row *w, const struct odds_eval *e)
{
	json_object *o, *v;

	for (size_t i = 0; i < json_object_array_length(outcomes); i++) {
		o = json_object_array_get_idx(outcomes, i);
		json_object_object_get_ex(o, "outcome", &v);
		if (strcmp(json_object_get_string(v), w->outcome) != 0)
			continue;
		json_object_object_get_ex(o, "point", &v);
		if (!w->has_point || (v != NULL && json_object_get_double(v) == w->point))
			return o;
	}
	o = json_object_new_object();
	json_object_object_add(o, "outcome", json_object_new_string(w->outcome));
	json_object_object_add(o, "point", num_or_null(w->point, w->has_point));
	json_object_object_add(o, "fair_prob", num_or_null(e->fair, e->fair_known));
	json_object_object_add(o, "fair_price", num_or_null(e->fair_price, e->fair_known));
	json_object_object_add(o, "best_price", jsonv_number(0));
	json_object_object_add(o, "best_book", json_object_new_string(""));
	json_object_array_add(outcomes, o);
	return o;
}

/* A new line object for row w, evaluated as e. */
static json_object *
line_new(const struct odds_row *w, const struct odds_eval *e)
{
	json_object *l = json_object_new_object();

	json_object_object_add(l, "market", json_object_new_string(w->market));
	json_object_object_add(l, "point", num_or_null(fabs(w->point), w->has_point));
	json_object_object_add(l, "fair_source", e->fair_known ?
	                       json_object_new_string(e->source) : NULL);
	json_object_object_add(l, "overround", num_or_null(e->overround, e->fair_known));
	json_object_object_add(l, "hold", num_or_null(e->hold, e->fair_known));
	json_object_object_add(l, "books", json_object_new_int(e->books));
	json_object_object_add(l, "outcomes", json_object_new_array());
	json_object_object_add(l, "prices", json_object_new_array());
	return l;
}

/* Row w into its line (lines[e->line], made when new) of event ev. */
static void
add_price(json_object *ev, json_object **lines,
          const struct odds_row *w, const struct odds_eval *e)
{
	json_object *l = lines[e->line], *o, *a, *best;

	if (l == NULL) {
		l = lines[e->line] = line_new(w, e);
		json_object_object_get_ex(ev, "lines", &a);
		json_object_array_add(a, l);
	}
	json_object_object_get_ex(l, "outcomes", &a);
	o = outcome_of(a, w, e);
	json_object_object_get_ex(o, "best_price", &best);
	if (w->price > json_object_get_double(best)) {
		json_object_object_add(o, "best_price", jsonv_number(w->price));
		json_object_object_add(o, "best_book", json_object_new_string(w->book));
	}
	o = json_object_new_object();
	json_object_object_add(o, "book", json_object_new_string(w->book));
	json_object_object_add(o, "book_title", json_object_new_string(w->book_title));
	json_object_object_add(o, "outcome", json_object_new_string(w->outcome));
	json_object_object_add(o, "point", num_or_null(w->point, w->has_point));
	json_object_object_add(o, "price", jsonv_number(w->price));
	json_object_object_add(o, "fair_prob", num_or_null(e->fair, e->fair_known));
	json_object_object_add(o, "ev", num_or_null(e->ev, e->fair_known));
	json_object_object_add(o, "observed_at", json_object_new_string(w->observed_at));
	json_object_object_get_ex(l, "prices", &a);
	json_object_array_add(a, o);
}

static json_object *
event_new(const struct odds_row *w)
{
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "id", json_object_new_string(w->event_id));
	json_object_object_add(ev, "sport", json_object_new_string(w->sport));
	json_object_object_add(ev, "commence_time", json_object_new_string(w->commence_time));
	json_object_object_add(ev, "home_team", json_object_new_string(w->home_team));
	json_object_object_add(ev, "away_team", json_object_new_string(w->away_team));
	json_object_object_add(ev, "lines", json_object_new_array());
	return ev;
}

/* The events of rows (ordered by event) with their lines, evaluated by m. */
static json_object *
events_json(struct pool *p, const struct odds_rows *rows, enum devig_method m)
{
	struct odds_eval *e;
	int nlines = odds_evaluate(p, rows->v, rows->n, m, odds_sharp_book(), &e);
	json_object **lines = pool_alloc(p, ((size_t)nlines + 1) * sizeof(*lines));
	json_object *list = json_object_new_array(), *ev = NULL;

	memset(lines, 0, ((size_t)nlines + 1) * sizeof(*lines));
	for (size_t i = 0; i < rows->n; i++) {
		if (ev == NULL || strcmp(rows->v[i].event_id, rows->v[i - 1].event_id) != 0) {
			ev = event_new(&rows->v[i]);
			json_object_array_add(list, ev);
		}
		add_price(ev, lines, &rows->v[i], &e[i]);
	}
	return list;
}

/* Fetch the sport's odds through the cache (refresh: past it) when a
 * provider is configured; the provider object, or NULL. -1 after replying
 * for an unknown sport or a refused refresh. */
static int
fetch_or_reply(struct req *r, const char *sport, int refresh, json_object **out)
{
	const char *key = config_get("ODDS_API_KEY"), *csv = config_get("ODDS_CSV_URL");
	struct odds_fetch f = { .sport = sport, .refresh = refresh };
	enum provider_status st;
	json_object *o;

	*out = NULL;
	if (refresh && strcmp(r->user->tier, "pro") != 0 && strcmp(r->user->role, "admin") != 0)
		return reply_error(r, ERR_FORBIDDEN, "refresh",
		                   "refresh is for the pro tier and administrators"), -1;
	if (refresh && quota_charge_or_reply(r, "odds_refresh") != 0)
		return -1;
	if ((key == NULL || *key == '\0') && (csv == NULL || *csv == '\0'))
		return 0;
	st = odds_fetch_run(r->pool, &f);
	if (st == PROVIDER_NO_DATA && strcmp(f.provider, "odds_api") == 0)
		return reply_error(r, ERR_NOT_FOUND, "sport", "the odds provider knows no such sport"), -1;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "name", json_object_new_string(f.provider));
	json_object_object_add(o, "status", json_object_new_string(provider_status_name(st)));
	json_object_object_add(o, "message", json_object_new_string(f.message ? f.message : ""));
	json_object_object_add(o, "from_cache", json_object_new_boolean(f.from_cache));
	json_object_object_add(o, "new_prices", json_object_new_int(f.inserted));
	*out = o;
	return 0;
}

/* GET /api/odds/events?sport=&method=&refresh=: the sport's upcoming
 * events, each market line with every book's latest price, the fair line
 * (sharp book or consensus), overround, hold and each price's EV. */
static int
list_events(struct req *r)
{
	const char *sport = req_str(r, "sport"), *name = req_str(r, "method");
	enum devig_method m = name ? (enum devig_method)devig_method_parse(name) : odds_method();
	struct odds_rows rows;
	json_object *o, *provider;

	if (fetch_or_reply(r, sport, req_bool(r, "refresh", 0), &provider) < 0)
		return r->status;
	if (odds_latest_rows(r->pool, sport, NULL, &rows) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL);
	o = pool_json_object(r->pool);
	json_object_object_add(o, "sport", json_object_new_string(sport));
	json_object_object_add(o, "method", json_object_new_string(devig_method_name(m)));
	json_object_object_add(o, "sharp_book", json_object_new_string(odds_sharp_book()));
	json_object_object_add(o, "provider", json_object_get(provider));
	json_object_object_add(o, "events", events_json(r->pool, &rows, m));
	return reply_json(r, 200, o);
}
