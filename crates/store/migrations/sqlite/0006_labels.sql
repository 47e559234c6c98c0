-- Selling (issue 3): electronic shelf labels (电子价签).
--
-- A label is a device on the shelf (its code, e.g. "ESL-0001", is what the gateway knows
-- it by) bound to one product. What it should show is computed from the product and the
-- running promotions; every change of that content is a new version (1, 2, …, per
-- label), kept in `label_versions`. The label acknowledges the version it shows and the
-- price on its face; the drift audit compares that price with the till's.

CREATE TABLE shelf_labels (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    code TEXT NOT NULL,
    -- NULL once unbound: the label stays known (its versions go on) and shows a blank face.
    product_id BIGINT REFERENCES products(id),
    -- Where it hangs: shelf, bay, zone ("A3-2 冷柜").
    location TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    -- The newest content version (0 = nothing made yet) and when it was made.
    version BIGINT NOT NULL DEFAULT 0,
    version_at BIGINT,
    -- The last push of the current version (taken or not), the last time the driver took
    -- it, and its last refusal ('' = none).
    attempted_at BIGINT,
    pushed_at BIGINT,
    push_error TEXT NOT NULL DEFAULT '',
    -- What the label acknowledged: the version it shows, when, and the price on its face.
    acked_version BIGINT NOT NULL DEFAULT 0,
    acked_at BIGINT,
    shown_price_fen BIGINT,
    UNIQUE (org_id, code),
    CHECK (version >= 0 AND acked_version >= 0 AND acked_version <= version)
);
CREATE INDEX shelf_labels_product ON shelf_labels (org_id, product_id);
CREATE INDEX shelf_labels_store ON shelf_labels (org_id, store_id, code);

-- The content of each version, as pushed (the newest few per label are kept, and always
-- the acknowledged one). Weighed goods: price_fen is per kg and unit_price_fen per 500 g;
-- pieces: both are per piece.
CREATE TABLE label_versions (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    label_id BIGINT NOT NULL REFERENCES shelf_labels(id),
    version BIGINT NOT NULL,
    product_id BIGINT REFERENCES products(id),
    name_zh TEXT NOT NULL,
    -- piece or weight
    unit_kind TEXT NOT NULL,
    unit_label TEXT NOT NULL,
    regular_price_fen BIGINT NOT NULL,
    price_fen BIGINT NOT NULL,
    unit_price_fen BIGINT NOT NULL,
    promo_zh TEXT NOT NULL,
    made_at BIGINT NOT NULL,
    PRIMARY KEY (label_id, version)
);
