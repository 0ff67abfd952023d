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
