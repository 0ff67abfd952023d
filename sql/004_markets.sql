-- 004_markets.sql: symbols, their daily candles and fundamentals snapshots,
-- and users' watchlists. Applied as the owner role; the owner's default
-- privileges give the app role DML on these tables.

-- One row per ticker edgescout has seen (a watchlist entry, an import, a
-- provider refresh). The symbol is what valid_symbol() accepts: upper case
-- A-Z 0-9 . -, starting with a letter, one leading ^ for an index, at most
-- 10 bytes, no . or - at the end or twice in a row.
CREATE TABLE symbols (
	id         bigserial PRIMARY KEY,
	symbol     text NOT NULL UNIQUE
	           CHECK (length(symbol) <= 10
	                  AND symbol ~ '^\^?[A-Z][A-Z0-9]*([.-][A-Z0-9]+)*$'),
	name       text CHECK (length(name) <= 200),
	created_at timestamptz NOT NULL DEFAULT now()
);

-- Daily bars. Prices are numeric, not double precision: the importer writes
-- each price as the shortest decimal that reads back as the same double
-- ("1455.219971"), numeric keeps that decimal exactly, and an export prints
-- it as imported (trailing zeros aside) whatever the client's float
-- settings; analysis reads it back into the very same double. Comparisons
-- in the idempotent upsert are exact. Volume is a share count.
CREATE TABLE candles (
	symbol_id  bigint NOT NULL REFERENCES symbols (id) ON DELETE CASCADE,
	date       date NOT NULL,
	open       numeric NOT NULL CHECK (open > 0),
	high       numeric NOT NULL CHECK (high > 0),
	low        numeric NOT NULL CHECK (low > 0),
	close      numeric NOT NULL CHECK (close > 0),
	adjclose   numeric NOT NULL CHECK (adjclose > 0),
	volume     bigint NOT NULL CHECK (volume >= 0),
	source     text NOT NULL CHECK (source ~ '^[a-z0-9][a-z0-9_.-]{0,31}$'),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (symbol_id, date),
	CHECK (low <= open AND low <= close AND high >= open AND high >= close)
);

-- What a provider said about a company, one snapshot per symbol and UTC day
-- (a later fetch the same day replaces it). A missing value is NULL, never
-- an invented 0. Ratios (dividend_yield, *_growth) are fractions.
CREATE TABLE fundamentals (
	symbol_id       bigint NOT NULL REFERENCES symbols (id) ON DELETE CASCADE,
	day             date NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
	fetched_at      timestamptz NOT NULL DEFAULT now(),
	source          text NOT NULL CHECK (source ~ '^[a-z0-9][a-z0-9_.-]{0,31}$'),
	name            text CHECK (length(name) <= 200),
	currency        text CHECK (length(currency) <= 10),
	latest_quarter  date,
	pe              double precision,
	peg             double precision,
	dividend_yield  double precision,
	eps             double precision,
	beta            double precision,
	market_cap      double precision,
	earnings_growth double precision,
	revenue_growth  double precision,
	PRIMARY KEY (symbol_id, day)
);

-- A user's named lists of symbols. Every user has one default list
-- ("Favourites"), created on first use, which cannot be deleted.
CREATE TABLE watchlists (
	id         bigserial PRIMARY KEY,
	user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
	is_default boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX watchlists_user_name_key ON watchlists (user_id, lower(name));
CREATE UNIQUE INDEX watchlists_user_default_key ON watchlists (user_id) WHERE is_default;

CREATE TABLE watchlist_symbols (
	watchlist_id bigint NOT NULL REFERENCES watchlists (id) ON DELETE CASCADE,
	symbol_id    bigint NOT NULL REFERENCES symbols (id),
	added_at     timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (watchlist_id, symbol_id)
);
CREATE INDEX watchlist_symbols_symbol_idx ON watchlist_symbols (symbol_id);
