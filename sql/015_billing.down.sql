-- 015_billing.down.sql: drop the billing tables (users keep their tier).
DROP TABLE IF EXISTS billing_events;
DROP TABLE IF EXISTS billing_accounts;
