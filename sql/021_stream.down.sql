-- 021_stream.down.sql: drop the stream's tables.
DROP TABLE IF EXISTS stream_sent;
DROP TABLE IF EXISTS stream_cursor;
DROP TABLE IF EXISTS tier_stream_topics;
