-- 001_core.sql: what the foundation needs: the record of scheduled job runs
-- and a small key-value store of settings kept in the database.
-- Applied once by `edgescout db migrate`, as the owner role, in one
-- transaction with its schema_migrations row. The owner's default privileges
-- give the app role SELECT, INSERT, UPDATE, DELETE on these tables.

-- One row per run of a cron job: started as 'running', finished as 'ok',
-- 'failed' or 'skipped' (another instance held the job's advisory lock).
CREATE TABLE job_runs (
	id          bigserial PRIMARY KEY,
	job         text NOT NULL CHECK (job <> ''),
	started_at  timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	status      text NOT NULL DEFAULT 'running'
	            CHECK (status IN ('running', 'ok', 'failed', 'skipped')),
	items       integer CHECK (items >= 0),
	error       text,
	CHECK (finished_at IS NULL OR finished_at >= started_at)
);

-- The latest runs of a job (metrics, /health/detailed, the next run's
-- "since last success").
CREATE INDEX job_runs_job_started_idx ON job_runs (job, started_at DESC);

-- Operator-settable values that live with the data rather than in the
-- environment (feature switches, last-seen cursors of feeds).
CREATE TABLE app_settings (
	key        text PRIMARY KEY CHECK (key <> ''),
	value      text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);
