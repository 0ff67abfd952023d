-- 022_strategies.down.sql: drop users' strategies, their tier limits and
-- the history of calls under them.
DELETE FROM search_history WHERE strategy LIKE 'user:%';
ALTER TABLE search_history DROP CONSTRAINT IF EXISTS search_history_strategy_check;
ALTER TABLE search_history ADD CONSTRAINT search_history_strategy_check
	CHECK (strategy IN ('growth', 'value', 'dividend', 'momentum'));
DELETE FROM tier_quotas WHERE quota_class = 'strategies';
DROP TABLE IF EXISTS user_strategies;
