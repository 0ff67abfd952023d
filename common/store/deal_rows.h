/* deal_rows.h: a scored listing as replies show it: the query's columns,
 * their JSON keys and the reply shape, shared by GET /api/deals, its CSV
 * and GET /api/deals/{id}. */
#ifndef EDGESCOUT_DEAL_ROWS_H
#define EDGESCOUT_DEAL_ROWS_H

#include "db.h"
#include "reply_rows.h"

/* The reply shape of one listing (route contract syntax). */
#define DEAL_SHAPE "{id:int, search_id:int, search:str, provider:str, item_id:str, " \
	"title:str, price:num, currency:str, shipping:num?, total:num, condition:str, " \
	"score:num?, band:str(great|good|fair|overpriced)?, " \
	"confidence:str(high|medium|low|insufficient)?, comparables:int, median_total:num?, " \
	"url:str, location:str, listed_at:str?, first_seen_at:str, last_seen_at:str, " \
	"ended:bool}"

/* SELECT ... FROM deal_listings l JOIN deal_searches s of one listing per
 * row, in deal_cols' columns. Add the WHERE. */
#define DEAL_SELECT \
	"SELECT l.id, l.search_id, s.name, l.provider, l.item_id, l.title, l.price::float8, " \
	"l.currency, l.shipping::float8, (l.price + COALESCE(l.shipping, 0))::float8, " \
	"l.condition, l.score::float8, l.band, l.confidence, l.comparables, " \
	"l.median_total::float8, l.url, l.location, " DB_TIME("l.listed_at") ", " \
	DB_TIME("l.first_seen_at") ", " DB_TIME("l.last_seen_at") ", l.ended " \
	"FROM deal_listings l JOIN deal_searches s ON s.id = l.search_id "

/* The listings user $1 sees: those of the user's searches and of the demo
 * searches (no user). */
#define DEAL_VISIBLE "(s.user_id = $1 OR s.user_id IS NULL)"

/* The columns of DEAL_SELECT and their JSON keys. */
extern const struct reply_col deal_cols[];

#endif
