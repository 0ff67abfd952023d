-- 008_signal_backfill.sql: signals may also come from a backfill of a
-- symbol's stored history (edgescout market backfill, common/signal_backfill.h):
-- for each past bar, the signal the analysis at that bar would have issued.
-- They obey the same one-per-symbol-strategy-day rule as live signals.
ALTER TABLE signals DROP CONSTRAINT signals_source_check;
ALTER TABLE signals ADD CONSTRAINT signals_source_check
	CHECK (source IN ('run', 'scan', 'backfill'));
