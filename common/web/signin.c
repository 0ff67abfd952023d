/* signin.c: client details and login throttling for the
 * account endpoints. */
#include "signin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "config.h"
#include "db.h"
#include "db_reply.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "valid.h"

/* ---- the client -------------------------------------------------------- */

const char *
signin_ip(const struct req *r)
{
	const char *ip = req_param(r, "REMOTE_ADDR");

	return ip ? ip : "";
}

const char *
signin_user_agent(const struct req *r)
{
	const char *ua = req_header(r, "User-Agent");
	size_t n;
	char *out;

	if (ua == NULL)
		return "";
	n = valid_utf8_cut(ua, strlen(ua), 256);
	out = pool_strndup(r->pool, ua, n);
	if (!valid_utf8(out, n)) {
		for (char *c = out; *c != '\0'; c++)
			if ((unsigned char)*c >= 0x80)
				*c = '?';
	}
	for (char *c = out; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7F)
			*c = ' ';
	return out;
}

/* ---- throttling -------------------------------------------------------- */

/* One address at a time: the lock check, the verification and the record
 * of a failure happen in one transaction per e-mail. */
static const char SQL_THROTTLE_LOCK[] =
	"SELECT pg_advisory_xact_lock(hashtextextended('login:' || lower($1), 0))";

static const char SQL_THROTTLE[] =
	"SELECT count(*) FILTER (WHERE at > now() - interval '15 minutes'), count(*), "
	"       coalesce(extract(epoch FROM max(at)), 0)::float8, "
	"       coalesce(extract(epoch FROM min(at)), 0)::float8, "
	"       extract(epoch FROM now())::float8 "
	"FROM login_failures "
	"WHERE lower(email) = lower($1) AND at > now() - interval '1 hour'";

static const char SQL_FAILURE[] =
	"WITH old AS (DELETE FROM login_failures "
	"             WHERE lower(email) = lower($1) AND at < now() - interval '1 day') "
	"INSERT INTO login_failures (email, ip) VALUES ($1, $2)";

/* Forget the failures of an address; the most that fell in any 15 minutes. */
static const char SQL_SUCCESS[] =
	"WITH gone AS (DELETE FROM login_failures WHERE lower(email) = lower($1) "
	"              RETURNING at) "
	"SELECT coalesce(max(n), 0) FROM (SELECT count(*) OVER (ORDER BY at RANGE "
	"       BETWEEN interval '15 minutes' PRECEDING AND CURRENT ROW) AS n FROM gone) w";

static long long
lock_failures(void)
{
	long long n = config_int("LOGIN_LOCK_FAILURES", 10);

	return n < 1 ? 10 : n;
}

/* Seconds email stays locked (0: not locked) as of the database's now;
 * *failures receives the failures of the last 15 minutes. -1 after replying. */
static int64_t
lock_seconds(struct req *r, const char *email, int64_t *failures)
{
	PGresult *res = db_query_or_reply(r, SQL_THROTTLE, DB_ARGS(email));
	int64_t f15, f60;
	double last, oldest, now, until = 0;

	if (res == NULL)
		return -1;
	f15 = db_int(res, 0, 0);
	f60 = db_int(res, 0, 1);
	last = strtod(db_text(res, 0, 2), NULL);
	oldest = strtod(db_text(res, 0, 3), NULL);
	now = strtod(db_text(res, 0, 4), NULL);
	*failures = f15;
	if (f15 >= lock_failures()) {
		double delay = SIGNIN_LOCK_FIRST;

		for (int64_t i = lock_failures(); i < f15 && delay < SIGNIN_LOCK_MAX; i++)
			delay *= 2;
		until = last + (delay > SIGNIN_LOCK_MAX ? SIGNIN_LOCK_MAX : delay);
	}
	if (f60 >= SIGNIN_HOURLY_MAX && oldest + 3600 > until)
		until = oldest + 3600;
	return until > now ? (int64_t)ceil(until - now) : 0;
}

/* The audit details {email, reason} (the request's). */
static json_object *
email_details(struct req *r, const char *email, const char *reason)
{
	json_object *d = pool_json_object(r->pool);

	json_object_object_add(d, "email", json_object_new_string(email));
	if (reason != NULL)
		json_object_object_add(d, "reason", json_object_new_string(reason));
	return d;
}

const char *
signin_email_target(struct req *r, const char *email)
{
	char *t = pool_printf(r->pool, "email:%s", email);

	for (char *c = t; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return t;
}

int
signin_throttle_or_reply(struct req *r, const char *email, int64_t user_id,
                         const char *action)
{
	int64_t failures, wait;

	if (db_query_or_reply(r, SQL_THROTTLE_LOCK, DB_ARGS(email)) == NULL ||
	    (wait = lock_seconds(r, email, &failures)) < 0)
		return -1;
	if (wait == 0)
		return 0;
	/* the record of a refused attempt may fail without changing the answer */
	if (audit(r, user_id, action, signin_email_target(r, email),
	          email_details(r, email, "locked")) == 0)
		db_commit(r->pool);
	reply_header(r, "Retry-After", pool_printf(r->pool, "%lld", (long long)wait));
	reply_error(r, ERR_RATE_LIMITED, NULL,
	            "too many failed sign-ins for this address; try again later");
	return 1;
}

int
signin_failure_or_reply(struct req *r, const char *email, int64_t user_id,
                        const char *action, const char *reason)
{
	int64_t failures, wait;
	json_object *d;

	if (db_exec_or_reply(r, SQL_FAILURE, DB_ARGS(email, signin_ip(r))) < 0 ||
	    audit_or_reply(r, user_id, action, signin_email_target(r, email),
	                   email_details(r, email, reason)) < 0)
		return -1;
	if ((wait = lock_seconds(r, email, &failures)) < 0)
		return -1;
	if (wait == 0)
		return 0;
	/* the address was not locked before this failure: a lock starts */
	d = email_details(r, email, NULL);
	json_object_object_add(d, "failures", json_object_new_int64(failures));
	json_object_object_add(d, "seconds", json_object_new_int64(wait));
	return audit_or_reply(r, user_id, "auth.locked", signin_email_target(r, email), d);
}

int
signin_success_or_reply(struct req *r, const char *email, int64_t user_id)
{
	PGresult *res = db_query_or_reply(r, SQL_SUCCESS, DB_ARGS(email));
	json_object *d;

	if (res == NULL)
		return -1;
	if (db_int(res, 0, 0) < lock_failures())
		return 0;
	d = email_details(r, email, NULL);
	json_object_object_add(d, "failures", json_object_new_int64(db_int(res, 0, 0)));
	return audit_or_reply(r, user_id, "auth.unlocked", signin_email_target(r, email), d);
}
