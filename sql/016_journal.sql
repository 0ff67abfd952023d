-- 016_journal.sql: the paper-trading journal: trades on market symbols,
-- bets on odds outcomes, the catalogue of achievements, and the tier limit
-- on open trades. Money is numeric: exact decimals, never floats.

-- A paper trade. side 'buy' is a long position, 'sell' a short one. Open
-- while exit_price is NULL; pnl is the realised profit once closed:
-- (exit - entry) x quantity - fees for a long trade, the reverse for a short.
CREATE TABLE journal_trades (
	id          bigserial PRIMARY KEY,
	user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	symbol      text NOT NULL CHECK (length(symbol) BETWEEN 1 AND 10
	                  AND symbol ~ '^\^?[A-Z][A-Z0-9]*([.-][A-Z0-9]+)*$'),
	side        text NOT NULL CHECK (side IN ('buy', 'sell')),
	quantity    numeric NOT NULL CHECK (quantity > 0),
	entry_price numeric NOT NULL CHECK (entry_price > 0),
	opened_at   timestamptz NOT NULL,
	exit_price  numeric CHECK (exit_price > 0),
	closed_at   timestamptz,
	fees        numeric NOT NULL DEFAULT 0 CHECK (fees >= 0),
	tags        text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
	signal_id   bigint REFERENCES signals (id) ON DELETE SET NULL,
	note        text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
	pnl         numeric GENERATED ALWAYS AS (
	                CASE WHEN exit_price IS NULL THEN NULL
	                     WHEN side = 'buy' THEN (exit_price - entry_price) * quantity - fees
	                     ELSE (entry_price - exit_price) * quantity - fees END) STORED,
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	CHECK ((exit_price IS NULL) = (closed_at IS NULL)),
	CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
CREATE INDEX journal_trades_user_idx ON journal_trades (user_id, id);
CREATE INDEX journal_trades_open_idx ON journal_trades (user_id) WHERE exit_price IS NULL;

-- A paper bet on an outcome of an odds event at a book's decimal price.
-- Settled from the event's final score (cron/settle-odds): result and pnl
-- (stake x (price - 1) on a win, -stake on a loss, 0 on a push or void).
CREATE TABLE journal_bets (
	id         bigserial PRIMARY KEY,
	user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	event_id   text NOT NULL REFERENCES odds_events (id) ON DELETE CASCADE,
	market     text NOT NULL CHECK (market IN ('h2h', 'spreads', 'totals')),
	outcome    text NOT NULL CHECK (char_length(outcome) BETWEEN 1 AND 200),
	point      numeric,
	book       text NOT NULL CHECK (book ~ '^[a-z0-9_]{1,40}$'),
	price      numeric NOT NULL CHECK (price > 1),
	stake      numeric NOT NULL CHECK (stake > 0),
	fair_prob  double precision CHECK (fair_prob > 0 AND fair_prob < 1),
	placed_at  timestamptz NOT NULL DEFAULT now(),
	result     text CHECK (result IN ('win', 'loss', 'push', 'void')),
	pnl        numeric,
	settled_at timestamptz,
	CHECK ((result IS NULL) = (settled_at IS NULL) AND (result IS NULL) = (pnl IS NULL))
);
CREATE INDEX journal_bets_user_idx ON journal_bets (user_id, id);
CREATE INDEX journal_bets_open_idx ON journal_bets (event_id) WHERE result IS NULL;

-- The achievements a journal can earn; when and whether one is earned is
-- computed from the journal itself, so an edited or deleted trade moves it.
CREATE TABLE journal_achievements (
	key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
	title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
	description text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 300),
	position    integer NOT NULL UNIQUE
);
INSERT INTO journal_achievements (key, title, description, position) VALUES
	('first_trade', 'First trade', 'Open a first paper trade', 1),
	('ten_trades', 'Ten trades', 'Close ten paper trades', 2),
	('five_win_streak', 'Five in a row', 'Close five winning trades in a row', 3),
	('positive_month', 'Positive month', 'End a calendar month with a realised profit', 4),
	('signal_win', 'Following the signal', 'Win a trade that followed a signal', 5),
	('first_ev_bet', 'First +EV bet settled', 'Settle a bet placed above its fair price', 6);

-- Open trades at a time (not per day) under the journal_open class.
INSERT INTO tier_quotas (tier, quota_class, daily_limit) VALUES
	('free', 'journal_open', 20), ('pro', 'journal_open', 2147483647);
