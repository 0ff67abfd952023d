/* odds_hits.c: a hit's reply columns (odds_hits.h). */
#include "odds_hits.h"

const struct reply_col odds_hit_cols[] = {
	{ "id",            0,  RCOL_INT,    0 },
	{ "event_id",      1,  RCOL_TEXT,   0 },
	{ "sport",         2,  RCOL_TEXT,   0 },
	{ "home_team",     3,  RCOL_TEXT,   0 },
	{ "away_team",     4,  RCOL_TEXT,   0 },
	{ "commence_time", 5,  RCOL_TEXT,   0 },
	{ "market",        6,  RCOL_TEXT,   0 },
	{ "outcome",       7,  RCOL_TEXT,   0 },
	{ "point",         8,  RCOL_NUMBER, RCOL_NULLABLE },
	{ "book",          9,  RCOL_TEXT,   0 },
	{ "book_title",    10, RCOL_TEXT,   0 },
	{ "price",         11, RCOL_NUMBER, 0 },
	{ "fair_prob",     12, RCOL_NUMBER, 0 },
	{ "fair_price",    13, RCOL_NUMBER, 0 },
	{ "ev",            14, RCOL_NUMBER, 0 },
	{ "kelly_full",    15, RCOL_NUMBER, 0 },
	{ "kelly_stake",   16, RCOL_NUMBER, 0 },
	{ "method",        17, RCOL_TEXT,   0 },
	{ "fair_source",   18, RCOL_TEXT,   0 },
	{ "hold",          19, RCOL_NUMBER, RCOL_NULLABLE },
	{ "observed_at",   20, RCOL_TEXT,   0 },
	{ "source",        21, RCOL_TEXT,   0 },
	{ "created_at",    22, RCOL_TEXT,   0 },
	{ NULL }
};
