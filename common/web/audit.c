/* audit.c: writing the audit trail. */
#include "audit.h"

#include <string.h>

#include "auth_user.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

#define AUDIT_UA_MAX 512

/* The user agent as printable ASCII (other bytes become '?'), capped. */
static const char *
clean_user_agent(struct req *r)
{
	const char *ua = req_header(r, "User-Agent");
	size_t n;
	char *out;

	if (ua == NULL)
		return NULL;
	n = strlen(ua) < AUDIT_UA_MAX ? strlen(ua) : AUDIT_UA_MAX;
	out = pool_strndup(r->pool, ua, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
	return out;
}

int
audit(struct req *r, int64_t actor_id, const char *action, const char *target,
      json_object *details)
{
	const char *json;
	PGresult *res;

	if (actor_id == 0 && r->user != NULL)
		actor_id = r->user->id;
	if (details == NULL)
		details = pool_json_object(r->pool);
	log_redact(details);
	json = json_object_to_json_string_ext(details, JSON_C_TO_STRING_PLAIN);
	res = db_query(r->pool,
		"INSERT INTO audit_log (actor_id, action, target, ip, user_agent, request_id, details) "
		"VALUES (NULLIF($1, '0')::bigint, $2, $3, $4, $5, $6, $7::jsonb)",
		DB_ARGS(db_i64(r->pool, actor_id), action, target, req_param(r, "REMOTE_ADDR"),
		        clean_user_agent(r), r->request_id, json));
	if (res == NULL) {
		log_kv(LOG_ERROR, "audit event not recorded", "action", action, NULL);
		return -1;
	}
	return 0;
}

int
audit_or_reply(struct req *r, int64_t actor_id, const char *action, const char *target,
               json_object *details)
{
	if (audit(r, actor_id, action, target, details) == 0)
		return 0;
	reply_error(r, strncmp(db_sqlstate(), "08", 2) == 0 ? ERR_DB_UNAVAILABLE : ERR_INTERNAL,
	            NULL, NULL);
	return -1;
}
