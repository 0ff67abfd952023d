/* alert_performance.c: how the caller's alerts turned out, per rule and
 * per domain, from the outcome of each alert's hit (the alert_outcomes
 * view): a signal's labelled outcome and realised return, a +EV bet's
 * settlement (profit per unit staked, CLV), a deal's fate. */
#include "app.h"

#include "odds_provider.h"
#include "reply_rows.h"

static int performance(struct req *r);

static const struct param performance_query[] = {
	{ .name = "since", .type = PARAM_STRING, .check = odds_time_valid,
	  .rule = "an RFC 3339 UTC time (2030-01-10T00:10:00Z)", .format = "date-time",
	  .desc = "only alerts made at or after" },
	{ 0 }
};

#define STATS "alerts:int, sent:int, outcomes_known:int, wins:int, hit_rate:num?, " \
	"avg_outcome:num?, avg_clv:num?"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/alerts/performance", .handler = performance,
	  .flags = NEED_AUTH, .query = performance_query,
	  .reply = "{rules:[{rule_id:int, name:str, domain:str, " STATS "}], "
	           "domains:[{domain:str, outcome_unit:str, " STATS "}]}",
	  .summary = "alerts made, sent and their outcomes, per rule and per domain" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* The statistics of a group of alert_outcomes o: alerts, sent (a delivery
 * went out), outcomes known (win, loss, flat, push), wins, hit rate (wins
 * over known), average outcome value and CLV. */
#define SQL_STATS \
	"count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM alert_outbox x " \
	"  WHERE x.alert_id = o.alert_id AND x.status = 'sent')), " \
	"count(*) FILTER (WHERE o.outcome IN ('win', 'loss', 'flat', 'push')), " \
	"count(*) FILTER (WHERE o.outcome = 'win'), " \
	"count(*) FILTER (WHERE o.outcome = 'win')::float8 / " \
	"  NULLIF(count(*) FILTER (WHERE o.outcome IN ('win', 'loss', 'flat', 'push')), 0), " \
	"avg(o.value) FILTER (WHERE o.outcome IN ('win', 'loss', 'flat', 'push')), " \
	"avg(o.clv) FILTER (WHERE o.outcome IN ('win', 'loss', 'flat', 'push')) "

#define SQL_WHERE "WHERE o.user_id = $1 AND ($2::timestamptz IS NULL OR o.created_at >= $2) "

static const char SQL_RULES[] =
	"SELECT r.id, r.name, r.domain, " SQL_STATS
	"FROM alert_outcomes o JOIN alert_rules r ON r.id = o.rule_id " SQL_WHERE
	"GROUP BY r.id ORDER BY r.id";

static const char SQL_DOMAINS[] =
	"SELECT o.domain, CASE o.domain WHEN 'markets' THEN 'realised return' "
	"  WHEN 'odds' THEN 'profit per unit staked' ELSE 'outcome value' END, " SQL_STATS
	"FROM alert_outcomes o " SQL_WHERE "GROUP BY o.domain ORDER BY o.domain";

#define STAT_COLS(c) \
	{ "alerts", (c), RCOL_INT, 0 }, { "sent", (c) + 1, RCOL_INT, 0 }, \
	{ "outcomes_known", (c) + 2, RCOL_INT, 0 }, { "wins", (c) + 3, RCOL_INT, 0 }, \
	{ "hit_rate", (c) + 4, RCOL_NUMBER, RCOL_NULLABLE }, \
	{ "avg_outcome", (c) + 5, RCOL_NUMBER, RCOL_NULLABLE }, \
	{ "avg_clv", (c) + 6, RCOL_NUMBER, RCOL_NULLABLE }

static const struct reply_col rule_cols[] = {
	{ "rule_id", 0, RCOL_INT, 0 }, { "name", 1, RCOL_TEXT, 0 }, { "domain", 2, RCOL_TEXT, 0 },
	STAT_COLS(3), { NULL }
};
static const struct reply_col domain_cols[] = {
	{ "domain", 0, RCOL_TEXT, 0 }, { "outcome_unit", 1, RCOL_TEXT, 0 }, STAT_COLS(2), { NULL }
};

/* GET /api/alerts/performance?since=: per rule and per domain. */
static int
performance(struct req *r)
{
	const char *uid = db_i64(r->pool, r->user->id), *since = req_str(r, "since");
	PGresult *rules, *domains;
	json_object *o;

	if ((rules = db_query_or_reply(r, SQL_RULES, DB_ARGS(uid, since))) == NULL ||
	    (domains = db_query_or_reply(r, SQL_DOMAINS, DB_ARGS(uid, since))) == NULL)
		return r->status;
	o = pool_json_object(r->pool);
	json_object_object_add(o, "rules", reply_rows_json(rules, -1, rule_cols));
	json_object_object_add(o, "domains", reply_rows_json(domains, -1, domain_cols));
	return reply_json(r, 200, o);
}
