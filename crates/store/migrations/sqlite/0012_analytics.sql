-- What the analytics jobs compute from the store's own data, and a record of each run.
--
-- bought_together: for a product, the products its baskets often also hold, from the
-- completed orders of the last 90 days (app::analytics, FP-growth in crates/analytics).
-- Ratios are integers like every other column: confidence in basis points (1/10,000),
-- lift in thousandths. Replaced whole by each run.
CREATE TABLE bought_together (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    other_id BIGINT NOT NULL REFERENCES products(id),
    baskets BIGINT NOT NULL CHECK (baskets > 0),
    confidence_bp BIGINT NOT NULL CHECK (confidence_bp BETWEEN 0 AND 10000),
    lift_milli BIGINT NOT NULL CHECK (lift_milli >= 0),
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, product_id, other_id)
);

-- One row per run of a job (nightly or on demand): when, how long, how it ended.
CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    job TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    -- running, done or failed
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_org_started ON job_runs (org_id, started_at);
