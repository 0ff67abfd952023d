-- 013_deals.sql: users' saved searches for marketplace listings, the
-- listings they found (one row per search and provider item, with the
-- price history and the latest deal score), and the deals tier limits.
-- Deal hits go to the cross-domain hits table (domain 'deals'). Applied as
-- the owner role; the owner's default privileges give the app role DML on
-- the new tables.

-- A saved search. The query: every word of keywords_all (AND), at least
-- one of keywords_any when it is not empty (OR), none of keywords_not
-- (NOT). exclude_words keep a listing out of the results and out of the
-- comparables (accessories, "for parts"). Scanned every every_minutes.
-- A search without a user is a demo search (`edgescout deals demo`): every
-- user sees its deals, nobody can change it through the API.
CREATE TABLE deal_searches (
	id             bigserial PRIMARY KEY,
	user_id        bigint REFERENCES users (id) ON DELETE CASCADE,
	name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	keywords_all   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(keywords_all) <= 20),
	keywords_any   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(keywords_any) <= 20),
	keywords_not   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(keywords_not) <= 20),
	exclude_words  text[] NOT NULL DEFAULT '{}' CHECK (cardinality(exclude_words) <= 50),
	category       text CHECK (length(category) BETWEEN 1 AND 100),
	conditions     text[] NOT NULL DEFAULT '{}' CHECK (conditions <@ ARRAY['new', 'open_box',
	                   'refurbished', 'used', 'parts', 'unknown']::text[]),
	min_price      numeric(12, 2) CHECK (min_price >= 0),
	max_price      numeric(12, 2) CHECK (max_price > 0),
	buying_options text[] NOT NULL DEFAULT '{}' CHECK (buying_options <@
	                   ARRAY['fixed_price', 'auction', 'best_offer']::text[]),
	max_shipping   numeric(12, 2) CHECK (max_shipping >= 0),
	location       text CHECK (location ~ '^[A-Z]{2}$'),
	every_minutes  integer NOT NULL DEFAULT 60 CHECK (every_minutes BETWEEN 15 AND 10080),
	enabled        boolean NOT NULL DEFAULT true,
	next_scan_at   timestamptz NOT NULL DEFAULT now(),
	last_scan_at   timestamptz,
	last_error     text,
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now(),
	CHECK (min_price IS NULL OR max_price IS NULL OR min_price <= max_price),
	CHECK (cardinality(keywords_all) + cardinality(keywords_any) > 0)
);
CREATE INDEX deal_searches_user_idx ON deal_searches (user_id, id);
CREATE INDEX deal_searches_due_idx ON deal_searches (next_scan_at) WHERE enabled;

-- A listing a search found, once per (search, provider, provider item id).
-- The price columns hold the latest seen; deal_prices keeps each change.
-- ended: the provider no longer returns it. The score columns are the
-- latest deal score (deal.h) against the search's other live listings.
CREATE TABLE deal_listings (
	id             bigserial PRIMARY KEY,
	search_id      bigint NOT NULL REFERENCES deal_searches (id) ON DELETE CASCADE,
	provider       text NOT NULL CHECK (provider IN ('csv', 'ebay')),
	item_id        text NOT NULL CHECK (length(item_id) BETWEEN 1 AND 100),
	title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
	price          numeric(12, 2) NOT NULL CHECK (price > 0),
	currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	shipping       numeric(12, 2) CHECK (shipping >= 0),
	condition      text NOT NULL CHECK (condition IN ('new', 'open_box', 'refurbished',
	                                                   'used', 'parts', 'unknown')),
	feedback_pct   numeric(5, 2) CHECK (feedback_pct BETWEEN 0 AND 100),
	feedback_score integer CHECK (feedback_score >= 0),
	url            text NOT NULL DEFAULT '' CHECK (length(url) <= 2000),
	location       text NOT NULL DEFAULT '' CHECK (length(location) <= 100),
	listed_at      timestamptz,
	first_seen_at  timestamptz NOT NULL DEFAULT now(),
	last_seen_at   timestamptz NOT NULL DEFAULT now(),
	ended          boolean NOT NULL DEFAULT false,
	ended_at       timestamptz,
	score          numeric(5, 2) CHECK (score BETWEEN 0 AND 100),
	band           text CHECK (band IN ('great', 'good', 'fair', 'overpriced')),
	confidence     text CHECK (confidence IN ('high', 'medium', 'low', 'insufficient')),
	comparables    integer NOT NULL DEFAULT 0,
	median_total   numeric(12, 2),
	components     jsonb NOT NULL DEFAULT '[]',
	scored_at      timestamptz,
	-- a language model's second opinion of a great deal (off by default)
	opinion        text CHECK (length(opinion) <= 4000),
	opinion_model  text CHECK (length(opinion_model) <= 200),
	opinion_at     timestamptz,
	UNIQUE (search_id, provider, item_id)
);
CREATE INDEX deal_listings_score_idx ON deal_listings (score DESC, id DESC) WHERE NOT ended;
CREATE INDEX deal_listings_search_idx ON deal_listings (search_id, ended);

-- Every price (and shipping) a listing was seen at, by when it was first
-- seen at it: a price drop is a new row.
CREATE TABLE deal_prices (
	listing_id  bigint NOT NULL REFERENCES deal_listings (id) ON DELETE CASCADE,
	price       numeric(12, 2) NOT NULL CHECK (price > 0),
	shipping    numeric(12, 2) CHECK (shipping >= 0),
	observed_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (listing_id, observed_at)
);

-- Deals tier limits. deal_searches is not a daily count: it is the most
-- saved searches a user of the tier may keep. deal_scan counts the scans
-- a user asks for (POST /api/deals/searches/{id}/scan) per day.
INSERT INTO tier_quotas (tier, quota_class, daily_limit) VALUES
	('free', 'deal_searches', 5), ('pro', 'deal_searches', 100),
	('free', 'deal_scan', 20), ('pro', 'deal_scan', 500);
