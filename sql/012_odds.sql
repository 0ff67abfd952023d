-- 012_odds.sql: bookmaker prices and the +EV hits found in them, the
-- cross-domain hits table every scorer writes to, and the ingest scope of
-- API keys. Applied as the owner role; the owner's default privileges give
-- the app role DML on the new tables.

-- Sports as the odds provider lists them (GET /v4/sports).
CREATE TABLE odds_sports (
	key           text PRIMARY KEY CHECK (key ~ '^[a-z0-9_]{1,64}$'),
	grp           text NOT NULL DEFAULT '',
	title         text NOT NULL DEFAULT '',
	description   text NOT NULL DEFAULT '',
	active        boolean NOT NULL DEFAULT true,
	has_outrights boolean NOT NULL DEFAULT false,
	updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Bookmakers, by the provider's key ("pinnacle").
CREATE TABLE odds_books (
	key        text PRIMARY KEY CHECK (key ~ '^[a-z0-9_]{1,40}$'),
	title      text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now()
);

-- Events, by the provider's id. The score columns are filled from the
-- provider's scores once the event is completed.
CREATE TABLE odds_events (
	id            text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
	sport_key     text NOT NULL CHECK (sport_key ~ '^[a-z0-9_]{1,64}$'),
	commence_time timestamptz NOT NULL,
	home_team     text NOT NULL,
	away_team     text NOT NULL,
	completed     boolean NOT NULL DEFAULT false,
	home_score    text,
	away_score    text,
	updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX odds_events_sport_idx ON odds_events (sport_key, commence_time);

-- Every price a book showed for an outcome, by the time the book last
-- changed it: the line's movement. A snapshot seen again is not stored again.
-- point is the handicap or total of spreads and totals (NULL for h2h).
CREATE TABLE odds_prices (
	id          bigserial PRIMARY KEY,
	event_id    text NOT NULL REFERENCES odds_events (id) ON DELETE CASCADE,
	book        text NOT NULL REFERENCES odds_books (key),
	market      text NOT NULL CHECK (market IN ('h2h', 'spreads', 'totals')),
	outcome     text NOT NULL CHECK (length(outcome) BETWEEN 1 AND 200),
	point       numeric(8, 2),
	price       numeric(12, 6) NOT NULL CHECK (price > 1),
	observed_at timestamptz NOT NULL,
	fetched_at  timestamptz NOT NULL DEFAULT now(),
	source      text NOT NULL CHECK (source IN ('api', 'csv'))
);
CREATE UNIQUE INDEX odds_prices_snapshot_idx ON odds_prices
	(event_id, book, market, outcome, COALESCE(point, 'NaN'), observed_at);
CREATE INDEX odds_prices_latest_idx ON odds_prices
	(event_id, market, book, observed_at DESC);

-- The closing price of each (event, book, market, outcome, point): the last
-- snapshot observed before the event started.
CREATE VIEW odds_closing_prices AS
SELECT DISTINCT ON (p.event_id, p.book, p.market, p.outcome, COALESCE(p.point, 'NaN'))
       p.event_id, p.book, p.market, p.outcome, p.point, p.price, p.observed_at
FROM odds_prices p JOIN odds_events e ON e.id = p.event_id
WHERE p.observed_at <= e.commence_time
ORDER BY p.event_id, p.book, p.market, p.outcome, COALESCE(p.point, 'NaN'),
         p.observed_at DESC;

-- The provider's request quota as its last reply told it.
CREATE TABLE odds_quota (
	provider   text PRIMARY KEY,
	remaining  bigint,
	used       bigint,
	last_cost  bigint,
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- +EV bets: a book's price above the fair one. Found by scan-odds (source
-- scan) or posted by an outside bot (source ingest, with its key's owner).
-- One row per (event, market, outcome, point, book, price, observed_at).
-- The settlement columns are filled once the event's result is known.
CREATE TABLE ev_hits (
	id            bigserial PRIMARY KEY,
	event_id      text NOT NULL REFERENCES odds_events (id) ON DELETE CASCADE,
	sport_key     text NOT NULL,
	market        text NOT NULL CHECK (market IN ('h2h', 'spreads', 'totals')),
	outcome       text NOT NULL CHECK (length(outcome) BETWEEN 1 AND 200),
	point         numeric(8, 2),
	book          text NOT NULL REFERENCES odds_books (key),
	price         numeric(12, 6) NOT NULL CHECK (price > 1),
	fair_prob     double precision NOT NULL CHECK (fair_prob > 0 AND fair_prob < 1),
	ev            double precision NOT NULL,
	kelly         double precision NOT NULL CHECK (kelly >= 0 AND kelly <= 1),
	method        text NOT NULL CHECK (method IN ('multiplicative', 'additive', 'power',
	                                              'shin', 'worst_case')),
	fair_source   text NOT NULL,
	hold          double precision,
	observed_at   timestamptz NOT NULL,
	commence_time timestamptz NOT NULL,
	source        text NOT NULL CHECK (source IN ('scan', 'ingest')),
	user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
	created_at    timestamptz NOT NULL DEFAULT now(),
	result        text CHECK (result IN ('win', 'loss', 'push', 'void')),
	profit_flat   double precision,
	profit_kelly  double precision,
	closing_fair_price double precision,
	clv           double precision,
	settled_at    timestamptz
);
CREATE UNIQUE INDEX ev_hits_key_idx ON ev_hits
	(event_id, market, outcome, COALESCE(point, 'NaN'), book, price, observed_at);
CREATE INDEX ev_hits_ev_idx ON ev_hits (ev DESC, id DESC);
CREATE INDEX ev_hits_unsettled_idx ON ev_hits (commence_time) WHERE settled_at IS NULL;

-- What every scorer found worth telling: markets signals, odds +EV hits,
-- deal scores. The feed, alert rules and the live stream read only this.
-- key identifies the item within its domain; a scorer that finds it again
-- updates it.
CREATE TABLE hits (
	id          bigserial PRIMARY KEY,
	domain      text NOT NULL CHECK (domain IN ('markets', 'odds', 'deals')),
	key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
	score       numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
	title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
	payload     jsonb NOT NULL DEFAULT '{}',
	observed_at timestamptz NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	UNIQUE (domain, key)
);
CREATE INDEX hits_observed_idx ON hits (observed_at DESC, id DESC);

-- Market signals are hits too, whichever path writes them.
CREATE FUNCTION hits_from_signal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO hits (domain, key, score, title, payload, observed_at)
	SELECT 'markets', 'signal:' || NEW.id, NEW.score,
	       s.symbol || ' ' || NEW.recommendation || ' (' || NEW.strategy || ')',
	       jsonb_build_object('signal_id', NEW.id, 'symbol', s.symbol,
	                          'strategy', NEW.strategy, 'day', NEW.day,
	                          'close', NEW.close, 'recommendation', NEW.recommendation),
	       NEW.created_at
	FROM symbols s WHERE s.id = NEW.symbol_id
	ON CONFLICT (domain, key) DO UPDATE
	SET score = EXCLUDED.score, title = EXCLUDED.title, payload = EXCLUDED.payload;
	RETURN NULL;
END $$;
CREATE TRIGGER signals_hits AFTER INSERT OR UPDATE OF score, recommendation ON signals
	FOR EACH ROW EXECUTE FUNCTION hits_from_signal();

-- API keys may carry the ingest scope (POST /api/ev/hits/ingest).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
	CHECK (scopes <@ ARRAY['read', 'write', 'export', 'ingest']::text[]);

-- refresh=true on GET /api/odds/events skips the odds cache and spends the
-- provider's quota: counted per user and day.
INSERT INTO tier_quotas (tier, quota_class, daily_limit) VALUES
	('free', 'odds_refresh', 100), ('pro', 'odds_refresh', 100);
