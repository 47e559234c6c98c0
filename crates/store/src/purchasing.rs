//! Suppliers, purchase orders and receiving (收货), with or without a PO.

use crate::audit::{AuditEntry, write_audit};
use crate::db::{Store, opt_i64};
use crate::error::{Result, StoreError};
use crate::stock::{MovementMeta, check_location, ensure_lot, move_stock};
use crate::{Page, PageRequest};
use linli_domain::ids::{
    LocationId, LotId, OrgId, ProductId, PurchaseOrderId, ReceiptId, StaffId, StoreId, SupplierId,
};
use linli_domain::purchasing::{self, PoAction, PoStatus};
use linli_domain::stock::{Delta, MovementKind};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct SupplierRow {
    pub id: SupplierId,
    pub code: String,
    pub name_zh: String,
    pub kind: String,
    pub contact_phone: String,
    pub lead_time_hours: i64,
    /// Minutes after local midnight.
    pub order_cutoff_min: i64,
    pub delivery_time_min: i64,
}

#[derive(Debug, Clone)]
pub struct NewSupplier<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub kind: &'a str,
    pub contact_phone: &'a str,
    pub lead_time_hours: i64,
    pub order_cutoff_min: i64,
    pub delivery_time_min: i64,
}

#[derive(Debug, Clone)]
pub struct PoRow {
    pub id: PurchaseOrderId,
    pub store_id: StoreId,
    pub supplier_id: SupplierId,
    pub supplier_name: String,
    pub number: String,
    pub status: PoStatus,
    pub note: String,
    pub expected_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub lines: Vec<PoLineRow>,
}

#[derive(Debug, Clone)]
pub struct PoLineRow {
    pub id: i64,
    pub product_id: ProductId,
    pub product_name: String,
    pub unit_label: String,
    pub qty_ordered: i64,
    pub qty_received: i64,
    pub unit_cost_fen: i64,
}

#[derive(Debug, Clone)]
pub struct NewPoLine {
    pub product: ProductId,
    pub qty: i64,
    pub unit_cost_fen: i64,
}

/// One line of goods arriving: product, lot and expiry as scanned or typed.
#[derive(Debug, Clone)]
pub struct ReceiveLine {
    pub product: ProductId,
    pub lot_code: String,
    pub expires_at: Option<i64>,
    pub qty: i64,
    pub unit_cost_fen: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ReceiptResult {
    pub id: ReceiptId,
    pub po_status: Option<PoStatus>,
    pub lines: Vec<ReceiptLineResult>,
}

#[derive(Debug, Clone)]
pub struct ReceiptLineResult {
    pub product_id: ProductId,
    pub lot_id: LotId,
    pub lot_code: String,
    pub qty: i64,
    /// "", "short", "over" or "unexpected", against what was still open on the PO.
    pub discrepancy: String,
    pub discrepancy_qty: i64,
}

fn supplier_row(r: &AnyRow) -> SupplierRow {
    SupplierRow {
        id: SupplierId(r.get("id")),
        code: r.get("code"),
        name_zh: r.get("name_zh"),
        kind: r.get("kind"),
        contact_phone: r.get("contact_phone"),
        lead_time_hours: r.get("lead_time_hours"),
        order_cutoff_min: r.get("order_cutoff_min"),
        delivery_time_min: r.get("delivery_time_min"),
    }
}

fn po_head(r: &AnyRow) -> PoRow {
    PoRow {
        id: PurchaseOrderId(r.get("id")),
        store_id: StoreId(r.get("store_id")),
        supplier_id: SupplierId(r.get("supplier_id")),
        supplier_name: r.get("supplier_name"),
        number: r.get("number"),
        status: PoStatus::from_code(&r.get::<String, _>("status")).unwrap_or(PoStatus::Draft),
        note: r.get("note"),
        expected_at: opt_i64(r, "expected_at"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
        lines: Vec::new(),
    }
}

const PO_COLS: &str = "o.id, o.store_id, o.supplier_id, s.name_zh AS supplier_name, o.number, o.status, o.note, \
                       o.expected_at, o.created_at, o.updated_at";

impl Store {
    pub async fn create_supplier(&self, org: OrgId, s: &NewSupplier<'_>, at: i64) -> Result<SupplierId> {
        let row = sqlx::query(
            "INSERT INTO suppliers (org_id, code, name_zh, kind, contact_phone, lead_time_hours, order_cutoff_min, \
             delivery_time_min, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(org.0)
        .bind(s.code)
        .bind(s.name_zh)
        .bind(s.kind)
        .bind(s.contact_phone)
        .bind(s.lead_time_hours)
        .bind(s.order_cutoff_min)
        .bind(s.delivery_time_min)
        .bind(at)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, &["code"]))?;
        Ok(SupplierId(row.get("id")))
    }

    pub async fn suppliers(&self, org: OrgId) -> Result<Vec<SupplierRow>> {
        let rows = sqlx::query(
            "SELECT id, code, name_zh, kind, contact_phone, lead_time_hours, order_cutoff_min, delivery_time_min \
             FROM suppliers WHERE org_id = $1 ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(supplier_row).collect())
    }

    pub async fn supplier(&self, org: OrgId, id: SupplierId) -> Result<SupplierRow> {
        let row = sqlx::query(
            "SELECT id, code, name_zh, kind, contact_phone, lead_time_hours, order_cutoff_min, delivery_time_min \
             FROM suppliers WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(supplier_row).ok_or(StoreError::NotFound)
    }

    /// Creates a draft PO with its lines. The number is PO-<yyyymmdd>-<id>, given by the caller's prefix.
    pub async fn create_po(
        &self,
        org: OrgId,
        store: StoreId,
        supplier: SupplierId,
        number_prefix: &str,
        lines: &[NewPoLine],
        note: &str,
        by: Option<StaffId>,
        at: i64,
    ) -> Result<PurchaseOrderId> {
        let mut tx = self.begin().await?;
        let ok = sqlx::query("SELECT s.id FROM suppliers s JOIN stores t ON t.org_id = s.org_id WHERE s.org_id = $1 AND s.id = $2 AND t.id = $3")
            .bind(org.0)
            .bind(supplier.0)
            .bind(store.0)
            .fetch_optional(&mut *tx)
            .await?;
        if ok.is_none() {
            return Err(StoreError::Conflict { field: "supplier_id" });
        }
        let id: i64 = sqlx::query(
            "INSERT INTO purchase_orders (org_id, store_id, supplier_id, number, status, note, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, NULL, 'draft', $4, $5, $6, $6) RETURNING id",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(supplier.0)
        .bind(note)
        .bind(by.map(|b| b.0))
        .bind(at)
        .fetch_one(&mut *tx)
        .await?
        .get("id");
        sqlx::query("UPDATE purchase_orders SET number = $1 WHERE id = $2")
            .bind(format!("{number_prefix}-{id:05}"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for l in lines {
            let n = sqlx::query(
                "INSERT INTO purchase_order_lines (org_id, po_id, product_id, qty_ordered, unit_cost_fen) \
                 SELECT $1, $2, id, $4, $5 FROM products WHERE org_id = $1 AND id = $3",
            )
            .bind(org.0)
            .bind(id)
            .bind(l.product.0)
            .bind(l.qty)
            .bind(l.unit_cost_fen)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, &["product_id"]))?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict { field: "product_id" });
            }
        }
        tx.commit().await?;
        Ok(PurchaseOrderId(id))
    }

    pub async fn po(&self, org: OrgId, id: PurchaseOrderId) -> Result<PoRow> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PO_COLS} FROM purchase_orders o JOIN suppliers s ON s.id = o.supplier_id WHERE o.org_id = $1 AND o.id = $2"
        )))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let mut po = row.as_ref().map(po_head).ok_or(StoreError::NotFound)?;
        let lines = sqlx::query(
            "SELECT l.id, l.product_id, p.name_zh, p.unit_label, l.qty_ordered, l.qty_received, l.unit_cost_fen \
             FROM purchase_order_lines l JOIN products p ON p.id = l.product_id WHERE l.po_id = $1 AND l.org_id = $2 ORDER BY l.id",
        )
        .bind(id.0)
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        po.lines = lines
            .iter()
            .map(|r| PoLineRow {
                id: r.get("id"),
                product_id: ProductId(r.get("product_id")),
                product_name: r.get("name_zh"),
                unit_label: r.get("unit_label"),
                qty_ordered: r.get("qty_ordered"),
                qty_received: r.get("qty_received"),
                unit_cost_fen: r.get("unit_cost_fen"),
            })
            .collect();
        Ok(po)
    }

    pub async fn pos(&self, org: OrgId, status: Option<PoStatus>, page: PageRequest) -> Result<Page<PoRow>> {
        let status = status.map_or("", PoStatus::code);
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM purchase_orders WHERE org_id = $1 AND ($2 = '' OR status = $2)")
                .bind(org.0)
                .bind(status)
                .fetch_one(&self.pool)
                .await?
                .get("n");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PO_COLS} FROM purchase_orders o JOIN suppliers s ON s.id = o.supplier_id \
             WHERE o.org_id = $1 AND ($2 = '' OR o.status = $2) ORDER BY o.id DESC LIMIT $3 OFFSET $4"
        )))
        .bind(org.0)
        .bind(status)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items: rows.iter().map(po_head).collect(),
            total,
        })
    }

    /// Sends, closes or cancels a PO, following the domain's state machine under a
    /// row lock (`status` is compared-and-set, so two clerks cannot both act).
    pub async fn po_action(
        &self,
        org: OrgId,
        id: PurchaseOrderId,
        action: PoAction,
        expected_at: Option<i64>,
        by: StaffId,
        at: i64,
    ) -> Result<std::result::Result<PoStatus, purchasing::PurchasingError>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT status, (SELECT COUNT(*) FROM purchase_order_lines l WHERE l.po_id = o.id) AS n \
             FROM purchase_orders o WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let from = PoStatus::from_code(&row.get::<String, _>("status")).unwrap_or(PoStatus::Draft);
        let lines = usize::try_from(row.get::<i64, _>("n")).unwrap_or(0);
        let to = match purchasing::transition(from, action, lines) {
            Ok(to) => to,
            Err(e) => return Ok(Err(e)),
        };
        let n = sqlx::query(
            "UPDATE purchase_orders SET status = $1, updated_at = $2, expected_at = COALESCE($3, expected_at) \
             WHERE id = $4 AND status = $5",
        )
        .bind(to.code())
        .bind(at)
        .bind(expected_at)
        .bind(id.0)
        .bind(from.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::State("purchase order changed meanwhile"));
        }
        write_audit(
            &mut tx,
            &AuditEntry {
                org,
                staff: Some(by),
                action: "po.status",
                object_type: "purchase_order",
                object_id: Some(id.0),
                detail: format!("{} → {}", from.code(), to.code()),
                at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(to))
    }

    /// Receives goods into a location: creates lots as needed, appends receipt
    /// movements, and — against a PO — adds to the received quantities, records
    /// discrepancies against what was still open and moves the PO's status.
    pub async fn receive(
        &self,
        org: OrgId,
        location: LocationId,
        po: Option<PurchaseOrderId>,
        supplier: Option<SupplierId>,
        lines: &[ReceiveLine],
        note: &str,
        by: Option<StaffId>,
        at: i64,
    ) -> Result<std::result::Result<ReceiptResult, purchasing::PurchasingError>> {
        let mut tx = self.begin().await?;
        check_location(&mut tx, org, location).await?;
        let mut supplier = supplier;
        let mut po_status_before: Option<PoStatus> = None;
        if let Some(po) = po {
            let row = sqlx::query("SELECT status, supplier_id FROM purchase_orders WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(po.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            let status = PoStatus::from_code(&row.get::<String, _>("status")).unwrap_or(PoStatus::Draft);
            if !status.accepts_receipts() {
                return Ok(Err(purchasing::PurchasingError::NotReceiving { status }));
            }
            po_status_before = Some(status);
            supplier = Some(SupplierId(row.get("supplier_id")));
        } else if let Some(s) = supplier {
            let found = sqlx::query("SELECT id FROM suppliers WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(s.0)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::Conflict { field: "supplier_id" });
            }
        }
        let receipt_id: i64 = sqlx::query(
            "INSERT INTO receipts (org_id, po_id, supplier_id, location_id, note, staff_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(org.0)
        .bind(po.map(|p| p.0))
        .bind(supplier.map(|s| s.0))
        .bind(location.0)
        .bind(note)
        .bind(by.map(|b| b.0))
        .bind(at)
        .fetch_one(&mut *tx)
        .await?
        .get("id");
        let mut results = Vec::with_capacity(lines.len());
        for line in lines {
            let lot = ensure_lot(
                &mut tx,
                org,
                line.product,
                &line.lot_code,
                line.expires_at,
                supplier,
                at,
            )
            .await?;
            let delta = Delta::new(MovementKind::Receipt, line.qty, None).map_err(StoreError::Stock)?;
            let meta = MovementMeta {
                reason: "",
                ref_type: "receipt",
                ref_id: Some(receipt_id),
                staff: by,
            };
            move_stock(&mut tx, org, location, &lot, delta, &meta, at).await?;
            let mut disc = (String::new(), 0);
            let mut cost = line.unit_cost_fen.unwrap_or(0);
            if let Some(po) = po {
                let open = sqlx::query(
                    "SELECT qty_ordered - qty_received AS open, unit_cost_fen FROM purchase_order_lines \
                     WHERE po_id = $1 AND product_id = $2",
                )
                .bind(po.0)
                .bind(line.product.0)
                .fetch_optional(&mut *tx)
                .await?;
                match open {
                    Some(r) => {
                        let open_qty: i64 = r.get("open");
                        cost = line.unit_cost_fen.unwrap_or_else(|| r.get("unit_cost_fen"));
                        if let Some(d) = purchasing::discrepancy(open_qty.max(0), line.qty) {
                            disc = (d.code().to_string(), d.qty());
                        }
                        sqlx::query(
                            "UPDATE purchase_order_lines SET qty_received = qty_received + $1 WHERE po_id = $2 AND product_id = $3",
                        )
                        .bind(line.qty)
                        .bind(po.0)
                        .bind(line.product.0)
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => disc = ("unexpected".to_string(), line.qty),
                }
            }
            sqlx::query(
                "INSERT INTO receipt_lines (org_id, receipt_id, product_id, lot_id, qty, unit_cost_fen, discrepancy, discrepancy_qty) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(org.0)
            .bind(receipt_id)
            .bind(line.product.0)
            .bind(lot.id.0)
            .bind(line.qty)
            .bind(cost)
            .bind(disc.0.as_str())
            .bind(disc.1)
            .execute(&mut *tx)
            .await?;
            results.push(ReceiptLineResult {
                product_id: line.product,
                lot_id: lot.id,
                lot_code: lot.lot_code.clone(),
                qty: line.qty,
                discrepancy: disc.0,
                discrepancy_qty: disc.1,
            });
        }
        let mut po_status = None;
        if let Some(po) = po {
            let q = sqlx::query("SELECT qty_ordered, qty_received FROM purchase_order_lines WHERE po_id = $1")
                .bind(po.0)
                .fetch_all(&mut *tx)
                .await?;
            let pairs: Vec<(i64, i64)> = q
                .iter()
                .map(|r| (r.get("qty_ordered"), r.get("qty_received")))
                .collect();
            let status = purchasing::status_after_receipt(&pairs);
            // Compare-and-set: a cancel or close that committed meanwhile wins, and these
            // goods are not booked against it.
            let before = po_status_before.map_or("", PoStatus::code);
            let n =
                sqlx::query("UPDATE purchase_orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                    .bind(status.code())
                    .bind(at)
                    .bind(po.0)
                    .bind(before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if n != 1 {
                return Err(StoreError::State("purchase order changed meanwhile"));
            }
            po_status = Some(status);
        }
        tx.commit().await?;
        Ok(Ok(ReceiptResult {
            id: ReceiptId(receipt_id),
            po_status,
            lines: results,
        }))
    }
}
