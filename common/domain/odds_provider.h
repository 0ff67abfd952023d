/* odds_provider.h: parsing what odds providers send: The Odds API v4
 * (sports, odds) and recorded odds as CSV.
 *
 * Both odds parsers produce price rows, one per event, book, market and
 * outcome. A book's market is taken whole or not at all: a market with one
 * outcome, a price of at most 1.0 (or an American price in (-100, 100)), an
 * outcome twice, an unknown book or market key refuses that market (counted
 * in refused, the first reason kept) and none of its rows comes out. As
 * with provider.h, the parsers are pure, trust nothing, and set *msg to a
 * short log-safe reason. */
#ifndef EDGESCOUT_ODDS_PROVIDER_H
#define EDGESCOUT_ODDS_PROVIDER_H

#include <stddef.h>

#include "provider.h"

struct json_object;
struct pool;

/* One price: the event it belongs to, the book, the market, the outcome. */
struct odds_row {
	const char *event_id;
	const char *sport;          /* sport key ("basketball_nba") */
	const char *commence_time;  /* RFC 3339 UTC ("2026-01-01T18:00:00Z") */
	const char *home_team, *away_team;
	const char *book;           /* book key ("pinnacle") */
	const char *book_title;     /* "Pinnacle"; the key when none was given */
	const char *market;         /* "h2h", "spreads" or "totals" */
	const char *outcome;        /* "Boston Celtics", "Draw", "Over" */
	double price;               /* decimal, above 1 */
	int has_point;
	double point;               /* the handicap or total, when has_point */
	const char *observed_at;    /* when the book last changed the market */
};

struct odds_rows {
	struct odds_row *v;
	size_t n;
	size_t markets;             /* book markets taken */
	size_t refused;             /* book markets refused */
	const char *refusal;        /* the first refusal's reason, or NULL */
};

/* One sport of GET /v4/sports. */
struct odds_sport {
	const char *key, *group, *title, *description;
	int active, has_outrights;
};

/* One event of GET /v4/sports/{sport}/scores. */
struct odds_score {
	const char *event_id, *sport, *commence_time, *home_team, *away_team;
	int completed;
	const char *home_score, *away_score;   /* NULL until the provider has one */
	const char *last_update;               /* NULL when none */
};

/* The book keys known when the caller gives none (NULL-ended). */
extern const char *const odds_default_books[];

/* 1 when s is a market key edgescout scores: h2h, spreads, totals. */
int odds_market_known(const char *s);

/* 1 when s is "YYYY-MM-DDTHH:MM:SS[.fff]Z". */
int odds_time_valid(const char *s);

/* GET /v4/sports/{sport}/odds (an array of events with bookmakers) into
 * *out; american: the prices are American (oddsFormat=american). books:
 * the known book keys (NULL-ended; NULL: odds_default_books). 401 ->
 * FORBIDDEN, 429 -> RATE_LIMITED, 422 (an unknown sport) -> NO_DATA, each
 * with the provider's message. OK also with no event (n 0). */
enum provider_status odds_parse_events(struct pool *p, long http_status,
    const char *body, size_t len, int american, const char *const *books,
    struct odds_rows *out, const char **msg);

/* Recorded odds as CSV, header "event_id,sport,commence_time,home_team,
 * away_team,book,market,outcome,price,point,time" (any order and case;
 * point may be empty; book_title optional), RFC 4180, into *out. A
 * malformed line -> BAD_RESPONSE "line N: ..."; a refused market is counted
 * as for odds_parse_events. */
enum provider_status odds_parse_csv(struct pool *p, const char *body, size_t len,
    int american, const char *const *books, struct odds_rows *out, const char **msg);

/* GET /v4/sports into *out (*n sports, pool memory). */
enum provider_status odds_parse_sports(struct pool *p, long http_status,
    const char *body, size_t len, struct odds_sport **out, size_t *n,
    const char **msg);

/* GET /v4/sports/{sport}/scores into *out (*n events, pool memory): each
 * event's id, teams, start, whether it is completed and, when given, each
 * team's score (matched to home and away by name). Errors as for
 * odds_parse_events. */
enum provider_status odds_parse_scores(struct pool *p, long http_status,
    const char *body, size_t len, struct odds_score **out, size_t *n, const char **msg);

/* The status of an HTTP reply of The Odds API: OK for 2xx, NO_DATA for 422
 * (an unknown sport), else as prov_http_class; *msg the provider's own
 * message when it is not OK. */
enum provider_status odds_http_status(struct pool *p, long http_status, const char *body,
    size_t len, const char **msg);

/* The body of an OK reply of The Odds API as a JSON array (pool-owned) in
 * *list; else as odds_http_status, or BAD_RESPONSE with *msg saying the
 * body is not a JSON array of what ("events", "sports"). */
enum provider_status odds_json_array(struct pool *p, long http_status, const char *body,
                                     size_t len, const char *what, struct json_object **list,
                                     const char **msg);

/* Take the rows of one book's market tmp[0..n) into out when they form a
 * valid market (odds_provider.h's rules), else count the refusal. The rows
 * must share event, book and market. */
void odds_rows_take(struct pool *p, struct odds_rows *out, const struct odds_row *tmp,
    size_t n, const char *const *books);

#endif
