-- 015_billing.sql: Stripe subscriptions. One billing row per user that has
-- gone to Checkout, and every webhook event id received, so that each event
-- is applied once. Applied as the owner role; the owner's default
-- privileges give the app role DML on the new tables.

-- A user's subscription as Stripe last told it. state_at is the created
-- time (Unix seconds) of the newest event applied to it: an older event
-- arriving late changes nothing. grace_until: after a failed payment the
-- pro tier stays until then.
CREATE TABLE billing_accounts (
	user_id              bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	customer_id          text UNIQUE CHECK (customer_id ~ '^cus_[A-Za-z0-9_]{1,200}$'),
	subscription_id      text UNIQUE CHECK (subscription_id ~ '^sub_[A-Za-z0-9_]{1,200}$'),
	status               text NOT NULL DEFAULT 'none' CHECK (status IN ('none',
	                     'incomplete', 'incomplete_expired', 'trialing', 'active',
	                     'past_due', 'canceled', 'unpaid', 'paused')),
	current_period_end   timestamptz,
	cancel_at_period_end boolean NOT NULL DEFAULT false,
	grace_until          timestamptz,
	state_at             bigint NOT NULL DEFAULT 0 CHECK (state_at >= 0),
	updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX billing_accounts_grace_idx ON billing_accounts (grace_until)
	WHERE grace_until IS NOT NULL;

-- Every webhook event received, by Stripe's id: a replay finds its row and
-- changes nothing. outcome says what the event did.
CREATE TABLE billing_events (
	id          text PRIMARY KEY CHECK (id ~ '^evt_[A-Za-z0-9_]{1,200}$'),
	type        text NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
	created     bigint NOT NULL CHECK (created >= 0),
	user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
	outcome     text NOT NULL CHECK (outcome IN ('applied', 'stale', 'unknown_user',
	                                             'ignored')),
	received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX billing_events_user_idx ON billing_events (user_id, received_at);
