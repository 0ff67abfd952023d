/* odds_results.h: the +EV hits whose events are over, and their
 * settlement (result, profit, closing line value) written back to ev_hits. */
#ifndef EDGESCOUT_ODDS_RESULTS_H
#define EDGESCOUT_ODDS_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "odds_settle.h"

struct pool;

/* A hit waiting for its settlement, with its event's final score. */
struct odds_due {
	int64_t id;
	const char *event_id, *market, *outcome, *method;
	int has_point;
	double point, price, kelly;
	const char *home_team, *away_team, *home_score, *away_score;
	int has_draw;     /* the event's h2h market priced a Draw */
};

/* The rows of sql ($1 the limit) as *n settlements due into *out, in pool
 * memory; its columns, in order: id, event_id, market, outcome, method,
 * point, price, kelly, home_team, away_team, home_score, away_score and
 * whether the event's h2h priced a draw. 0, or -1 on DB failure. Shared by
 * the +EV hits and the journal's paper bets. */
int odds_due_rows(struct pool *p, const char *sql, int limit, struct odds_due **out,
                  size_t *n);

/* At most limit unsettled hits of completed events into *out (*n, pool
 * memory), oldest event first. 0, or -1 on DB failure. */
int odds_due_hits(struct pool *p, int limit, struct odds_due **out, size_t *n);

/* The sports of unsettled hits whose events have started, into *out (*n,
 * pool memory). 0, or -1 on DB failure. */
int odds_due_sports(struct pool *p, const char ***out, size_t *n);

/* Settle hit id once: result r, the profit of one unit staked and of its
 * Kelly stake (a share of the bankroll), the closing fair price and CLV
 * (NAN: unknown, stored NULL). *updated 0 when it was settled before.
 * 0, or -1 (logged). */
int odds_hit_settle(struct pool *p, int64_t id, enum odds_result r, double profit_flat,
                    double profit_kelly, double closing_fair_price, double clv,
                    int *updated);

#endif
