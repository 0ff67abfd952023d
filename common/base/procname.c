/* procname.c: the name of the running program. */
#include "procname.h"

#include <string.h>

static const char *name_now = "edgescout";

void
procname_set(const char *name)
{
	const char *slash = strrchr(name, '/');

	name_now = slash ? slash + 1 : name;
}

const char *
procname_get(void)
{
	return name_now;
}
