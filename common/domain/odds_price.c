/* odds_price.c: decimal and American prices (odds_price.h). */
#include "odds_price.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
odds_price_valid(double decimal)
{
	return isfinite(decimal) && decimal > 1.0 && decimal <= ODDS_PRICE_MAX;
}

int
odds_price_from_american(double american, double *decimal)
{
	double d;

	if (!isfinite(american) || fabs(american) < 100.0)
		return -1;
	d = american > 0 ? 1.0 + american / 100.0 : 1.0 + 100.0 / -american;
	if (!odds_price_valid(d))
		return -1;
	*decimal = d;
	return 0;
}

double
odds_price_to_american(double decimal)
{
	return decimal >= 2.0 ? (decimal - 1.0) * 100.0 : -100.0 / (decimal - 1.0);
}

int
odds_price_parse(const char *s, int american, double *decimal)
{
	char *end;
	double v;

	/* digits, one optional sign and point: no spaces, hex, exponents, inf */
	if (s == NULL || *s == '\0' || strspn(s, "+-0123456789.") != strlen(s) ||
	    strpbrk(s + 1, "+-") != NULL)
		return -1;
	v = strtod(s, &end);
	if (*end != '\0' || end == s)
		return -1;
	if (american)
		return odds_price_from_american(v, decimal);
	if (*s == '+' || *s == '-' || !odds_price_valid(v))
		return -1;
	*decimal = v;
	return 0;
}
