-- 020_ev_hits_owner.sql: a +EV hit is one row per (event, market, outcome,
-- point, book, price, observed_at) and per owner: the scanner's and each
-- user's posted hits no longer share a row, so a bot posting what another
-- user's bot (or the scanner) posted gets its own hit, which only its owner
-- sees.
-- Applied as the owner role.
DROP INDEX ev_hits_key_idx;
CREATE UNIQUE INDEX ev_hits_key_idx ON ev_hits
	(event_id, market, outcome, COALESCE(point, 'NaN'), book, price, observed_at,
	 source, COALESCE(user_id, 0));
