/* strategy_db.c: a strategy named in a request (strategy_db.h). */
#include "strategy_db.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_spec.h"
#include "db.h"
#include "pool.h"
#include "pool_json.h"

static const char SQL_ONE[] =
	"SELECT components, buy_at, sell_at FROM user_strategies WHERE id = $1 AND user_id = $2";

int
strategy_name_valid(const char *s)
{
	int64_t id;

	return analysis_strategy_parse(s) >= 0 || analysis_user_strategy_id(s, &id);
}

int
strategy_spec_for_user(struct pool *p, int64_t uid, const char *name,
    struct analysis_spec *out)
{
	const char *field, *why;
	json_object *comps;
	PGresult *res;
	int64_t id;
	int st = analysis_strategy_parse(name);

	if (st >= 0) {
		analysis_builtin_spec((enum analysis_strategy)st, out);
		return 0;
	}
	if (name == NULL || !analysis_user_strategy_id(name, &id))
		return -1;
	res = db_query(p, SQL_ONE, DB_ARGS(db_i64(p, id), db_i64(p, uid)));
	if (res == NULL)
		return -2;
	if (PQntuples(res) == 0)
		return -1;
	comps = pool_json(p, json_tokener_parse(db_text(res, 0, 0)));
	if (analysis_spec_parse(p, comps, strtod(db_text(res, 0, 1), NULL),
	                        strtod(db_text(res, 0, 2), NULL), out, &field, &why) < 0)
		return -1;
	out->name = pool_strdup(p, name);
	return 0;
}
