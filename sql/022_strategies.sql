-- 022_strategies.sql: users' own strategies (GET|POST /api/strategies):
-- components chosen from the catalogue with weights and parameters, and
-- buy/sell thresholds. The components are stored as the API writes them
-- back (every parameter given), checked by the application.
CREATE TABLE IF NOT EXISTS user_strategies (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	components jsonb NOT NULL CHECK (jsonb_typeof(components) = 'array'),
	buy_at double precision NOT NULL CHECK (buy_at > 0 AND buy_at <= 100),
	sell_at double precision NOT NULL CHECK (sell_at >= 0 AND sell_at < buy_at),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS user_strategies_user ON user_strategies (user_id, id);

-- strategies is not a daily count: it is the most strategies a user of the
-- tier may keep.
INSERT INTO tier_quotas (tier, quota_class, daily_limit) VALUES
	('free', 'strategies', 5), ('pro', 'strategies', 100)
ON CONFLICT DO NOTHING;

-- The search history records calls under a user's strategy too.
ALTER TABLE search_history DROP CONSTRAINT IF EXISTS search_history_strategy_check;
ALTER TABLE search_history ADD CONSTRAINT search_history_strategy_check
	CHECK (strategy IN ('growth', 'value', 'dividend', 'momentum')
	       OR strategy ~ '^user:[1-9][0-9]{0,17}$');
