-- Demand planning (app::demand): the weather a store had and expects, the daily demand
-- forecasts the demand_forecast job makes per location and product, the alerts it raises
-- when weather or a holiday moves a category, and the markdown ladders per category.
-- Days are counted from 1970-01-01 in Asia/Shanghai; tenths keep temperatures and rain
-- exact; forecasts are in thousandths of a stock unit (pieces, or grams of weighed goods).

CREATE TABLE weather_days (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    day BIGINT NOT NULL,
    temp_max_dc BIGINT NOT NULL,
    temp_min_dc BIGINT NOT NULL,
    rain_dmm BIGINT NOT NULL CHECK (rain_dmm >= 0),
    condition_zh TEXT NOT NULL DEFAULT '',
    -- observed (it happened) or forecast (a weather service's outlook)
    kind TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, store_id, day)
);

-- Replaced whole by each run: days before the run are the backtest (made from the
-- history before them, with the weather that came), days after it the outlook.
CREATE TABLE demand_forecasts (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    location_id BIGINT NOT NULL REFERENCES locations(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    day BIGINT NOT NULL,
    forecast_milli BIGINT NOT NULL,
    lo80_milli BIGINT NOT NULL,
    hi80_milli BIGINT NOT NULL,
    -- the same day without its weather and holiday effects (for alerts)
    baseline_milli BIGINT NOT NULL,
    backtest BIGINT NOT NULL,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, location_id, product_id, day)
);
CREATE INDEX demand_forecasts_product ON demand_forecasts (org_id, product_id, day);

CREATE TABLE demand_alerts (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    day BIGINT NOT NULL,
    category_id BIGINT NOT NULL REFERENCES categories(id),
    -- rain, heat, cold or holiday
    cause TEXT NOT NULL,
    expected_milli BIGINT NOT NULL,
    baseline_milli BIGINT NOT NULL,
    change_bp BIGINT NOT NULL,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, store_id, day, category_id)
);

-- Near-expiry markdowns per category (category_id 0: every category without its own):
-- `steps` is "days_left:percent_off" pairs, such as "3:20,1:50" (-20% from three days
-- before expiry, -50% on the last day); the price never goes under `floor_cost_bp` of
-- the unit cost (10000 = cost). A product whose stock would last more than
-- `slow_cover_days` at its forecast demand is a slow mover: `slow_off_bp` off suggested.
CREATE TABLE markdown_ladders (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    category_id BIGINT NOT NULL,
    steps TEXT NOT NULL,
    floor_cost_bp BIGINT NOT NULL CHECK (floor_cost_bp >= 0),
    slow_cover_days BIGINT NOT NULL,
    slow_off_bp BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, category_id)
);

-- Markdowns a manager accepted. A piece good's is a promotion (a flash sale of the lot's
-- units for a near-expiry lot, of the units above the cover for a slow mover), so the
-- till, the shop and the shelf labels follow it and it ends by itself. A weighed good's
-- is a change of its price per kg (a flash sale prices pieces), put back at `ends_at` by
-- the sweeper unless the price was changed again meanwhile; `ended_at` says it is over.
CREATE TABLE markdowns (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    store_id BIGINT NOT NULL REFERENCES stores(id),
    product_id BIGINT NOT NULL REFERENCES products(id),
    lot_id BIGINT REFERENCES lots(id),
    -- expiry or slow
    kind TEXT NOT NULL,
    off_bp BIGINT NOT NULL,
    price_fen BIGINT NOT NULL,
    units BIGINT NOT NULL,
    -- flash_sale or price
    method TEXT NOT NULL,
    regular_price_fen BIGINT NOT NULL,
    promotion_id BIGINT REFERENCES promotions(id),
    ends_at BIGINT NOT NULL,
    ended_at BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX markdowns_due ON markdowns (ends_at) WHERE method = 'price' AND ended_at IS NULL;
CREATE INDEX markdowns_product ON markdowns (org_id, product_id, created_at);

-- Replenishment reads what is on order per product.
CREATE INDEX purchase_order_lines_product ON purchase_order_lines (org_id, product_id);
