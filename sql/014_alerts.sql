-- 014_alerts.sql: the feed's visibility of hits, alert rules and channels,
-- alerts and their delivery outbox. Rules are evaluated by a trigger on
-- hits, so an alert and its outbox rows commit with the hit that made them.
-- Applied as the owner role; the owner's default privileges give the app
-- role DML on the new tables.

-- A hit with an owner is seen by its owner only (an odds hit posted through
-- POST /api/ev/hits/ingest); NULL: every user, as the tier allows.
ALTER TABLE hits ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE;
UPDATE hits h SET user_id = e.user_id FROM ev_hits e
WHERE h.domain = 'odds' AND h.key = 'ev:' || e.id AND e.source = 'ingest';
CREATE INDEX hits_domain_idx ON hits (domain, observed_at DESC, id DESC);

CREATE FUNCTION hits_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.domain = 'odds' AND NEW.user_id IS NULL AND NEW.key ~ '^ev:[0-9]{1,18}$' THEN
		SELECT e.user_id INTO NEW.user_id FROM ev_hits e
		WHERE e.id = substr(NEW.key, 4)::bigint AND e.source = 'ingest';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER hits_owner BEFORE INSERT ON hits
	FOR EACH ROW EXECUTE FUNCTION hits_owner();

-- A job of several slots (deliver-alerts) runs instances side by side; a run
-- marks as abandoned only the rows of its own slot.
ALTER TABLE job_runs ADD COLUMN slot integer NOT NULL DEFAULT 0 CHECK (slot BETWEEN 0 AND 63);

-- Which domains a tier sees in the feed, and how long after a hit is
-- written (0: at once). No row: the tier does not see the domain.
CREATE TABLE tier_feed (
	tier          text NOT NULL CHECK (tier IN ('free', 'pro')),
	domain        text NOT NULL CHECK (domain IN ('markets', 'odds', 'deals')),
	delay_seconds integer NOT NULL CHECK (delay_seconds BETWEEN 0 AND 86400),
	PRIMARY KEY (tier, domain)
);
INSERT INTO tier_feed (tier, domain, delay_seconds) VALUES
	('free', 'markets', 0), ('free', 'odds', 900), ('free', 'deals', 900),
	('pro', 'markets', 0), ('pro', 'odds', 0), ('pro', 'deals', 0);

-- Alert limits per tier: rules and channels a user may keep, alerts a day
-- (the user's day, in the rule's time zone).
CREATE TABLE tier_alert_limits (
	tier           text PRIMARY KEY CHECK (tier IN ('free', 'pro')),
	rules          integer NOT NULL CHECK (rules >= 0),
	channels       integer NOT NULL CHECK (channels >= 0),
	alerts_per_day integer NOT NULL CHECK (alerts_per_day >= 0)
);
INSERT INTO tier_alert_limits (tier, rules, channels, alerts_per_day) VALUES
	('free', 3, 2, 20), ('pro', 50, 10, 1000);

-- Where alerts go. target: the URL (webhook, discord), the E.164 number
-- (sms) or the address (email). secret signs webhook bodies. A channel gets
-- alerts once verified and until unsubscribed (the link's token is an HMAC
-- of its id under the server's secret, so nothing of it is stored). An SMS
-- or email channel is verified by a one-time code that deliver-alerts sends
-- it: the code is an HMAC of the id and verify_nonce under the server's
-- secret, so the code itself is never stored; with its expiry, when it was
-- sent and the wrong tries made.
CREATE TABLE alert_channels (
	id                bigserial PRIMARY KEY,
	user_id           bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind              text NOT NULL CHECK (kind IN ('webhook', 'discord', 'sms', 'email')),
	name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	target            text NOT NULL CHECK (length(target) BETWEEN 1 AND 2000),
	secret            text,
	verify_nonce      text,
	verify_expires_at timestamptz,
	verify_sent_at    timestamptz,
	verify_attempts   integer NOT NULL DEFAULT 0,
	verified_at       timestamptz,
	unsubscribed_at   timestamptz,
	created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX alert_channels_user_name_key ON alert_channels (user_id, lower(name));

-- A rule: a domain, conditions over the hit's fields (NULL: any), the
-- cool-down per subject (a symbol, an event's outcome, a listing), quiet
-- hours in time_zone (deliveries wait for their end) and a daily cap.
CREATE TABLE alert_rules (
	id               bigserial PRIMARY KEY,
	user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	domain           text NOT NULL CHECK (domain IN ('markets', 'odds', 'deals')),
	min_score        numeric(5, 2) NOT NULL DEFAULT 0 CHECK (min_score BETWEEN 0 AND 100),
	recommendation   text CHECK (recommendation IN ('buy', 'hold', 'sell')),
	watchlist_id     bigint REFERENCES watchlists (id) ON DELETE CASCADE,
	sport            text CHECK (sport ~ '^[a-z0-9_]{1,64}$'),
	market           text CHECK (market IN ('h2h', 'spreads', 'totals')),
	min_ev           double precision CHECK (min_ev BETWEEN -1 AND 100),
	search_id        bigint CHECK (search_id > 0),
	cooldown_seconds integer NOT NULL DEFAULT 3600 CHECK (cooldown_seconds BETWEEN 0 AND 604800),
	quiet_start      time,
	quiet_end        time,
	time_zone        text NOT NULL DEFAULT 'UTC',
	daily_cap        integer CHECK (daily_cap BETWEEN 1 AND 10000),
	enabled          boolean NOT NULL DEFAULT true,
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);
CREATE INDEX alert_rules_user_idx ON alert_rules (user_id);
CREATE INDEX alert_rules_domain_idx ON alert_rules (domain, min_score) WHERE enabled;

CREATE TABLE alert_rule_channels (
	rule_id    bigint NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
	channel_id bigint NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
	PRIMARY KEY (rule_id, channel_id)
);
CREATE INDEX alert_rule_channels_channel_idx ON alert_rule_channels (channel_id);

-- One alert per rule and hit.
CREATE TABLE alerts (
	id         bigserial PRIMARY KEY,
	rule_id    bigint NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
	user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	hit_id     bigint NOT NULL REFERENCES hits (id) ON DELETE CASCADE,
	domain     text NOT NULL,
	subject    text NOT NULL,
	score      numeric(5, 2) NOT NULL,
	title      text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (rule_id, hit_id)
);
CREATE INDEX alerts_rule_subject_idx ON alerts (rule_id, subject, created_at DESC);
CREATE INDEX alerts_user_idx ON alerts (user_id, created_at DESC);

-- One delivery of an alert to a channel: pending until not_before, sending
-- while a job holds it (lease_until), then sent or dead (a dead letter).
CREATE TABLE alert_outbox (
	id          bigserial PRIMARY KEY,
	alert_id    bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	channel_id  bigint NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
	status      text NOT NULL DEFAULT 'pending'
	            CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
	attempts    integer NOT NULL DEFAULT 0,
	not_before  timestamptz NOT NULL DEFAULT now(),
	lease_until timestamptz,
	last_status integer,
	last_error  text,
	created_at  timestamptz NOT NULL DEFAULT now(),
	sent_at     timestamptz,
	UNIQUE (alert_id, channel_id)
);
CREATE INDEX alert_outbox_due_idx ON alert_outbox (not_before) WHERE status IN ('pending', 'sending');

-- What an alert is about, for the cool-down: the symbol and strategy of a
-- signal, the event, market and outcome of an odds hit, else the hit's key.
CREATE FUNCTION hit_subject(domain text, key text, payload jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN domain = 'markets' AND payload ? 'symbol'
			THEN (payload->>'symbol') || ':' || COALESCE(payload->>'strategy', '')
		WHEN domain = 'odds' AND payload ? 'event_id'
			THEN (payload->>'event_id') || ':' || COALESCE(payload->>'market', '') || ':' ||
			     COALESCE(payload->>'outcome', '') || ':' || COALESCE(payload->>'point', '')
		ELSE key END
$$;

-- When quiet hours [qs, qe) in tz hold at t, their end; else t.
CREATE FUNCTION quiet_until(t timestamptz, qs time, qe time, tz text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
	lt timestamp := t AT TIME ZONE tz;
	e  timestamp;
BEGIN
	IF qs IS NULL OR qs = qe THEN
		RETURN t;
	END IF;
	IF (qs < qe AND lt::time >= qs AND lt::time < qe) OR
	   (qs > qe AND (lt::time >= qs OR lt::time < qe)) THEN
		e := lt::date + qe;
		IF e <= lt THEN
			e := e + interval '1 day';
		END IF;
		RETURN e AT TIME ZONE tz;
	END IF;
	RETURN t;
END $$;

-- The rules a hit matches (by domain, score and the rule's conditions) make
-- alerts and their outbox rows in the hit's transaction, within each rule's
-- cool-down and cap and the tier's daily limit. A failure here is logged
-- as a warning and never loses the hit.
CREATE FUNCTION alerts_from_hit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	rl       record;
	subj     text := hit_subject(NEW.domain, NEW.key, NEW.payload);
	day0     timestamptz;
	aid      bigint;
BEGIN
	BEGIN
		FOR rl IN
			SELECT r.*, l.alerts_per_day FROM alert_rules r
			JOIN users u ON u.id = r.user_id
			JOIN tier_alert_limits l ON l.tier = u.tier
			WHERE r.domain = NEW.domain AND r.enabled AND r.min_score <= NEW.score
			  AND NOT u.disabled
			  AND (NEW.user_id IS NULL OR NEW.user_id = r.user_id)
			  AND (r.recommendation IS NULL OR NEW.payload->>'recommendation' = r.recommendation)
			  AND (r.watchlist_id IS NULL OR EXISTS (
			       SELECT 1 FROM watchlist_symbols ws JOIN symbols s ON s.id = ws.symbol_id
			       WHERE ws.watchlist_id = r.watchlist_id AND s.symbol = NEW.payload->>'symbol'))
			  AND (r.sport IS NULL OR NEW.payload->>'sport' = r.sport)
			  AND (r.market IS NULL OR NEW.payload->>'market' = r.market)
			  AND (r.min_ev IS NULL OR (jsonb_typeof(NEW.payload->'ev') = 'number' AND
			       (NEW.payload->>'ev')::float8 >= r.min_ev))
			  AND (r.search_id IS NULL OR NEW.payload->>'search_id' = r.search_id::text)
			ORDER BY r.id
		LOOP
			-- one user's alerts are counted one writer at a time
			PERFORM pg_advisory_xact_lock(14, (rl.user_id % 2147483647)::int);
			IF EXISTS (SELECT 1 FROM alerts a WHERE a.rule_id = rl.id AND a.subject = subj
			           AND a.created_at > now() - make_interval(secs => rl.cooldown_seconds)) THEN
				CONTINUE;
			END IF;
			day0 := date_trunc('day', now() AT TIME ZONE rl.time_zone) AT TIME ZONE rl.time_zone;
			IF rl.daily_cap IS NOT NULL AND (SELECT count(*) FROM alerts a
			    WHERE a.rule_id = rl.id AND a.created_at >= day0) >= rl.daily_cap THEN
				CONTINUE;
			END IF;
			IF (SELECT count(*) FROM alerts a
			    WHERE a.user_id = rl.user_id AND a.created_at >= day0) >= rl.alerts_per_day THEN
				CONTINUE;
			END IF;
			INSERT INTO alerts (rule_id, user_id, hit_id, domain, subject, score, title)
			VALUES (rl.id, rl.user_id, NEW.id, NEW.domain, subj, NEW.score, NEW.title)
			ON CONFLICT (rule_id, hit_id) DO NOTHING
			RETURNING id INTO aid;
			IF aid IS NULL THEN
				CONTINUE;
			END IF;
			INSERT INTO alert_outbox (alert_id, channel_id, not_before)
			SELECT aid, c.id, quiet_until(now(), rl.quiet_start, rl.quiet_end, rl.time_zone)
			FROM alert_rule_channels rc JOIN alert_channels c ON c.id = rc.channel_id
			WHERE rc.rule_id = rl.id AND c.verified_at IS NOT NULL AND c.unsubscribed_at IS NULL;
			PERFORM pg_notify('edgescout_alerts', aid::text);
		END LOOP;
	EXCEPTION WHEN OTHERS THEN
		RAISE WARNING 'alerts for hit % not evaluated: %', NEW.id, SQLERRM;
	END;
	RETURN NULL;
END $$;
CREATE TRIGGER hits_alerts AFTER INSERT OR UPDATE OF score ON hits
	FOR EACH ROW EXECUTE FUNCTION alerts_from_hit();

-- What became of each alert's hit: a signal's labelled outcome and realised
-- return, an odds hit's settlement (profit per unit staked flat, CLV), a
-- deal's fate as its scorer writes it in the hit's payload ("outcome":
-- win | loss | flat, "outcome_value": a number). NULL while unknown.
CREATE VIEW alert_outcomes AS
SELECT a.id AS alert_id, a.rule_id, a.user_id, a.domain, a.created_at,
       CASE a.domain WHEN 'markets' THEN s.outcome
                     WHEN 'odds' THEN e.result
                     ELSE CASE WHEN h.payload->>'outcome' IN ('win', 'loss', 'flat')
                               THEN h.payload->>'outcome' END END AS outcome,
       CASE a.domain WHEN 'markets' THEN s.realised_return
                     WHEN 'odds' THEN e.profit_flat
                     ELSE CASE WHEN jsonb_typeof(h.payload->'outcome_value') = 'number'
                               THEN (h.payload->>'outcome_value')::float8 END END AS value,
       e.clv
FROM alerts a JOIN hits h ON h.id = a.hit_id
LEFT JOIN signals s ON a.domain = 'markets' AND h.payload->>'signal_id' ~ '^[0-9]{1,18}$'
                   AND s.id = (h.payload->>'signal_id')::bigint
LEFT JOIN ev_hits e ON a.domain = 'odds' AND h.payload->>'hit_id' ~ '^[0-9]{1,18}$'
                   AND e.id = (h.payload->>'hit_id')::bigint;
