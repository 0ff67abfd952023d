/* unit.h: the start of a cmocka unit test: cmocka's headers in the order
 * it needs them, and a pool fixture (unit_setup / unit_teardown give each
 * group or test a fresh `pool`, freed after it). */
#ifndef EDGESCOUT_TEST_UNIT_H
#define EDGESCOUT_TEST_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pool.h"

static struct pool *pool __attribute__((unused));

/* Make a fresh pool for a test or a group. */
static inline int
unit_setup(void **state)
{
	(void)state;
	pool = pool_new();
	return 0;
}

/* Free the pool unit_setup made. */
static inline int
unit_teardown(void **state)
{
	(void)state;
	pool_free(pool);
	pool = NULL;
	return 0;
}

#endif
