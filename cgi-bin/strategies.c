/* strategies.c: users' own strategies: components of the catalogue with
 * weights and parameters, and buy/sell thresholds (common/domain/
 * analysis_spec.h). Other users' strategies do not exist as far as a
 * caller can tell: 404. A strategy is used as "user:<id>" wherever a
 * strategy is named (common/services/strategy_db.h). */
#include "app.h"

#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "analysis_spec.h"
#include "pool_json.h"
#include "reply_rows.h"

static int list_components(struct req *r);
static int list_strategies(struct req *r);
static int create_strategy(struct req *r);
static int get_strategy(struct req *r);
static int update_strategy(struct req *r);
static int delete_strategy(struct req *r);

static const struct param component_fields[] = {
	{ .name = "name", .type = PARAM_ENUM, .required = 1, .values = analysis_component_names,
	  .desc = "a component of GET /api/strategies/components" },
	{ .name = "weight", .type = PARAM_NUMBER, .required = 1, .min = 0, .max = 1000,
	  .desc = "its weight, above 0 (weights are shares of their sum)" },
	{ .name = "params", .type = PARAM_NUMBERS, .max = ANALYSIS_MAX_PARAMS,
	  .desc = "parameters by name, within the catalogue's bounds (others: default)" },
	{ 0 }
};

#define STRATEGY_FIELDS(req) \
	{ .name = "name", .type = PARAM_TEXT, .required = req, .min = 1, .max = 100, \
	  .desc = "the strategy's name" }, \
	{ .name = "components", .type = PARAM_OBJECTS, .required = req, .min = 1, \
	  .max = ANALYSIS_MAX_COMPONENTS, .fields = component_fields, \
	  .desc = "the components scored, each once" }, \
	{ .name = "buy_at", .type = PARAM_NUMBER, .min = 0, .max = 100, \
	  .desc = "score at or above which to buy, above sell_at (default 65)" }, \
	{ .name = "sell_at", .type = PARAM_NUMBER, .min = 0, .max = 100, \
	  .desc = "score at or below which to sell, below buy_at (default 35)" }

static const struct param create_body[] = { STRATEGY_FIELDS(1), { 0 } };
static const struct param update_body[] = { STRATEGY_FIELDS(0), { 0 } };

#define STRATEGY "{id:int, strategy:str, name:str, components:[{name:str, weight:num, " \
	"params:{*:num}}], buy_at:num, sell_at:num, created_at:str, updated_at:str}"
#define COMPONENT "{name:str, description:str, parameters:[{name:str, default:num, " \
	"min:num, max:num, description:str}]}"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/strategies/components", .handler = list_components,
	  .flags = NEED_SCOPE(SCOPE_READ), .reply = SHAPE_PAGE(COMPONENT),
	  .summary = "the components a strategy chooses from, with their parameters" },
	{ .method = "GET", .path = "/api/strategies", .handler = list_strategies,
	  .flags = NEED_SCOPE(SCOPE_READ), .reply = SHAPE_PAGE(STRATEGY),
	  .summary = "the caller's strategies (one page: all of them)" },
	{ .method = "POST", .path = "/api/strategies", .handler = create_strategy,
	  .flags = NEED_AUTH | NEED_JSON, .body = create_body, .status = 201,
	  .reply = STRATEGY, .summary = "a new strategy (at most the tier's strategies)" },
	{ .method = "GET", .path = "/api/strategies/{id}", .handler = get_strategy,
	  .flags = NEED_SCOPE(SCOPE_READ), .reply = STRATEGY, .summary = "a strategy" },
	{ .method = "PATCH", .path = "/api/strategies/{id}", .handler = update_strategy,
	  .flags = NEED_AUTH | NEED_JSON, .body = update_body, .reply = STRATEGY,
	  .summary = "change a strategy (the fields given)" },
	{ .method = "DELETE", .path = "/api/strategies/{id}", .handler = delete_strategy,
	  .flags = NEED_AUTH, .status = 204, .summary = "delete a strategy" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

#define SQL_COLUMNS \
	"SELECT id, 'user:' || id, name, components, buy_at, sell_at, " \
	DB_TIME("created_at") ", " DB_TIME("updated_at") " FROM user_strategies "

static const char SQL_LIST[] = SQL_COLUMNS "WHERE user_id = $1 ORDER BY id";
static const char SQL_ONE[] = SQL_COLUMNS "WHERE id = $1 AND user_id = $2";
static const char SQL_ONE_LOCKED[] = SQL_COLUMNS "WHERE id = $1 AND user_id = $2 FOR UPDATE";

static const struct reply_col STRATEGY_COLS[] = {
	{ "id",         0, RCOL_INT,    0 },
	{ "strategy",   1, RCOL_TEXT,   0 },
	{ "name",       2, RCOL_TEXT,   0 },
	{ "components", 3, RCOL_JSON,   0 },
	{ "buy_at",     4, RCOL_NUMBER, 0 },
	{ "sell_at",    5, RCOL_NUMBER, 0 },
	{ "created_at", 6, RCOL_TEXT,   0 },
	{ "updated_at", 7, RCOL_TEXT,   0 },
	{ NULL }
};

static const char SQL_CREATE[] =
	"INSERT INTO user_strategies (user_id, name, components, buy_at, sell_at) "
	"VALUES ($1, $2, $3::jsonb, $4::float8, $5::float8) RETURNING id";
static const char SQL_UPDATE[] =
	"UPDATE user_strategies SET name = $3, components = $4::jsonb, buy_at = $5::float8, "
	"  sell_at = $6::float8, updated_at = now() WHERE id = $1 AND user_id = $2";
static const char SQL_DELETE[] = "DELETE FROM user_strategies WHERE id = $1 AND user_id = $2";

/* The user row is locked so two creations cannot pass the limit together;
 * the limit is the tier's strategies row (0 when there is none). */
static const char SQL_LOCK_USER[] =
	"SELECT (SELECT count(*) FROM user_strategies WHERE user_id = u.id), "
	"  COALESCE((SELECT daily_limit FROM tier_quotas WHERE tier = u.tier "
	"            AND quota_class = 'strategies'), 0) "
	"FROM users u WHERE u.id = $1 FOR UPDATE";

static const char *
uid(struct req *r)
{
	return db_i64(r->pool, r->user->id);
}

static const char *
num(struct req *r, double v)
{
	return pool_printf(r->pool, "%.17g", v);
}

/* The strategy the body describes over the stored one (components, buy_at
 * and sell_at: NULL, 65 and 35 for a new one) into sp, its components as
 * canonical JSON text into *text. 0, or -1 after a 422 naming the field. */
static int
spec_or_reply(struct req *r, json_object *components, double buy_at, double sell_at,
    struct analysis_spec *sp, const char **text)
{
	const char *field, *why;

	if (req_has(r, "components"))
		components = req_member(r, "components");
	if (analysis_spec_parse(r->pool, components, req_number(r, "buy_at", buy_at),
	                        req_number(r, "sell_at", sell_at), sp, &field, &why) < 0)
		return reply_error(r, ERR_VALIDATION_FAILED, field, why), -1;
	*text = json_object_to_json_string_ext(pool_json(r->pool,
	    analysis_spec_components_json(sp)), JSON_C_TO_STRING_PLAIN);
	return 0;
}

static int
reply_strategy(struct req *r, int status, const char *id)
{
	PGresult *res = db_query_or_reply(r, SQL_ONE, DB_ARGS(id, uid(r)));

	if (res == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such strategy");
	return reply_json(r, status, pool_json(r->pool, reply_row_json(res, 0, STRATEGY_COLS)));
}

/* GET /api/strategies/components: the catalogue. */
static int
list_components(struct req *r)
{
	return reply_page(r, analysis_catalogue_json(), NULL);
}

/* GET /api/strategies: every strategy of the caller (the tier caps them). */
static int
list_strategies(struct req *r)
{
	PGresult *res = db_query_or_reply(r, SQL_LIST, DB_ARGS(uid(r)));

	if (res == NULL)
		return r->status;
	return reply_page(r, reply_rows_json(res, -1, STRATEGY_COLS), NULL);
}

/* POST /api/strategies: 201 with the strategy; 409 past the tier's limit. */
static int
create_strategy(struct req *r)
{
	struct analysis_spec sp;
	const char *text, *id;
	PGresult *res;

	if (spec_or_reply(r, NULL, ANALYSIS_BUY_AT, ANALYSIS_SELL_AT, &sp, &text) < 0)
		return r->status;
	if (db_begin_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_LOCK_USER, DB_ARGS(uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) != 1)
		return reply_error(r, ERR_UNAUTHORIZED, NULL, NULL);
	if (db_int(res, 0, 0) >= db_int(res, 0, 1))
		return reply_errorf(r, ERR_CONFLICT, NULL, "your tier keeps at most %lld "
		                    "strategies; delete one first", (long long)db_int(res, 0, 1));
	res = db_query_or_reply(r, SQL_CREATE, DB_ARGS(uid(r), req_str(r, "name"), text,
	                        num(r, sp.buy_at), num(r, sp.sell_at)));
	if (res == NULL)
		return r->status;
	id = pool_strdup(r->pool, db_text(res, 0, 0));
	if (db_commit_or_reply(r) < 0)
		return r->status;
	return reply_strategy(r, 201, id);
}

/* GET /api/strategies/{id}: 404 unknown. */
static int
get_strategy(struct req *r)
{
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	return reply_strategy(r, 200, db_i64(r->pool, id));
}

/* PATCH /api/strategies/{id}: the changed strategy, checked whole (the
 * thresholds given against the stored ones); 404 unknown. */
static int
update_strategy(struct req *r)
{
	struct analysis_spec sp;
	const char *id, *text, *name;
	json_object *stored;
	PGresult *res;
	int64_t n;

	if (req_path_i64_or_reply(r, "id", &n) < 0 || db_begin_or_reply(r) < 0)
		return r->status;
	id = db_i64(r->pool, n);
	if ((res = db_query_or_reply(r, SQL_ONE_LOCKED, DB_ARGS(id, uid(r)))) == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such strategy");
	stored = pool_json(r->pool, json_tokener_parse(db_text(res, 0, 3)));
	name = req_has(r, "name") ? req_str(r, "name") : pool_strdup(r->pool, db_text(res, 0, 2));
	if (spec_or_reply(r, stored, strtod(db_text(res, 0, 4), NULL),
	                  strtod(db_text(res, 0, 5), NULL), &sp, &text) < 0)
		return r->status;
	if (db_exec_or_reply(r, SQL_UPDATE, DB_ARGS(id, uid(r), name, text, num(r, sp.buy_at),
	                     num(r, sp.sell_at))) < 0 || db_commit_or_reply(r) < 0)
		return r->status;
	return reply_strategy(r, 200, id);
}

/* DELETE /api/strategies/{id}: 204; 404 unknown. */
static int
delete_strategy(struct req *r)
{
	PGresult *res;
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	res = db_query_or_reply(r, SQL_DELETE, DB_ARGS(db_i64(r->pool, id), uid(r)));
	if (res == NULL)
		return r->status;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such strategy");
	return reply_raw(r, 204, NULL, "", 0);
}
