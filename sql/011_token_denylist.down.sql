-- 011_token_denylist.down.sql: signed-out access tokens live until
-- their expiry again; finished tasks are kept.
DROP INDEX tasks_finished_idx;
DROP TABLE revoked_access_tokens;
