/* audit.h: the audit trail. One row per security-relevant event, written
 * with the actor, client address, user agent and request id of the request;
 * the app role can INSERT but never UPDATE or DELETE (sql/002_accounts.sql).
 *
 * Actions are dotted lower-case names: auth.register, auth.login,
 * auth.login_failed, auth.locked, auth.unlocked, auth.refresh_reuse,
 * auth.logout, auth.logout_all, auth.password_changed, apikey.created,
 * apikey.revoked, admin.user_updated, quota.exhausted, ... */
#ifndef EDGESCOUT_AUDIT_H
#define EDGESCOUT_AUDIT_H

#include <json-c/json.h>
#include <stdint.h>

struct req;

/* Record action by actor_id (0: r->user, or anonymous when none) on target
 * (may be NULL) with details (a JSON object, borrowed, may be NULL; values
 * under secret-looking key names such as "*key*" or "*token*" are redacted,
 * so put ids in target). 0, or -1 with the failure logged; inside a
 * transaction the caller decides whether to roll back. */
int audit(struct req *r, int64_t actor_id, const char *action, const char *target,
          json_object *details);

/* audit(), replying 503/500 on failure: for events that must not be lost. */
int audit_or_reply(struct req *r, int64_t actor_id, const char *action,
                   const char *target, json_object *details);

#endif
