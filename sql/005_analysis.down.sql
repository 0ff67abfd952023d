-- 005_analysis.down.sql: drop search history, tasks, signals, analyses and
-- the market refresh record.
DROP TABLE IF EXISTS search_history, tasks, signals, analyses, market_refreshes;
