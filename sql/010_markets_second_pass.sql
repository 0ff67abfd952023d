-- 010_markets_second_pass.sql: the staging table of bulk candle imports
-- (edgescout market import, common/store/market_import.c). An import COPYs
-- its rows here, tagged with its transaction, and one statement moves them
-- into candles (deleting them here), so the table is empty between imports
-- and concurrent imports never see each other's rows. Unlogged: its rows
-- never outlive the transaction that wrote them.
CREATE UNLOGGED TABLE candles_import (
	import_tx bigint NOT NULL DEFAULT txid_current(),
	symbol_id bigint NOT NULL,
	date      date NOT NULL,
	open      numeric NOT NULL,
	high      numeric NOT NULL,
	low       numeric NOT NULL,
	close     numeric NOT NULL,
	adjclose  numeric NOT NULL,
	volume    bigint NOT NULL
);

-- An analysis may have a score but no recommendation: below the coverage a
-- recommendation needs (common/domain/analysis.h, ANALYSIS_MIN_COVERAGE).
ALTER TABLE analyses DROP CONSTRAINT analyses_check;
ALTER TABLE analyses ADD CONSTRAINT analyses_check
	CHECK (recommendation IS NULL OR score IS NOT NULL);

-- A model's holdout AUC beside the AUC of the recommendation alone: the
-- training rows' win rate of each strategy and recommendation, as a
-- predictor on the same holdout rows (NULL: no holdout, or one class).
ALTER TABLE models ADD COLUMN recommendation_auc double precision
	CHECK (recommendation_auc BETWEEN 0 AND 1);
