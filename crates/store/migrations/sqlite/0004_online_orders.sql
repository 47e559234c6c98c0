-- Selling (issue 3): online orders, reservations, pickup codes, residents.

-- Units of a lot held for online orders (预留). Sales, transfers and write-offs take only
-- qty_on_hand - qty_reserved; fulfilling an order takes from both in one update.
ALTER TABLE stock_balances ADD COLUMN qty_reserved BIGINT NOT NULL DEFAULT 0 CHECK (qty_reserved >= 0);
