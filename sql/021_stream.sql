-- 021_stream.sql: the live stream. Which public topics each tier may
-- subscribe to (a user's own channel user.<id> is always theirs), and which
-- hits the publisher has published. Applied as the owner role; the owner's
-- default privileges give the app role DML.

CREATE TABLE tier_stream_topics (
	tier  text NOT NULL CHECK (tier IN ('free', 'pro')),
	topic text NOT NULL CHECK (topic IN ('markets', 'odds', 'deals')),
	PRIMARY KEY (tier, topic)
);
INSERT INTO tier_stream_topics (tier, topic) VALUES
	('free', 'markets'),
	('pro', 'markets'), ('pro', 'odds'), ('pro', 'deals');

-- Which hits went out. Hit ids are handed out before their transactions
-- commit, so a hit may appear after one with a higher id was published:
-- the publisher takes every hit above the floor not in stream_sent, and
-- moves the floor (pruning stream_sent) only past hits sent minutes ago.
-- The floor starts at the newest hit present: history is not replayed.
CREATE TABLE stream_cursor (
	one         boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_hit_id bigint NOT NULL
);
INSERT INTO stream_cursor (last_hit_id) SELECT COALESCE(max(id), 0) FROM hits;

CREATE TABLE stream_sent (
	hit_id  bigint PRIMARY KEY REFERENCES hits (id) ON DELETE CASCADE,
	sent_at timestamptz NOT NULL DEFAULT now()
);
