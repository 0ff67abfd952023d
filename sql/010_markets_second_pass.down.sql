-- 010_markets_second_pass.down.sql: no staging table for imports.
DROP TABLE candles_import;
