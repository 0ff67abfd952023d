-- 001_core.down.sql: undoes 001_core.sql (`edgescout db rollback`).
-- Drops the job history and the stored settings with it.

DROP TABLE app_settings;
DROP TABLE job_runs;
