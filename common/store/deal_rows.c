/* deal_rows.c: a listing's reply columns (deal_rows.h). */
#include "deal_rows.h"

const struct reply_col deal_cols[] = {
	{ "id",            0,  RCOL_INT,    0 },
	{ "search_id",     1,  RCOL_INT,    0 },
	{ "search",        2,  RCOL_TEXT,   0 },
	{ "provider",      3,  RCOL_TEXT,   0 },
	{ "item_id",       4,  RCOL_TEXT,   0 },
	{ "title",         5,  RCOL_TEXT,   0 },
	{ "price",         6,  RCOL_NUMBER, 0 },
	{ "currency",      7,  RCOL_TEXT,   0 },
	{ "shipping",      8,  RCOL_NUMBER, RCOL_NULLABLE },
	{ "total",         9,  RCOL_NUMBER, 0 },
	{ "condition",     10, RCOL_TEXT,   0 },
	{ "score",         11, RCOL_NUMBER, RCOL_NULLABLE },
	{ "band",          12, RCOL_TEXT,   RCOL_NULLABLE },
	{ "confidence",    13, RCOL_TEXT,   RCOL_NULLABLE },
	{ "comparables",   14, RCOL_INT,    0 },
	{ "median_total",  15, RCOL_NUMBER, RCOL_NULLABLE },
	{ "url",           16, RCOL_TEXT,   0 },
	{ "location",      17, RCOL_TEXT,   0 },
	{ "listed_at",     18, RCOL_TEXT,   RCOL_NULLABLE },
	{ "first_seen_at", 19, RCOL_TEXT,   0 },
	{ "last_seen_at",  20, RCOL_TEXT,   0 },
	{ "ended",         21, RCOL_BOOL,   0 },
	{ NULL }
};
