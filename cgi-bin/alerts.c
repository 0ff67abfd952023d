/* alerts.c: a user's alert rules. A rule names a domain, conditions over
 * the hits of that domain, the channels its alerts go to, a cool-down per
 * subject, quiet hours in a time zone and a daily cap. Rules are evaluated
 * by the database when a hit is written (sql/014_alerts.sql); other users'
 * rules do not exist as far as a caller can tell: 404. */
#include "app.h"

#include <string.h>

#include "reply_rows.h"

static int list_rules(struct req *r);
static int create_rule(struct req *r);
static int get_rule(struct req *r);
static int update_rule(struct req *r);
static int delete_rule(struct req *r);

#define RULES_PAGE_MAX 100

static const char *const domain_names[] = { "markets", "odds", "deals", NULL };
static const char *const recommendation_names[] = { "buy", "hold", "sell", NULL };
static const char *const market_names[] = { "h2h", "spreads", "totals", NULL };

static int
sport_key(const char *s)
{
	return *s && strlen(s) <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

/* "HH:MM", 00:00 to 23:59. */
static int
clock_time(const char *s)
{
	return strlen(s) == 5 && s[2] == ':' && strspn(s, "0123456789:") == 5 &&
	       s[0] <= '2' && (s[0] < '2' || s[1] <= '3') && s[3] <= '5';
}

static int
zone_name(const char *s)
{
	return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-")
	             == strlen(s);
}

/* The fields of a rule; req is 1 on POST for the ones it needs. */
#define RULE_FIELDS(req) \
	{ .name = "name", .type = PARAM_TEXT, .required = (req), .min = 1, .max = 100, \
	  .desc = "the rule's name" }, \
	{ .name = "domain", .type = PARAM_ENUM, .required = (req), .values = domain_names, \
	  .desc = "the hits it watches (not changed by PATCH)" }, \
	{ .name = "min_score", .type = PARAM_NUMBER, .min = 0, .max = 100, \
	  .desc = "a hit's score at least this (default 0)" }, \
	{ .name = "recommendation", .type = PARAM_ENUM, .values = recommendation_names, \
	  .desc = "markets: the signal's recommendation" }, \
	{ .name = "watchlist_id", .type = PARAM_INT, .min = 1, .max = INT64_MAX, \
	  .desc = "markets: only symbols of this watchlist of the caller's" }, \
	{ .name = "sport", .type = PARAM_STRING, .check = sport_key, \
	  .rule = "a sport key (lower case letters, digits, _)", .desc = "odds: only this sport" }, \
	{ .name = "market", .type = PARAM_ENUM, .values = market_names, \
	  .desc = "odds: only this market" }, \
	{ .name = "min_ev", .type = PARAM_NUMBER, .min = -1, .max = 100, \
	  .desc = "odds: EV at least this (0.03: 3 %)" }, \
	{ .name = "search_id", .type = PARAM_INT, .min = 1, .max = INT64_MAX, \
	  .desc = "deals: only hits of this saved search" }, \
	{ .name = "channels", .type = PARAM_LIST, .min = 0, .max = 10, .check = channel_name, \
	  .rule = "names of the caller's channels", .desc = "the channels its alerts go to" }, \
	{ .name = "cooldown_seconds", .type = PARAM_INT, .min = 0, .max = 604800, \
	  .desc = "no second alert on the same subject within this (default 3600)" }, \
	{ .name = "quiet_start", .type = PARAM_STRING, .check = clock_time, .rule = "HH:MM", \
	  .desc = "quiet hours' start in time_zone: deliveries wait for their end" }, \
	{ .name = "quiet_end", .type = PARAM_STRING, .check = clock_time, .rule = "HH:MM", \
	  .desc = "quiet hours' end in time_zone" }, \
	{ .name = "time_zone", .type = PARAM_STRING, .min = 1, .max = 64, .check = zone_name, \
	  .rule = "an IANA time zone (Europe/Paris)", .desc = "the user's time zone (default UTC)" }, \
	{ .name = "daily_cap", .type = PARAM_INT, .min = 1, .max = 10000, \
	  .desc = "at most this many alerts of the rule a day" }, \
	{ .name = "enabled", .type = PARAM_BOOL, .desc = "false: the rule makes no alerts" },

static int
channel_name(const char *s)
{
	return valid_text(s, 1, 100, 400) == 0;
}

static const struct param create_body[] = { RULE_FIELDS(1) { 0 } };
static const struct param update_body[] = { RULE_FIELDS(0) { 0 } };
static const struct param page_query[] = { PARAM_PAGE(RULES_PAGE_MAX), { 0 } };

#define RULE "{id:int, name:str, domain:str(markets|odds|deals), min_score:num, " \
	"recommendation:str?, watchlist_id:int?, sport:str?, market:str?, min_ev:num?, " \
	"search_id:int?, channels:[str], cooldown_seconds:int, quiet_start:str?, " \
	"quiet_end:str?, time_zone:str, daily_cap:int?, enabled:bool, created_at:str, " \
	"updated_at:str}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/alerts/rules", .handler = list_rules,
	  .flags = NEED_AUTH, .query = page_query, .reply = SHAPE_PAGE(RULE),
	  .summary = "the caller's alert rules" },
	{ .method = "POST", .path = "/api/alerts/rules", .handler = create_rule,
	  .flags = NEED_AUTH | NEED_JSON, .body = create_body, .status = 201, .reply = RULE,
	  .summary = "a new alert rule (within the tier's number of rules)" },
	{ .method = "GET", .path = "/api/alerts/rules/{id}", .handler = get_rule,
	  .flags = NEED_AUTH, .reply = RULE, .summary = "an alert rule" },
	{ .method = "PATCH", .path = "/api/alerts/rules/{id}", .handler = update_rule,
	  .flags = NEED_AUTH | NEED_JSON, .body = update_body, .reply = RULE,
	  .summary = "change an alert rule's given fields" },
	{ .method = "DELETE", .path = "/api/alerts/rules/{id}", .handler = delete_rule,
	  .flags = NEED_AUTH, .status = 204, .summary = "delete an alert rule" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const struct reply_col rule_cols[] = {
	{ "id", 0, RCOL_INT, 0 }, { "name", 1, RCOL_TEXT, 0 }, { "domain", 2, RCOL_TEXT, 0 },
	{ "min_score", 3, RCOL_NUMBER, 0 },
	{ "recommendation", 4, RCOL_TEXT, RCOL_NULLABLE },
	{ "watchlist_id", 5, RCOL_INT, RCOL_NULLABLE }, { "sport", 6, RCOL_TEXT, RCOL_NULLABLE },
	{ "market", 7, RCOL_TEXT, RCOL_NULLABLE }, { "min_ev", 8, RCOL_NUMBER, RCOL_NULLABLE },
	{ "search_id", 9, RCOL_INT, RCOL_NULLABLE }, { "channels", 10, RCOL_JSON, 0 },
	{ "cooldown_seconds", 11, RCOL_INT, 0 }, { "quiet_start", 12, RCOL_TEXT, RCOL_NULLABLE },
	{ "quiet_end", 13, RCOL_TEXT, RCOL_NULLABLE }, { "time_zone", 14, RCOL_TEXT, 0 },
	{ "daily_cap", 15, RCOL_INT, RCOL_NULLABLE }, { "enabled", 16, RCOL_BOOL, 0 },
	{ "created_at", 17, RCOL_TEXT, 0 }, { "updated_at", 18, RCOL_TEXT, 0 },
	{ NULL }
};

#define SQL_SELECT_RULE \
	"SELECT r.id, r.name, r.domain, r.min_score::float8, r.recommendation, r.watchlist_id, " \
	"r.sport, r.market, r.min_ev, r.search_id, " \
	"COALESCE((SELECT jsonb_agg(c.name ORDER BY lower(c.name)) FROM alert_rule_channels rc " \
	"  JOIN alert_channels c ON c.id = rc.channel_id WHERE rc.rule_id = r.id), '[]'), " \
	"r.cooldown_seconds, to_char(r.quiet_start, 'HH24:MI'), to_char(r.quiet_end, 'HH24:MI'), " \
	"r.time_zone, r.daily_cap, r.enabled, " DB_TIME("r.created_at") ", " \
	DB_TIME("r.updated_at") " FROM alert_rules r "

static const char SQL_PAGE[] =
	SQL_SELECT_RULE "WHERE r.user_id = $1 AND ($2::bigint = 0 OR r.id > $2) "
	"ORDER BY r.id LIMIT $3";
static const char SQL_ONE[] = SQL_SELECT_RULE "WHERE r.id = $1 AND r.user_id = $2";
static const char SQL_EXISTS[] = "SELECT 1 FROM alert_rules WHERE id = $1 AND user_id = $2";

/* The user row is locked so two creations cannot both pass the limit. */
static const char SQL_LIMIT[] =
	"SELECT l.rules, (SELECT count(*) FROM alert_rules WHERE user_id = u.id) "
	"FROM users u JOIN tier_alert_limits l ON l.tier = u.tier WHERE u.id = $1 FOR UPDATE OF u";

static const char SQL_OWNED_RULE[] =
	"SELECT domain FROM alert_rules WHERE id = $1 AND user_id = $2 FOR UPDATE";

static const char SQL_ZONE[] = "SELECT 1 FROM pg_timezone_names WHERE name = $1";
static const char SQL_WATCHLIST[] = "SELECT 1 FROM watchlists WHERE id = $1 AND user_id = $2";

static const char SQL_INSERT[] =
	"INSERT INTO alert_rules (user_id, name, domain) VALUES ($1, $2, $3) RETURNING id";

/* Every field given replaces the stored one ($3.. in RULE_FIELDS' order). */
static const char SQL_UPDATE[] =
	"UPDATE alert_rules SET name = COALESCE($3, name), "
	"min_score = COALESCE($4::numeric, min_score), "
	"recommendation = COALESCE($5, recommendation), "
	"watchlist_id = COALESCE($6::bigint, watchlist_id), sport = COALESCE($7, sport), "
	"market = COALESCE($8, market), min_ev = COALESCE($9::float8, min_ev), "
	"search_id = COALESCE($10::bigint, search_id), "
	"cooldown_seconds = COALESCE($11::int, cooldown_seconds), "
	"quiet_start = COALESCE($12::time, quiet_start), quiet_end = COALESCE($13::time, quiet_end), "
	"time_zone = COALESCE($14, time_zone), daily_cap = COALESCE($15::int, daily_cap), "
	"enabled = COALESCE($16::boolean, enabled), updated_at = now() "
	"WHERE id = $1 AND user_id = $2";

static const char SQL_CLEAR_CHANNELS[] = "DELETE FROM alert_rule_channels WHERE rule_id = $1";

/* The caller's channels named in $3 (a JSON array), any case. */
static const char SQL_SET_CHANNELS[] =
	"INSERT INTO alert_rule_channels (rule_id, channel_id) "
	"SELECT $1, c.id FROM alert_channels c WHERE c.user_id = $2 "
	"AND lower(c.name) IN (SELECT lower(x) FROM jsonb_array_elements_text($3::jsonb) x) "
	"ON CONFLICT DO NOTHING";

static const char SQL_DELETE[] = "DELETE FROM alert_rules WHERE id = $1 AND user_id = $2";

static const char *
uid(struct req *r)
{
	return db_i64(r->pool, r->user->id);
}

/* Conditions that belong to another domain than domain: -1 after 422. */
static int
conditions_fit_or_reply(struct req *r, const char *domain)
{
	static const struct { const char *field, *domain; } owner[] = {
		{ "recommendation", "markets" }, { "watchlist_id", "markets" },
		{ "sport", "odds" }, { "market", "odds" }, { "min_ev", "odds" },
		{ "search_id", "deals" },
	};

	for (size_t i = 0; i < sizeof owner / sizeof owner[0]; i++)
		if (req_has(r, owner[i].field) && strcmp(owner[i].domain, domain) != 0)
			return reply_errorf(r, ERR_VALIDATION_FAILED, owner[i].field,
			                    "%s applies to %s rules only", owner[i].field,
			                    owner[i].domain), -1;
	if (req_has(r, "quiet_start") != req_has(r, "quiet_end"))
		return reply_error(r, ERR_VALIDATION_FAILED, "quiet_end",
		                   "quiet_start and quiet_end come together"), -1;
	return 0;
}

/* 0 when the row sql finds exists, else -1 after 422 on field. */
static int
exists_or_reply(struct req *r, const char *sql, const char *const *args, int n,
                const char *field, const char *message)
{
	PGresult *res = db_query_or_reply(r, sql, args, n);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_VALIDATION_FAILED, field, message), -1;
	return 0;
}

/* The fields that name rows or zones: the watchlist is the caller's, the
 * time zone is known. 0, or -1 after replying. */
static int
references_or_reply(struct req *r)
{
	if (req_has(r, "watchlist_id") &&
	    exists_or_reply(r, SQL_WATCHLIST, DB_ARGS(db_i64(r->pool, req_int(r, "watchlist_id", 0)),
	                    uid(r)), "watchlist_id", "no such watchlist of yours") < 0)
		return -1;
	if (req_has(r, "time_zone") &&
	    exists_or_reply(r, SQL_ZONE, DB_ARGS(req_str(r, "time_zone")), "time_zone",
	                    "time_zone is not a known time zone") < 0)
		return -1;
	return 0;
}

/* Apply the given fields and channels to rule id (in the transaction).
 * 0, or -1 after replying. */
static int
apply_or_reply(struct req *r, const char *id)
{
	struct pool *p = r->pool;
	const char **names;
	int n;
	json_object *list;
	int64_t set;

#define OPT_NUM(f) (req_has(r, f) ? pool_printf(p, "%.17g", req_number(r, f, 0)) : NULL)
#define OPT_INT(f) (req_has(r, f) ? db_i64(p, req_int(r, f, 0)) : NULL)
	if (db_exec_or_reply(r, SQL_UPDATE, DB_ARGS(id, uid(r), req_str(r, "name"),
	        OPT_NUM("min_score"), req_str(r, "recommendation"), OPT_INT("watchlist_id"),
	        req_str(r, "sport"), req_str(r, "market"), OPT_NUM("min_ev"), OPT_INT("search_id"),
	        OPT_INT("cooldown_seconds"), req_str(r, "quiet_start"), req_str(r, "quiet_end"),
	        req_str(r, "time_zone"), OPT_INT("daily_cap"),
	        req_has(r, "enabled") ? (req_bool(r, "enabled", 1) ? "true" : "false") : NULL)) < 0)
		return -1;
#undef OPT_NUM
#undef OPT_INT
	if (!req_has(r, "channels"))
		return 0;
	n = req_list(r, "channels", &names);
	list = pool_json_array(p);
	for (int i = 0; i < n; i++)
		json_object_array_add(list, json_object_new_string(names[i]));
	if (db_exec_or_reply(r, SQL_CLEAR_CHANNELS, DB_ARGS(id)) < 0 ||
	    (set = db_exec_or_reply(r, SQL_SET_CHANNELS, DB_ARGS(id, uid(r),
	                            json_object_to_json_string(list)))) < 0)
		return -1;
	if (set != n)
		return reply_error(r, ERR_VALIDATION_FAILED, "channels",
		                   "channels must name your channels, each once"), -1;
	return 0;
}

/* Reply status with rule id as the caller sees it. */
static int
reply_rule(struct req *r, int status, const char *id)
{
	PGresult *res = db_query_or_reply(r, SQL_ONE, DB_ARGS(id, uid(r)));

	if (res == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	return reply_json(r, status, pool_json(r->pool, reply_row_json(res, 0, rule_cols)));
}

/* GET /api/alerts/rules?limit=&cursor=: the caller's rules, oldest first. */
static int
list_rules(struct req *r)
{
	int64_t limit = req_int(r, "limit", RULES_PAGE_MAX), cursor = req_int(r, "cursor", 0);
	PGresult *res;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, uid(r)) < 0 ||
	    (res = db_query_or_reply(r, SQL_PAGE, DB_ARGS(uid(r), db_i64(r->pool, cursor),
	                             db_i64(r->pool, limit + 1)))) == NULL)
		return r->status;
	return reply_page(r, reply_rows_json(res, (int)limit, rule_cols),
	                  PQntuples(res) > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}

/* POST /api/alerts/rules {name, domain, conditions..., channels, ...}: 201
 * with the rule; 409 past the tier's number of rules. */
static int
create_rule(struct req *r)
{
	const char *domain = req_str(r, "domain"), *id;
	PGresult *res;

	if (conditions_fit_or_reply(r, domain) < 0 || db_begin_or_reply(r) < 0 ||
	    references_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_LIMIT, DB_ARGS(uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_UNAUTHORIZED, NULL, NULL);
	if (db_int(res, 0, 1) >= db_int(res, 0, 0))
		return reply_errorf(r, ERR_CONFLICT, NULL, "your tier allows %lld alert rules; "
		                    "delete one first", (long long)db_int(res, 0, 0));
	if ((res = db_query_or_reply(r, SQL_INSERT, DB_ARGS(uid(r), req_str(r, "name"),
	                             domain))) == NULL)
		return r->status;
	id = pool_strdup(r->pool, db_text(res, 0, 0));
	if (apply_or_reply(r, id) < 0 || db_commit_or_reply(r) < 0)
		return r->status;
	return reply_rule(r, 201, id);
}

/* GET /api/alerts/rules/{id}: the rule. */
static int
get_rule(struct req *r)
{
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	return reply_rule(r, 200, db_i64(r->pool, id));
}

/* PATCH /api/alerts/rules/{id} {fields...}: the given fields replace the
 * stored ones (channels: the whole list); the domain stays. */
static int
update_rule(struct req *r)
{
	const char *id;
	int64_t n;
	PGresult *res;

	if (req_path_i64_or_reply(r, "id", &n) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_OWNED_RULE, DB_ARGS(id, uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	if (req_has(r, "domain") && strcmp(req_str(r, "domain"), db_text(res, 0, 0)) != 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "domain",
		                   "a rule's domain cannot change");
	if (conditions_fit_or_reply(r, db_text(res, 0, 0)) < 0 || references_or_reply(r) < 0 ||
	    apply_or_reply(r, id) < 0 || db_commit_or_reply(r) < 0)
		return r->status;
	return reply_rule(r, 200, id);
}

/* DELETE /api/alerts/rules/{id}: 204; its alerts go with it. */
static int
delete_rule(struct req *r)
{
	int64_t id;
	int64_t n;

	if (req_path_i64_or_reply(r, "id", &id) < 0 ||
	    (n = db_exec_or_reply(r, SQL_DELETE, DB_ARGS(db_i64(r->pool, id), uid(r)))) < 0)
		return r->status;
	if (n == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, NULL);
	return reply_raw(r, 204, NULL, "", 0);
}
