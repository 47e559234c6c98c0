-- Balance rows change with every sale. PostgreSQL rewrites a row in place on its page
-- (a HOT update, no new index entries) only when no index covers a changed column, and
-- the partial index on qty_on_hand > 0 did: every sale added index entries for each lot
-- it took and left dead row versions that the next sale's reads had to walk through
-- (14,256 updates of 50 rows, none HOT, in a 10,000-sale bench). stock_balances_product
-- and the primary key serve the same lookups. Free space on each page lets the updates
-- stay on it.
DROP INDEX stock_balances_on_hand;
ALTER TABLE stock_balances SET (fillfactor = 70);
ALTER TABLE member_balances SET (fillfactor = 70);
ALTER TABLE flash_sale_quotas SET (fillfactor = 70);
ALTER TABLE coupons SET (fillfactor = 80);
