/* analysis_req.c: checking the market endpoints' input. */
#include "analysis_req.h"

#include <string.h>

#include "candle.h"
#include "auth.h"
#include "contract.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "valid.h"


int
analysis_is_date(const char *s)
{
	return candle_date_valid(s, strlen(s));
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
			                    "must be " ANALYSIS_SYMBOL_RULE, k + 1, field), -1;
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

int
analysis_range_or_reply(struct req *r, const char **from, const char **to)
{
	*from = req_str(r, "from");
	*to = req_str(r, "to");
	/* same-length ISO dates order as strings */
	if (*from != NULL && *to != NULL && strcmp(*from, *to) > 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "from",
		                   "from must not be after to"), -1;
	return 0;
}

int
analysis_strategy_or_reply(struct req *r, const char *name, struct analysis_spec *out)
{
	int rc = strategy_spec_for_user(r->pool, r->user ? r->user->id : 0, name, out);

	if (rc == -2)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL), -1;
	if (rc < 0)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "strategy", "strategy must be %s",
		                    STRATEGY_NAME_RULE), -1;
	return 0;
}
