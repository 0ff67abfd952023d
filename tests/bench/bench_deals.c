/* bench_deals.c: the deal score of 100,000 listings against their
 * comparables, one core. The listings are made up from a fixed seed: 500
 * saved searches of 200 listings each, each search with its own typical
 * price, listings in three conditions (so three buckets), a lognormal-ish
 * spread of prices, shipping known or not, two exclusion words of which
 * some titles hold one. It times deal_score_search over every search
 * (comparables, median, MAD, components, band) and prints
 *   deals_score_seconds <s>   deals_score_listings_per_sec <n>
 * Arguments: searches (default 500), listings per search (default 200). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "deal.h"
#include "pool.h"

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

static const char *const titles[] = {
	"Camera body", "Camera body, boxed", "Camera body for parts", "Camera body READ"
};
static const char *const exclude[] = { "for parts", "read" };

int
main(int argc, char **argv)
{
	int searches = argc > 1 ? atoi(argv[1]) : 500, per = argc > 2 ? atoi(argv[2]) : 200;
	size_t n, great = 0;
	struct deal_listing *all;
	struct deal_score *out;
	char (*ids)[24];
	double t0, dt = 0;

	if (searches < 1 || per < 1) {
		fprintf(stderr, "usage: bench_deals [searches [listings per search]]\n");
		return 2;
	}
	n = (size_t)searches * (size_t)per;
	all = calloc(n, sizeof(*all));
	out = calloc((size_t)per, sizeof(*out));
	ids = calloc(n, sizeof(*ids));
	if (all == NULL || out == NULL || ids == NULL)
		return 1;
	for (int s = 0; s < searches; s++) {
		double typical = 20 + 2000 * uniform();

		for (int i = 0; i < per; i++) {
			size_t k = (size_t)s * (size_t)per + (size_t)i;
			struct deal_listing *l = &all[k];

			snprintf(ids[k], sizeof(ids[k]), "%zu", k);
			l->item_id = ids[k];
			l->title = titles[(int)(uniform() * 4) % 4];
			l->condition = (enum deal_condition)((int)(uniform() * 3) % 3 + DEAL_OPEN_BOX);
			l->price = typical * exp(0.3 * (uniform() + uniform() + uniform() - 1.5));
			l->shipping = uniform() < 0.2 ? NAN : uniform() < 0.5 ? 0 : 5 + 20 * uniform();
			l->feedback_pct = uniform() < 0.1 ? NAN : 90 + 10 * uniform();
			l->feedback_score = (long)(1000 * uniform()) - 1;
		}
	}
	for (int s = -1; s < searches; s++) {   /* -1: a warm-up, not timed */
		struct pool *p = pool_new();
		size_t base = (size_t)(s < 0 ? 0 : s) * (size_t)per;

		t0 = now();
		deal_score_search(p, all + base, (size_t)per, exclude, 2, out);
		if (s >= 0) {
			dt += now() - t0;
			for (int i = 0; i < per; i++)
				great += out[i].band != NULL && out[i].band[0] == 'g' &&
				         out[i].band[1] == 'r';
		}
		pool_free(p);
	}
	printf("deals_score_seconds %.3f\n", dt);
	printf("deals_score_listings_per_sec %.0f\n", (double)n / dt);
	fprintf(stderr, "%zu listings in %d searches, %zu great\n", n, searches, great);
	free(all);
	free(out);
	free(ids);
	return 0;
}
