-- 020_ev_hits_owner.down.sql: hits equal but for their owner share a row
-- again (all but the oldest of each such group are deleted first).
DELETE FROM ev_hits h USING ev_hits o
 WHERE o.id < h.id AND o.event_id = h.event_id AND o.market = h.market
   AND o.outcome = h.outcome AND COALESCE(o.point, 'NaN') = COALESCE(h.point, 'NaN')
   AND o.book = h.book AND o.price = h.price AND o.observed_at = h.observed_at;
DROP INDEX ev_hits_key_idx;
CREATE UNIQUE INDEX ev_hits_key_idx ON ev_hits
	(event_id, market, outcome, COALESCE(point, 'NaN'), book, price, observed_at);
