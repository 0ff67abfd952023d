-- 009_data_revision.sql: a symbol's data revision, part of the analyses
-- cache key, so that no analysis computed from older data is served.
--
-- Every statement that inserts, changes or deletes a symbol's candles or
-- fundamentals (an import, a provider refresh, a fundamentals fetch, an
-- operator's hand edit) moves the symbol's revision on once: statement
-- triggers with transition tables, one UPDATE of symbols per statement
-- whatever the number of rows. A cached analysis is found only under the
-- revision its data was read at, which only ever grows.
ALTER TABLE symbols ADD COLUMN data_revision bigint NOT NULL DEFAULT 1;

-- Analyses cached before this migration (revision 0) are never found again:
-- they are computed afresh on their next call.
ALTER TABLE analyses ADD COLUMN data_revision bigint NOT NULL DEFAULT 0;
ALTER TABLE analyses DROP CONSTRAINT analyses_pkey;
ALTER TABLE analyses ADD PRIMARY KEY (symbol_id, strategy, data_revision, version);

-- The model's input features of the analysis (model_feature_name order),
-- so that a cached analysis is annotated with the current model's
-- prediction without parsing its JSON again. NULL: computed before.
ALTER TABLE analyses ADD COLUMN features double precision[];

CREATE FUNCTION symbols_bump_data_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE symbols s SET data_revision = s.data_revision + 1
	WHERE s.id IN (SELECT DISTINCT symbol_id FROM changed);
	RETURN NULL;
END
$$;

CREATE TRIGGER candles_revision_insert AFTER INSERT ON candles
	REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION symbols_bump_data_revision();
CREATE TRIGGER candles_revision_update AFTER UPDATE ON candles
	REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION symbols_bump_data_revision();
CREATE TRIGGER candles_revision_delete AFTER DELETE ON candles
	REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION symbols_bump_data_revision();
CREATE TRIGGER fundamentals_revision_insert AFTER INSERT ON fundamentals
	REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION symbols_bump_data_revision();
CREATE TRIGGER fundamentals_revision_update AFTER UPDATE ON fundamentals
	REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION symbols_bump_data_revision();
CREATE TRIGGER fundamentals_revision_delete AFTER DELETE ON fundamentals
	REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION symbols_bump_data_revision();
