/* deal_score.c: the deal scoring model (documented in deal.h). */
#include "deal.h"

#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonv.h"
#include "pool.h"

/* Here rather than in deal.c, whose whole-search scoring calls
 * deal_score: the objects point one way (deal -> deal_score). */
double
deal_total(const struct deal_listing *l)
{
	return l->price + (isnan(l->shipping) ? 0 : l->shipping);
}

static double
clamp100(double x)
{
	return x < 0 ? 0 : x > 100 ? 100 : x;
}

/* y on the line through (x0, y0) and (x1, y1), clamped to [0, 100]. */
static double
lin(double x, double x0, double y0, double x1, double y1)
{
	return clamp100(y0 + (x - x0) * (y1 - y0) / (x1 - x0));
}

static double
round2(double x)
{
	return round(x * 100) / 100;
}

static void
score_price(struct pool *p, double z, const struct deal_stats *st, double total,
    struct deal_component *c)
{
	c->name = "price";
	c->weight = 70;
	c->value = z;
	c->score = clamp100(50 + 50 * tanh(z / 2));
	c->explanation = pool_printf(p, "total %.2f is %.2f robust units %s the median %.2f "
	                             "of %zu comparables", total, fabs(z),
	                             z >= 0 ? "below" : "above", st->median, st->count);
}

static void
score_seller(struct pool *p, const struct deal_listing *l, struct deal_component *c)
{
	double pct = l->feedback_pct;

	c->name = "seller";
	c->weight = 15;
	c->value = pct;
	if (isnan(pct)) {
		c->score = 50;
		c->explanation = "seller feedback is not known: neutral";
		return;
	}
	if (pct >= 99.5)
		c->score = 90;
	else if (pct >= 98)
		c->score = lin(pct, 98, 50, 99.5, 90);
	else
		c->score = lin(pct, 90, 0, 98, 50);
	if (l->feedback_score >= 0 && l->feedback_score < 10 && c->score > 40) {
		c->score = 40;
		c->explanation = pool_printf(p, "%.1f %% positive feedback, but from only %ld "
		                             "ratings", pct, l->feedback_score);
		return;
	}
	c->explanation = pool_printf(p, "%.1f %% positive feedback (98 %% is neutral)", pct);
}

static void
score_condition(const struct deal_listing *l, struct deal_component *c)
{
	c->name = "condition";
	c->weight = 10;
	c->value = NAN;
	switch (l->condition) {
	case DEAL_OPEN_BOX:
		c->score = 40;
		c->explanation = "open box, compared with new listings";
		break;
	case DEAL_UNKNOWN:
		c->score = 30;
		c->explanation = "condition is not stated";
		break;
	default:
		c->score = 50;
		c->explanation = "compared with listings in the same condition";
		break;
	}
}

static void
score_shipping(struct pool *p, const struct deal_listing *l, double median,
    struct deal_component *c)
{
	c->name = "shipping";
	c->weight = 5;
	c->value = l->shipping;
	if (isnan(l->shipping)) {
		c->score = 30;
		c->explanation = "shipping cost is not known: the total may be higher";
	} else if (l->shipping == 0) {
		c->score = 70;
		c->explanation = "free shipping";
	} else {
		double share = median > 0 ? l->shipping / median : 1;

		c->score = share <= 0.10 ? 50 : lin(share, 0.10, 50, 0.50, 0);
		c->explanation = pool_printf(p, "shipping %.2f is %.0f %% of the comparables' "
		                             "median total", l->shipping, 100 * share);
	}
}

const char *
deal_band(double score, size_t count)
{
	if (isnan(score) || count < DEAL_MIN_COMPARABLES)
		return NULL;
	if (score >= DEAL_GREAT_AT)
		return "great";
	if (score >= DEAL_GOOD_AT)
		return "good";
	if (score >= DEAL_FAIR_AT)
		return "fair";
	return "overpriced";
}

int
deal_band_valid(const char *s)
{
	static const char *const bands[] = { "great", "good", "fair", "overpriced" };

	for (size_t i = 0; s != NULL && i < sizeof(bands) / sizeof(bands[0]); i++)
		if (strcmp(s, bands[i]) == 0)
			return 1;
	return 0;
}

const char *
deal_confidence(const struct deal_stats *st)
{
	if (st->count < DEAL_MIN_COMPARABLES)
		return "insufficient";
	if (st->count < 10 || !(st->spread <= 0.5))
		return "low";
	if (st->count >= 20 && st->spread <= 0.25)
		return "high";
	return "medium";
}

void
deal_score(struct pool *p, const struct deal_listing *l, const struct deal_stats *st,
    struct deal_score *out)
{
	memset(out, 0, sizeof(*out));
	out->stats = *st;
	out->total = deal_total(l);
	out->z = st->count > 0 ? (st->median - out->total) / st->scale : NAN;
	out->confidence = deal_confidence(st);
	if (st->count == 0) {
		out->score = NAN;
		for (int i = 0; i < DEAL_COMPONENTS; i++)
			out->c[i].score = out->c[i].contribution = out->c[i].value = NAN;
		out->c[0].name = "price";
		out->c[0].explanation = "no comparable listings: no score";
		return;
	}
	score_price(p, out->z, st, out->total, &out->c[0]);
	score_seller(p, l, &out->c[1]);
	score_condition(l, &out->c[2]);
	score_shipping(p, l, st->median, &out->c[3]);
	out->score = 0;
	for (int i = 0; i < DEAL_COMPONENTS; i++) {
		out->c[i].contribution = round2(out->c[i].weight * out->c[i].score / 100);
		out->score += out->c[i].contribution;
	}
	out->score = round2(out->score);
	out->band = deal_band(out->score, st->count);
}

static json_object *
rounded(double v, double scale)
{
	return isnan(v) ? NULL : jsonv_number(round(v * scale) / scale);
}

json_object *
deal_components_json(const struct deal_score *s)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < DEAL_COMPONENTS && s->c[i].name != NULL; i++) {
		const struct deal_component *c = &s->c[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(c->name));
		json_object_object_add(o, "value", rounded(c->value, 1e4));
		json_object_object_add(o, "score", rounded(c->score, 100));
		json_object_object_add(o, "weight", rounded(c->weight, 100));
		json_object_object_add(o, "contribution", rounded(c->contribution, 100));
		json_object_object_add(o, "explanation",
		                       json_object_new_string(c->explanation ? c->explanation : ""));
		json_object_array_add(a, o);
	}
	return a;
}
