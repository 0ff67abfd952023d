-- 008_signal_backfill.down.sql: backfilled signals are deleted, and signals
-- come from runs and scans only again.
DELETE FROM signals WHERE source = 'backfill';
ALTER TABLE signals DROP CONSTRAINT signals_source_check;
ALTER TABLE signals ADD CONSTRAINT signals_source_check
	CHECK (source IN ('run', 'scan'));
