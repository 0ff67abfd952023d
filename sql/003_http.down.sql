-- 003_http.down.sql: drop the provider call log and the HTTP response cache.
DROP TABLE IF EXISTS http_cache, provider_calls;
