/* deal.h: the deal score: a listing's total price against the totals of
 * comparable listings, the computation alone (no database, no network).
 *
 * Comparables. A listing's comparables are the other listings of the same
 * saved search (the caller passes one search's listings) in the same
 * condition bucket (new and open box together; refurbished, used, for
 * parts and unknown each alone), not the listing itself (same index or
 * same provider item id) and whose title holds none of the search's
 * exclusion words (ASCII case-insensitive substrings). A listing's total
 * is its price plus its shipping; unknown shipping counts as 0.
 *
 * Spread. Of the comparables' totals: the count, the median (the mean of
 * the two middle values for an even count), the MAD (median absolute
 * deviation from the median) and the robust scale 1.4826 * MAD, floored at
 * DEAL_MIN_SCALE_SHARE of the median (and at 0.01) so that equal totals
 * (zero spread) still give a finite distance. z = (median - total) / scale
 * is how many robust units the listing's total lies below the median.
 *
 * The scoring model (DEAL_VERSION 1): a weighted mean of four components,
 * each scored 0-100 with 50 neutral:
 *
 *   price     70  50 + 50 * tanh(z / 2): 50 at the median whatever the
 *                 spread, rising as the total falls below it (z = 2: 88),
 *                 falling as it rises above (z = -2: 12)
 *   seller    15  feedback percent >= 99.5: 90; 98..99.5: lin 50..90;
 *                 90..98: lin 0..50; below 90: 0; unknown: 50; at most 40
 *                 when the feedback score (ratings count) is below 10
 *   condition 10  within its bucket: open box (priced against new) 40,
 *                 unknown 30, any other 50
 *   shipping   5  unknown: 30 (the total may be higher); free: 70;
 *                 otherwise 50 while shipping is at most 10 % of the
 *                 comparables' median total, then lin 50..0 as that share
 *                 goes to 50 % (of the median, not of the listing's own
 *                 total, so that the price alone moves the price component)
 *
 * Each component contributes weight * score / 100 points, rounded to 2
 * decimals, and the score is the sum (so the parts shown add up to it);
 * a listing at the median with neutral seller, condition and shipping
 * scores exactly 50. The price component is the only one that depends on
 * the price, and it falls as the total rises, so a dearer copy of a
 * listing never scores higher.
 *
 * Band (only with at least DEAL_MIN_COMPARABLES comparables; below that
 * there is a score but no band): great >= 75, good >= 62, fair >= 40,
 * overpriced below 40. Confidence from count and relative spread
 * (scale / median):
 *   insufficient  fewer than DEAL_MIN_COMPARABLES comparables: no band
 *   low           fewer than 10, or relative spread above 0.5
 *   high          20 or more and relative spread at most 0.25
 *   medium        otherwise */
#ifndef EDGESCOUT_DEAL_H
#define EDGESCOUT_DEAL_H

#include <stddef.h>

struct pool;

#define DEAL_VERSION 1
#define DEAL_MIN_COMPARABLES 5       /* below: no band */
#define DEAL_MIN_SCALE_SHARE 0.02    /* the robust scale's floor, share of the median */
#define DEAL_MAD_SCALE 1.4826        /* MAD to a normal sigma */
#define DEAL_GREAT_AT 75.0
#define DEAL_GOOD_AT 62.0
#define DEAL_FAIR_AT 40.0
#define DEAL_COMPONENTS 4

enum deal_condition {
	DEAL_NEW, DEAL_OPEN_BOX, DEAL_REFURBISHED, DEAL_USED, DEAL_PARTS, DEAL_UNKNOWN,
	DEAL_CONDITION_COUNT
};

/* The conditions' names in enum order, NULL-ended. */
extern const char *const deal_conditions[DEAL_CONDITION_COUNT + 1];

/* The condition's name ("open_box"); "" for a value out of range. */
const char *deal_condition_name(enum deal_condition c);

/* The condition named s, or -1 when s is NULL or no condition's name. */
int deal_condition_parse(const char *s);

/* The bucket c is compared within: DEAL_NEW for new and open box, c itself
 * otherwise. */
enum deal_condition deal_condition_bucket(enum deal_condition c);

/* One listing as the scorer sees it (strings borrowed). */
struct deal_listing {
	const char *item_id;       /* the provider's item id */
	const char *title;
	double price;              /* > 0 */
	double shipping;           /* >= 0, or NAN when not known */
	enum deal_condition condition;
	double feedback_pct;       /* 0..100, or NAN when not known */
	long feedback_score;       /* ratings count, or < 0 when not known */
};

/* price + shipping (unknown shipping counts as 0). */
double deal_total(const struct deal_listing *l);

/* 1 when title holds any of the n words (ASCII case-insensitive; empty
 * words are ignored), else 0. */
int deal_excluded(const char *title, const char *const *words, size_t n);

/* Write the totals of the comparables of all[self] among the n listings of
 * one search into totals (room for n values); exclude holds nex exclusion
 * words. Returns how many were written. */
size_t deal_comparables(const struct deal_listing *all, size_t n, size_t self,
    const char *const *exclude, size_t nex, double *totals);

struct deal_stats {
	size_t count;
	double median;             /* NAN when count is 0 */
	double mad;                /* median absolute deviation */
	double scale;              /* max(1.4826 * mad, 2 % of median, 0.01) */
	double spread;             /* scale / median: relative spread */
};

/* The spread of the n totals (reordered in place). 0, or -1 (out->count 0,
 * the rest NAN) when n is 0. */
int deal_stats(double *totals, size_t n, struct deal_stats *out);

/* The median of the n values of v (reordered in place); NAN for n 0. */
double deal_median(double *v, size_t n);

struct deal_component {
	const char *name;          /* "price", "seller", "condition", "shipping" */
	double value;              /* the input scored (z, percent, ...); NAN: unknown */
	double score;              /* 0..100 */
	double weight;             /* percent */
	double contribution;       /* weight * score / 100, 2 decimals */
	const char *explanation;   /* one sentence (pool memory) */
};

struct deal_score {
	struct deal_stats stats;
	double total;
	double z;                  /* robust units below the median */
	struct deal_component c[DEAL_COMPONENTS];
	double score;              /* sum of the contributions; NAN without comparables */
	const char *band;          /* "great" | "good" | "fair" | "overpriced" | NULL */
	const char *confidence;    /* "high" | "medium" | "low" | "insufficient" */
};

/* Score listing l against the spread st of its comparables; explanations
 * are written into pool p. With no comparables (st->count 0) the score is
 * NAN and the components' scores too. */
void deal_score(struct pool *p, const struct deal_listing *l,
    const struct deal_stats *st, struct deal_score *out);

/* The band of score with count comparables; NULL below
 * DEAL_MIN_COMPARABLES or for NAN. */
const char *deal_band(double score, size_t count);

/* The confidence of a spread (see above). */
const char *deal_confidence(const struct deal_stats *st);

/* 1 when s names a band, else 0. */
int deal_band_valid(const char *s);

/* The components of s as a JSON array (a new object for the caller):
 * {name, value, score, weight, contribution, explanation} each, numbers
 * rounded (value 4 decimals, the rest 2), NAN as null. */
struct json_object *deal_components_json(const struct deal_score *s);

/* Score every listing of one search (n of them, exclusion words exclude):
 * out[i] for all[i]. Scratch memory and explanations from pool p. */
void deal_score_search(struct pool *p, const struct deal_listing *all, size_t n,
    const char *const *exclude, size_t nex, struct deal_score *out);

#endif
