/* account.c: shared account rules. */
#include "account.h"

#include <string.h>

#include "pool.h"
#include "valid.h"

#define BLANKS " \t\r\n"

char *
account_normalize_email(struct pool *p, const char *email)
{
	size_t start, end;
	char *out, *at;

	if (email == NULL)
		return NULL;
	start = strspn(email, BLANKS);
	end = strlen(email);
	while (end > start && strchr(BLANKS, email[end - 1]) != NULL)
		end--;
	out = pool_strndup(p, email + start, end - start);
	at = strrchr(out, '@');
	for (char *c = at ? at + 1 : out + strlen(out); *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return valid_email(out) ? out : NULL;
}
