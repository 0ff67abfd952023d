-- 014_alerts.down.sql: drop alerts, their rules, channels and outbox, the
-- feed's tier table and the hits' owner.
DROP VIEW IF EXISTS alert_outcomes;
DROP TRIGGER IF EXISTS hits_alerts ON hits;
DROP FUNCTION IF EXISTS alerts_from_hit();
DROP FUNCTION IF EXISTS quiet_until(timestamptz, time, time, text);
DROP FUNCTION IF EXISTS hit_subject(text, text, jsonb);
DROP TABLE IF EXISTS alert_outbox, alerts, alert_rule_channels, alert_rules, alert_channels;
DROP TABLE IF EXISTS tier_alert_limits, tier_feed;
DROP TRIGGER IF EXISTS hits_owner ON hits;
DROP FUNCTION IF EXISTS hits_owner();
DROP INDEX IF EXISTS hits_domain_idx;
ALTER TABLE hits DROP COLUMN IF EXISTS user_id;
ALTER TABLE job_runs DROP COLUMN IF EXISTS slot;
