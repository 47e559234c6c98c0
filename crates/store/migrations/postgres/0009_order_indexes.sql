-- Two indexes of orders made to fit the queries that use them.
--
-- orders_org_status served only the online-order queries (the shop's order list and
-- the sweeper of unpaid orders), which all ask for fulfilment <> 'immediate'. It also
-- covered every till sale, and PostgreSQL, with no statistics of a new store's orders
-- yet, chose it for a member's rolling spend and kept that plan, reading every
-- completed order of the store for each sale: 2.2 ms a sale and growing with the
-- store's history (pg_stat_statements over `linli bench checkout`). As a partial index
-- of online orders it is small, till sales do not write it, and a query without that
-- condition cannot pick it.
DROP INDEX orders_org_status;
CREATE INDEX orders_online ON orders (org_id, status, created_at) WHERE fulfilment <> 'immediate';

-- Only orders from a delivery platform have an external id; the index of the others
-- was written by every till sale and, like the one above, looked to PostgreSQL like a
-- way to find a store's orders by org_id alone.
DROP INDEX orders_external;
CREATE UNIQUE INDEX orders_external ON orders (org_id, external_platform, external_id) WHERE external_id IS NOT NULL;
