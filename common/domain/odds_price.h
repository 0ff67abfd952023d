/* odds_price.h: a bookmaker's price for an outcome, decimal or American.
 *
 * edgescout keeps every price as a decimal price (the return per unit staked,
 * stake included). American prices convert exactly: +150 is 1 + 150/100 =
 * 2.5, -200 is 1 + 100/200 = 1.5; an American price between -100 and +100
 * (exclusive) does not exist. */
#ifndef EDGESCOUT_ODDS_PRICE_H
#define EDGESCOUT_ODDS_PRICE_H

/* The largest decimal price accepted (a 1-in-10,000 long shot). */
#define ODDS_PRICE_MAX 10001.0

/* 1 when decimal is a usable price: finite, above 1.0, at most ODDS_PRICE_MAX. */
int odds_price_valid(double decimal);

/* The decimal price of an American price into *decimal: 0, or -1 when
 * american is not finite, is in (-100, 100) or gives no valid price. */
int odds_price_from_american(double american, double *decimal);

/* The American price of a valid decimal price (2.5 -> 150, 1.5 -> -200). */
double odds_price_to_american(double decimal);

/* Read a price written as text: a decimal price ("2.5") or, when american,
 * an American one ("+150", "-200", "150"). 0 with *decimal, or -1 when the
 * text is not a plain number or gives no valid price. */
int odds_price_parse(const char *s, int american, double *decimal);

#endif
