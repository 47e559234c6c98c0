-- Linli foundation schema. Every row carries org_id: an organisation (a chain or a
-- single owner) sees only its own rows. Instants are unix milliseconds (BIGINT),
-- money is fen (BIGINT), quantities are base units (pieces or grams, BIGINT),
-- flags are 0/1 BIGINT: the portable types sqlx Any decodes on both backends.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE stores (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    lat_e6 BIGINT,
    lon_e6 BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, code)
);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    lat_e6 BIGINT,
    lon_e6 BIGINT,
    UNIQUE (org_id, code)
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT REFERENCES stores(id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    staff_id BIGINT NOT NULL REFERENCES staff(id),
    kind TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_staff ON sessions (staff_id);

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    compound_zh TEXT NOT NULL DEFAULT '',
    lat_e6 BIGINT,
    lon_e6 BIGINT,
    households BIGINT NOT NULL DEFAULT 0,
    UNIQUE (org_id, code)
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    phone TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    building_id BIGINT REFERENCES buildings(id),
    unit_no TEXT NOT NULL DEFAULT '',
    room TEXT NOT NULL DEFAULT '',
    birthday TEXT,
    joined_at BIGINT NOT NULL,
    UNIQUE (org_id, phone)
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    parent_id BIGINT REFERENCES categories(id),
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    expiry_alert_hours BIGINT NOT NULL DEFAULT 72,
    UNIQUE (org_id, code)
);

CREATE TABLE zones (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    UNIQUE (org_id, code)
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    sku TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    pinyin_full TEXT NOT NULL,
    pinyin_initials TEXT NOT NULL,
    brand TEXT NOT NULL DEFAULT '',
    category_id BIGINT REFERENCES categories(id),
    unit_kind TEXT NOT NULL,
    unit_label TEXT NOT NULL,
    price_fen BIGINT NOT NULL CHECK (price_fen >= 0),
    cost_fen BIGINT NOT NULL DEFAULT 0,
    tax_rate_bp BIGINT NOT NULL DEFAULT 1300,
    shelf_life_days BIGINT,
    plu BIGINT,
    reorder_point BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, sku),
    UNIQUE (org_id, plu)
);
CREATE INDEX products_org_initials ON products (org_id, pinyin_initials);
CREATE INDEX products_org_category ON products (org_id, category_id);

CREATE TABLE product_gtins (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    gtin TEXT NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products(id),
    PRIMARY KEY (org_id, gtin)
);
CREATE INDEX product_gtins_product ON product_gtins (product_id);

CREATE TABLE product_zones (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    PRIMARY KEY (product_id, zone_id)
);

CREATE TABLE scale_templates (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    prefix TEXT NOT NULL,
    plu_digits BIGINT NOT NULL,
    value_kind TEXT NOT NULL,
    value_digits BIGINT NOT NULL,
    UNIQUE (org_id, prefix)
);

CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    kind TEXT NOT NULL,
    contact_phone TEXT NOT NULL DEFAULT '',
    lead_time_hours BIGINT NOT NULL DEFAULT 24,
    order_cutoff_min BIGINT NOT NULL DEFAULT 600,
    delivery_time_min BIGINT NOT NULL DEFAULT 900,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, code)
);

CREATE TABLE lots (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    lot_code TEXT NOT NULL,
    expires_at BIGINT,
    received_at BIGINT NOT NULL,
    supplier_id BIGINT REFERENCES suppliers(id),
    UNIQUE (org_id, product_id, lot_code)
);

-- Cached on-hand per (location, lot); always equal to the fold of stock_movements
-- (the conformance suite proves it). The CHECK is the last line against overselling.
CREATE TABLE stock_balances (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    qty_on_hand BIGINT NOT NULL CHECK (qty_on_hand >= 0),
    PRIMARY KEY (location_id, lot_id)
);
CREATE INDEX stock_balances_product ON stock_balances (org_id, product_id, location_id);
-- Lots that hold stock: most balances of a long history are sold out (zero).
CREATE INDEX stock_balances_on_hand ON stock_balances (org_id, product_id) WHERE qty_on_hand > 0;

-- The append-only stock ledger: rows are inserted, never updated or deleted.
CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    kind TEXT NOT NULL,
    qty_delta BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    ref_type TEXT NOT NULL DEFAULT '',
    ref_id BIGINT,
    staff_id BIGINT,
    at BIGINT NOT NULL
);
CREATE INDEX stock_movements_lot ON stock_movements (location_id, lot_id, id);
CREATE INDEX stock_movements_org_at ON stock_movements (org_id, at);
CREATE INDEX stock_movements_product ON stock_movements (org_id, product_id, at);

CREATE TABLE purchase_orders (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    supplier_id BIGINT NOT NULL REFERENCES suppliers(id),
    -- Set from the id right after the insert, in the same transaction (NULLs never collide).
    number TEXT,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    expected_at BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, number)
);

CREATE TABLE purchase_order_lines (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    po_id BIGINT NOT NULL REFERENCES purchase_orders(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    qty_ordered BIGINT NOT NULL CHECK (qty_ordered > 0),
    qty_received BIGINT NOT NULL DEFAULT 0,
    unit_cost_fen BIGINT NOT NULL DEFAULT 0,
    UNIQUE (po_id, product_id)
);

CREATE TABLE receipts (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    po_id BIGINT REFERENCES purchase_orders(id),
    supplier_id BIGINT REFERENCES suppliers(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    note TEXT NOT NULL DEFAULT '',
    staff_id BIGINT,
    at BIGINT NOT NULL
);

CREATE TABLE receipt_lines (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    receipt_id BIGINT NOT NULL REFERENCES receipts(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    qty BIGINT NOT NULL,
    unit_cost_fen BIGINT NOT NULL DEFAULT 0,
    discrepancy TEXT NOT NULL DEFAULT '',
    discrepancy_qty BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE stock_counts (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    posted_at BIGINT
);

CREATE TABLE stock_count_lines (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    count_id BIGINT NOT NULL REFERENCES stock_counts(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    expected BIGINT NOT NULL,
    counted BIGINT NOT NULL,
    UNIQUE (count_id, lot_id)
);

-- One order model for the till, the resident shop, presale, group-buys and
-- subscriptions. A till sale is an order created and completed at once.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    -- Set from the id right after the insert, in the same transaction (NULLs never collide).
    number TEXT,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    member_id BIGINT REFERENCES members(id),
    staff_id BIGINT,
    total_fen BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    completed_at BIGINT,
    UNIQUE (org_id, number)
);
CREATE INDEX orders_org_created ON orders (org_id, created_at);
CREATE INDEX orders_member ON orders (member_id, created_at);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    lot_id BIGINT REFERENCES lots(id),
    qty BIGINT NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    line_total_fen BIGINT NOT NULL
);
CREATE INDEX order_lines_order ON order_lines (order_id);
CREATE INDEX order_lines_product ON order_lines (org_id, product_id);

CREATE TABLE order_payments (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    order_id BIGINT NOT NULL REFERENCES orders(id),
    method TEXT NOT NULL,
    amount_fen BIGINT NOT NULL
);
CREATE INDEX order_payments_order ON order_payments (order_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    staff_id BIGINT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id BIGINT,
    detail TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX audit_log_org_at ON audit_log (org_id, at);

-- Idempotency-Key records: a replay returns the stored response.
CREATE TABLE idempotency_keys (
    org_id BIGINT NOT NULL,
    principal TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, principal, idem_key)
);
