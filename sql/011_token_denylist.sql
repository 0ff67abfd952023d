-- 011_token_denylist.sql: access tokens ended by a bearer logout before
-- their expiry, the index the prune job deletes finished tasks by, and the
-- quota a provider reported left with each call.
-- Applied as the owner role; the owner's default privileges give the app
-- role DML on the new table.

-- One row per access token signed out (POST /api/auth/logout with a bearer
-- token): its jti, refused from now on, until expires_at (the token's exp),
-- after which the token is refused anyway and the prune job deletes the row.
CREATE TABLE revoked_access_tokens (
	jti        text PRIMARY KEY CHECK (length(jti) BETWEEN 1 AND 64),
	expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_access_tokens_expires_idx ON revoked_access_tokens (expires_at);

-- prune: finished tasks past their retention, oldest first
CREATE INDEX tasks_finished_idx ON tasks (finished_at) WHERE status IN ('done', 'failed');

-- the calls left that the provider's reply reported (Finnhub's
-- X-Ratelimit-Remaining); NULL when it reports none
ALTER TABLE provider_calls ADD COLUMN quota_remaining bigint CHECK (quota_remaining >= 0);
