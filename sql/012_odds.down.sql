-- 012_odds.down.sql: drop the odds tables, the hits table and the ingest scope.
DELETE FROM api_keys WHERE 'ingest' = ANY (scopes);
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
	CHECK (scopes <@ ARRAY['read', 'write', 'export']::text[]);
DELETE FROM tier_quotas WHERE quota_class = 'odds_refresh';
DROP TRIGGER IF EXISTS signals_hits ON signals;
DROP FUNCTION IF EXISTS hits_from_signal();
DROP TABLE IF EXISTS hits;
DROP TABLE IF EXISTS ev_hits;
DROP TABLE IF EXISTS odds_quota;
DROP VIEW IF EXISTS odds_closing_prices;
DROP TABLE IF EXISTS odds_prices;
DROP TABLE IF EXISTS odds_events;
DROP TABLE IF EXISTS odds_books;
DROP TABLE IF EXISTS odds_sports;
