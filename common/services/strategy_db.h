/* strategy_db.h: a strategy named in a request, for the user asking: a
 * built-in one, or "user:<id>", one of the user's own (cgi-bin/
 * strategies.c stores them). */
#ifndef EDGESCOUT_STRATEGY_DB_H
#define EDGESCOUT_STRATEGY_DB_H

#include <stdint.h>

#include "analysis.h"

struct pool;

/* The strategy named name for user uid into out (out->name: name, pool
 * p's). 0; -1 when name is no built-in strategy and no strategy of the
 * user's (another user's is none); -2 when the database failed. */
int strategy_spec_for_user(struct pool *p, int64_t uid, const char *name,
    struct analysis_spec *out);

/* 1 when s names a built-in strategy or has the form "user:<id>" (the
 * route contract's check; whose it is is strategy_spec_for_user's). */
int strategy_name_valid(const char *s);

#define STRATEGY_NAME_RULE "growth, value, dividend, momentum, or user:<id> of one of " \
	"your strategies (GET /api/strategies)"

#endif
