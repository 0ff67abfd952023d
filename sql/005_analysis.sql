-- 005_analysis.sql: stock analyses and their cache, trading signals, the
-- queue of asynchronous tasks, users' search history, and the record of
-- market data refreshes. Applied as the owner role; the owner's default
-- privileges give the app role DML on these tables and their sequences.

-- The last refresh of a symbol's prices through the provider chain, so an
-- analysis knows when its data was last brought up to date (an identical
-- series leaves candles.updated_at alone) and does not ask a failing
-- provider again on every call. Keyed by the symbol as asked, which may be
-- one no provider knows (those never get a symbols row).
CREATE TABLE market_refreshes (
	symbol       text PRIMARY KEY
	             CHECK (length(symbol) <= 10
	                    AND symbol ~ '^\^?[A-Z][A-Z0-9]*([.-][A-Z0-9]+)*$'),
	attempted_at timestamptz NOT NULL DEFAULT now(),
	status       text NOT NULL CHECK (status IN ('ok', 'no_data', 'rate_limited',
	                                  'forbidden', 'bad_response', 'unavailable')),
	provider     text NOT NULL DEFAULT '' CHECK (length(provider) <= 32),
	message      text NOT NULL DEFAULT '' CHECK (length(message) <= 500),
	refreshed_at timestamptz              -- the last successful refresh
);

-- Computed analyses, one per symbol, strategy, data day (the date of the
-- latest bar analysed) and scoring version (common/analysis.h
-- ANALYSIS_VERSION: a new scoring model never serves an old result). result
-- is the reply body without its freshness block, kept as text (json, not
-- jsonb) so a cached reply is byte for byte the computed one.
-- Retention: a scheduled job may delete rows whose data day is long past.
CREATE TABLE analyses (
	symbol_id      bigint NOT NULL REFERENCES symbols (id) ON DELETE CASCADE,
	strategy       text NOT NULL CHECK (strategy IN ('growth', 'value', 'dividend', 'momentum')),
	data_day       date NOT NULL,
	version        integer NOT NULL CHECK (version >= 1),
	result         json NOT NULL,
	score          numeric(5, 2) CHECK (score BETWEEN 0 AND 100),   -- NULL: no input
	recommendation text CHECK (recommendation IN ('buy', 'hold', 'sell')),
	computed_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (symbol_id, strategy, data_day, version),
	CHECK ((score IS NULL) = (recommendation IS NULL))
);

-- Trading signals: at most one per symbol, strategy and bar day, written
-- idempotently (POST /api/v1/run, the market scanner). indicators holds the
-- indicator values at signal time (the features of later model training).
-- The outcome columns are filled by the labelling job once the horizon has
-- passed.
CREATE TABLE signals (
	id              bigserial PRIMARY KEY,
	symbol_id       bigint NOT NULL REFERENCES symbols (id) ON DELETE CASCADE,
	strategy        text NOT NULL CHECK (strategy IN ('growth', 'value', 'dividend', 'momentum')),
	day             date NOT NULL,
	close           double precision NOT NULL CHECK (close > 0),
	score           numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
	recommendation  text NOT NULL CHECK (recommendation IN ('buy', 'hold', 'sell')),
	version         integer NOT NULL CHECK (version >= 1),
	indicators      jsonb NOT NULL,
	source          text NOT NULL CHECK (source IN ('run', 'scan')),
	created_at      timestamptz NOT NULL DEFAULT now(),
	realised_return double precision,
	outcome         text CHECK (outcome IN ('win', 'loss', 'flat')),
	labelled_at     timestamptz,
	UNIQUE (symbol_id, strategy, day)
);
CREATE INDEX signals_day_idx ON signals (day DESC);
CREATE INDEX signals_unlabelled_idx ON signals (day) WHERE outcome IS NULL;

-- Asynchronous tasks (common/task.h). A task is queued, claimed by a worker
-- with FOR UPDATE SKIP LOCKED (status running, attempts + 1), and ends done
-- (result) or failed (error). A task stuck running past a timeout goes back
-- to the queue until it has used its attempts. attempts doubles as the
-- claim's token: a worker whose claim was taken back cannot finish the task.
-- Enqueuing NOTIFYs channel edgescout_tasks with the task's id.
-- Retention: a scheduled job may delete finished tasks after some days.
CREATE TABLE tasks (
	id          bigserial PRIMARY KEY,
	user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{0,31}$'),
	params      jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
	status      text NOT NULL DEFAULT 'queued'
	            CHECK (status IN ('queued', 'running', 'done', 'failed')),
	attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	run_after   timestamptz NOT NULL DEFAULT now(),   -- not claimed before
	worker      text CHECK (length(worker) <= 100),
	result      json,
	error_code  text CHECK (error_code ~ '^[A-Z_]{1,40}$'),
	error       text CHECK (length(error) <= 500),
	created_at  timestamptz NOT NULL DEFAULT now(),
	started_at  timestamptz,
	finished_at timestamptz,
	CHECK ((status = 'done') = (result IS NOT NULL)),
	CHECK ((status = 'failed') = (error_code IS NOT NULL)),
	CHECK ((status IN ('done', 'failed')) = (finished_at IS NOT NULL)),
	CHECK (status <> 'running' OR started_at IS NOT NULL)
);
-- the claim's scan: oldest claimable first
CREATE INDEX tasks_queued_idx ON tasks (run_after, id) WHERE status = 'queued';
-- the stuck-task sweep
CREATE INDEX tasks_running_idx ON tasks (started_at) WHERE status = 'running';
CREATE INDEX tasks_user_idx ON tasks (user_id, id DESC);

-- Every stock-analysis call of a user (after its input was validated), newest
-- first by id; cleared by the user. status is the HTTP status of the reply
-- (202 for an async call, with its task); cache its X-Cache (a 200's), so
-- the cache's hit ratio is a count over this table.
CREATE TABLE search_history (
	id             bigserial PRIMARY KEY,
	user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	symbol         text NOT NULL CHECK (length(symbol) BETWEEN 1 AND 10),
	strategy       text NOT NULL CHECK (strategy IN ('growth', 'value', 'dividend', 'momentum')),
	mode           text NOT NULL CHECK (mode IN ('sync', 'async')),
	status         integer NOT NULL CHECK (status BETWEEN 200 AND 599),
	task_id        bigint REFERENCES tasks (id) ON DELETE SET NULL,
	score          numeric(5, 2) CHECK (score BETWEEN 0 AND 100),
	recommendation text CHECK (recommendation IN ('buy', 'hold', 'sell')),
	error_code     text CHECK (error_code ~ '^[A-Z_]{1,40}$'),
	cache          text CHECK (cache IN ('HIT', 'MISS', 'STALE')),
	created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_history_user_idx ON search_history (user_id, id DESC);
-- the most requested symbols and strategies of the last day (cache warming)
CREATE INDEX search_history_created_idx ON search_history (created_at);
