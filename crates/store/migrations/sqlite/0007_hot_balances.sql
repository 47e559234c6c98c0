-- The partial index on qty_on_hand > 0 kept PostgreSQL from updating balance rows in
-- place (see the PostgreSQL migration); dropped on both backends so that they keep the
-- same indexes. stock_balances_product and the primary key serve the same lookups.
DROP INDEX stock_balances_on_hand;
