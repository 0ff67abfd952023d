/* journal_req.c: the journal routes' contract values (journal_req.h). */
#include "journal_req.h"

#include <string.h>

const char *const journal_sides[] = { "buy", "sell", NULL };
const char *const journal_states[] = { "open", "closed", NULL };

int
journal_tag_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}
