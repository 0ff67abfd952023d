-- 011_token_denylist.down.sql: signed-out access tokens live until
-- their expiry again; finished tasks are kept; no provider quota is recorded.
ALTER TABLE provider_calls DROP COLUMN quota_remaining;
DROP INDEX tasks_finished_idx;
DROP TABLE revoked_access_tokens;
