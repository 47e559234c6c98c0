-- Selling (issue 3): the till's sale record, refunds, shifts (交班), offline sales.

-- What the till computed, so a receipt and a replayed answer come from the record.
ALTER TABLE orders ADD COLUMN subtotal_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN discount_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN rounding_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN change_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN points_earned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN points_redeemed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN refunded_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shift_id BIGINT;
-- A sale rung up while the till was offline: the till's id, and why it needs the manager.
ALTER TABLE orders ADD COLUMN offline_till TEXT;
ALTER TABLE orders ADD COLUMN flag TEXT;
CREATE INDEX orders_flagged ON orders (org_id, flag) WHERE flag IS NOT NULL;

-- The sale line a lot row belongs to (a line split over lots has one row per lot).
ALTER TABLE order_lines ADD COLUMN line_no BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN refunded_qty BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN refunded_fen BIGINT NOT NULL DEFAULT 0;
-- Points used as a tender.
ALTER TABLE order_payments ADD COLUMN points BIGINT NOT NULL DEFAULT 0;
-- The payment provider's reference of a QR payment: one payment pays one sale.
ALTER TABLE order_payments ADD COLUMN provider_ref TEXT;
CREATE UNIQUE INDEX order_payments_provider_ref ON order_payments (org_id, provider_ref) WHERE provider_ref IS NOT NULL;

-- Every discount the pricing engine applied, as the receipt explains it.
CREATE TABLE order_discounts (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    source TEXT NOT NULL,
    source_id BIGINT,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- Units taken from a flash sale's cap (returned on a whole refund).
    qty BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX order_discounts_order ON order_discounts (order_id);

-- Units an offline sale recorded but stock could not cover: kept, flagged for the manager.
CREATE TABLE sale_shortfalls (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    qty BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by BIGINT
);
CREATE INDEX sale_shortfalls_open ON sale_shortfalls (org_id, resolved_at);

-- A sale's Idempotency-Key is claimed in the sale's own savepoint; the answer is rebuilt
-- from the order on a replay.
ALTER TABLE idempotency_keys ADD COLUMN order_id BIGINT;

-- Refunds (退款) against a sale, whole or in part.
CREATE TABLE refunds (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    staff_id BIGINT,
    shift_id BIGINT,
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    points_returned BIGINT NOT NULL DEFAULT 0,
    points_clawed_back BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id);
CREATE TABLE refund_lines (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    refund_id BIGINT NOT NULL REFERENCES refunds(id),
    order_line_id BIGINT NOT NULL REFERENCES order_lines(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    lot_id BIGINT REFERENCES lots(id),
    qty BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL
);
CREATE INDEX refund_lines_refund ON refund_lines (refund_id);
CREATE TABLE refund_payments (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    refund_id BIGINT NOT NULL REFERENCES refunds(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    method TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    points BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX refund_payments_order ON refund_payments (order_id);

-- Shifts (交班): one open shift per cashier and till.
CREATE TABLE shifts (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    till_id TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    float_fen BIGINT NOT NULL,
    closed_at BIGINT,
    cash_sales_fen BIGINT,
    cash_refunds_fen BIGINT,
    payouts_fen BIGINT,
    expected_fen BIGINT,
    counted_fen BIGINT,
    variance_fen BIGINT,
    note TEXT NOT NULL DEFAULT '',
    open_marker BIGINT
);
-- open_marker is 1 while open and NULL once closed: at most one open shift per cashier.
CREATE UNIQUE INDEX shifts_one_open ON shifts (org_id, staff_id, open_marker);
