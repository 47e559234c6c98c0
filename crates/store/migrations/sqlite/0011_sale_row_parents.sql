-- SQLite keeps every foreign key of the rows a sale writes (PostgreSQL drops them in
-- its 0011, which says why). Both refuse to delete the parents those rows refer to,
-- so a reference that was true when written stays true.
CREATE TRIGGER orgs_kept BEFORE DELETE ON orgs BEGIN SELECT RAISE(ABORT, 'rows of orgs are never deleted: ledgers refer to them'); END;
CREATE TRIGGER locations_kept BEFORE DELETE ON locations BEGIN SELECT RAISE(ABORT, 'rows of locations are never deleted: ledgers refer to them'); END;
CREATE TRIGGER products_kept BEFORE DELETE ON products BEGIN SELECT RAISE(ABORT, 'rows of products are never deleted: ledgers refer to them'); END;
CREATE TRIGGER lots_kept BEFORE DELETE ON lots BEGIN SELECT RAISE(ABORT, 'rows of lots are never deleted: ledgers refer to them'); END;
CREATE TRIGGER buildings_kept BEFORE DELETE ON buildings BEGIN SELECT RAISE(ABORT, 'rows of buildings are never deleted: ledgers refer to them'); END;
CREATE TRIGGER members_kept BEFORE DELETE ON members BEGIN SELECT RAISE(ABORT, 'rows of members are never deleted: ledgers refer to them'); END;
CREATE TRIGGER orders_kept BEFORE DELETE ON orders BEGIN SELECT RAISE(ABORT, 'rows of orders are never deleted: ledgers refer to them'); END;
