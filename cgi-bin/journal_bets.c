/* journal_bets.c: paper bets on the outcomes of odds events: placed at a
 * book's price (by default its latest for the outcome), settled by
 * cron/settle-odds from the event's final score like the +EV hits
 * (common/domain/odds_settle.h), counted in the journal's stats and
 * attribution. Stakes and profit are exact decimals. */
#include "app.h"

#include <string.h>

#include "reply_rows.h"

static int place_bet(struct req *r);
static int list_bets(struct req *r);
static int get_bet(struct req *r);
static int delete_bet(struct req *r);

#define LIMIT_DEFAULT 50
#define LIMIT_MAX 200

static const char *const market_names[] = { "h2h", "spreads", "totals", NULL };
static const char *const status_names[] = { "open", "settled", NULL };

static int
book_key(const char *s)
{
	return *s && strlen(s) <= 40 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static const struct param bet_body[] = {
	{ .name = "event_id", .type = PARAM_STRING, .required = 1, .min = 1, .max = 64,
	  .desc = "the event's id at the odds provider" },
	{ .name = "market", .type = PARAM_ENUM, .required = 1, .values = market_names,
	  .desc = "the market" },
	{ .name = "outcome", .type = PARAM_TEXT, .required = 1, .min = 1, .max = 200,
	  .desc = "the outcome backed" },
	{ .name = "point", .type = PARAM_NUMBER, .min = -10000, .max = 10000,
	  .desc = "handicap or total (spreads, totals)" },
	{ .name = "book", .type = PARAM_STRING, .required = 1, .check = book_key,
	  .rule = "a book key (lower case letters, digits, _)", .desc = "the book" },
	{ .name = "price", .type = PARAM_NUMBER, .min = 1, .max = 10001,
	  .desc = "the decimal price, above 1 (default: the book's latest for the outcome)" },
	{ .name = "stake", .type = PARAM_NUMBER, .required = 1, .min = 0, .max = 1000000000,
	  .desc = "the stake, above 0" },
	{ .name = "fair_prob", .type = PARAM_NUMBER, .min = 0, .max = 1,
	  .desc = "the fair probability (default: the latest +EV hit's on the outcome)" },
	{ 0 }
};

static const struct param list_query[] = {
	{ .name = "status", .type = PARAM_ENUM, .values = status_names,
	  .desc = "open or settled" },
	PARAM_PAGE(LIMIT_MAX),
	{ 0 }
};

#define BET "{id:int, event_id:str, sport:str, home_team:str, away_team:str, " \
	"commence_time:str, market:str, outcome:str, point:num?, book:str, price:num, " \
	"stake:num, fair_prob:num?, ev:num?, placed_at:str, status:str, result:str?, " \
	"pnl:num?, settled_at:str?}"

static const struct route routes[] = {
	{ .method = "POST", .path = "/api/journal/bets", .handler = place_bet,
	  .flags = NEED_AUTH | NEED_JSON, .body = bet_body, .status = 201, .reply = BET,
	  .summary = "place a paper bet" },
	{ .method = "GET", .path = "/api/journal/bets", .handler = list_bets,
	  .flags = NEED_AUTH, .query = list_query, .reply = SHAPE_PAGE(BET),
	  .summary = "the caller's paper bets, newest first" },
	{ .method = "GET", .path = "/api/journal/bets/{id}", .handler = get_bet,
	  .flags = NEED_AUTH, .reply = BET, .summary = "a paper bet" },
	{ .method = "DELETE", .path = "/api/journal/bets/{id}", .handler = delete_bet,
	  .flags = NEED_AUTH, .status = 204, .summary = "delete a paper bet" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

#define SELECT_BET \
	"SELECT b.id, b.event_id, e.sport_key, e.home_team, e.away_team, " \
	"       " DB_TIME("e.commence_time") ", b.market, b.outcome, trim_scale(b.point), b.book, " \
	"       trim_scale(b.price), trim_scale(b.stake), b.fair_prob, " \
	"       b.price::float8 * b.fair_prob - 1, " DB_TIME("b.placed_at") ", " \
	"       CASE WHEN b.result IS NULL THEN 'open' ELSE 'settled' END, b.result, " \
	"       trim_scale(b.pnl), " DB_TIME("b.settled_at") " " \
	"FROM journal_bets b JOIN odds_events e ON e.id = b.event_id "

static const struct reply_col BET_COLS[] = {
	{ "id", 0, RCOL_INT, 0 }, { "event_id", 1, RCOL_TEXT, 0 }, { "sport", 2, RCOL_TEXT, 0 },
	{ "home_team", 3, RCOL_TEXT, 0 }, { "away_team", 4, RCOL_TEXT, 0 },
	{ "commence_time", 5, RCOL_TEXT, 0 }, { "market", 6, RCOL_TEXT, 0 },
	{ "outcome", 7, RCOL_TEXT, 0 }, { "point", 8, RCOL_DECIMAL, RCOL_NULLABLE },
	{ "book", 9, RCOL_TEXT, 0 }, { "price", 10, RCOL_DECIMAL, 0 },
	{ "stake", 11, RCOL_DECIMAL, 0 }, { "fair_prob", 12, RCOL_NUMBER, RCOL_NULLABLE },
	{ "ev", 13, RCOL_NUMBER, RCOL_NULLABLE }, { "placed_at", 14, RCOL_TEXT, 0 },
	{ "status", 15, RCOL_TEXT, 0 }, { "result", 16, RCOL_TEXT, RCOL_NULLABLE },
	{ "pnl", 17, RCOL_DECIMAL, RCOL_NULLABLE }, { "settled_at", 18, RCOL_TEXT, RCOL_NULLABLE },
	{ NULL }
};

static const char SQL_ONE[] = SELECT_BET "WHERE b.id = $1 AND b.user_id = $2";

static const char SQL_PAGE[] =
	SELECT_BET "WHERE b.user_id = $1 "
	"  AND ($2::text IS NULL OR (b.result IS NULL) = ($2 = 'open')) "
	"  AND ($3::bigint = 0 OR b.id < $3) ORDER BY b.id DESC LIMIT $4";

static const char SQL_EXISTS[] = "SELECT 1 FROM journal_bets WHERE id = $1 AND user_id = $2";

/* Whether event $1 has started (or is over), and whether book $2 is known. */
static const char SQL_EVENT[] =
	"SELECT completed OR commence_time <= now(), "
	"       EXISTS (SELECT 1 FROM odds_books WHERE key = $2) "
	"FROM odds_events WHERE id = $1";

/* The book's latest price of the outcome, and the latest +EV hit's fair
 * probability of it ($1 event, $2 market, $3 outcome, $4 point, $5 book). */
static const char SQL_DEFAULTS[] =
	"SELECT (SELECT trim_scale(price) FROM odds_prices WHERE event_id = $1 AND market = $2 "
	"          AND outcome = $3 AND point IS NOT DISTINCT FROM $4::numeric AND book = $5 "
	"        ORDER BY observed_at DESC LIMIT 1), "
	"       (SELECT fair_prob FROM ev_hits WHERE event_id = $1 AND market = $2 "
	"          AND outcome = $3 AND point IS NOT DISTINCT FROM $4::numeric "
	"        ORDER BY observed_at DESC, id DESC LIMIT 1)";

static const char SQL_INSERT[] =
	"INSERT INTO journal_bets (user_id, event_id, market, outcome, point, book, price, "
	"                          stake, fair_prob) "
	"VALUES ($1, $2, $3, $4, $5::numeric, $6, $7::numeric, $8::numeric, $9::float8) "
	"RETURNING id";

static const char SQL_DELETE[] = "DELETE FROM journal_bets WHERE id = $1 AND user_id = $2";

static const char *
uid(struct req *r)
{
	return db_i64(r->pool, r->user->id);
}

/* Reply with bet id of the caller (status). */
static int
reply_bet(struct req *r, int status, const char *id)
{
	PGresult *res = db_query_or_reply(r, SQL_ONE, DB_ARGS(id, uid(r)));

	if (res == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such bet");
	return reply_json(r, status, pool_json(r->pool, reply_row_json(res, 0, BET_COLS)));
}

/* The event still to start, at a known book; 0, or -1 after replying 422. */
static int
event_or_reply(struct req *r)
{
	PGresult *res = db_query_or_reply(r, SQL_EVENT, DB_ARGS(req_str(r, "event_id"),
	                                                         req_str(r, "book")));

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "event_id", "no such event"), -1;
	if (db_text(res, 0, 0)[0] == 't')
		return reply_error(r, ERR_VALIDATION_FAILED, "event_id",
		                   "the event has started"), -1;
	if (db_text(res, 0, 1)[0] != 't')
		return reply_error(r, ERR_VALIDATION_FAILED, "book", "no such book"), -1;
	return 0;
}

/* POST /api/journal/bets {event_id, market, outcome, point?, book, price?,
 * stake, fair_prob?}: 201 with the bet; 422 for an unknown or started
 * event, an unknown book, or no price known. */
static int
place_bet(struct req *r)
{
	const char *price = req_str(r, "price"), *fair = req_str(r, "fair_prob");
	const char *point = req_str(r, "point");
	PGresult *res;

	if (req_has(r, "price") && req_number(r, "price", 0) <= 1)
		return reply_error(r, ERR_VALIDATION_FAILED, "price", "price must be above 1");
	if (req_number(r, "stake", 0) <= 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "stake", "stake must be above 0");
	if (fair && (req_number(r, "fair_prob", 0) <= 0 || req_number(r, "fair_prob", 0) >= 1))
		return reply_error(r, ERR_VALIDATION_FAILED, "fair_prob",
		                   "fair_prob must be above 0 and below 1");
	if (event_or_reply(r) < 0 ||
	    (res = db_query_or_reply(r, SQL_DEFAULTS, DB_ARGS(req_str(r, "event_id"),
	         req_str(r, "market"), req_str(r, "outcome"), point, req_str(r, "book")))) == NULL)
		return r->status;
	if (price == NULL && PQgetisnull(res, 0, 0))
		return reply_error(r, ERR_VALIDATION_FAILED, "price",
		                   "the book has no price for this outcome: give price");
	price = price ? price : pool_strdup(r->pool, db_text(res, 0, 0));
	if (fair == NULL && !PQgetisnull(res, 0, 1))
		fair = pool_strdup(r->pool, db_text(res, 0, 1));
	res = db_query_or_reply(r, SQL_INSERT, DB_ARGS(uid(r), req_str(r, "event_id"),
	    req_str(r, "market"), req_str(r, "outcome"), point, req_str(r, "book"), price,
	    req_str(r, "stake"), fair));
	if (res == NULL)
		return r->status;
	return reply_bet(r, 201, db_text(res, 0, 0));
}

/* GET /api/journal/bets?status=&limit=&cursor=: a page of the caller's
 * bets, newest first. */
static int
list_bets(struct req *r)
{
	int64_t limit = req_int(r, "limit", LIMIT_DEFAULT), cursor = req_int(r, "cursor", 0);
	PGresult *res;

	if (page_cursor_or_reply(r, SQL_EXISTS, cursor, uid(r)) < 0 ||
	    (res = db_query_or_reply(r, SQL_PAGE, DB_ARGS(uid(r), req_str(r, "status"),
	         db_i64(r->pool, cursor), db_i64(r->pool, limit + 1)))) == NULL)
		return r->status;
	return reply_page(r, reply_rows_json(res, (int)limit, BET_COLS),
	                  PQntuples(res) > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}

/* GET /api/journal/bets/{id}: the bet; 404 when not the caller's. */
static int
get_bet(struct req *r)
{
	int64_t id;

	if (req_path_i64_or_reply(r, "id", &id) < 0)
		return r->status;
	return reply_bet(r, 200, db_i64(r->pool, id));
}

/* DELETE /api/journal/bets/{id}: 204; 404 when not the caller's. */
static int
delete_bet(struct req *r)
{
	int64_t id, n;

	if (req_path_i64_or_reply(r, "id", &id) < 0 ||
	    (n = db_exec_or_reply(r, SQL_DELETE, DB_ARGS(db_i64(r->pool, id), uid(r)))) < 0)
		return r->status;
	if (n == 0)
		return reply_error(r, ERR_NOT_FOUND, NULL, "no such bet");
	return reply_raw(r, 204, NULL, "", 0);
}
