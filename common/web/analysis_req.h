/* analysis_req.h: an analysis request's input (symbols, strategy, dates),
 * each helper returning 0, or -1 after replying 422 naming the field. */
#ifndef EDGESCOUT_ANALYSIS_REQ_H
#define EDGESCOUT_ANALYSIS_REQ_H

#include "analysis.h"

struct req;

/* 0 when every query argument of r is named in allowed (NULL-terminated)
 * and none is given twice; -1 after replying 422 naming the argument. */
int analysis_query_or_reply(struct req *r, const char *const *allowed);

/* value as a ticker symbol (valid_symbol) for field: 0, or -1 after
 * replying 422 (missing or malformed). */
int analysis_symbol_or_reply(struct req *r, const char *field, const char *value);

/* value as a strategy into *out: 0, or -1 after replying 422 field strategy. */
int analysis_strategy_or_reply(struct req *r, const char *value,
    enum analysis_strategy *out);

/* A comma-separated list of 1..ANALYSIS_MAX_SYMBOLS distinct symbols (query
 * argument field) into *out (pool) and *n. 0, or -1 after replying 422. */
int analysis_symbol_list_or_reply(struct req *r, const char *field, const char *list,
    const char ***out, int *n);

/* The optional query arguments from and to as real calendar dates
 * (YYYY-MM-DD) with from <= to; NULL when absent. 0, or -1 after 422. */
int analysis_range_or_reply(struct req *r, const char **from, const char **to);

#endif
