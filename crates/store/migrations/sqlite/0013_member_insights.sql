-- What the member_segments job finds about each member from their completed orders of
-- the last year (app::analytics): RFM scores, the named segment (高价值, 品质导向, 价格敏感,
-- 新客, 一般, 沉睡; crates/analytics/src/segment.rs), and from BG/NBD and Gamma-Gamma the
-- chance they still shop here and what they are expected to buy in the next 52 weeks.
-- Ratios as integers: basis points, thousandths, fen. Replaced whole by each run.
CREATE TABLE member_insights (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    segment TEXT NOT NULL,
    r_score BIGINT NOT NULL,
    f_score BIGINT NOT NULL,
    m_score BIGINT NOT NULL,
    recency_days BIGINT NOT NULL,
    purchase_days BIGINT NOT NULL,
    spend_fen BIGINT NOT NULL,
    p_alive_bp BIGINT,
    expected_purchases_milli BIGINT,
    expected_value_fen BIGINT,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, member_id)
);
CREATE INDEX member_insights_segment ON member_insights (org_id, segment);
