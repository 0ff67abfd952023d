-- 013_deals.down.sql: drop the deals tables, their hits and tier limits.
DELETE FROM hits WHERE domain = 'deals';
DELETE FROM tier_quotas WHERE quota_class IN ('deal_searches', 'deal_scan');
DROP TABLE IF EXISTS deal_prices;
DROP TABLE IF EXISTS deal_listings;
DROP TABLE IF EXISTS deal_searches;
