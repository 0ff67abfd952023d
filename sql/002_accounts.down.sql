-- 002_accounts.down.sql: drop the accounts schema (and all accounts data).
DROP TABLE IF EXISTS audit_log, quota_usage, tier_quotas, api_keys, sessions,
	refresh_tokens, login_failures, users;
DROP FUNCTION IF EXISTS audit_log_is_append_only();
