-- 010_markets_second_pass.down.sql: no staging table for imports, every
-- cached analysis with a score has a recommendation again (those without
-- are dropped: the cache recomputes them), no recommendation-only AUC.
DROP TABLE candles_import;
DELETE FROM analyses WHERE (score IS NULL) <> (recommendation IS NULL);
ALTER TABLE analyses DROP CONSTRAINT analyses_check;
ALTER TABLE analyses ADD CONSTRAINT analyses_check
	CHECK ((score IS NULL) = (recommendation IS NULL));
ALTER TABLE models DROP COLUMN recommendation_auc;
