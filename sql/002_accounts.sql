-- 002_accounts.sql: users, sessions, refresh tokens, API keys, tiers and
-- quotas, login throttling and the insert-only audit trail.

CREATE TABLE users (
	id               bigserial PRIMARY KEY,
	email            text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	password_hash    text NOT NULL,
	role             text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
	tier             text NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro')),
	disabled         boolean NOT NULL DEFAULT false,
	-- bumped by a password change and by logout-all: access tokens carry the
	-- generation they were issued under and die when it moves on
	token_generation integer NOT NULL DEFAULT 1,
	password_changed_at timestamptz NOT NULL DEFAULT now(),
	created_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	last_login_at    timestamptz
);
-- unique case-insensitively (the stored address keeps the local part's case)
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Failed logins by normalised email, known or not, so throttling never tells
-- whether an account exists.
CREATE TABLE login_failures (
	email  text NOT NULL,
	at     timestamptz NOT NULL DEFAULT now(),
	ip     text
);
CREATE INDEX login_failures_email_at_idx ON login_failures (lower(email), at DESC);

-- Refresh tokens, rotated on every use within a family; only their hash is kept.
CREATE TABLE refresh_tokens (
	id          bigserial PRIMARY KEY,
	user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	family      text NOT NULL,
	token_hash  text NOT NULL UNIQUE,
	issued_at   timestamptz NOT NULL DEFAULT now(),
	expires_at  timestamptz NOT NULL,   -- the family's absolute expiry
	used_at     timestamptz,            -- rotated: presenting it again is reuse
	revoked_at  timestamptz,
	ip          text,
	user_agent  text
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Browser sessions: an opaque cookie token and its CSRF token, both hashed.
CREATE TABLE sessions (
	id           bigserial PRIMARY KEY,
	user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash   text NOT NULL UNIQUE,
	csrf_hash    text NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now(),
	expires_at   timestamptz NOT NULL,
	last_seen_at timestamptz NOT NULL DEFAULT now(),
	revoked_at   timestamptz,
	ip           text,
	user_agent   text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_keys (
	id           bigserial PRIMARY KEY,
	user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	prefix       text NOT NULL,          -- shown in lists: "es_Ab12Cd34"
	key_hash     text NOT NULL UNIQUE,
	scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'export']::text[]),
	created_at   timestamptz NOT NULL DEFAULT now(),
	last_used_at timestamptz,
	revoked_at   timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

-- Daily quotas per tier and quota class; 0 means the class is not allowed.
CREATE TABLE tier_quotas (
	tier        text NOT NULL CHECK (tier IN ('free', 'pro')),
	quota_class text NOT NULL CHECK (quota_class ~ '^[a-z_]{1,32}$'),
	daily_limit integer NOT NULL CHECK (daily_limit >= 0),
	PRIMARY KEY (tier, quota_class)
);
INSERT INTO tier_quotas (tier, quota_class, daily_limit) VALUES
	('free', 'default', 1000), ('pro', 'default', 100000),
	('free', 'analysis', 50), ('pro', 'analysis', 5000),
	('free', 'run', 10), ('pro', 'run', 1000),
	('free', 'export', 20), ('pro', 'export', 2000);

-- Usage per user, class and UTC day; incremented atomically, so it holds
-- across every worker and host.
CREATE TABLE quota_usage (
	user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	quota_class text NOT NULL,
	day         date NOT NULL,
	used        integer NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, quota_class, day)
);

-- The audit trail: the app role may only INSERT (and read); a trigger refuses
-- UPDATE, DELETE and TRUNCATE for every role.
CREATE TABLE audit_log (
	id          bigserial PRIMARY KEY,
	at          timestamptz NOT NULL DEFAULT now(),
	actor_id    bigint,                 -- NULL: anonymous or the system
	action      text NOT NULL CHECK (action ~ '^[a-z_.]{1,64}$'),
	target      text,
	ip          text,
	user_agent  text,
	request_id  text,
	details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- Default privileges gave every grantee DML: take back UPDATE, DELETE and
-- TRUNCATE on the audit trail from everyone but its owner.
DO $$
DECLARE
	g record;
BEGIN
	FOR g IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
	         WHERE table_name = 'audit_log' AND grantee <> current_user
	LOOP
		EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %I', g.grantee);
	END LOOP;
END;
$$;
