/* analysis_req.h: an analysis request's input (symbols, strategy, dates):
 * the market routes' contract entries, and helpers returning 0, or -1
 * after replying 422 naming the field. */
#ifndef EDGESCOUT_ANALYSIS_REQ_H
#define EDGESCOUT_ANALYSIS_REQ_H

#include "analysis.h"
#include "strategy_db.h"

struct req;

/* Contract entries of the market routes (route.h): a required ticker
 * symbol, a strategy, and an optional calendar date (from, to). */
#define ANALYSIS_SYMBOL_RULE "a ticker of 1 to 10 characters A-Z 0-9 . - (upper-cased) " \
	"(a leading ^ for an index)"
#define ANALYSIS_PARAM_SYMBOL { .name = "symbol", .type = PARAM_STRING, .required = 1, \
	.max = VALID_SYMBOL_MAX, .check = valid_symbol, .rule = ANALYSIS_SYMBOL_RULE, .upper = 1, \
	.desc = "the ticker symbol (^GSPC for the S&P 500)" }
#define ANALYSIS_PARAM_STRATEGY { .name = "strategy", .type = PARAM_ENUM, .required = 1, \
	.values = analysis_strategies, .desc = "how to score" }
#define ANALYSIS_PARAM_ANY_STRATEGY { .name = "strategy", .type = PARAM_STRING, \
	.required = 1, .max = 32, .check = strategy_name_valid, .rule = STRATEGY_NAME_RULE, \
	.desc = "how to score: a built-in strategy or one of yours" }
#define ANALYSIS_PARAM_DATE(n, what) { .name = n, .type = PARAM_STRING, .max = 10, \
	.check = analysis_is_date, .rule = "a calendar date YYYY-MM-DD", .format = "date", \
	.desc = what }

/* The freshness of a reply's prices, as analysis_freshness_json writes it. */
#define ANALYSIS_FRESHNESS_SHAPE "{latest_bar:str, age_days:int, source:str, " \
	"updated_at:str?, refreshed:bool, stale:bool, note:str}"

/* The strategy named name (ANALYSIS_PARAM_ANY_STRATEGY) for the caller
 * into out. 0, or -1 after replying: 422 on strategy when it is none of
 * the caller's, 503 when the database failed. */
int analysis_strategy_or_reply(struct req *r, const char *name, struct analysis_spec *out);

/* 1 when s is a real calendar date YYYY-MM-DD. */
int analysis_is_date(const char *s);

/* A comma-separated list of 1..ANALYSIS_MAX_SYMBOLS distinct symbols (query
 * argument field) into *out (pool) and *n. 0, or -1 after replying 422. */
int analysis_symbol_list_or_reply(struct req *r, const char *field, const char *list,
    const char ***out, int *n);

/* The optional query arguments from and to (dates: the contract) with
 * from <= to; NULL when absent. 0, or -1 after 422. */
int analysis_range_or_reply(struct req *r, const char **from, const char **to);

#endif
