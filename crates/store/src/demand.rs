//! Demand planning's rows: weather days, the daily demand forecasts and the alerts the
//! demand_forecast job keeps, what replenishment and markdowns read (daily sales, stock
//! positions, near-expiry lots), the markdown ladders and the markdowns accepted.

use crate::db::{Store, opt_i64};
use crate::error::Result;
use linli_domain::ids::{CategoryId, LocationId, LotId, OrgId, ProductId, StoreId, SupplierId};
use sqlx::Row;

/// Rows a multi-row insert of forecasts carries (10 parameters each).
const FORECAST_ROWS_PER_INSERT: usize = 100;
/// Weather days one call writes at most.
pub const WEATHER_DAYS_MAX: usize = 3_660;

/// One day of a store's weather. Temperatures in tenths of a degree Celsius, rain in
/// tenths of a millimetre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeatherDay {
    /// Days since 1970-01-01.
    pub day: i64,
    pub temp_max_dc: i64,
    pub temp_min_dc: i64,
    pub rain_dmm: i64,
    pub condition_zh: String,
    /// `observed` or `forecast`.
    pub kind: String,
}

/// Units sold (less returns) of a product at a location on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailySales {
    pub location: LocationId,
    pub product: ProductId,
    pub day: i64,
    pub qty: i64,
}

/// A day's forecast demand of a product at a location, in thousandths of a stock unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemandForecast {
    pub location: LocationId,
    pub product: ProductId,
    pub day: i64,
    pub forecast_milli: i64,
    pub lo80_milli: i64,
    pub hi80_milli: i64,
    /// The same day without its weather and holiday effects.
    pub baseline_milli: i64,
    /// Made from the history before the day (a backtest), not an outlook.
    pub backtest: bool,
}

/// Weather or a holiday moves a category's expected sales on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandAlert {
    pub store: StoreId,
    pub day: i64,
    pub category: CategoryId,
    /// rain, heat, cold or holiday.
    pub cause: String,
    pub expected_milli: i64,
    pub baseline_milli: i64,
    pub change_bp: i64,
}

/// An alert with its category's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandAlertRow {
    pub alert: DemandAlert,
    pub category_zh: String,
    pub category_en: String,
}

/// What a store holds and has on order of a product, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockPosition {
    pub product: ProductId,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub category: Option<CategoryId>,
    pub weighed: bool,
    pub price_fen: i64,
    pub cost_fen: i64,
    pub on_hand: i64,
    /// Ordered and not yet received on the store's open purchase orders (draft, sent,
    /// partly received).
    pub on_order: i64,
    /// The supplier of the product's most recently received lot.
    pub supplier: Option<SupplierId>,
}

/// A lot holding stock at a store that expires before a given instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringLot {
    pub lot: LotId,
    pub lot_code: String,
    pub product: ProductId,
    pub expires_at: i64,
    pub qty: i64,
}

/// A category's markdown ladder (`category` None: the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownLadderRow {
    pub category: Option<CategoryId>,
    pub steps: String,
    pub floor_cost_bp: i64,
    pub slow_cover_days: i64,
    pub slow_off_bp: i64,
}

/// A markdown a manager accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownRow {
    pub id: i64,
    pub product: ProductId,
    pub product_zh: String,
    pub lot: Option<LotId>,
    pub kind: String,
    pub off_bp: i64,
    pub price_fen: i64,
    pub units: i64,
    /// flash_sale (a promotion) or price (a weighed good's price per kg changed).
    pub method: String,
    pub regular_price_fen: i64,
    /// The flash sale, for a piece good's markdown.
    pub promotion: Option<i64>,
    /// When it ends (or ended early) and whether it still runs.
    pub ends_at: i64,
    pub active: bool,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

/// A markdown to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMarkdown {
    pub store: StoreId,
    pub product: ProductId,
    pub lot: Option<LotId>,
    pub kind: &'static str,
    pub off_bp: i64,
    pub price_fen: i64,
    pub units: i64,
    pub method: &'static str,
    pub regular_price_fen: i64,
    pub promotion: Option<i64>,
    pub ends_at: i64,
    pub created_by: Option<i64>,
}

impl Store {
    /// Writes weather days of a store (a day already there is replaced). Answers how
    /// many were written.
    pub async fn upsert_weather(&self, org: OrgId, store: StoreId, days: &[WeatherDay], at: i64) -> Result<usize> {
        let mut tx = self.begin().await?;
        let mut written = 0;
        for d in days {
            written += sqlx::query(
                "INSERT INTO weather_days (org_id, store_id, day, temp_max_dc, temp_min_dc, rain_dmm, condition_zh, kind, updated_at) \
                 SELECT $1, s.id, $3, $4, $5, $6, $7, $8, $9 FROM stores s WHERE s.id = $2 AND s.org_id = $1 \
                 ON CONFLICT (org_id, store_id, day) DO UPDATE SET temp_max_dc = excluded.temp_max_dc, \
                 temp_min_dc = excluded.temp_min_dc, rain_dmm = excluded.rain_dmm, condition_zh = excluded.condition_zh, \
                 kind = excluded.kind, updated_at = excluded.updated_at",
            )
            .bind(org.0)
            .bind(store.0)
            .bind(d.day)
            .bind(d.temp_max_dc)
            .bind(d.temp_min_dc)
            .bind(d.rain_dmm)
            .bind(&d.condition_zh)
            .bind(&d.kind)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// A store's weather days in [from, until), oldest first.
    pub async fn weather(&self, org: OrgId, store: StoreId, from: i64, until: i64) -> Result<Vec<WeatherDay>> {
        let rows = sqlx::query(
            "SELECT day, temp_max_dc, temp_min_dc, rain_dmm, condition_zh, kind FROM weather_days \
             WHERE org_id = $1 AND store_id = $2 AND day >= $3 AND day < $4 ORDER BY day",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(from)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| WeatherDay {
                day: r.get("day"),
                temp_max_dc: r.get("temp_max_dc"),
                temp_min_dc: r.get("temp_min_dc"),
                rain_dmm: r.get("rain_dmm"),
                condition_zh: r.get("condition_zh"),
                kind: r.get("kind"),
            })
            .collect())
    }

    /// Units sold less units returned per location, product and day (Asia/Shanghai),
    /// from the stock ledger, moved in [since, until) (milliseconds).
    pub async fn daily_sales(&self, org: OrgId, since: i64, until: i64) -> Result<Vec<DailySales>> {
        self.sales_per_day(org, None, since, until).await
    }

    /// `daily_sales` of one product (every location).
    pub async fn product_daily_sales(
        &self,
        org: OrgId,
        product: ProductId,
        since: i64,
        until: i64,
    ) -> Result<Vec<DailySales>> {
        self.sales_per_day(org, Some(product), since, until).await
    }

    async fn sales_per_day(
        &self,
        org: OrgId,
        product: Option<ProductId>,
        since: i64,
        until: i64,
    ) -> Result<Vec<DailySales>> {
        let rows = sqlx::query(
            "SELECT location_id, product_id, (at + $4) / 86400000 AS day, CAST(-SUM(qty_delta) AS BIGINT) AS qty \
             FROM stock_movements WHERE org_id = $1 AND at >= $2 AND at < $3 AND kind IN ('sale', 'return') \
             AND (product_id = $5 OR $6 = 1) \
             GROUP BY location_id, product_id, (at + $4) / 86400000 ORDER BY location_id, product_id, day",
        )
        .bind(org.0)
        .bind(since)
        .bind(until)
        .bind(crate::analytics::SHANGHAI_OFFSET_MS)
        .bind(product.map_or(0, |p| p.0))
        .bind(i64::from(product.is_none()))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| DailySales {
                location: LocationId(r.get("location_id")),
                product: ProductId(r.get("product_id")),
                day: r.get("day"),
                qty: r.get("qty"),
            })
            .collect())
    }

    /// Replaces the organisation's forecasts and alerts in one transaction. Rows naming
    /// another organisation's location, product, store or category are not written.
    pub async fn replace_demand(
        &self,
        org: OrgId,
        forecasts: &[DemandForecast],
        alerts: &[DemandAlert],
        at: i64,
    ) -> Result<usize> {
        let mut tx = self.begin_replacing(org, "demand_forecasts").await?;
        sqlx::query("DELETE FROM demand_alerts WHERE org_id = $1")
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        // Only this organisation's locations and products.
        let own = |table: &'static str| {
            let sql = format!("SELECT id FROM {table} WHERE org_id = $1");
            async move { sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.0) }
        };
        let locations: std::collections::HashSet<i64> = own("locations")
            .await
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get("id"))
            .collect();
        let products: std::collections::HashSet<i64> = own("products")
            .await
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get("id"))
            .collect();
        let keep: Vec<&DemandForecast> = forecasts
            .iter()
            .filter(|f| locations.contains(&f.location.0) && products.contains(&f.product.0))
            .collect();
        let mut written = 0;
        for chunk in keep.chunks(FORECAST_ROWS_PER_INSERT) {
            let mut sql = String::from(
                "INSERT INTO demand_forecasts (org_id, location_id, product_id, day, forecast_milli, lo80_milli, \
                 hi80_milli, baseline_milli, backtest, computed_at) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let b = i * 10;
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10
                ));
            }
            let sql = crate::orders::positional(&tx, sql);
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for f in chunk {
                q = q
                    .bind(org.0)
                    .bind(f.location.0)
                    .bind(f.product.0)
                    .bind(f.day)
                    .bind(f.forecast_milli)
                    .bind(f.lo80_milli)
                    .bind(f.hi80_milli)
                    .bind(f.baseline_milli)
                    .bind(i64::from(f.backtest))
                    .bind(at);
            }
            written += q.execute(&mut *tx).await?.rows_affected() as usize;
        }
        for a in alerts {
            sqlx::query(
                "INSERT INTO demand_alerts (org_id, store_id, day, category_id, cause, expected_milli, baseline_milli, \
                 change_bp, computed_at) SELECT $1, s.id, $3, c.id, $5, $6, $7, $8, $9 FROM stores s \
                 JOIN categories c ON c.id = $4 AND c.org_id = $1 WHERE s.id = $2 AND s.org_id = $1",
            )
            .bind(org.0)
            .bind(a.store.0)
            .bind(a.day)
            .bind(a.category.0)
            .bind(&a.cause)
            .bind(a.expected_milli)
            .bind(a.baseline_milli)
            .bind(a.change_bp)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// The forecasts of a product (at one location, or every one), by day.
    pub async fn demand_forecasts(
        &self,
        org: OrgId,
        product: ProductId,
        location: Option<LocationId>,
    ) -> Result<Vec<DemandForecast>> {
        let rows = sqlx::query(
            "SELECT location_id, product_id, day, forecast_milli, lo80_milli, hi80_milli, baseline_milli, backtest \
             FROM demand_forecasts WHERE org_id = $1 AND product_id = $2 ORDER BY day, location_id",
        )
        .bind(org.0)
        .bind(product.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(forecast_of)
            .filter(|f| location.is_none_or(|l| f.location == l))
            .collect())
    }

    /// The outlook (not backtest) of every product at a store's locations from `from_day`.
    pub async fn store_outlook(&self, org: OrgId, store: StoreId, from_day: i64) -> Result<Vec<DemandForecast>> {
        let rows = sqlx::query(
            "SELECT f.location_id, f.product_id, f.day, f.forecast_milli, f.lo80_milli, f.hi80_milli, f.baseline_milli, \
             f.backtest FROM demand_forecasts f JOIN locations l ON l.id = f.location_id \
             WHERE f.org_id = $1 AND l.store_id = $2 AND f.day >= $3 AND f.backtest = 0 \
             ORDER BY f.product_id, f.day, f.location_id",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(from_day)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(forecast_of).collect())
    }

    /// The alerts from `from_day` on, soonest and largest first.
    pub async fn demand_alerts(&self, org: OrgId, from_day: i64) -> Result<Vec<DemandAlertRow>> {
        let rows = sqlx::query(
            "SELECT a.store_id, a.day, a.category_id, a.cause, a.expected_milli, a.baseline_milli, a.change_bp, \
             c.name_zh, c.name_en FROM demand_alerts a JOIN categories c ON c.id = a.category_id \
             WHERE a.org_id = $1 AND a.day >= $2 ORDER BY a.day, a.change_bp DESC, a.category_id",
        )
        .bind(org.0)
        .bind(from_day)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| DemandAlertRow {
                alert: DemandAlert {
                    store: StoreId(r.get("store_id")),
                    day: r.get("day"),
                    category: CategoryId(r.get("category_id")),
                    cause: r.get("cause"),
                    expected_milli: r.get("expected_milli"),
                    baseline_milli: r.get("baseline_milli"),
                    change_bp: r.get("change_bp"),
                },
                category_zh: r.get("name_zh"),
                category_en: r.get("name_en"),
            })
            .collect())
    }

    /// Every active product with its sellable stock at the store's locations at `now`
    /// (lots not expired, less units reserved for online orders), what is on order for
    /// the store, and the supplier of its latest lot.
    pub async fn stock_positions(&self, org: OrgId, store: StoreId, now: i64) -> Result<Vec<StockPosition>> {
        let rows = sqlx::query(
            "SELECT p.id, p.sku, p.name_zh, p.name_en, p.category_id, p.unit_kind, p.price_fen, p.cost_fen, \
             CAST(COALESCE((SELECT SUM(b.qty_on_hand - b.qty_reserved) FROM stock_balances b \
                  JOIN locations l ON l.id = b.location_id JOIN lots lt ON lt.id = b.lot_id \
                  WHERE b.org_id = $1 AND b.product_id = p.id AND l.store_id = $2 AND b.qty_on_hand > 0 \
                  AND (lt.expires_at IS NULL OR lt.expires_at > $3)), 0) AS BIGINT) AS on_hand, \
             CAST(COALESCE((SELECT SUM(pl.qty_ordered - pl.qty_received) FROM purchase_order_lines pl \
                  JOIN purchase_orders po ON po.id = pl.po_id WHERE pl.org_id = $1 AND pl.product_id = p.id \
                  AND po.store_id = $2 AND po.status IN ('draft', 'sent', 'partly_received') \
                  AND pl.qty_ordered > pl.qty_received), 0) AS BIGINT) AS on_order, \
             (SELECT lt.supplier_id FROM lots lt WHERE lt.org_id = $1 AND lt.product_id = p.id \
                  AND lt.supplier_id IS NOT NULL ORDER BY lt.received_at DESC, lt.id DESC LIMIT 1) AS supplier_id \
             FROM products p WHERE p.org_id = $1 AND p.active = 1 ORDER BY p.id",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| StockPosition {
                product: ProductId(r.get("id")),
                sku: r.get("sku"),
                name_zh: r.get("name_zh"),
                name_en: r.get("name_en"),
                category: opt_i64(r, "category_id").map(CategoryId),
                weighed: r.get::<String, _>("unit_kind") == "weight",
                price_fen: r.get("price_fen"),
                cost_fen: r.get("cost_fen"),
                on_hand: r.get("on_hand"),
                on_order: r.get("on_order"),
                supplier: opt_i64(r, "supplier_id").map(SupplierId),
            })
            .collect())
    }

    /// Lots holding stock at the store's locations that expire at or before `until`
    /// (milliseconds; a lot's `expires_at` is the first instant after its expiry day),
    /// soonest first, with their units there not reserved for online orders.
    pub async fn expiring_lots(&self, org: OrgId, store: StoreId, until: i64) -> Result<Vec<ExpiringLot>> {
        let rows = sqlx::query(
            "SELECT lt.id, lt.lot_code, lt.product_id, lt.expires_at, CAST(SUM(b.qty_on_hand - b.qty_reserved) AS BIGINT) AS qty \
             FROM lots lt JOIN stock_balances b ON b.lot_id = lt.id JOIN locations l ON l.id = b.location_id \
             WHERE lt.org_id = $1 AND l.store_id = $2 AND lt.expires_at IS NOT NULL AND lt.expires_at <= $3 \
             AND b.qty_on_hand > b.qty_reserved GROUP BY lt.id, lt.lot_code, lt.product_id, lt.expires_at \
             ORDER BY lt.expires_at, lt.id",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ExpiringLot {
                lot: LotId(r.get("id")),
                lot_code: r.get("lot_code"),
                product: ProductId(r.get("product_id")),
                expires_at: r.get("expires_at"),
                qty: r.get("qty"),
            })
            .collect())
    }

    /// The organisation's markdown ladders (the default first).
    pub async fn markdown_ladders(&self, org: OrgId) -> Result<Vec<MarkdownLadderRow>> {
        let rows = sqlx::query(
            "SELECT category_id, steps, floor_cost_bp, slow_cover_days, slow_off_bp FROM markdown_ladders \
             WHERE org_id = $1 ORDER BY category_id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let c: i64 = r.get("category_id");
                MarkdownLadderRow {
                    category: (c != 0).then_some(CategoryId(c)),
                    steps: r.get("steps"),
                    floor_cost_bp: r.get("floor_cost_bp"),
                    slow_cover_days: r.get("slow_cover_days"),
                    slow_off_bp: r.get("slow_off_bp"),
                }
            })
            .collect())
    }

    /// Sets a category's ladder (or the default). A category of another organisation is
    /// not found.
    pub async fn set_markdown_ladder(&self, org: OrgId, ladder: &MarkdownLadderRow, at: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        if let Some(c) = ladder.category {
            sqlx::query("SELECT id FROM categories WHERE id = $1 AND org_id = $2")
                .bind(c.0)
                .bind(org.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(crate::StoreError::NotFound)?;
        }
        sqlx::query(
            "INSERT INTO markdown_ladders (org_id, category_id, steps, floor_cost_bp, slow_cover_days, slow_off_bp, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, category_id) DO UPDATE SET \
             steps = excluded.steps, floor_cost_bp = excluded.floor_cost_bp, \
             slow_cover_days = excluded.slow_cover_days, slow_off_bp = excluded.slow_off_bp, updated_at = excluded.updated_at",
        )
        .bind(org.0)
        .bind(ladder.category.map_or(0, |c| c.0))
        .bind(&ladder.steps)
        .bind(ladder.floor_cost_bp)
        .bind(ladder.slow_cover_days)
        .bind(ladder.slow_off_bp)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an accepted markdown; answers its id. A store, product, lot or promotion
    /// of another organisation is not found.
    pub async fn record_markdown(&self, org: OrgId, m: &NewMarkdown, at: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO markdowns (org_id, store_id, product_id, lot_id, kind, off_bp, price_fen, units, method, \
             regular_price_fen, promotion_id, ends_at, created_by, created_at) \
             SELECT $1, s.id, p.id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 \
             FROM stores s JOIN products p ON p.id = $3 AND p.org_id = $1 \
             WHERE s.id = $2 AND s.org_id = $1 \
             AND ($4 IS NULL OR EXISTS (SELECT 1 FROM lots l WHERE l.id = $4 AND l.org_id = $1 AND l.product_id = p.id)) \
             AND ($11 IS NULL OR EXISTS (SELECT 1 FROM promotions pr WHERE pr.id = $11 AND pr.org_id = $1)) \
             RETURNING id",
        )
        .bind(org.0)
        .bind(m.store.0)
        .bind(m.product.0)
        .bind(m.lot.map(|l| l.0))
        .bind(m.kind)
        .bind(m.off_bp)
        .bind(m.price_fen)
        .bind(m.units)
        .bind(m.method)
        .bind(m.regular_price_fen)
        .bind(m.promotion)
        .bind(m.ends_at)
        .bind(m.created_by)
        .bind(at)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(crate::StoreError::NotFound)?;
        Ok(row.get("id"))
    }

    /// Marks a markdown over at `at` (a price markdown put back, replaced or ended by
    /// hand); false when it was over already.
    pub async fn end_markdown(&self, org: OrgId, id: i64, at: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE markdowns SET ended_at = $3 WHERE org_id = $1 AND id = $2 AND ended_at IS NULL")
            .bind(org.0)
            .bind(id)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Price markdowns of every organisation whose end has come and that are not over:
    /// (organisation, markdown), for the sweeper.
    pub async fn due_price_markdowns(&self, now: i64) -> Result<Vec<(OrgId, i64)>> {
        let rows = sqlx::query(
            "SELECT org_id, id FROM markdowns WHERE method = 'price' AND ended_at IS NULL AND ends_at <= $1 \
             ORDER BY ends_at, id LIMIT 1000",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (OrgId(r.get("org_id")), r.get("id"))).collect())
    }

    /// One markdown of the organisation.
    pub async fn markdown(&self, org: OrgId, id: i64, active_at: i64) -> Result<MarkdownRow> {
        let rows = self.markdowns_query(org, None, Some(id), active_at, 1).await?;
        rows.into_iter().next().ok_or(crate::StoreError::NotFound)
    }

    /// Markdowns accepted at a store, newest first; `active_at` marks those whose
    /// promotion still runs then.
    pub async fn markdowns(&self, org: OrgId, store: StoreId, active_at: i64, limit: i64) -> Result<Vec<MarkdownRow>> {
        self.markdowns_where(org, Some(store), active_at, limit).await
    }

    /// Markdowns accepted at any of the organisation's stores (promotions, and so
    /// markdowns, apply to all of them), newest first.
    pub async fn org_markdowns(&self, org: OrgId, active_at: i64, limit: i64) -> Result<Vec<MarkdownRow>> {
        self.markdowns_where(org, None, active_at, limit).await
    }

    async fn markdowns_where(
        &self,
        org: OrgId,
        store: Option<StoreId>,
        active_at: i64,
        limit: i64,
    ) -> Result<Vec<MarkdownRow>> {
        self.markdowns_query(org, store, None, active_at, limit).await
    }

    async fn markdowns_query(
        &self,
        org: OrgId,
        store: Option<StoreId>,
        id: Option<i64>,
        active_at: i64,
        limit: i64,
    ) -> Result<Vec<MarkdownRow>> {
        let rows = sqlx::query(
            "SELECT m.id, m.product_id, p.name_zh, m.lot_id, m.kind, m.off_bp, m.price_fen, m.units, m.method, \
             m.regular_price_fen, m.promotion_id, m.ends_at, m.ended_at, m.created_by, m.created_at, \
             pr.status AS promotion_status, pr.starts_at AS promotion_starts, pr.ends_at AS promotion_ends, \
             pr.ended_at AS promotion_ended FROM markdowns m \
             JOIN products p ON p.id = m.product_id AND p.org_id = m.org_id \
             LEFT JOIN promotions pr ON pr.id = m.promotion_id AND pr.org_id = m.org_id \
             WHERE m.org_id = $1 AND (m.store_id = $2 OR $3 = 1) AND (m.id = $4 OR $5 = 1) \
             ORDER BY m.created_at DESC, m.id DESC LIMIT $6",
        )
        .bind(org.0)
        .bind(store.map_or(0, |s| s.0))
        .bind(i64::from(store.is_none()))
        .bind(id.unwrap_or(0))
        .bind(i64::from(id.is_none()))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let promotion = opt_i64(r, "promotion_id");
                let (active, ends_at) = match promotion {
                    Some(_) => {
                        let starts: i64 = opt_i64(r, "promotion_starts").unwrap_or(0);
                        let ends: i64 = opt_i64(r, "promotion_ends").unwrap_or(0);
                        let status: Option<String> = r.get("promotion_status");
                        let running = status.as_deref() == Some("active") && starts <= active_at && active_at < ends;
                        (running, opt_i64(r, "promotion_ended").unwrap_or(ends).min(ends))
                    }
                    None => {
                        let ends: i64 = r.get("ends_at");
                        let ended = opt_i64(r, "ended_at");
                        (ended.is_none() && active_at < ends, ended.unwrap_or(ends).min(ends))
                    }
                };
                MarkdownRow {
                    id: r.get("id"),
                    product: ProductId(r.get("product_id")),
                    product_zh: r.get("name_zh"),
                    lot: opt_i64(r, "lot_id").map(LotId),
                    kind: r.get("kind"),
                    off_bp: r.get("off_bp"),
                    price_fen: r.get("price_fen"),
                    units: r.get("units"),
                    method: r.get("method"),
                    regular_price_fen: r.get("regular_price_fen"),
                    promotion,
                    ends_at,
                    active,
                    created_by: opt_i64(r, "created_by"),
                    created_at: r.get("created_at"),
                }
            })
            .collect())
    }
}

fn forecast_of(r: &sqlx::any::AnyRow) -> DemandForecast {
    DemandForecast {
        location: LocationId(r.get("location_id")),
        product: ProductId(r.get("product_id")),
        day: r.get("day"),
        forecast_milli: r.get("forecast_milli"),
        lo80_milli: r.get("lo80_milli"),
        hi80_milli: r.get("hi80_milli"),
        baseline_milli: r.get("baseline_milli"),
        backtest: r.get::<i64, _>("backtest") != 0,
    }
}
