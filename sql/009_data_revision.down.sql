-- 009_data_revision.down.sql: analyses are keyed by data day again (the
-- newest revision of each day kept); symbols lose their revision.
DROP TRIGGER fundamentals_revision_delete ON fundamentals;
DROP TRIGGER fundamentals_revision_update ON fundamentals;
DROP TRIGGER fundamentals_revision_insert ON fundamentals;
DROP TRIGGER candles_revision_delete ON candles;
DROP TRIGGER candles_revision_update ON candles;
DROP TRIGGER candles_revision_insert ON candles;
DROP FUNCTION symbols_bump_data_revision();

DELETE FROM analyses a USING analyses b
WHERE a.symbol_id = b.symbol_id AND a.strategy = b.strategy AND a.data_day = b.data_day
  AND a.version = b.version AND a.data_revision < b.data_revision;
ALTER TABLE analyses DROP CONSTRAINT analyses_pkey;
ALTER TABLE analyses ADD PRIMARY KEY (symbol_id, strategy, data_day, version);
ALTER TABLE analyses DROP COLUMN features;
ALTER TABLE analyses DROP COLUMN data_revision;
ALTER TABLE symbols DROP COLUMN data_revision;
