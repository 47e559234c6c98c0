-- Selling (issue 3): coupons and promotions.
--
-- A coupon (优惠券) is a definition (`coupons`) and the copies given to members
-- (`coupon_issues`). Limits hold under concurrency by conditional updates on counters:
-- `coupons.used < total_limit` when one is used, `coupons.issued + n <= issue_limit` when
-- n are given out, and `coupon_holders.issued < per_member_limit` per member.

CREATE TABLE coupons (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name_zh TEXT NOT NULL,
    -- fixed, percent, category_fixed, category_percent, new_member, free_item
    kind TEXT NOT NULL,
    amount_fen BIGINT,
    percent_off_bp BIGINT,
    max_off_fen BIGINT,
    category_id BIGINT REFERENCES categories(id),
    product_id BIGINT REFERENCES products(id),
    threshold_fen BIGINT NOT NULL DEFAULT 0,
    -- Validity: an issue is usable from starts_at until ends_at, or for valid_days after
    -- it was issued (whichever ends first when both are set).
    starts_at BIGINT NOT NULL,
    ends_at BIGINT,
    valid_days BIGINT,
    per_member_limit BIGINT NOT NULL,
    -- Uses across all members.
    total_limit BIGINT NOT NULL,
    -- Copies that may be given out; NULL = no cap.
    issue_limit BIGINT,
    issued BIGINT NOT NULL DEFAULT 0,
    used BIGINT NOT NULL DEFAULT 0,
    -- active or ended
    status TEXT NOT NULL DEFAULT 'active',
    -- hand (by hand or to a list), new_member, birthday (issued on the event)
    audience TEXT NOT NULL DEFAULT 'hand',
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    ended_at BIGINT,
    CHECK (used >= 0 AND used <= total_limit),
    CHECK (issued >= 0 AND (issue_limit IS NULL OR issued <= issue_limit)),
    CHECK (ends_at IS NOT NULL OR valid_days IS NOT NULL)
);
CREATE INDEX coupons_org_status ON coupons (org_id, status, id);
CREATE INDEX coupons_org_audience ON coupons (org_id, audience, status);

-- How many copies of a coupon each member has received (every source): the per-member
-- limit is a conditional upsert on this row.
CREATE TABLE coupon_holders (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    coupon_id BIGINT NOT NULL REFERENCES coupons(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    issued BIGINT NOT NULL,
    PRIMARY KEY (coupon_id, member_id)
);

CREATE TABLE coupon_issues (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    coupon_id BIGINT NOT NULL REFERENCES coupons(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    -- issued, used, expired or voided
    status TEXT NOT NULL DEFAULT 'issued',
    -- hand, list or event
    source TEXT NOT NULL,
    issued_by BIGINT,
    issued_at BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_order_id BIGINT REFERENCES orders(id),
    CHECK (expires_at > starts_at)
);
CREATE INDEX coupon_issues_member ON coupon_issues (org_id, member_id, status);
CREATE INDEX coupon_issues_order ON coupon_issues (org_id, used_order_id);
CREATE INDEX coupon_issues_coupon ON coupon_issues (coupon_id);

-- Automatic promotions (促销); the rule is spread over columns by kind:
-- second_item_half_price (product_id), bundle_price (bundle_products "1,2,3", price_fen),
-- buy_x_get_y (product_id, buy_qty, free_qty), flash_sale (product_id, price_fen,
-- cap_per_order, and a flash_sale_quotas row), category_percent (category_id, percent_off_bp).
CREATE TABLE promotions (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name_zh TEXT NOT NULL,
    kind TEXT NOT NULL,
    product_id BIGINT REFERENCES products(id),
    category_id BIGINT REFERENCES categories(id),
    bundle_products TEXT NOT NULL DEFAULT '',
    price_fen BIGINT,
    buy_qty BIGINT,
    free_qty BIGINT,
    percent_off_bp BIGINT,
    cap_per_order BIGINT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    priority BIGINT NOT NULL DEFAULT 0,
    stackable BIGINT NOT NULL DEFAULT 0,
    -- active or ended
    status TEXT NOT NULL DEFAULT 'active',
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    ended_at BIGINT,
    CHECK (ends_at > starts_at)
);
CREATE INDEX promotions_org_status ON promotions (org_id, status, ends_at);

-- The cap of a flash sale (秒杀) across all orders: sold + n <= cap, by conditional update.
CREATE TABLE flash_sale_quotas (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    promotion_id BIGINT PRIMARY KEY REFERENCES promotions(id),
    cap BIGINT NOT NULL,
    sold BIGINT NOT NULL DEFAULT 0,
    CHECK (sold >= 0 AND sold <= cap)
);
