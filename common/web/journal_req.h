/* journal_req.h: the journal routes' contract entries (route.h): trade
 * fields and the filters of the trade list and its CSV. */
#ifndef EDGESCOUT_JOURNAL_REQ_H
#define EDGESCOUT_JOURNAL_REQ_H

#include "odds_provider.h"
#include "valid.h"

#define JOURNAL_MONEY_MAX 1000000000000LL
#define JOURNAL_TIME_RULE "an RFC 3339 UTC time (2030-01-10T00:10:00Z)"
#define JOURNAL_TAG_RULE "1 to 32 of a-z 0-9 _ -"

/* The sides of a trade (buy: long, sell: short) and the states of one. */
extern const char *const journal_sides[];
extern const char *const journal_states[];

/* 1 when s is a tag: 1 to 32 of a-z 0-9 _ -. */
int journal_tag_valid(const char *s);

#define JOURNAL_PARAM_SYMBOL(req) \
	{ .name = "symbol", .type = PARAM_STRING, .required = (req), .max = VALID_SYMBOL_MAX, \
	  .check = valid_symbol, .rule = "a ticker: 1 to 10 of A-Z 0-9 . - (upper-cased)", \
	  .upper = 1, .desc = "the ticker traded" }
#define JOURNAL_PARAM_MONEY(n, d) \
	{ .name = n, .type = PARAM_NUMBER, .min = 0, .max = JOURNAL_MONEY_MAX, .desc = d }
#define JOURNAL_PARAM_TIME(n, d) \
	{ .name = n, .type = PARAM_STRING, .check = odds_time_valid, .rule = JOURNAL_TIME_RULE, \
	  .format = "date-time", .desc = d }

/* The filters of the trade list and its CSV (JOURNAL_SELECT_PAGE's $2-$7). */
#define JOURNAL_FILTERS \
	JOURNAL_PARAM_SYMBOL(0), \
	{ .name = "side", .type = PARAM_ENUM, .values = journal_sides, .desc = "only this side" }, \
	{ .name = "status", .type = PARAM_ENUM, .values = journal_states, \
	  .desc = "open or closed" }, \
	{ .name = "tag", .type = PARAM_STRING, .check = journal_tag_valid, \
	  .rule = JOURNAL_TAG_RULE, .desc = "only trades with this tag" }, \
	JOURNAL_PARAM_TIME("opened_from", "opened at or after"), \
	JOURNAL_PARAM_TIME("opened_to", "opened at or before")

#endif
