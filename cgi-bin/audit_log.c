/* audit_log.c: reading the audit trail, for admins only. */
#include "app.h"
#include "reply_rows.h"

#include <string.h>

/* Newest first; the cursor is the id of the last event of the previous
 * page, whose (at, id) the next page continues below. */
#define SQL_AUDIT \
	"SELECT id, " DB_TIME("at") ", actor_id, action, target, ip, user_agent, request_id, " \
	"details::text FROM audit_log " \
	"WHERE ($1::bigint IS NULL OR actor_id = $1) AND ($2::text IS NULL OR action = $2) " \
	"AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at <= $4) " \
	"AND ($5::bigint IS NULL OR (at, id) < (SELECT a.at, a.id FROM audit_log a " \
	"WHERE a.id = $5)) ORDER BY at DESC, id DESC LIMIT $6::int"

#define PAGE_DEFAULT 50
#define PAGE_MAX 100
#define ACTION_MAX 64
#define OFFSET_MAX_HOURS 15     /* PostgreSQL's limit; real zones stay within 14 */

#define SQL_EVENT_EXISTS "SELECT 1 FROM audit_log WHERE id = $1::bigint"

/* An event of the trail as the API shows it. */
#define EVENT "{id:int, at:str?, actor_id:int?, action:str?, target:str?, ip:str?, " \
	"user_agent:str?, request_id:str?, details:obj}"

static int audit_list(struct req *r);
static int rfc3339(const char *s);
static int action_name(const char *s);

static const struct param audit_query[] = {
	{ .name = "actor", .type = PARAM_INT, .min = 1, .max = INT64_MAX,
	  .desc = "only events by this user id" },
	{ .name = "action", .type = PARAM_STRING, .min = 1, .max = ACTION_MAX,
	  .check = action_name, .rule = "1 to 64 of a-z, '_' and '.'",
	  .desc = "only this action (auth.login, admin.user_updated, ...)" },
	{ .name = "from", .type = PARAM_STRING, .max = 64, .check = rfc3339,
	  .rule = "an RFC 3339 timestamp such as 2024-05-01T12:00:00Z",
	  .format = "date-time", .desc = "events at or after this time" },
	{ .name = "to", .type = PARAM_STRING, .max = 64, .check = rfc3339,
	  .rule = "an RFC 3339 timestamp such as 2024-05-01T12:00:00Z",
	  .format = "date-time", .desc = "events at or before this time" },
	PARAM_PAGE(PAGE_MAX),
	{ 0 }
};

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/admin/audit", .handler = audit_list,
	  .flags = NEED_ADMIN | NO_API_KEY, .query = audit_query, .reply = SHAPE_PAGE(EVENT),
	  .summary = "the audit trail, newest first, a page at a time" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

/* A point in time: seconds since the epoch and nanoseconds. */
struct instant {
	int64_t sec;
	long nsec;
};

/* n digits at s as a number, or -1 when they are not all digits. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parse an RFC 3339 date-time such as "2024-05-01T12:00:00Z" or
 * "2024-05-01T14:00:00.5+02:00": years 0001-9999, no leap second, offsets
 * up to 15:59 either way. 0 with *out set, else -1. */
static int
parse_rfc3339(const char *s, struct instant *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, leap, off = 0;
	long nsec = 0, scale = 100000000;
	const char *p;

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 59)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return -1;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			nsec += (*p - '0') * scale;
			scale /= 10;
		}
		if (n < 1 || n > 9)
			return -1;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh = digits(p + 1, 2), om = digits(p + 4, 2);

		if (oh < 0 || oh > OFFSET_MAX_HOURS || om < 0 || om > 59)
			return -1;
		off = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	out->nsec = nsec;
	return 0;
}

static int
rfc3339(const char *s)
{
	struct instant t;

	return parse_rfc3339(s, &t) == 0;
}

static int
instant_cmp(const struct instant *a, const struct instant *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	return (a->nsec > b->nsec) - (a->nsec < b->nsec);
}

/* 1 when s is an action name as the audit trail stores them. */
static int
action_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_.");

	return n >= 1 && n <= ACTION_MAX && s[n] == '\0';
}

/* The page's filters (their form checked by the contract): from not after
 * to, and a cursor naming an event. -1 after replying 422. */
static int
filters_or_reply(struct req *r, const char **args, int64_t *limit)
{
	struct instant from = { 0, 0 }, to = { 0, 0 };

	args[0] = req_str(r, "actor");
	args[1] = req_str(r, "action");
	args[2] = req_str(r, "from");
	args[3] = req_str(r, "to");
	args[4] = req_str(r, "cursor");
	*limit = req_int(r, "limit", PAGE_DEFAULT);
	if (args[2] != NULL && args[3] != NULL && parse_rfc3339(args[2], &from) == 0 &&
	    parse_rfc3339(args[3], &to) == 0 && instant_cmp(&from, &to) > 0)
		return reply_error(r, ERR_VALIDATION_FAILED, "to", "to must not be before from"), -1;
	return page_cursor_or_reply(r, SQL_EVENT_EXISTS, req_int(r, "cursor", 0), NULL);
}

/* An event: the columns of SQL_AUDIT. */
static const struct reply_col EVENT_COLS[] = {
	{ "id",         0, RCOL_INT,  0 },
	{ "at",         1, RCOL_TEXT, RCOL_NULLABLE },
	{ "actor_id",   2, RCOL_INT,  RCOL_NULLABLE },
	{ "action",     3, RCOL_TEXT, RCOL_NULLABLE },
	{ "target",     4, RCOL_TEXT, RCOL_NULLABLE },
	{ "ip",         5, RCOL_TEXT, RCOL_NULLABLE },
	{ "user_agent", 6, RCOL_TEXT, RCOL_NULLABLE },
	{ "request_id", 7, RCOL_TEXT, RCOL_NULLABLE },
	{ "details",    8, RCOL_JSON, 0 },
	{ NULL }
};

/* GET /api/admin/audit?actor=&action=&from=&to=&limit=&cursor=: events
 * newest first, a page at a time; next_cursor is null on the last page. */
static int
audit_list(struct req *r)
{
	const char *args[5];
	int64_t limit;
	json_object *events;
	PGresult *res;
	int n;

	if (filters_or_reply(r, args, &limit) < 0)
		return r->status;
	res = db_query_or_reply(r, SQL_AUDIT, DB_ARGS(args[0], args[1], args[2], args[3],
	                        args[4], db_i64(r->pool, limit + 1)));
	if (res == NULL)
		return r->status;
	n = PQntuples(res);
	events = reply_rows_json(res, (int)limit, EVENT_COLS);
	return reply_page(r, events, n > limit ? db_text(res, (int)limit - 1, 0) : NULL);
}
