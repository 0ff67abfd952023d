/* ev.c: expected value and Kelly stakes (ev.h). */
#include "ev.h"

#include <math.h>

double
ev_value(double p, double price)
{
	return p * price - 1.0;
}

double
ev_kelly(double p, double price)
{
	double b = price - 1.0, f;

	if (!isfinite(p) || !isfinite(price) || p < 0 || p > 1 || b <= 0)
		return 0;
	f = (b * p - (1.0 - p)) / b;
	return f > 0 ? f : 0;
}

double
ev_kelly_stake(double full, double fraction, double cap)
{
	double s;

	if (!isfinite(full) || !isfinite(fraction) || !isfinite(cap) || full <= 0 ||
	    fraction <= 0 || cap <= 0)
		return 0;
	s = full * fraction;
	return s < cap ? s : cap;
}
