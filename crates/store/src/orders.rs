//! Orders: one model for the till, the resident shop, presale, group-buys and
//! subscriptions. This issue writes completed till sales; later channels add states.
//!
//! `record_sale` is the one path every sale takes, the demo's 180 days of history
//! included: lines are allocated by FEFO at the sale's location, stock movements,
//! order lines and payments are written in one transaction.

use crate::db::{Store, Tx};
use crate::error::{Result, StoreError};
use crate::stock::{MovementMeta, allocate_in, check_location};
use linli_domain::ids::{LocationId, MemberId, OrderId, OrgId, ProductId, StaffId, StoreId};
use linli_domain::stock::MovementKind;
use sqlx::Row;

pub const SALE_LINES_MAX: usize = 200;

#[derive(Debug, Clone)]
pub struct SaleLine {
    pub product: ProductId,
    pub qty: i64,
    pub unit_price_fen: i64,
    pub line_total_fen: i64,
}

#[derive(Debug, Clone)]
pub struct SalePayment {
    pub method: &'static str,
    pub amount_fen: i64,
}

#[derive(Debug, Clone)]
pub struct NewSale {
    pub store: StoreId,
    pub location: LocationId,
    pub channel: &'static str,
    pub member: Option<MemberId>,
    pub staff: Option<StaffId>,
    pub lines: Vec<SaleLine>,
    pub payments: Vec<SalePayment>,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SalesSummary {
    pub orders: i64,
    pub revenue_fen: i64,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
}

async fn record_sale_in(tx: &mut Tx, org: OrgId, sale: &NewSale) -> Result<OrderId> {
    assert!(sale.lines.len() <= SALE_LINES_MAX, "the app bounds sale lines");
    let total: i64 = sale.lines.iter().map(|l| l.line_total_fen).sum();
    let id: i64 = sqlx::query(
        "INSERT INTO orders (org_id, store_id, location_id, number, channel, status, member_id, staff_id, total_fen, \
         created_at, completed_at) VALUES ($1, $2, $3, NULL, $4, 'completed', $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(org.0)
    .bind(sale.store.0)
    .bind(sale.location.0)
    .bind(sale.channel)
    .bind(sale.member.map(|m| m.0))
    .bind(sale.staff.map(|s| s.0))
    .bind(total)
    .bind(sale.at)
    .fetch_one(&mut **tx)
    .await?
    .get("id");
    sqlx::query("UPDATE orders SET number = $1 WHERE id = $2")
        .bind(format!("S{id:08}"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let meta = MovementMeta {
        reason: "",
        ref_type: "order",
        ref_id: Some(id),
        staff: sale.staff,
    };
    // Lock stock rows in one global order (by product), so two tills selling the same
    // products in a different order cannot deadlock on PostgreSQL.
    let mut lines: Vec<&SaleLine> = sale.lines.iter().collect();
    lines.sort_by_key(|l| l.product);
    for line in lines {
        let taken = allocate_in(
            tx,
            org,
            sale.location,
            line.product,
            line.qty,
            MovementKind::Sale,
            &meta,
            sale.at,
        )
        .await?;
        // One order line per lot, so a recall finds every buyer of a lot; the total is split by quantity.
        let mut left_fen = line.line_total_fen;
        let n = taken.len();
        for (i, (lot, qty)) in taken.iter().enumerate() {
            let part = if i + 1 == n {
                left_fen
            } else {
                line.line_total_fen * qty / line.qty
            };
            left_fen -= part;
            sqlx::query(
                "INSERT INTO order_lines (org_id, order_id, product_id, lot_id, qty, unit_price_fen, line_total_fen) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(org.0)
            .bind(id)
            .bind(line.product.0)
            .bind(lot.id.0)
            .bind(*qty)
            .bind(line.unit_price_fen)
            .bind(part)
            .execute(&mut **tx)
            .await?;
        }
    }
    for p in &sale.payments {
        sqlx::query("INSERT INTO order_payments (org_id, order_id, method, amount_fen) VALUES ($1, $2, $3, $4)")
            .bind(org.0)
            .bind(id)
            .bind(p.method)
            .bind(p.amount_fen)
            .execute(&mut **tx)
            .await?;
    }
    Ok(OrderId(id))
}

impl Store {
    /// Records one completed sale atomically; refuses (and writes nothing) if any line
    /// cannot be served from sellable stock.
    pub async fn record_sale(&self, org: OrgId, sale: &NewSale) -> Result<OrderId> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = async {
                let mut tx = self.begin().await?;
                check_location(&mut tx, org, sale.location).await?;
                let id = record_sale_in(&mut tx, org, sale).await?;
                tx.commit().await?;
                Ok(id)
            }
            .await;
            match outcome {
                Err(StoreError::Db(e)) if crate::db::is_retryable(&e) && attempt < crate::db::RETRIES_MAX => {
                    tracing::debug!(attempt, error = %e, "retrying a sale after a transient conflict");
                }
                other => return other,
            }
        }
    }

    /// Records many sales in one transaction through the same path (demo history,
    /// offline-queue replays). Each sale is its own savepoint: a refused sale is
    /// skipped and reported, the others are kept.
    pub async fn record_sales(&self, org: OrgId, sales: &[NewSale]) -> Result<Vec<Result<OrderId>>> {
        let batch: Vec<(OrgId, &NewSale)> = sales.iter().map(|s| (org, s)).collect();
        self.record_batch(&batch).await
    }

    /// One transaction, one commit (one fsync) for sales of any organisations; each sale
    /// in its own savepoint. A refused sale (stock, unknown location) is rolled back
    /// alone; any other error rolls back the whole batch.
    pub(crate) async fn record_batch(&self, batch: &[(OrgId, &NewSale)]) -> Result<Vec<Result<OrderId>>> {
        let mut tx = self.begin().await?;
        let mut results = Vec::with_capacity(batch.len());
        for (org, sale) in batch {
            sqlx::raw_sql("SAVEPOINT sale").execute(&mut *tx).await?;
            let recorded = match check_location(&mut tx, *org, sale.location).await {
                Ok(()) => record_sale_in(&mut tx, *org, sale).await,
                Err(e) => Err(e),
            };
            match recorded {
                Ok(id) => {
                    sqlx::raw_sql("RELEASE SAVEPOINT sale").execute(&mut *tx).await?;
                    results.push(Ok(id));
                }
                Err(e @ (StoreError::Stock(_) | StoreError::NotFound | StoreError::Refused { .. })) => {
                    sqlx::raw_sql("ROLLBACK TO SAVEPOINT sale").execute(&mut *tx).await?;
                    sqlx::raw_sql("RELEASE SAVEPOINT sale").execute(&mut *tx).await?;
                    results.push(Err(e));
                }
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(results)
    }

    pub async fn sales_summary(&self, org: OrgId) -> Result<SalesSummary> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(total_fen), 0) AS BIGINT) AS revenue, \
             MIN(created_at) AS first_at, MAX(created_at) AS last_at FROM orders WHERE org_id = $1 AND status = 'completed'",
        )
        .bind(org.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(SalesSummary {
            orders: r.get("n"),
            revenue_fen: r.get("revenue"),
            first_at: crate::db::opt_i64(&r, "first_at"),
            last_at: crate::db::opt_i64(&r, "last_at"),
        })
    }
}
