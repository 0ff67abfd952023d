/* analysis_req.c: checking the market endpoints' input. */
#include "analysis_req.h"

#include <string.h>

#include "candle.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "valid.h"

#define SYMBOL_RULE "an upper-case ticker of 1 to 10 characters A-Z 0-9 . - " \
	"(a leading ^ for an index)"

int
analysis_query_or_reply(struct req *r, const char *const *allowed)
{
	for (int i = 0; i < r->nargs; i++) {
		const char *name = r->args[i].name;
		const char *field = strlen(name) <= 64 && valid_utf8(name, strlen(name)) ?
		                    name : "query";

		if (valid_enum(name, allowed) < 0)
			return reply_errorf(r, ERR_VALIDATION_FAILED, field,
			                    "unknown query argument"), -1;
		for (int j = 0; j < i; j++)
			if (strcmp(r->args[j].name, name) == 0)
				return reply_errorf(r, ERR_VALIDATION_FAILED, field,
				                    "%s is given more than once", field), -1;
	}
	return 0;
}

int
analysis_symbol_or_reply(struct req *r, const char *field, const char *value)
{
	if (value == NULL || *value == '\0')
		return reply_errorf(r, ERR_VALIDATION_FAILED, field, "%s is required", field), -1;
	if (!valid_symbol(value))
		return reply_errorf(r, ERR_VALIDATION_FAILED, field,
		                    "%s must be " SYMBOL_RULE, field), -1;
	return 0;
}

int
analysis_strategy_or_reply(struct req *r, const char *value, enum analysis_strategy *out)
{
	int s;

	if (value == NULL || *value == '\0')
		return reply_error(r, ERR_VALIDATION_FAILED, "strategy",
		                   "strategy is required"), -1;
	if ((s = analysis_strategy_parse(value)) < 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "strategy",
		                   "strategy must be one of growth, value, dividend, momentum"), -1;
	*out = (enum analysis_strategy)s;
	return 0;
}

int
analysis_symbol_list_or_reply(struct req *r, const char *field, const char *list,
    const char ***out, int *n)
{
	const char **v = pool_alloc(r->pool, sizeof(*v) * ANALYSIS_MAX_SYMBOLS);
	int k = 0;

	if (list == NULL || *list == '\0')
		return reply_errorf(r, ERR_VALIDATION_FAILED, field, "%s is required", field), -1;
	for (const char *s = list;; s++) {
		size_t len = strcspn(s, ",");
		const char *sym = pool_strndup(r->pool, s, len);

		if (k == ANALYSIS_MAX_SYMBOLS)
			return reply_errorf(r, ERR_VALIDATION_FAILED, field, "at most %d symbols "
			                    "per call", ANALYSIS_MAX_SYMBOLS), -1;
		if (!valid_symbol(sym))
			return reply_errorf(r, ERR_VALIDATION_FAILED, field, "symbol %d of %s "
			                    "must be " SYMBOL_RULE, k + 1, field), -1;
		for (int j = 0; j < k; j++)
			if (strcmp(v[j], sym) == 0)
				return reply_errorf(r, ERR_VALIDATION_FAILED, field,
				                    "%s is listed twice", sym), -1;
		v[k++] = sym;
		s += len;
		if (*s == '\0')
			break;
	}
	*out = v;
	*n = k;
	return 0;
}

/* The query argument name as a date, or NULL when absent; -1 after 422. */
static int
date_arg(struct req *r, const char *name, const char **out)
{
	const char *v = req_query(r, name);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!candle_date_valid(v, strlen(v)))
		return reply_errorf(r, ERR_VALIDATION_FAILED, name,
		                    "%s must be a calendar date YYYY-MM-DD", name), -1;
	*out = v;
	return 0;
}

int
analysis_range_or_reply(struct req *r, const char **from, const char **to)
{
	if (date_arg(r, "from", from) < 0 || date_arg(r, "to", to) < 0)
		return -1;
	/* same-length ISO dates order as strings */
	if (*from != NULL && *to != NULL && strcmp(*from, *to) > 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "from",
		                   "from must not be after to"), -1;
	return 0;
}
