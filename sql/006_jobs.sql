-- 006_jobs.sql: the jobs a scheduler has declared it runs, and a quick count
-- of failed runs. Applied as the owner role; the owner's default privileges
-- give the app role DML on the new table.

-- One row per job a scheduler runs: `edgescout cron install` (system cron)
-- and scripts/jobs.sh (the dev and test stacks) write it on each install or
-- start with the schedule they follow. Staleness counts from installed_at
-- until the job's first success: a job is stale when neither its last
-- successful finish nor its installation is within twice its interval. A job
-- no scheduler declared is never stale (nothing promised to run it).
CREATE TABLE job_schedules (
	job          text PRIMARY KEY CHECK (job ~ '^[a-z][a-z0-9-]{0,39}$'),
	schedule     text NOT NULL CHECK (schedule <> '' AND length(schedule) <= 100),
	installed_at timestamptz NOT NULL DEFAULT now()
);

-- edgescout_job_failures_total counts these on every scrape.
CREATE INDEX job_runs_failed_idx ON job_runs (job) WHERE status = 'failed';
