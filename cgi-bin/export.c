/* export.c: stored daily prices out: CSV and JSON exports (streamed, one
 * symbol's bars in memory at a time) and candles for charts. */
#include "app.h"

#include <string.h>

#include "analysis.h"
#include "analysis_db.h"
#include "analysis_req.h"
#include "market_store.h"
#include "odds_hits.h"

static int export_csv(struct req *r);
static int export_json(struct req *r);
static int candles(struct req *r);

static const struct param export_query[] = {
	{ .name = "symbols", .type = PARAM_STRING, .required = 1, .min = 1,
	  .max = ANALYSIS_MAX_SYMBOLS * (VALID_SYMBOL_MAX + 1), .upper = 1,
	  .desc = "comma-separated distinct ticker symbols, each with stored prices" },
	ANALYSIS_PARAM_DATE("from", "the first day"), ANALYSIS_PARAM_DATE("to", "the last day"),
	{ 0 }
};
static const struct param export_json_query[] = {
	{ .name = "symbols", .type = PARAM_STRING, .required = 1, .min = 1,
	  .max = ANALYSIS_MAX_SYMBOLS * (VALID_SYMBOL_MAX + 1), .upper = 1,
	  .desc = "comma-separated distinct ticker symbols, each with stored prices" },
	ANALYSIS_PARAM_DATE("from", "the first day"), ANALYSIS_PARAM_DATE("to", "the last day"),
	{ .name = "hits", .type = PARAM_BOOL,
	  .desc = "true: add the +EV hits the caller sees, observed from..to" },
	{ 0 }
};
static const struct param candles_query[] = {
	ANALYSIS_PARAM_SYMBOL,
	ANALYSIS_PARAM_DATE("from", "the first day"), ANALYSIS_PARAM_DATE("to", "the last day"),
	{ 0 }
};

#define ROW "{symbol:str, date:str, open:num?, high:num?, low:num?, close:num?, " \
	"adjclose:num?, volume:int?}"
#define COLUMN "[num?]"

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/v1/export.csv", .handler = export_csv,
	  .flags = NEED_SCOPE(SCOPE_EXPORT), .quota = "export", .query = export_query,
	  .reply = "str", .media = "text/csv", .summary = "daily prices as CSV (RFC 4180)" },
	{ .method = "GET", .path = "/api/v1/export.json", .handler = export_json,
	  .flags = NEED_SCOPE(SCOPE_EXPORT), .quota = "export", .query = export_json_query,
	  .reply = "{symbols:[str], from:str?, to:str?, rows:[" ROW "], count:int, "
	           "hits~:[" ODDS_HIT_SHAPE "]}",
	  .summary = "daily prices as JSON rows" },
	{ .method = "GET", .path = "/api/candles", .handler = candles,
	  .flags = NEED_SCOPE(SCOPE_READ), .quota = "default", .query = candles_query,
	  .reply = "{symbol:str, from:str?, to:str?, count:int, dates:[str], open:" COLUMN
	           ", high:" COLUMN ", low:" COLUMN ", close:" COLUMN ", adjclose:" COLUMN
	           ", volume:[int], freshness:" ANALYSIS_FRESHNESS_SHAPE "}",
	  .summary = "a symbol's daily prices as columns, for charts" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

#define FLUSH_BYTES 65536

struct export {
	const char **symbols;
	int n;
	const char *from, *to;
};

/* Check the export's query; every symbol must have stored prices. 0, or
 * -1 after replying. */
static int
export_or_reply(struct req *r, struct export *x)
{
	char latest[11];

	if (analysis_symbol_list_or_reply(r, "symbols", req_str(r, "symbols"), &x->symbols,
	                                  &x->n) < 0 ||
	    analysis_range_or_reply(r, &x->from, &x->to) < 0)
		return -1;
	for (int i = 0; i < x->n; i++) {
		if (market_latest(r->pool, x->symbols[i], latest, NULL) < 0)
			return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL), -1;
		if (latest[0] == '\0')
			return reply_errorf(r, ERR_NOT_FOUND, "symbols", "no prices stored for %s",
			                    x->symbols[i]), -1;
	}
	return 0;
}

/* Send b's contents and empty it: 0, or -1 when the client has gone. */
static int
flush(struct req *r, struct buf *b)
{
	int rc = b->len ? reply_write(r, b->data, b->len) : 0;

	b->len = 0;
	return rc;
}

/* Stream every bar of x as rows (json: objects separated by commas after
 * the first of the whole export, *count so far). Each symbol's bars live
 * in a pool of their own, freed before the next symbol. 0, or -1 (logged:
 * the reply is cut short). */
static int
stream_rows(struct req *r, const struct export *x, int json, long long *count)
{
	for (int i = 0; i < x->n; i++) {
		struct pool *sp = pool_new();
		struct candles c = { NULL, 0 };
		struct buf b;
		int rc = 0;

		buf_init(&b, sp);
		if (market_load_candles(sp, x->symbols[i], x->from, x->to, &c) < 0) {
			log_kv(LOG_ERROR, "export: loading prices failed; reply cut short", NULL);
			rc = -1;
		}
		for (size_t k = 0; rc == 0 && k < c.n; k++, (*count)++) {
			if (!json)
				analysis_csv_row(&b, x->symbols[i], &c.v[k]);
			else {
				if (*count > 0)
					buf_putc(&b, ',');
				analysis_json_row(&b, x->symbols[i], &c.v[k]);
			}
			if (b.len >= FLUSH_BYTES)
				rc = flush(r, &b);
		}
		if (rc == 0)
			rc = flush(r, &b);
		pool_free(sp);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static const char *
filename(struct req *r, const struct export *x, const char *ext)
{
	return pool_printf(r->pool, "attachment; filename=\"edgescout-export-%s-%s.%s\"",
	                   x->from ? x->from : "start", x->to ? x->to : "end", ext);
}

/* GET /api/v1/export.csv?symbols=&from=&to=: RFC 4180 rows, streamed. */
static int
export_csv(struct req *r)
{
	struct export x;
	long long count = 0;

	if (export_or_reply(r, &x) < 0)
		return r->status;
	reply_header(r, "Content-Disposition", filename(r, &x, "csv"));
	reply_stream_begin(r, 200, "text/csv; charset=utf-8; header=present");
	if (reply_write(r, ANALYSIS_CSV_HEADER, strlen(ANALYSIS_CSV_HEADER)) == 0)
		stream_rows(r, &x, 0, &count);
	return r->status;
}

/* A JSON string or null for an optional date. */
static const char *
json_date(struct req *r, const char *d)
{
	return d ? pool_printf(r->pool, "\"%s\"", d) : "null";
}

#define HITS_PAGE 1000

/* The hits the caller sees ($1), observed from $4 to $5 (dates, NULL: open),
 * after id $6, a page at a time; $2, $3 the Kelly fraction and cap. */
static const char SQL_HITS[] = ODDS_SELECT_HIT
	"WHERE (h.source = 'scan' OR h.user_id = $1) "
	"  AND ($4::date IS NULL OR h.observed_at >= $4::date) "
	"  AND ($5::date IS NULL OR h.observed_at < $5::date + 1) AND h.id > $6::bigint "
	"ORDER BY h.id LIMIT 1000";

/* Stream the caller's hits observed from..to as JSON objects separated by
 * commas. 0, or -1 (logged: the reply is cut short). */
static int
stream_hits(struct req *r, const char *from, const char *to)
{
	const char *uid = db_i64(r->pool, r->user->id), *after = "0", *s;
	PGresult *res;
	int n, first = 1;

	do {
		res = db_query(r->pool, SQL_HITS, DB_ARGS(uid, "0.25", "0.05", from, to, after));
		if (res == NULL) {
			log_kv(LOG_ERROR, "export: loading hits failed; reply cut short", NULL);
			return -1;
		}
		n = PQntuples(res);
		for (int i = 0; i < n; i++, first = 0) {
			s = json_object_to_json_string_ext(pool_json(r->pool,
			    reply_row_json(res, i, odds_hit_cols)),
			                                   JSON_C_TO_STRING_PLAIN);
			if ((!first && reply_write(r, ",", 1) < 0) || reply_write(r, s, strlen(s)) < 0)
				return -1;
		}
		if (n > 0)
			after = pool_strdup(r->pool, db_text(res, n - 1, 0));
	} while (n == HITS_PAGE);
	return 0;
}

/* GET /api/v1/export.json?symbols=&from=&to=&hits=: the same rows as JSON,
 * streamed, and with hits=true the +EV hits the caller sees (observed
 * from..to; Kelly stakes at 1/4, capped at 0.05) as "hits". */
static int
export_json(struct req *r)
{
	struct export x;
	struct buf head;
	long long count = 0;
	const char *tail;

	if (export_or_reply(r, &x) < 0)
		return r->status;
	buf_init(&head, r->pool);
	buf_puts(&head, "{\"symbols\":[");
	for (int i = 0; i < x.n; i++)
		buf_printf(&head, "%s\"%s\"", i ? "," : "", x.symbols[i]);
	buf_printf(&head, "],\"from\":%s,\"to\":%s,\"rows\":[", json_date(r, x.from),
	           json_date(r, x.to));
	reply_header(r, "Content-Disposition", filename(r, &x, "json"));
	reply_stream_begin(r, 200, "application/json");
	if (reply_write(r, head.data, head.len) < 0 || stream_rows(r, &x, 1, &count) < 0)
		return r->status;
	tail = pool_printf(r->pool, "],\"count\":%lld%s", count,
	                   req_bool(r, "hits", 0) ? ",\"hits\":[" : "}");
	if (reply_write(r, tail, strlen(tail)) == 0 && req_bool(r, "hits", 0) &&
	    stream_hits(r, x.from, x.to) == 0)
		reply_write(r, "]}", 2);
	return r->status;
}

/* ---- candles for charts ------------------------------------------------ */

/* GET /api/candles?symbol=&from=&to=: the prices as columns; 404 unknown symbol. */
static int
candles(struct req *r)
{
	static const char *const cols[] = { "open", "high", "low", "close", "adjclose" };
	const char *symbol = req_str(r, "symbol"), *from, *to;
	struct analysis_data d;
	struct candles c;
	json_object *o, *dates, *a[5], *vol;

	if (analysis_range_or_reply(r, &from, &to) < 0)
		return r->status;
	if (analysis_prepare(r->pool, symbol, &d) < 0)
		return reply_error(r, d.err, d.err == ERR_NOT_FOUND ? "symbol" : NULL, d.message);
	if (market_load_candles(r->pool, symbol, from, to, &c) < 0)
		return reply_error(r, ERR_DB_UNAVAILABLE, NULL, NULL);
	dates = json_object_new_array_ext((int)c.n);
	vol = json_object_new_array_ext((int)c.n);
	for (int k = 0; k < 5; k++)
		a[k] = json_object_new_array_ext((int)c.n);
	for (size_t i = 0; i < c.n; i++) {
		const struct candle *b = &c.v[i];

		json_object_array_add(dates, json_object_new_string(b->date));
		json_object_array_add(a[0], jsonv_number(b->open));
		json_object_array_add(a[1], jsonv_number(b->high));
		json_object_array_add(a[2], jsonv_number(b->low));
		json_object_array_add(a[3], jsonv_number(b->close));
		json_object_array_add(a[4], jsonv_number(b->adjclose));
		json_object_array_add(vol, json_object_new_int64(b->volume));
	}
	o = pool_json_object(r->pool);
	json_object_object_add(o, "symbol", json_object_new_string(symbol));
	json_object_object_add(o, "from", from ? json_object_new_string(from) : NULL);
	json_object_object_add(o, "to", to ? json_object_new_string(to) : NULL);
	json_object_object_add(o, "count", json_object_new_int64((int64_t)c.n));
	json_object_object_add(o, "dates", dates);
	for (int k = 0; k < 5; k++)
		json_object_object_add(o, cols[k], a[k]);
	json_object_object_add(o, "volume", vol);
	json_object_object_add(o, "freshness", analysis_freshness_json(&d));
	if (d.stale)
		reply_header(r, "X-Cache", "STALE");
	return reply_json(r, 200, o);
}
