-- 018_backtests.sql: backtests run as tasks of kind 'backtest' (their
-- params and result live in tasks); POST /api/backtests counts against the
-- daily quota class 'backtest'.
INSERT INTO tier_quotas (tier, quota_class, daily_limit) VALUES
	('free', 'backtest', 20), ('pro', 'backtest', 2000);
