-- 016_journal.down.sql: drop the journal.
DELETE FROM tier_quotas WHERE quota_class = 'journal_open';
DROP TABLE IF EXISTS journal_achievements;
DROP TABLE IF EXISTS journal_bets;
DROP TABLE IF EXISTS journal_trades;
