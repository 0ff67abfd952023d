-- 006_jobs.down.sql: drop the declared schedules and the failed-runs index.
DROP INDEX IF EXISTS job_runs_failed_idx;
DROP TABLE IF EXISTS job_schedules;
