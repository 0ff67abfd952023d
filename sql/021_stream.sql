-- 021_stream.sql: the live stream. Which public topics each tier may
-- subscribe to (a user's own channel user.<id> is always theirs), and how
-- far the publisher has published the hits table. Applied as the owner
-- role; the owner's default privileges give the app role DML.

CREATE TABLE tier_stream_topics (
	tier  text NOT NULL CHECK (tier IN ('free', 'pro')),
	topic text NOT NULL CHECK (topic IN ('markets', 'odds', 'deals')),
	PRIMARY KEY (tier, topic)
);
INSERT INTO tier_stream_topics (tier, topic) VALUES
	('free', 'markets'),
	('pro', 'markets'), ('pro', 'odds'), ('pro', 'deals');

-- One row: the id of the last hit published to the stream. Starts at the
-- newest hit present, so the first run does not replay history.
CREATE TABLE stream_cursor (
	one         boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_hit_id bigint NOT NULL
);
INSERT INTO stream_cursor (last_hit_id) SELECT COALESCE(max(id), 0) FROM hits;
