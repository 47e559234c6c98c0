-- Selling (issue 3): points (积分) and stored-value (储值) ledgers, tiers (会员等级),
-- top-up offers and birthday gifts. Same tables and columns on both backends.
--
-- The ledgers are append-only: an entry is inserted once and never updated or deleted.
-- member_balances caches their fold and is updated in the same transaction; its row is
-- also the per-member lock (UPDATE ... SET version = version + 1) every writer takes
-- before reading the ledger, and (member_id, entry_no) makes two writers that somehow
-- append the same position conflict instead of forking a ledger.

-- Per-organisation rules; an organisation without a row uses the defaults in
-- store::loyalty (1 point per yuan, 100 points = 1 yuan, at most half an order, 12 months).
CREATE TABLE loyalty_settings (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    fen_per_point BIGINT NOT NULL,
    -- down, half_up or up
    earn_rounding TEXT NOT NULL,
    expiry_months BIGINT NOT NULL,
    points_per_yuan BIGINT NOT NULL,
    order_share_max_bp BIGINT NOT NULL,
    birthday_gift_points BIGINT NOT NULL,
    updated_by BIGINT,
    updated_at BIGINT NOT NULL
);

-- The tier table of an organisation that has settings, lowest first.
CREATE TABLE loyalty_tiers (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    min_spend_fen_12m BIGINT NOT NULL,
    discount_bp BIGINT NOT NULL,
    points_multiplier_bp BIGINT NOT NULL,
    PRIMARY KEY (org_id, position),
    UNIQUE (org_id, code)
);

-- 充 min_paid_fen 送 bonus_fen.
CREATE TABLE top_up_rules (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    min_paid_fen BIGINT NOT NULL,
    bonus_fen BIGINT NOT NULL,
    PRIMARY KEY (org_id, min_paid_fen)
);

-- The points ledger (loyalty::PointsEntry). kind: earn (order_id, expires_at), redeem
-- (order_id), reverse (of_entry, refunded_fen of total_fen), expire, adjust (reason).
CREATE TABLE member_points (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    entry_no BIGINT NOT NULL,
    kind TEXT NOT NULL,
    points BIGINT NOT NULL,
    balance_after BIGINT NOT NULL,
    order_id BIGINT REFERENCES orders(id),
    expires_at BIGINT,
    of_entry BIGINT,
    refunded_fen BIGINT,
    total_fen BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    staff_id BIGINT,
    at BIGINT NOT NULL,
    PRIMARY KEY (member_id, entry_no)
);
CREATE INDEX member_points_order ON member_points (org_id, order_id);

-- The stored-value ledger (loyalty::StoredValueEntry): principal and bonus kept apart.
-- kind: top_up (tender), spend (order_id), refund (of_entry, refunded_fen of total_fen),
-- withdraw, adjust (reason).
CREATE TABLE member_stored_value (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    entry_no BIGINT NOT NULL,
    kind TEXT NOT NULL,
    principal_fen BIGINT NOT NULL,
    bonus_fen BIGINT NOT NULL,
    principal_after BIGINT NOT NULL,
    bonus_after BIGINT NOT NULL,
    order_id BIGINT REFERENCES orders(id),
    of_entry BIGINT,
    refunded_fen BIGINT,
    total_fen BIGINT,
    tender TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    staff_id BIGINT,
    at BIGINT NOT NULL,
    PRIMARY KEY (member_id, entry_no)
);
CREATE INDEX member_stored_value_order ON member_stored_value (org_id, order_id);
CREATE INDEX member_stored_value_top_ups ON member_stored_value (org_id, kind, at);

-- The fold of both ledgers per member, and the member's lock. next_expiry_at is the
-- earliest expiry among awards that still hold points (the expiry sweep's index).
CREATE TABLE member_balances (
    member_id BIGINT PRIMARY KEY REFERENCES members(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    points BIGINT NOT NULL DEFAULT 0 CHECK (points >= 0),
    principal_fen BIGINT NOT NULL DEFAULT 0 CHECK (principal_fen >= 0),
    bonus_fen BIGINT NOT NULL DEFAULT 0 CHECK (bonus_fen >= 0),
    points_next_no BIGINT NOT NULL DEFAULT 0,
    stored_value_next_no BIGINT NOT NULL DEFAULT 0,
    next_expiry_at BIGINT,
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX member_balances_expiry ON member_balances (org_id, next_expiry_at);

-- One birthday gift per member per birthday year, however often the job runs.
CREATE TABLE birthday_gifts (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    year BIGINT NOT NULL,
    points BIGINT NOT NULL,
    -- The points entry (an adjust) that carried the gift.
    entry_no BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, year)
);
