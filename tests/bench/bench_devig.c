/* bench_devig.c: devig + EV over 10,000 events x 10 books x 3 markets (h2h,
 * spreads, totals; two outcomes each: 600,000 prices), one core. The prices
 * are made up from a fixed seed: each book's price is a fair price with a
 * 2-6 % margin and some noise. For each method it times odds_evaluate over
 * every price (lines found, each line's fair line: the sharp book's when it
 * prices the line, else the median of the books; each price's EV and
 * Kelly) and prints
 *   devig_ev_<method>_seconds <s>   devig_ev_<method>_prices_per_sec <n>
 * Arguments: events (default 10000), books (default 10). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devig.h"
#include "odds_eval.h"
#include "pool.h"

static const char *const markets[] = { "h2h", "spreads", "totals" };
static const char *const books[] = {
	"pinnacle", "fanduel", "draftkings", "betmgm", "bovada", "betrivers", "unibet_us",
	"williamhill_us", "betonlineag", "lowvig", "mybookieag", "betus"
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

int
main(int argc, char **argv)
{
	int events = argc > 1 ? atoi(argv[1]) : 10000, nb = argc > 2 ? atoi(argv[2]) : 10;
	size_t n = 0, cap;
	struct odds_row *rows;
	char (*ids)[16];

	if (events < 1 || nb < 1 || nb > (int)(sizeof(books) / sizeof(books[0]))) {
		fprintf(stderr, "usage: bench_devig [events [books (1-12)]]\n");
		return 2;
	}
	cap = (size_t)events * (size_t)nb * 3 * 2;
	rows = calloc(cap, sizeof(*rows));
	ids = calloc((size_t)events, sizeof(*ids));
	if (rows == NULL || ids == NULL)
		return 1;
	for (int e = 0; e < events; e++) {
		snprintf(ids[e], sizeof(ids[e]), "ev%d", e);
		for (int m = 0; m < 3; m++) {
			double p = 0.15 + 0.7 * uniform();

			for (int b = 0; b < nb; b++) {
				double margin = 1.02 + 0.04 * uniform();

				for (int o = 0; o < 2; o++) {
					struct odds_row *r = &rows[n++];
					double q = (o ? 1 - p : p) * (0.97 + 0.06 * uniform());

					r->event_id = ids[e];
					r->market = markets[m];
					r->book = books[b];
					r->outcome = o ? "away" : "home";
					r->has_point = m > 0;
					r->point = m == 1 ? (o ? 3.5 : -3.5) : m == 2 ? 220.5 : 0;
					r->price = 1.0 / (q * margin);
					if (r->price <= 1.01)
						r->price = 1.01;
				}
			}
		}
	}
	for (int m = -1; m <= DEVIG_WORST_CASE; m++) {    /* -1: a warm-up, not shown */
		struct pool *p = pool_new();
		struct odds_eval *ev;
		double t0 = now(), dt, sum = 0;
		int lines = odds_evaluate(p, rows, n, (enum devig_method)(m < 0 ? 0 : m),
		                          "pinnacle", &ev);

		dt = now() - t0;
		if (m < 0) {
			pool_free(p);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			sum += ev[i].ev;
		printf("devig_ev_%s_seconds %.3f\n", devig_method_name((enum devig_method)m), dt);
		printf("devig_ev_%s_prices_per_sec %.0f\n", devig_method_name((enum devig_method)m),
		       (double)n / dt);
		fprintf(stderr, "%s: %d lines, %zu prices, mean EV %.5f\n",
		        devig_method_name((enum devig_method)m), lines, n, sum / (double)n);
		pool_free(p);
	}
	free(rows);
	free(ids);
	return 0;
}
