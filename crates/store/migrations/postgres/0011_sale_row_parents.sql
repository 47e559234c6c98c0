-- The rows a sale writes no longer carry foreign keys to their parents on PostgreSQL.
--
-- Why: PostgreSQL checks a foreign key by locking the parent row (SELECT … FOR KEY
-- SHARE) once per child row. A batch of till sales writes some 35 such checks a sale,
-- and the parents are the rows every sale shares: the organisation, the store's
-- location, the products and lots on the shelf. Two batches in flight lock the same
-- rows, so most checks also make a multixact. The checkout bench ran at a median of
-- 1,607 sales/s with them and about 2,060 without (docs/benchmarks.md, session 9).
--
-- What keeps the references true instead:
--   * the parents are never deleted: a trigger refuses DELETE and TRUNCATE on orgs,
--     locations, products, lots, buildings, members and orders (on both backends);
--   * the sale path writes only parents it has just read or written in the same
--     transaction: the lot and location through the compare-and-set of their
--     stock_balances row (which keeps its keys), the member through member_balances,
--     the order in the same statement, the product from the lot it was taken from;
--   * SQLite keeps every key and enforces it (PRAGMA foreign_keys=ON), and both
--     backends run the same code, so a write that would break a key fails the SQLite
--     suite;
--   * `Store::dangling_references` lists any child row whose parent is missing or
--     belongs to another organisation (stronger than a key: it checks the tenant too);
--     the concurrency tests and `linli bench checkout` assert it is empty.
ALTER TABLE orders DROP CONSTRAINT orders_location_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_member_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_delivery_building_id_fkey;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_order_id_fkey;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_product_id_fkey;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_lot_id_fkey;
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_location_id_fkey;
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_lot_id_fkey;
ALTER TABLE order_payments DROP CONSTRAINT order_payments_org_id_fkey;
ALTER TABLE order_payments DROP CONSTRAINT order_payments_order_id_fkey;
ALTER TABLE member_points DROP CONSTRAINT member_points_org_id_fkey;
ALTER TABLE member_points DROP CONSTRAINT member_points_member_id_fkey;
ALTER TABLE member_points DROP CONSTRAINT member_points_order_id_fkey;
ALTER TABLE member_stored_value DROP CONSTRAINT member_stored_value_org_id_fkey;
ALTER TABLE member_stored_value DROP CONSTRAINT member_stored_value_member_id_fkey;
ALTER TABLE member_stored_value DROP CONSTRAINT member_stored_value_order_id_fkey;
ALTER TABLE order_discounts DROP CONSTRAINT order_discounts_org_id_fkey;
ALTER TABLE order_discounts DROP CONSTRAINT order_discounts_order_id_fkey;

CREATE FUNCTION linli_parents_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are never deleted: ledgers refer to them', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER orgs_kept BEFORE DELETE OR TRUNCATE ON orgs FOR EACH STATEMENT EXECUTE FUNCTION linli_parents_kept();
CREATE TRIGGER locations_kept BEFORE DELETE OR TRUNCATE ON locations FOR EACH STATEMENT EXECUTE FUNCTION linli_parents_kept();
CREATE TRIGGER products_kept BEFORE DELETE OR TRUNCATE ON products FOR EACH STATEMENT EXECUTE FUNCTION linli_parents_kept();
CREATE TRIGGER lots_kept BEFORE DELETE OR TRUNCATE ON lots FOR EACH STATEMENT EXECUTE FUNCTION linli_parents_kept();
CREATE TRIGGER buildings_kept BEFORE DELETE OR TRUNCATE ON buildings FOR EACH STATEMENT EXECUTE FUNCTION linli_parents_kept();
CREATE TRIGGER members_kept BEFORE DELETE OR TRUNCATE ON members FOR EACH STATEMENT EXECUTE FUNCTION linli_parents_kept();
CREATE TRIGGER orders_kept BEFORE DELETE OR TRUNCATE ON orders FOR EACH STATEMENT EXECUTE FUNCTION linli_parents_kept();
