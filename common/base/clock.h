/* clock.h: the one monotonic clock, for durations and deadlines (never for
 * dates: those come from the wall clock or the database). */
#ifndef EDGESCOUT_CLOCK_H
#define EDGESCOUT_CLOCK_H

#include <stdint.h>

/* Seconds on the monotonic clock, with nanosecond resolution. */
double clock_now(void);

/* Whole milliseconds on the monotonic clock. */
int64_t clock_ms(void);

#endif
