-- Every till sale writes an order, a line per lot and a movement per lot, and
-- PostgreSQL checks each foreign key of each row with a query of its own. These keys
-- are implied by another key of the same row, so they are dropped on the rows every
-- sale writes (checkout bench median 897 against 767 sales/s, docs/benchmarks.md):
--   stock_movements.org_id and .product_id: the location and the lot (a lot is of one
--     product, and lots are never deleted);
--   order_lines.org_id: the order;
--   orders.org_id and .store_id: the location (a location is of one store of one org).
-- The columns stay, every query still filters by org_id, and the keys that tie a row to
-- its parent (order, lot, location, member) stay.
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_org_id_fkey;
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_product_id_fkey;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_org_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_org_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_store_id_fkey;
