-- Selling (issue 3): online orders, reservations, pickup codes, residents.

-- Units of a lot held for online orders (预留). Sales, transfers and write-offs take only
-- qty_on_hand - qty_reserved; fulfilling an order takes from both in one update.
ALTER TABLE stock_balances ADD COLUMN qty_reserved BIGINT NOT NULL DEFAULT 0 CHECK (qty_reserved >= 0);

-- Online orders use the one `orders` table. A till sale keeps the defaults (immediate,
-- paid); an online order fills in how it is fulfilled and paid. Subtotal and discount
-- columns come with the till's migration (0005) and serve both.
ALTER TABLE orders ADD COLUMN fulfilment TEXT NOT NULL DEFAULT 'immediate';
-- unpaid, paid, refund_pending (owed back, the payment port not yet confirmed), refunded
ALTER TABLE orders ADD COLUMN payment_status TEXT NOT NULL DEFAULT 'paid';
-- The 6-digit pickup code (提货码). Kept readable: the resident is shown it; staff type
-- it and it is compared in constant time; wrong codes are counted and lock the order.
ALTER TABLE orders ADD COLUMN pickup_code TEXT;
ALTER TABLE orders ADD COLUMN pickup_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN slot_start BIGINT;
ALTER TABLE orders ADD COLUMN slot_end BIGINT;
ALTER TABLE orders ADD COLUMN delivery_building_id BIGINT REFERENCES buildings(id);
ALTER TABLE orders ADD COLUMN delivery_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN delivery_room TEXT NOT NULL DEFAULT '';
-- ISO date a presale order is collected from.
ALTER TABLE orders ADD COLUMN presale_date TEXT;
-- A food-delivery platform's order: (platform, id) is imported once; the hash of what was
-- imported tells a replay (same content) from a clash (other content, same id).
ALTER TABLE orders ADD COLUMN external_platform TEXT;
ALTER TABLE orders ADD COLUMN external_id TEXT;
ALTER TABLE orders ADD COLUMN external_hash TEXT;
ALTER TABLE orders ADD COLUMN order_note TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN paid_at BIGINT;
ALTER TABLE orders ADD COLUMN cancelled_at BIGINT;
ALTER TABLE orders ADD COLUMN updated_at BIGINT;
CREATE UNIQUE INDEX orders_external ON orders (org_id, external_platform, external_id);
CREATE INDEX orders_org_status ON orders (org_id, status, created_at);

-- Per store and Shanghai day, the last order number handed out (S1-20261125-00042).
CREATE TABLE order_sequences (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    day TEXT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (store_id, day)
);

-- Status history of an order: append-only.
CREATE TABLE order_events (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    event TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    -- resident, staff or system
    actor TEXT NOT NULL,
    staff_id BIGINT,
    member_id BIGINT,
    detail TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- Which lot units an online order holds. stock_balances.qty_reserved is the sum of the
-- open rows of its (location, lot); release and consume close rows, never edit qty.
CREATE TABLE stock_reservations (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    qty BIGINT NOT NULL CHECK (qty > 0),
    -- open, released, consumed
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX stock_reservations_order ON stock_reservations (order_id, status);
CREATE INDEX stock_reservations_open ON stock_reservations (org_id, location_id, lot_id) WHERE status = 'open';

-- Delivery slots (配送时段) booked per store: a row appears with the first booking and
-- the default capacity; booked < capacity is checked in the booking's UPDATE.
CREATE TABLE delivery_slots (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    slot_start BIGINT NOT NULL,
    slot_end BIGINT NOT NULL,
    capacity BIGINT NOT NULL CHECK (capacity >= 0),
    booked BIGINT NOT NULL DEFAULT 0 CHECK (booked >= 0),
    PRIMARY KEY (store_id, slot_start)
);

-- Presale offers (预售): sold until order_by, collected from ship_date; sold <= cap_total
-- is checked in the order's UPDATE.
CREATE TABLE presale_rules (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    ship_date TEXT NOT NULL,
    cap_total BIGINT NOT NULL CHECK (cap_total > 0),
    per_order_max BIGINT NOT NULL CHECK (per_order_max > 0),
    order_by BIGINT NOT NULL,
    sold BIGINT NOT NULL DEFAULT 0 CHECK (sold >= 0),
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, product_id, ship_date)
);

-- Residents signed in on their phones (bearer tokens stored as SHA-256). Kept apart
-- from staff sessions: neither kind of token opens the other's endpoints.
CREATE TABLE resident_sessions (
    token_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX resident_sessions_member ON resident_sessions (member_id);

-- The one-time sign-in code last sent to a phone (SHA-256 only), its wrong attempts,
-- and the send counter that rate-limits texts to a phone.
CREATE TABLE resident_otps (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    phone TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    sends BIGINT NOT NULL,
    PRIMARY KEY (org_id, phone)
);

-- QR payments asked of the payment port. status: pending, approved, declined,
-- refund_pending, refunded. applied = 1 for the intent that paid its order; an
-- approved intent that came too late (order already paid or cancelled) is refunded.
CREATE TABLE payment_intents (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    provider TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    status TEXT NOT NULL,
    applied BIGINT NOT NULL DEFAULT 0,
    qr_payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (provider, provider_ref)
);
CREATE INDEX payment_intents_order ON payment_intents (order_id);
