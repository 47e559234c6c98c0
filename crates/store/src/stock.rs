//! Lots, the stock ledger and everything derived from it: balances by lot, FEFO
//! allocation that never oversells, stock counts, and alerts.
//!
//! Every change goes through `move_stock`, which appends one movement and updates the
//! cached balance in the same transaction. A decrement is a conditional
//! `UPDATE ... WHERE qty_on_hand >= n`: under concurrent sales on either backend
//! only as many succeed as there are units.

use crate::audit::{AuditEntry, write_audit};
use crate::db::{Store, Tx, opt_i64};
use crate::error::{Result, StoreError};
use crate::filter::{Where, int, text};
use crate::{Page, PageRequest};
use linli_domain::ids::{LocationId, LotId, MovementId, OrgId, ProductId, StaffId, StockCountId, SupplierId};
use linli_domain::stock::{self, Delta, LotStock, MovementKind, StockError};
use sqlx::Row;
use sqlx::any::AnyRow;

/// How often an allocation re-reads lots after losing a race before giving up.
pub(crate) const ALLOCATION_RETRIES_MAX: usize = 8;
pub const STOCK_COUNT_LINES_MAX: usize = 2000;

#[derive(Debug, Clone)]
pub struct LotRow {
    pub id: LotId,
    pub product_id: ProductId,
    pub lot_code: String,
    pub expires_at: Option<i64>,
    pub received_at: i64,
    pub supplier_id: Option<SupplierId>,
}

/// Who moved stock, why, and what document it belongs to.
#[derive(Debug, Clone, Default)]
pub struct MovementMeta<'a> {
    pub reason: &'a str,
    pub ref_type: &'a str,
    pub ref_id: Option<i64>,
    pub staff: Option<StaffId>,
}

#[derive(Debug, Clone)]
pub struct MovementRow {
    pub id: MovementId,
    pub location_id: LocationId,
    pub product_id: ProductId,
    pub lot_id: LotId,
    pub lot_code: String,
    pub kind: MovementKind,
    pub qty_delta: i64,
    pub balance_after: i64,
    pub reason: String,
    pub ref_type: String,
    pub ref_id: Option<i64>,
    pub staff_id: Option<StaffId>,
    pub at: i64,
}

/// On-hand of one lot at one location, with what the console shows beside it.
#[derive(Debug, Clone)]
pub struct BalanceRow {
    pub location_id: LocationId,
    pub location_name: String,
    pub product_id: ProductId,
    pub product_name: String,
    /// English name, empty when the product has none.
    pub product_name_en: String,
    pub sku: String,
    pub unit_label: String,
    pub lot_id: LotId,
    pub lot_code: String,
    pub expires_at: Option<i64>,
    pub received_at: i64,
    pub qty_on_hand: i64,
    pub expiry_alert_hours: i64,
}

#[derive(Debug, Clone, Default)]
pub struct BalanceFilter {
    pub location: Option<LocationId>,
    pub product: Option<ProductId>,
    /// Name, pinyin or SKU contains.
    pub q: Option<String>,
    pub include_empty: bool,
}

#[derive(Debug, Clone)]
pub struct LowStockRow {
    pub product_id: ProductId,
    pub product_name: String,
    pub sku: String,
    pub unit_label: String,
    pub reorder_point: i64,
    pub qty_on_hand: i64,
}

#[derive(Debug, Clone)]
pub struct StockCountRow {
    pub id: StockCountId,
    pub location_id: LocationId,
    pub status: String,
    pub note: String,
    pub created_by: Option<StaffId>,
    pub created_at: i64,
    pub posted_at: Option<i64>,
    pub lines: Vec<StockCountLine>,
}

#[derive(Debug, Clone)]
pub struct StockCountLine {
    pub product_id: ProductId,
    pub product_name: String,
    pub lot_id: LotId,
    pub lot_code: String,
    pub expected: i64,
    pub counted: i64,
}

pub(crate) fn lot_row(r: &AnyRow) -> LotRow {
    LotRow {
        id: LotId(r.get("id")),
        product_id: ProductId(r.get("product_id")),
        lot_code: r.get("lot_code"),
        expires_at: opt_i64(r, "expires_at"),
        received_at: r.get("received_at"),
        supplier_id: opt_i64(r, "supplier_id").map(SupplierId),
    }
}

/// Finds or creates a lot of a product by its code. A code seen again with another
/// expiry keeps the first one: the lot code is what the label says.
pub(crate) async fn ensure_lot(
    tx: &mut Tx,
    org: OrgId,
    product: ProductId,
    lot_code: &str,
    expires_at: Option<i64>,
    supplier: Option<SupplierId>,
    at: i64,
) -> Result<LotRow> {
    sqlx::query(
        "INSERT INTO lots (org_id, product_id, lot_code, expires_at, received_at, supplier_id) \
         SELECT $1, id, $3, $4, $5, $6 FROM products WHERE org_id = $1 AND id = $2 \
         ON CONFLICT (org_id, product_id, lot_code) DO NOTHING",
    )
    .bind(org.0)
    .bind(product.0)
    .bind(lot_code)
    .bind(expires_at)
    .bind(at)
    .bind(supplier.map(|s| s.0))
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query(
        "SELECT id, product_id, lot_code, expires_at, received_at, supplier_id FROM lots \
         WHERE org_id = $1 AND product_id = $2 AND lot_code = $3",
    )
    .bind(org.0)
    .bind(product.0)
    .bind(lot_code)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(lot_row).ok_or(StoreError::NotFound)
}

/// Checks the location belongs to the organisation.
pub(crate) async fn check_location(tx: &mut Tx, org: OrgId, location: LocationId) -> Result<()> {
    let found = sqlx::query("SELECT id FROM locations WHERE org_id = $1 AND id = $2")
        .bind(org.0)
        .bind(location.0)
        .fetch_optional(&mut **tx)
        .await?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

/// Appends one movement and updates the cached balance; refuses to go below zero.
/// Returns the balance after the movement.
pub(crate) async fn move_stock(
    tx: &mut Tx,
    org: OrgId,
    location: LocationId,
    lot: &LotRow,
    delta: Delta,
    meta: &MovementMeta<'_>,
    at: i64,
) -> Result<i64> {
    let qty = delta.qty();
    let after: i64 = if qty > 0 {
        sqlx::query(
            "INSERT INTO stock_balances (org_id, location_id, lot_id, product_id, qty_on_hand) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (location_id, lot_id) DO UPDATE SET qty_on_hand = stock_balances.qty_on_hand + excluded.qty_on_hand \
             RETURNING qty_on_hand",
        )
        .bind(org.0)
        .bind(location.0)
        .bind(lot.id.0)
        .bind(lot.product_id.0)
        .bind(qty)
        .fetch_one(&mut **tx)
        .await?
        .get("qty_on_hand")
    } else {
        let row = sqlx::query(
            "UPDATE stock_balances SET qty_on_hand = qty_on_hand - $1 \
             WHERE org_id = $2 AND location_id = $3 AND lot_id = $4 AND qty_on_hand - qty_reserved >= $1 \
             RETURNING qty_on_hand",
        )
        .bind(-qty)
        .bind(org.0)
        .bind(location.0)
        .bind(lot.id.0)
        .fetch_optional(&mut **tx)
        .await?;
        match row {
            Some(r) => r.get("qty_on_hand"),
            None => {
                let available = sqlx::query(
                    "SELECT qty_on_hand - qty_reserved AS free FROM stock_balances WHERE location_id = $1 AND lot_id = $2",
                )
                .bind(location.0)
                .bind(lot.id.0)
                .fetch_optional(&mut **tx)
                .await?
                .map_or(0, |r| r.get::<i64, _>("free"));
                return Err(StoreError::Stock(StockError::Insufficient {
                    requested: -qty,
                    available,
                }));
            }
        }
    };
    append_movement(tx, org, location, lot, delta, after, meta, at).await?;
    Ok(after)
}

/// Appends one row to the ledger. Only `move_stock` and paths that change the cached
/// balance in the same transaction (consuming a reservation) may call it.
pub(crate) async fn append_movement(
    tx: &mut Tx,
    org: OrgId,
    location: LocationId,
    lot: &LotRow,
    delta: Delta,
    balance_after: i64,
    meta: &MovementMeta<'_>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO stock_movements (org_id, location_id, product_id, lot_id, kind, qty_delta, balance_after, reason, \
         ref_type, ref_id, staff_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(org.0)
    .bind(location.0)
    .bind(lot.product_id.0)
    .bind(lot.id.0)
    .bind(delta.kind().code())
    .bind(delta.qty())
    .bind(balance_after)
    .bind(meta.reason)
    .bind(meta.ref_type)
    .bind(meta.ref_id)
    .bind(meta.staff.map(|s| s.0))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The lots of a product at a location that hold stock, for FEFO.
async fn lot_stock(
    tx: &mut Tx,
    org: OrgId,
    location: LocationId,
    product: ProductId,
) -> Result<Vec<(LotStock, LotRow)>> {
    let rows = sqlx::query(
        "SELECT l.id, l.product_id, l.lot_code, l.expires_at, l.received_at, l.supplier_id, \
         b.qty_on_hand - b.qty_reserved AS qty_free \
         FROM stock_balances b JOIN lots l ON l.id = b.lot_id \
         WHERE b.org_id = $1 AND b.location_id = $2 AND b.product_id = $3 AND b.qty_on_hand > b.qty_reserved",
    )
    .bind(org.0)
    .bind(location.0)
    .bind(product.0)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let lot = lot_row(r);
            (
                LotStock {
                    lot: lot.id,
                    expires_at_ms: lot.expires_at,
                    received_at_ms: lot.received_at,
                    qty_on_hand: r.get("qty_free"),
                },
                lot,
            )
        })
        .collect())
}

/// Takes `qty` of a product from a location by FEFO inside a transaction, appending
/// one movement of `kind` per lot touched. Returns (lot, qty) per lot.
pub(crate) async fn allocate_in(
    tx: &mut Tx,
    org: OrgId,
    location: LocationId,
    product: ProductId,
    qty: i64,
    kind: MovementKind,
    meta: &MovementMeta<'_>,
    at: i64,
) -> Result<Vec<(LotRow, i64)>> {
    let mut remaining = qty;
    let mut taken: Vec<(LotRow, i64)> = Vec::new();
    for _ in 0..ALLOCATION_RETRIES_MAX {
        let lots = lot_stock(tx, org, location, product).await?;
        let stocks: Vec<LotStock> = lots.iter().map(|(s, _)| s.clone()).collect();
        let takes = stock::fefo_allocate(&stocks, remaining, at).map_err(|e| match e {
            StockError::Insufficient { available, .. } => StoreError::Stock(StockError::Insufficient {
                requested: qty,
                available: available + (qty - remaining),
            }),
            other => StoreError::Stock(other),
        })?;
        let mut lost_race = false;
        for t in takes {
            let (_, lot) = lots
                .iter()
                .find(|(s, _)| s.lot == t.lot)
                .expect("FEFO takes only lots it was given");
            let delta = Delta::new(
                kind,
                -t.qty,
                Some(meta.reason).filter(|r| !r.is_empty()).or(Some("fefo")),
            )
            .map_err(StoreError::Stock)?;
            match move_stock(tx, org, location, lot, delta, meta, at).await {
                Ok(_) => {
                    remaining -= t.qty;
                    taken.push((lot.clone(), t.qty));
                }
                // Another transaction took this lot's units since we read them: read again.
                Err(StoreError::Stock(StockError::Insufficient { .. })) => {
                    lost_race = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if remaining == 0 {
            return Ok(taken);
        }
        if !lost_race {
            break;
        }
    }
    Err(StoreError::Stock(StockError::Insufficient {
        requested: qty,
        available: qty - remaining,
    }))
}

impl Store {
    /// Posts one movement on a lot (identified by product and lot code; created if new,
    /// for movements that add stock). Adjustments and waste are audited.
    pub async fn post_movement(
        &self,
        org: OrgId,
        location: LocationId,
        product: ProductId,
        lot_code: &str,
        expires_at: Option<i64>,
        delta: Delta,
        meta: &MovementMeta<'_>,
        at: i64,
    ) -> Result<MovementRow> {
        let mut tx = self.begin().await?;
        check_location(&mut tx, org, location).await?;
        let lot = if delta.qty() > 0 {
            ensure_lot(&mut tx, org, product, lot_code, expires_at, None, at).await?
        } else {
            let row = sqlx::query(
                "SELECT id, product_id, lot_code, expires_at, received_at, supplier_id FROM lots \
                 WHERE org_id = $1 AND product_id = $2 AND lot_code = $3",
            )
            .bind(org.0)
            .bind(product.0)
            .bind(lot_code)
            .fetch_optional(&mut *tx)
            .await?;
            row.as_ref().map(lot_row).ok_or(StoreError::NotFound)?
        };
        move_stock(&mut tx, org, location, &lot, delta, meta, at).await?;
        if matches!(delta.kind(), MovementKind::Adjustment | MovementKind::Waste) {
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff: meta.staff,
                    action: if delta.kind() == MovementKind::Waste {
                        "stock.waste"
                    } else {
                        "stock.adjust"
                    },
                    object_type: "lot",
                    object_id: Some(lot.id.0),
                    detail: format!("{:+} @{} {}", delta.qty(), location.0, meta.reason),
                    at,
                },
            )
            .await?;
        }
        let row = sqlx::query(
            "SELECT m.id, m.location_id, m.product_id, m.lot_id, l.lot_code, m.kind, m.qty_delta, m.balance_after, \
             m.reason, m.ref_type, m.ref_id, m.staff_id, m.at FROM stock_movements m JOIN lots l ON l.id = m.lot_id \
             WHERE m.org_id = $1 AND m.lot_id = $2 AND m.location_id = $3 ORDER BY m.id DESC LIMIT 1",
        )
        .bind(org.0)
        .bind(lot.id.0)
        .bind(location.0)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(movement_row(&row))
    }

    /// Writes off (报损) every lot at a location that has expired by `at` and still
    /// holds stock: one waste movement per lot, one audit entry. Returns what was taken.
    pub async fn write_off_expired(
        &self,
        org: OrgId,
        location: LocationId,
        staff: Option<StaffId>,
        at: i64,
    ) -> Result<Vec<(LotRow, i64)>> {
        let mut tx = self.begin().await?;
        check_location(&mut tx, org, location).await?;
        let rows = sqlx::query(
            "SELECT l.id, l.product_id, l.lot_code, l.expires_at, l.received_at, l.supplier_id, \
             b.qty_on_hand - b.qty_reserved AS qty_free \
             FROM stock_balances b JOIN lots l ON l.id = b.lot_id \
             WHERE b.org_id = $1 AND b.location_id = $2 AND b.qty_on_hand > b.qty_reserved AND l.expires_at <= $3 \
             ORDER BY l.id",
        )
        .bind(org.0)
        .bind(location.0)
        .bind(at)
        .fetch_all(&mut *tx)
        .await?;
        let meta = MovementMeta {
            reason: "过期报损 expired",
            ref_type: "expiry",
            ref_id: None,
            staff,
        };
        let mut taken = Vec::with_capacity(rows.len());
        for r in &rows {
            let lot = lot_row(r);
            let qty: i64 = r.get("qty_free");
            let delta = Delta::new(MovementKind::Waste, -qty, Some(meta.reason)).map_err(StoreError::Stock)?;
            move_stock(&mut tx, org, location, &lot, delta, &meta, at).await?;
            taken.push((lot, qty));
        }
        if !taken.is_empty() {
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff,
                    action: "stock.waste",
                    object_type: "location",
                    object_id: Some(location.0),
                    detail: format!("{} expired lots written off", taken.len()),
                    at,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(taken)
    }

    /// FEFO allocation in its own transaction (the building block of a sale line).
    pub async fn allocate(
        &self,
        org: OrgId,
        location: LocationId,
        product: ProductId,
        qty: i64,
        meta: &MovementMeta<'_>,
        at: i64,
    ) -> Result<Vec<(LotRow, i64)>> {
        let mut tx = self.begin().await?;
        check_location(&mut tx, org, location).await?;
        let taken = allocate_in(&mut tx, org, location, product, qty, MovementKind::Sale, meta, at).await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Moves stock between two locations of the organisation by FEFO: one transfer-out
    /// and one transfer-in per lot, atomically.
    pub async fn transfer(
        &self,
        org: OrgId,
        from: LocationId,
        to: LocationId,
        product: ProductId,
        qty: i64,
        meta: &MovementMeta<'_>,
        at: i64,
    ) -> Result<Vec<(LotRow, i64)>> {
        let mut tx = self.begin().await?;
        check_location(&mut tx, org, from).await?;
        check_location(&mut tx, org, to).await?;
        let taken = allocate_in(&mut tx, org, from, product, qty, MovementKind::TransferOut, meta, at).await?;
        for (lot, q) in &taken {
            let delta = Delta::new(MovementKind::TransferIn, *q, None).map_err(StoreError::Stock)?;
            move_stock(&mut tx, org, to, lot, delta, meta, at).await?;
        }
        tx.commit().await?;
        Ok(taken)
    }

    pub async fn lots_of(&self, org: OrgId, product: ProductId) -> Result<Vec<LotRow>> {
        let rows = sqlx::query(
            "SELECT id, product_id, lot_code, expires_at, received_at, supplier_id FROM lots \
             WHERE org_id = $1 AND product_id = $2 ORDER BY expires_at, id",
        )
        .bind(org.0)
        .bind(product.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(lot_row).collect())
    }

    /// Stock by location and lot, earliest expiry first.
    pub async fn balances(&self, org: OrgId, filter: &BalanceFilter, page: PageRequest) -> Result<Page<BalanceRow>> {
        let mut w = Where::default();
        w.and("b.org_id = ?", [int(org.0)]);
        if let Some(l) = filter.location {
            w.and("b.location_id = ?", [int(l.0)]);
        }
        if let Some(p) = filter.product {
            w.and("b.product_id = ?", [int(p.0)]);
        }
        if !filter.include_empty {
            w.and("b.qty_on_hand > 0", []);
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let like = crate::catalog::like_contains(&q.to_lowercase());
            // A barcode query matches the 14-digit normal form, as product search does.
            let gtin14 = if q.len() <= 14 && q.bytes().all(|b| b.is_ascii_digit()) {
                format!("{q:0>14}")
            } else {
                String::new()
            };
            w.and(
                "(p.name_zh LIKE ? ESCAPE '\\' OR LOWER(p.name_en) LIKE ? ESCAPE '\\' OR p.pinyin_initials LIKE ? ESCAPE '\\' \
                 OR p.pinyin_full LIKE ? ESCAPE '\\' OR LOWER(p.sku) LIKE ? ESCAPE '\\' \
                 OR p.id IN (SELECT g.product_id FROM product_gtins g WHERE g.org_id = ? AND g.gtin = ?))",
                [text(&like), text(&like), text(&like), text(&like), text(&like), int(org.0), text(gtin14)],
            );
        }
        self.balance_page(
            &w,
            "CASE WHEN l.expires_at IS NULL THEN 1 ELSE 0 END, l.expires_at, p.name_zh, b.location_id",
            page,
        )
        .await
    }

    async fn balance_page(&self, w: &Where, order: &str, page: PageRequest) -> Result<Page<BalanceRow>> {
        let from_sql = "stock_balances b JOIN lots l ON l.id = b.lot_id JOIN products p ON p.id = b.product_id \
             JOIN locations loc ON loc.id = b.location_id LEFT JOIN categories c ON c.id = p.category_id";
        let where_sql = w.sql();
        let total: i64 = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM {from_sql} WHERE {where_sql}"
            ))))
            .fetch_one(&self.pool)
            .await?
            .get("n");
        let rows = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT b.location_id, loc.name_zh AS location_name, b.product_id, p.name_zh AS product_name, \
                 p.name_en AS product_name_en, p.sku, \
                 p.unit_label, b.lot_id, l.lot_code, l.expires_at, l.received_at, b.qty_on_hand, \
                 COALESCE(c.expiry_alert_hours, 72) AS expiry_alert_hours \
                 FROM {from_sql} WHERE {where_sql} ORDER BY {order} LIMIT {} OFFSET {}",
                w.next(1),
                w.next(2)
            ))))
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.pool)
            .await?;
        Ok(Page {
            items: rows.iter().map(balance_row).collect(),
            total,
        })
    }

    /// Movements, newest first, optionally of one product or lot.
    pub async fn movements(
        &self,
        org: OrgId,
        product: Option<ProductId>,
        lot: Option<LotId>,
        page: PageRequest,
    ) -> Result<Page<MovementRow>> {
        let mut w = Where::default();
        w.and("m.org_id = ?", [int(org.0)]);
        if let Some(p) = product {
            w.and("m.product_id = ?", [int(p.0)]);
        }
        if let Some(l) = lot {
            w.and("m.lot_id = ?", [int(l.0)]);
        }
        let where_sql = w.sql();
        let total: i64 = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM stock_movements m WHERE {where_sql}"
            ))))
            .fetch_one(&self.pool)
            .await?
            .get("n");
        let rows = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT m.id, m.location_id, m.product_id, m.lot_id, l.lot_code, m.kind, m.qty_delta, m.balance_after, \
                 m.reason, m.ref_type, m.ref_id, m.staff_id, m.at FROM stock_movements m JOIN lots l ON l.id = m.lot_id \
                 WHERE {where_sql} ORDER BY m.at DESC, m.id DESC LIMIT {} OFFSET {}",
                w.next(1),
                w.next(2)
            ))))
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.pool)
            .await?;
        Ok(Page {
            items: rows.iter().map(movement_row).collect(),
            total,
        })
    }

    /// Proof of the ledger invariant: every cached balance equals the sum of its
    /// movements. Returns the (location, lot, cached, folded) rows that disagree.
    pub async fn ledger_mismatches(&self, org: OrgId) -> Result<Vec<(i64, i64, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT b.location_id, b.lot_id, b.qty_on_hand, \
             CAST(COALESCE((SELECT SUM(m.qty_delta) FROM stock_movements m \
                            WHERE m.location_id = b.location_id AND m.lot_id = b.lot_id), 0) AS BIGINT) AS folded \
             FROM stock_balances b WHERE b.org_id = $1",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut bad: Vec<(i64, i64, i64, i64)> = rows
            .iter()
            .map(|r| {
                (
                    r.get("location_id"),
                    r.get("lot_id"),
                    r.get("qty_on_hand"),
                    r.get("folded"),
                )
            })
            .filter(|(_, _, cached, folded)| cached != folded)
            .collect();
        // Movements without a balance row would also break the invariant.
        let orphans = sqlx::query(
            "SELECT COUNT(*) AS n FROM stock_movements m WHERE m.org_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM stock_balances b WHERE b.location_id = m.location_id AND b.lot_id = m.lot_id)",
        )
        .bind(org.0)
        .fetch_one(&self.pool)
        .await?
        .get::<i64, _>("n");
        if orphans > 0 {
            bad.push((0, 0, 0, orphans));
        }
        Ok(bad)
    }

    /// On-hand of a product summed over its lots (and optionally one location).
    pub async fn on_hand(&self, org: OrgId, product: ProductId, location: Option<LocationId>) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(qty_on_hand), 0) AS BIGINT) AS n FROM stock_balances \
             WHERE org_id = $1 AND product_id = $2 AND ($3 = 0 OR location_id = $3)",
        )
        .bind(org.0)
        .bind(product.0)
        .bind(location.map_or(0, |l| l.0))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get("n"))
    }

    /// Lots with stock that expire within their category's alert horizon (or have
    /// expired), soonest first.
    pub async fn expiry_alerts(&self, org: OrgId, now: i64, page: PageRequest) -> Result<Page<BalanceRow>> {
        let mut w = Where::default();
        w.and("b.org_id = ?", [int(org.0)]);
        w.and("b.qty_on_hand > 0", []);
        w.and("l.expires_at IS NOT NULL", []);
        w.and(
            "l.expires_at <= ? + COALESCE(c.expiry_alert_hours, 72) * 3600000",
            [int(now)],
        );
        self.balance_page(&w, "l.expires_at, p.name_zh", page).await
    }

    /// Active products whose on-hand (all locations) is at or below their reorder point.
    pub async fn low_stock(&self, org: OrgId, page: PageRequest) -> Result<Page<LowStockRow>> {
        // Sums only lots that hold stock (an index on qty_on_hand), then joins products.
        let inner = "SELECT p.id, p.name_zh, p.sku, p.unit_label, p.reorder_point, \
             CAST(COALESCE(t.on_hand, 0) AS BIGINT) AS on_hand FROM products p LEFT JOIN \
             (SELECT b.product_id, SUM(b.qty_on_hand) AS on_hand FROM stock_balances b \
              WHERE b.org_id = $1 AND b.qty_on_hand > 0 GROUP BY b.product_id) t ON t.product_id = p.id \
             WHERE p.org_id = $1 AND p.active = 1 AND p.reorder_point > 0";
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM ({inner}) x WHERE x.on_hand <= x.reorder_point"
        )))
        .bind(org.0)
        .fetch_one(&self.pool)
        .await?
        .get("n");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM ({inner}) x WHERE x.on_hand <= x.reorder_point \
             ORDER BY CAST(x.on_hand AS DOUBLE PRECISION) / x.reorder_point, x.id LIMIT $2 OFFSET $3"
        )))
        .bind(org.0)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|r| LowStockRow {
                product_id: ProductId(r.get("id")),
                product_name: r.get("name_zh"),
                sku: r.get("sku"),
                unit_label: r.get("unit_label"),
                reorder_point: r.get("reorder_point"),
                qty_on_hand: r.get("on_hand"),
            })
            .collect();
        Ok(Page { items, total })
    }

    /// Opens a stock count (盘点) of a location, freezing the expected quantity of every
    /// lot with stock there (or of the given products only).
    pub async fn open_stock_count(
        &self,
        org: OrgId,
        location: LocationId,
        products: &[ProductId],
        note: &str,
        by: StaffId,
        at: i64,
    ) -> Result<StockCountId> {
        let mut tx = self.begin().await?;
        check_location(&mut tx, org, location).await?;
        let id = StockCountId(
            sqlx::query(
                "INSERT INTO stock_counts (org_id, location_id, status, note, created_by, created_at) \
                 VALUES ($1, $2, 'open', $3, $4, $5) RETURNING id",
            )
            .bind(org.0)
            .bind(location.0)
            .bind(note)
            .bind(by.0)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?
            .get("id"),
        );
        let filter: String = products.iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(",");
        let product_clause = if products.is_empty() {
            String::new()
        } else {
            format!("AND b.product_id IN ({filter})")
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO stock_count_lines (org_id, count_id, product_id, lot_id, expected, counted) \
             SELECT b.org_id, $1, b.product_id, b.lot_id, b.qty_on_hand, b.qty_on_hand FROM stock_balances b \
             WHERE b.org_id = $2 AND b.location_id = $3 AND b.qty_on_hand > 0 {product_clause}"
        )))
        .bind(id.0)
        .bind(org.0)
        .bind(location.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records counted quantities (lot → counted) on an open count.
    pub async fn record_counts(&self, org: OrgId, id: StockCountId, counted: &[(LotId, i64)]) -> Result<()> {
        let mut tx = self.begin().await?;
        let status: String = sqlx::query("SELECT status FROM stock_counts WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .get("status");
        if status != "open" {
            return Err(StoreError::State("stock count is not open"));
        }
        for (lot, qty) in counted {
            let n = sqlx::query(
                "UPDATE stock_count_lines SET counted = $1 WHERE count_id = $2 AND lot_id = $3 AND org_id = $4",
            )
            .bind(*qty)
            .bind(id.0)
            .bind(lot.0)
            .bind(org.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                // A lot found on the shelf that the system did not expect here.
                let inserted = sqlx::query(
                    "INSERT INTO stock_count_lines (org_id, count_id, product_id, lot_id, expected, counted) \
                     SELECT org_id, $1, product_id, id, 0, $2 FROM lots WHERE org_id = $3 AND id = $4",
                )
                .bind(id.0)
                .bind(*qty)
                .bind(org.0)
                .bind(lot.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::NotFound);
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Posts a count: one count-correction movement of (counted − expected) per lot
    /// that differs. Expected is frozen when the count opens, so a sale rung up after
    /// the shelf was counted is not undone. Audited.
    pub async fn post_stock_count(
        &self,
        org: OrgId,
        id: StockCountId,
        by: StaffId,
        at: i64,
    ) -> Result<Vec<(LotId, i64)>> {
        let mut tx = self.begin().await?;
        let head =
            sqlx::query("SELECT status, location_id, created_at FROM stock_counts WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        // Claim the count first (compare-and-set), so two concurrent posts cannot both
        // apply the corrections on PostgreSQL.
        let claimed = sqlx::query("UPDATE stock_counts SET status = 'posted', posted_at = $1 WHERE org_id = $2 AND id = $3 AND status = 'open'")
            .bind(at)
            .bind(org.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if head.get::<String, _>("status") != "open" || claimed != 1 {
            return Err(StoreError::State("stock count is not open"));
        }
        let location = LocationId(head.get("location_id"));
        let lines = sqlx::query(
            "SELECT l.id, l.product_id, l.lot_code, l.expires_at, l.received_at, l.supplier_id, c.expected, c.counted \
             FROM stock_count_lines c JOIN lots l ON l.id = c.lot_id WHERE c.count_id = $1 AND c.org_id = $2",
        )
        .bind(id.0)
        .bind(org.0)
        .fetch_all(&mut *tx)
        .await?;
        let mut corrections = Vec::new();
        for r in &lines {
            let lot = lot_row(r);
            let expected: i64 = r.get("expected");
            let counted: i64 = r.get("counted");
            if let Some(delta) = stock::count_correction(expected, counted) {
                let d = Delta::new(MovementKind::CountCorrection, delta, None).map_err(StoreError::Stock)?;
                let meta = MovementMeta {
                    reason: "盘点",
                    ref_type: "stock_count",
                    ref_id: Some(id.0),
                    staff: Some(by),
                };
                move_stock(&mut tx, org, location, &lot, d, &meta, at).await?;
                corrections.push((lot.id, delta));
            }
        }
        write_audit(
            &mut tx,
            &AuditEntry {
                org,
                staff: Some(by),
                action: "stock.count",
                object_type: "stock_count",
                object_id: Some(id.0),
                detail: format!("{} lines, {} corrections", lines.len(), corrections.len()),
                at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(corrections)
    }

    pub async fn stock_count(&self, org: OrgId, id: StockCountId) -> Result<StockCountRow> {
        let head = sqlx::query(
            "SELECT id, location_id, status, note, created_by, created_at, posted_at FROM stock_counts \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let lines = sqlx::query(
            "SELECT c.product_id, p.name_zh, c.lot_id, l.lot_code, c.expected, c.counted FROM stock_count_lines c \
             JOIN lots l ON l.id = c.lot_id JOIN products p ON p.id = c.product_id \
             WHERE c.count_id = $1 AND c.org_id = $2 ORDER BY p.name_zh, l.lot_code",
        )
        .bind(id.0)
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut count = stock_count_head(&head);
        count.lines = lines
            .iter()
            .map(|r| StockCountLine {
                product_id: ProductId(r.get("product_id")),
                product_name: r.get("name_zh"),
                lot_id: LotId(r.get("lot_id")),
                lot_code: r.get("lot_code"),
                expected: r.get("expected"),
                counted: r.get("counted"),
            })
            .collect();
        Ok(count)
    }

    pub async fn stock_counts(&self, org: OrgId, page: PageRequest) -> Result<Page<StockCountRow>> {
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM stock_counts WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&self.pool)
            .await?
            .get("n");
        let rows = sqlx::query(
            "SELECT id, location_id, status, note, created_by, created_at, posted_at FROM stock_counts \
             WHERE org_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
        .bind(org.0)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items: rows.iter().map(stock_count_head).collect(),
            total,
        })
    }
}

fn stock_count_head(r: &AnyRow) -> StockCountRow {
    StockCountRow {
        id: StockCountId(r.get("id")),
        location_id: LocationId(r.get("location_id")),
        status: r.get("status"),
        note: r.get("note"),
        created_by: opt_i64(r, "created_by").map(StaffId),
        created_at: r.get("created_at"),
        posted_at: opt_i64(r, "posted_at"),
        lines: Vec::new(),
    }
}

fn balance_row(r: &AnyRow) -> BalanceRow {
    BalanceRow {
        location_id: LocationId(r.get("location_id")),
        location_name: r.get("location_name"),
        product_id: ProductId(r.get("product_id")),
        product_name: r.get("product_name"),
        product_name_en: r.get("product_name_en"),
        sku: r.get("sku"),
        unit_label: r.get("unit_label"),
        lot_id: LotId(r.get("lot_id")),
        lot_code: r.get("lot_code"),
        expires_at: opt_i64(r, "expires_at"),
        received_at: r.get("received_at"),
        qty_on_hand: r.get("qty_on_hand"),
        expiry_alert_hours: r.get("expiry_alert_hours"),
    }
}

fn movement_row(r: &AnyRow) -> MovementRow {
    MovementRow {
        id: MovementId(r.get("id")),
        location_id: LocationId(r.get("location_id")),
        product_id: ProductId(r.get("product_id")),
        lot_id: LotId(r.get("lot_id")),
        lot_code: r.get("lot_code"),
        kind: MovementKind::from_code(&r.get::<String, _>("kind")).unwrap_or(MovementKind::Adjustment),
        qty_delta: r.get("qty_delta"),
        balance_after: r.get("balance_after"),
        reason: r.get("reason"),
        ref_type: r.get("ref_type"),
        ref_id: opt_i64(r, "ref_id"),
        staff_id: opt_i64(r, "staff_id").map(StaffId),
        at: r.get("at"),
    }
}
