/* odds_hits.h: a +EV hit as replies show it: the query's columns, their
 * JSON keys and the reply shape, shared by GET /api/ev/hits, its CSV,
 * the ingest reply and the JSON export. */
#ifndef EDGESCOUT_ODDS_HITS_H
#define EDGESCOUT_ODDS_HITS_H

#include "db.h"
#include "reply_rows.h"

/* The reply shape of one hit (route contract syntax). */
#define ODDS_HIT_SHAPE "{id:int, event_id:str, sport:str, home_team:str, away_team:str, " \
	"commence_time:str, market:str, outcome:str, point:num?, book:str, book_title:str, " \
	"price:num, fair_prob:num, fair_price:num, ev:num, kelly_full:num, kelly_stake:num, " \
	"method:str, fair_source:str, hold:num?, observed_at:str, source:str(scan|ingest), " \
	"created_at:str}"

/* SELECT ... FROM ev_hits h (with its event e and book b) of one hit per
 * row, in odds_hit_cols' columns; $2 is the Kelly fraction and $3 its cap
 * (kelly_stake = LEAST(kelly x $2, $3)). Add the WHERE. */
#define ODDS_SELECT_HIT \
	"SELECT h.id, h.event_id, h.sport_key, e.home_team, e.away_team, " \
	DB_TIME("h.commence_time") ", h.market, h.outcome, h.point::float8, h.book, b.title, " \
	"h.price::float8, h.fair_prob, 1 / h.fair_prob, h.ev, h.kelly, " \
	"LEAST(h.kelly * $2::float8, $3::float8), h.method, h.fair_source, h.hold, " \
	DB_TIME("h.observed_at") ", h.source, " DB_TIME("h.created_at") " " \
	"FROM ev_hits h JOIN odds_events e ON e.id = h.event_id " \
	"JOIN odds_books b ON b.key = h.book "

/* The columns of ODDS_SELECT_HIT and their JSON keys. */
extern const struct reply_col odds_hit_cols[];

#endif
