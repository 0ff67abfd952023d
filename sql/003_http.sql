-- 003_http.sql: outbound HTTP: one row per provider call (provider health)
-- and the cache of provider responses. Applied as the owner role; the
-- owner's default privileges give the app role DML on both tables.
--
-- Neither table ever holds a full URL: query strings carry API keys. The call
-- log keeps scheme://host/path; the cache is keyed by the URL's SHA-256.

-- One row per call that reached for a provider (cache hits are not calls):
-- ok when the call ended in a 2xx reply; status of the last reply (NULL when
-- none came: timeout, connection or TLS failure); latency of the whole call,
-- retries and their waits included. Provider health (p50/p95 latency, error
-- rate) reads the latest rows per provider.
-- Retention: a scheduled job (not yet written) deletes rows older than 30 days.
CREATE TABLE provider_calls (
	id         bigserial PRIMARY KEY,
	provider   text NOT NULL CHECK (provider ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
	at         timestamptz NOT NULL DEFAULT now(),
	ok         boolean NOT NULL,
	status     integer CHECK (status BETWEEN 100 AND 599),
	latency_ms integer NOT NULL CHECK (latency_ms >= 0),
	attempts   integer NOT NULL CHECK (attempts >= 1),
	error      text CHECK (length(error) <= 200),
	endpoint   text CHECK (length(endpoint) <= 300)   -- scheme://host[:port]/path
);
CREATE INDEX provider_calls_provider_at_idx ON provider_calls (provider, at DESC);

-- Provider responses (2xx only), keyed by the hex SHA-256 of the URL. An
-- entry is served until expires_at; after that it stays as the stale copy
-- served when the provider fails. UNLOGGED: a cache, not data; it is empty
-- again after a crash and is not replicated.
-- Retention: the same scheduled job deletes entries expired for over 7 days.
CREATE UNLOGGED TABLE http_cache (
	key          text PRIMARY KEY CHECK (key ~ '^[0-9a-f]{64}$'),
	provider     text NOT NULL,
	status       integer NOT NULL CHECK (status BETWEEN 200 AND 299),
	content_type text NOT NULL DEFAULT '',
	body         bytea NOT NULL,
	fetched_at   timestamptz NOT NULL DEFAULT now(),
	expires_at   timestamptz NOT NULL,
	CHECK (expires_at >= fetched_at)
);
CREATE INDEX http_cache_expires_idx ON http_cache (expires_at);
