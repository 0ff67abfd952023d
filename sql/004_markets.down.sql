-- 004_markets.down.sql: drop watchlists, fundamentals, candles and symbols.
DROP TABLE IF EXISTS watchlist_symbols, watchlists, fundamentals, candles, symbols;
