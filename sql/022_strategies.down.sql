-- 022_strategies.down.sql: drop users' strategies and their tier limits.
DELETE FROM tier_quotas WHERE quota_class = 'strategies';
DROP TABLE IF EXISTS user_strategies;
