//! What the analytics jobs read from the store's own history and what they keep:
//! baskets of completed orders, "bought together" pairs, and the record of job runs.

use crate::db::{Store, opt_i64};
use crate::error::Result;
use linli_domain::ids::{MemberId, OrgId, ProductId};
use sqlx::Row;

/// Baskets a job reads at most (the newest first are kept).
pub const BASKETS_READ_MAX: i64 = 500_000;
/// Pairs kept per product.
pub const BOUGHT_TOGETHER_PER_PRODUCT_MAX: usize = 10;
/// Job runs listed at most.
pub const JOB_RUNS_LISTED_MAX: i64 = 200;

/// "Customers who bought this also bought": `other` is in `baskets` of the baskets that
/// hold the product; `confidence_bp` is that share of the product's baskets in basis
/// points, `lift_milli` how much likelier than chance, in thousandths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoughtTogether {
    pub product: ProductId,
    pub other: ProductId,
    pub baskets: i64,
    pub confidence_bp: i64,
    pub lift_milli: i64,
}

/// Completed orders and their takings in one hour of one weekday (Asia/Shanghai).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourCell {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i64,
    /// 0–23.
    pub hour: i64,
    pub orders: i64,
    pub revenue_fen: i64,
}

/// A category's takings in one week (Monday to Sunday, Asia/Shanghai).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryWeek {
    /// None for products without a category.
    pub category: Option<i64>,
    /// Monday-based weeks since 1970-01-05 (the first Monday after the epoch).
    pub week: i64,
    pub revenue_fen: i64,
}

/// Asia/Shanghai is UTC+8 all year (no daylight saving), so local hours and days are
/// integer arithmetic on the stored instants, the same on both databases.
pub(crate) const SHANGHAI_OFFSET_MS: i64 = 8 * 3_600_000;

/// What the member_segments job keeps about a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInsight {
    pub member: MemberId,
    pub segment: String,
    pub r_score: i64,
    pub f_score: i64,
    pub m_score: i64,
    pub recency_days: i64,
    pub purchase_days: i64,
    pub spend_fen: i64,
    /// Chance they still shop here, basis points; None without a lifetime-value fit.
    pub p_alive_bp: Option<i64>,
    pub expected_purchases_milli: Option<i64>,
    pub expected_value_fen: Option<i64>,
}

/// A member's insight with their name, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInsightRow {
    pub insight: MemberInsight,
    pub name: String,
}

/// Insights listed at most.
pub const INSIGHTS_LISTED_MAX: i64 = 500;

/// One run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// running, done or failed
    pub status: String,
    pub detail: String,
}

/// Orders from one building (see `Store::orders_by_building`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildingOrders {
    pub building: i64,
    pub name_zh: String,
    pub compound_zh: String,
    pub lat_e6: i64,
    pub lon_e6: i64,
    pub orders: i64,
    pub deliveries: i64,
    pub takings_fen: i64,
}

impl Store {
    /// The products of each completed order created at or after `since`, one basket per
    /// order (a product once), newest orders first up to `BASKETS_READ_MAX`.
    pub async fn order_baskets(&self, org: OrgId, since: i64) -> Result<Vec<Vec<ProductId>>> {
        let rows = sqlx::query(
            "SELECT o.id AS order_id, l.product_id FROM orders o JOIN order_lines l ON l.order_id = o.id \
             WHERE o.org_id = $1 AND o.created_at >= $2 AND o.status = 'completed' \
             AND o.id IN (SELECT id FROM orders WHERE org_id = $1 AND created_at >= $2 AND status = 'completed' \
                          ORDER BY created_at DESC LIMIT $3) \
             ORDER BY o.id, l.product_id",
        )
        .bind(org.0)
        .bind(since)
        .bind(BASKETS_READ_MAX)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<Vec<ProductId>> = Vec::new();
        let mut current = None;
        for r in rows {
            let order: i64 = r.get("order_id");
            let product = ProductId(r.get("product_id"));
            if current != Some(order) {
                current = Some(order);
                out.push(Vec::new());
            }
            let basket = out.last_mut().expect("pushed above");
            if basket.last() != Some(&product) {
                basket.push(product);
            }
        }
        Ok(out)
    }

    /// A transaction that has emptied the organisation's rows of `table` (one of the
    /// job result tables) for a run to write its own. Two runs at once (the nightly one
    /// and "run now") take turns on the organisation's row: on PostgreSQL the second
    /// would otherwise delete what it saw, miss the first's new rows and collide with
    /// them. SQLite's BEGIN IMMEDIATE already takes turns.
    pub(crate) async fn begin_replacing(&self, org: OrgId, table: &'static str) -> Result<crate::db::Tx> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE orgs SET name = name WHERE id = $1")
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE org_id = $1")))
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Replaces the organisation's pairs with `pairs` in one transaction. Pairs naming a
    /// product of another organisation are not written.
    pub async fn replace_bought_together(&self, org: OrgId, pairs: &[BoughtTogether], at: i64) -> Result<usize> {
        let mut tx = self.begin_replacing(org, "bought_together").await?;
        let mut written = 0;
        for p in pairs {
            let done = sqlx::query(
                "INSERT INTO bought_together (org_id, product_id, other_id, baskets, confidence_bp, lift_milli, computed_at) \
                 SELECT $1, a.id, b.id, $4, $5, $6, $7 FROM products a JOIN products b ON b.id = $3 AND b.org_id = $1 \
                 WHERE a.id = $2 AND a.org_id = $1",
            )
            .bind(org.0)
            .bind(p.product.0)
            .bind(p.other.0)
            .bind(p.baskets)
            .bind(p.confidence_bp)
            .bind(p.lift_milli)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            written += done.rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// The products bought with `product`, likeliest first (by lift, then confidence).
    pub async fn bought_together(&self, org: OrgId, product: ProductId, limit: i64) -> Result<Vec<BoughtTogether>> {
        let rows = sqlx::query(
            "SELECT product_id, other_id, baskets, confidence_bp, lift_milli FROM bought_together \
             WHERE org_id = $1 AND product_id = $2 ORDER BY lift_milli DESC, confidence_bp DESC, other_id LIMIT $3",
        )
        .bind(org.0)
        .bind(product.0)
        .bind(limit.clamp(1, BOUGHT_TOGETHER_PER_PRODUCT_MAX as i64))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| BoughtTogether {
                product: ProductId(r.get("product_id")),
                other: ProductId(r.get("other_id")),
                baskets: r.get("baskets"),
                confidence_bp: r.get("confidence_bp"),
                lift_milli: r.get("lift_milli"),
            })
            .collect())
    }

    /// Records that `job` started; returns the run's id.
    pub async fn start_job_run(&self, org: OrgId, job: &str, at: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO job_runs (org_id, job, started_at, status) VALUES ($1, $2, $3, 'running') RETURNING id",
        )
        .bind(org.0)
        .bind(job)
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get("id"))
    }

    /// Records how a run ended (`done` or `failed`) with a line of detail.
    pub async fn finish_job_run(&self, org: OrgId, id: i64, ok: bool, detail: &str, at: i64) -> Result<()> {
        sqlx::query("UPDATE job_runs SET status = $3, detail = $4, finished_at = $5 WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id)
            .bind(if ok { "done" } else { "failed" })
            .bind(detail)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The organisation's job runs, newest first.
    pub async fn job_runs(&self, org: OrgId, limit: i64) -> Result<Vec<JobRun>> {
        let rows = sqlx::query(
            "SELECT id, job, started_at, finished_at, status, detail FROM job_runs WHERE org_id = $1 \
             ORDER BY started_at DESC, id DESC LIMIT $2",
        )
        .bind(org.0)
        .bind(limit.clamp(1, JOB_RUNS_LISTED_MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| JobRun {
                id: r.get("id"),
                job: r.get("job"),
                started_at: r.get("started_at"),
                finished_at: opt_i64(r, "finished_at"),
                status: r.get("status"),
                detail: r.get("detail"),
            })
            .collect())
    }

    /// Completed orders and takings by weekday and hour, created in [since, until).
    pub async fn sales_by_hour(&self, org: OrgId, since: i64, until: i64) -> Result<Vec<HourCell>> {
        let rows = sqlx::query(
            "SELECT ((created_at + $4) / 86400000 + 3) % 7 AS weekday, ((created_at + $4) / 3600000) % 24 AS hour, \
             COUNT(*) AS orders, CAST(COALESCE(SUM(total_fen - refunded_fen), 0) AS BIGINT) AS revenue \
             FROM orders WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 AND status = 'completed' \
             GROUP BY ((created_at + $4) / 86400000 + 3) % 7, ((created_at + $4) / 3600000) % 24 \
             ORDER BY weekday, hour",
        )
        .bind(org.0)
        .bind(since)
        .bind(until)
        .bind(SHANGHAI_OFFSET_MS)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| HourCell {
                weekday: r.get("weekday"),
                hour: r.get("hour"),
                orders: r.get("orders"),
                revenue_fen: r.get("revenue"),
            })
            .collect())
    }

    /// Takings (line totals less refunds) by category and week, orders created in
    /// [since, until).
    pub async fn sales_by_category_week(&self, org: OrgId, since: i64, until: i64) -> Result<Vec<CategoryWeek>> {
        let rows = sqlx::query(
            "SELECT p.category_id, (((o.created_at + $4) / 86400000) - 4) / 7 AS week, \
             CAST(COALESCE(SUM(l.line_total_fen - l.refunded_fen), 0) AS BIGINT) AS revenue \
             FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.id = l.product_id \
             WHERE o.org_id = $1 AND o.created_at >= $2 AND o.created_at < $3 AND o.status = 'completed' \
             GROUP BY p.category_id, (((o.created_at + $4) / 86400000) - 4) / 7 ORDER BY week, p.category_id",
        )
        .bind(org.0)
        .bind(since)
        .bind(until)
        .bind(SHANGHAI_OFFSET_MS)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| CategoryWeek {
                category: opt_i64(r, "category_id"),
                week: r.get("week"),
                revenue_fen: r.get("revenue"),
            })
            .collect())
    }

    /// (member, created_at, takings in fen) of every completed order with a member,
    /// created at or after `since`.
    pub async fn member_purchases(&self, org: OrgId, since: i64) -> Result<Vec<(MemberId, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT member_id, created_at, total_fen - refunded_fen AS takings FROM orders \
             WHERE org_id = $1 AND created_at >= $2 AND status = 'completed' AND member_id IS NOT NULL \
             ORDER BY member_id, created_at",
        )
        .bind(org.0)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (MemberId(r.get("member_id")), r.get("created_at"), r.get("takings")))
            .collect())
    }

    /// Replaces the organisation's member insights in one transaction (members of another
    /// organisation are not written).
    pub async fn replace_member_insights(&self, org: OrgId, rows: &[MemberInsight], at: i64) -> Result<usize> {
        let mut tx = self.begin_replacing(org, "member_insights").await?;
        let mut written = 0;
        for r in rows {
            let done = sqlx::query(
                "INSERT INTO member_insights (org_id, member_id, segment, r_score, f_score, m_score, recency_days, \
                 purchase_days, spend_fen, p_alive_bp, expected_purchases_milli, expected_value_fen, computed_at) \
                 SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM members WHERE org_id = $1 AND id = $2",
            )
            .bind(org.0)
            .bind(r.member.0)
            .bind(r.segment.as_str())
            .bind(r.r_score)
            .bind(r.f_score)
            .bind(r.m_score)
            .bind(r.recency_days)
            .bind(r.purchase_days)
            .bind(r.spend_fen)
            .bind(r.p_alive_bp)
            .bind(r.expected_purchases_milli)
            .bind(r.expected_value_fen)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            written += done.rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Members by segment (all when `segment` is None), or when `lapsing` those with at
    /// least two purchase days least likely to still shop here first; else the highest
    /// expected value first.
    pub async fn member_insights(
        &self,
        org: OrgId,
        segment: Option<&str>,
        lapsing: bool,
        limit: i64,
    ) -> Result<Vec<MemberInsightRow>> {
        let order = if lapsing {
            "i.p_alive_bp, i.spend_fen DESC, i.member_id"
        } else {
            "i.expected_value_fen DESC, i.spend_fen DESC, i.member_id"
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT i.member_id, i.segment, i.r_score, i.f_score, i.m_score, i.recency_days, i.purchase_days, \
             i.spend_fen, i.p_alive_bp, i.expected_purchases_milli, i.expected_value_fen, m.name \
             FROM member_insights i JOIN members m ON m.id = i.member_id AND m.org_id = i.org_id \
             WHERE i.org_id = $1 AND ($2 = '' OR i.segment = $2) \
             AND ($3 = 0 OR (i.purchase_days >= 2 AND i.p_alive_bp IS NOT NULL)) \
             ORDER BY {order} LIMIT $4"
        )))
        .bind(org.0)
        .bind(segment.unwrap_or(""))
        .bind(i64::from(lapsing))
        .bind(limit.clamp(1, INSIGHTS_LISTED_MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| MemberInsightRow {
                insight: MemberInsight {
                    member: MemberId(r.get("member_id")),
                    segment: r.get("segment"),
                    r_score: r.get("r_score"),
                    f_score: r.get("f_score"),
                    m_score: r.get("m_score"),
                    recency_days: r.get("recency_days"),
                    purchase_days: r.get("purchase_days"),
                    spend_fen: r.get("spend_fen"),
                    p_alive_bp: opt_i64(r, "p_alive_bp"),
                    expected_purchases_milli: opt_i64(r, "expected_purchases_milli"),
                    expected_value_fen: opt_i64(r, "expected_value_fen"),
                },
                name: r.get("name"),
            })
            .collect())
    }

    /// Every member the last member_segments run put in `segment`.
    pub async fn segment_member_ids(&self, org: OrgId, segment: &str) -> Result<Vec<MemberId>> {
        let rows =
            sqlx::query("SELECT member_id FROM member_insights WHERE org_id = $1 AND segment = $2 ORDER BY member_id")
                .bind(org.0)
                .bind(segment)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(|r| MemberId(r.get("member_id"))).collect())
    }

    /// Orders created in [since, until) (not cancelled, not unpaid) per building: the
    /// delivery address of a delivery order, else the member's home building; with how
    /// many were delivered and the takings. Buildings without coordinates are left out.
    pub async fn orders_by_building(&self, org: OrgId, since: i64, until: i64) -> Result<Vec<BuildingOrders>> {
        let rows = sqlx::query(
            "SELECT b.id, b.name_zh, b.compound_zh, b.lat_e6, b.lon_e6, COUNT(*) AS orders, \
             CAST(SUM(CASE WHEN o.fulfilment = 'delivery' THEN 1 ELSE 0 END) AS BIGINT) AS deliveries, \
             CAST(COALESCE(SUM(o.total_fen - o.refunded_fen), 0) AS BIGINT) AS takings \
             FROM orders o LEFT JOIN members m ON m.id = o.member_id AND m.org_id = o.org_id \
             JOIN buildings b ON b.id = COALESCE(o.delivery_building_id, m.building_id) AND b.org_id = o.org_id \
             WHERE o.org_id = $1 AND o.created_at >= $2 AND o.created_at < $3 \
             AND o.status NOT IN ('created', 'cancelled') AND b.lat_e6 IS NOT NULL AND b.lon_e6 IS NOT NULL \
             GROUP BY b.id, b.name_zh, b.compound_zh, b.lat_e6, b.lon_e6 ORDER BY b.id",
        )
        .bind(org.0)
        .bind(since)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| BuildingOrders {
                building: r.get("id"),
                name_zh: r.get("name_zh"),
                compound_zh: r.get("compound_zh"),
                lat_e6: r.get("lat_e6"),
                lon_e6: r.get("lon_e6"),
                orders: r.get("orders"),
                deliveries: r.get("deliveries"),
                takings_fen: r.get("takings"),
            })
            .collect())
    }

    /// A store's takings (completed orders less refunds) created in [since, until).
    pub async fn store_takings(
        &self,
        org: OrgId,
        store: linli_domain::ids::StoreId,
        since: i64,
        until: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(total_fen - refunded_fen), 0) AS BIGINT) AS takings FROM orders \
             WHERE org_id = $1 AND store_id = $2 AND created_at >= $3 AND created_at < $4 AND status = 'completed'",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(since)
        .bind(until)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get("takings"))
    }

    /// Members who bought a product of `category` (or of a category under it, two levels
    /// down) in a completed order created at or after `since`: a product-based audience
    /// ("young parents": bought 母婴 in the last half year).
    pub async fn category_buyers(&self, org: OrgId, category: i64, since: i64) -> Result<Vec<MemberId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT o.member_id FROM orders o JOIN order_lines l ON l.order_id = o.id \
             JOIN products p ON p.id = l.product_id \
             WHERE o.org_id = $1 AND o.status = 'completed' AND o.member_id IS NOT NULL AND o.created_at >= $2 \
             AND p.category_id IN (SELECT c.id FROM categories c LEFT JOIN categories up ON up.id = c.parent_id \
                 WHERE c.org_id = $1 AND (c.id = $3 OR c.parent_id = $3 OR up.parent_id = $3)) \
             ORDER BY o.member_id",
        )
        .bind(org.0)
        .bind(since)
        .bind(category)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| MemberId(r.get("member_id"))).collect())
    }

    /// Members per segment, largest first.
    pub async fn segment_sizes(&self, org: OrgId) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT segment, COUNT(*) AS n FROM member_insights WHERE org_id = $1 GROUP BY segment ORDER BY n DESC, segment",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("segment"), r.get("n"))).collect())
    }

    /// Every organisation, for the nightly jobs.
    pub async fn org_ids(&self) -> Result<Vec<OrgId>> {
        let rows = sqlx::query("SELECT id FROM orgs ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| OrgId(r.get("id"))).collect())
    }
}
