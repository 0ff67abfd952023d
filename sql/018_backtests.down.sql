-- 018_backtests.down.sql: no backtest quota; backtest tasks are dropped.
DELETE FROM tasks WHERE kind = 'backtest';
DELETE FROM tier_quotas WHERE quota_class = 'backtest';
DELETE FROM quota_usage WHERE quota_class = 'backtest';
