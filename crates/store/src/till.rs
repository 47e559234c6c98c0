//! Shifts (交班), refunds, offline sales and the till's view of a recorded sale.

use crate::db::{Store, opt_i64};
use crate::error::Result;
use linli_domain::ids::{MemberId, OrderId, OrgId, ProductId, StaffId};
use sqlx::Row;

/// One sale line as recorded (lots folded back together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRecordLine {
    pub line_no: i64,
    pub product_id: ProductId,
    pub name_zh: String,
    pub name_en: String,
    pub qty: i64,
    pub unit_price_fen: i64,
    pub total_fen: i64,
    pub refunded_qty: i64,
    pub refunded_fen: i64,
    /// Sold by weight: `qty` is in grams.
    pub weighed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRecordPayment {
    pub method: String,
    pub amount_fen: i64,
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRecordDiscount {
    pub source: String,
    pub source_id: Option<i64>,
    pub label_zh: String,
    pub label_en: String,
    pub amount_fen: i64,
}

/// A recorded sale, everything a receipt or a replayed answer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRecord {
    pub id: OrderId,
    pub number: String,
    pub channel: String,
    pub status: String,
    pub member_id: Option<MemberId>,
    pub staff_id: Option<StaffId>,
    pub location_id: i64,
    pub created_at: i64,
    /// What was due after 抹零 (what the store collected): lines' total + rounding.
    pub total_fen: i64,
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    pub rounding_fen: i64,
    pub change_fen: i64,
    pub points_earned: i64,
    pub points_redeemed: i64,
    pub refunded_fen: i64,
    pub shift_id: Option<i64>,
    pub offline_till: Option<String>,
    pub flag: Option<String>,
    pub lines: Vec<SaleRecordLine>,
    pub payments: Vec<SaleRecordPayment>,
    pub discounts: Vec<SaleRecordDiscount>,
}

/// The number a till sale shows: stored for orders that have one, else from the id.
pub fn sale_number(id: OrderId, stored: Option<String>) -> String {
    stored.unwrap_or_else(|| format!("S{:08}", id.0))
}

impl Store {
    /// A recorded sale of this organisation, or `None`.
    pub async fn sale_record(&self, org: OrgId, order: OrderId) -> Result<Option<SaleRecord>> {
        let Some(o) = sqlx::query(
            "SELECT id, number, channel, status, member_id, staff_id, location_id, created_at, total_fen, subtotal_fen, \
             discount_fen, rounding_fen, change_fen, points_earned, points_redeemed, refunded_fen, shift_id, offline_till, flag \
             FROM orders WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(order.0)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT ol.line_no, ol.product_id, p.name_zh, p.name_en, p.unit_kind, ol.qty, ol.unit_price_fen, ol.line_total_fen, \
             ol.refunded_qty, ol.refunded_fen FROM order_lines ol JOIN products p ON p.id = ol.product_id \
             WHERE ol.org_id = $1 AND ol.order_id = $2 ORDER BY ol.line_no, ol.id",
        )
        .bind(org.0)
        .bind(order.0)
        .fetch_all(&self.pool)
        .await?;
        let mut lines: Vec<SaleRecordLine> = Vec::new();
        for r in &rows {
            let line_no: i64 = r.get("line_no");
            let (qty, total, rq, rf): (i64, i64, i64, i64) = (
                r.get("qty"),
                r.get("line_total_fen"),
                r.get("refunded_qty"),
                r.get("refunded_fen"),
            );
            match lines.last_mut() {
                Some(l) if l.line_no == line_no => {
                    l.qty += qty;
                    l.total_fen += total;
                    l.refunded_qty += rq;
                    l.refunded_fen += rf;
                }
                _ => lines.push(SaleRecordLine {
                    line_no,
                    product_id: ProductId(r.get("product_id")),
                    name_zh: r.get("name_zh"),
                    name_en: r.get("name_en"),
                    qty,
                    unit_price_fen: r.get("unit_price_fen"),
                    total_fen: total,
                    refunded_qty: rq,
                    refunded_fen: rf,
                    weighed: r.get::<String, _>("unit_kind") == "weight",
                }),
            }
        }
        let payments = sqlx::query(
            "SELECT method, amount_fen, points FROM order_payments WHERE org_id = $1 AND order_id = $2 ORDER BY id",
        )
        .bind(org.0)
        .bind(order.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| SaleRecordPayment {
            method: r.get("method"),
            amount_fen: r.get("amount_fen"),
            points: r.get("points"),
        })
        .collect();
        let discounts = sqlx::query(
            "SELECT source, source_id, label_zh, label_en, amount_fen FROM order_discounts \
             WHERE org_id = $1 AND order_id = $2 ORDER BY id",
        )
        .bind(org.0)
        .bind(order.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| SaleRecordDiscount {
            source: r.get("source"),
            source_id: opt_i64(r, "source_id"),
            label_zh: r.get("label_zh"),
            label_en: r.get("label_en"),
            amount_fen: r.get("amount_fen"),
        })
        .collect();
        let id = OrderId(o.get("id"));
        Ok(Some(SaleRecord {
            id,
            number: sale_number(id, o.try_get::<Option<String>, _>("number").ok().flatten()),
            channel: o.get("channel"),
            status: o.get("status"),
            member_id: opt_i64(&o, "member_id").map(MemberId),
            staff_id: opt_i64(&o, "staff_id").map(StaffId),
            location_id: o.get("location_id"),
            created_at: o.get("created_at"),
            total_fen: o.get("total_fen"),
            subtotal_fen: o.get("subtotal_fen"),
            discount_fen: o.get("discount_fen"),
            rounding_fen: o.get("rounding_fen"),
            change_fen: o.get("change_fen"),
            points_earned: o.get("points_earned"),
            points_redeemed: o.get("points_redeemed"),
            refunded_fen: o.get("refunded_fen"),
            shift_id: opt_i64(&o, "shift_id"),
            offline_till: o.try_get::<Option<String>, _>("offline_till").ok().flatten(),
            flag: o.try_get::<Option<String>, _>("flag").ok().flatten(),
            lines,
            payments,
            discounts,
        }))
    }
}

/// What the till needs of a product to price a line.
#[derive(Debug, Clone)]
pub struct SellableProduct {
    pub id: ProductId,
    pub name_zh: String,
    pub name_en: String,
    pub category_id: Option<linli_domain::ids::CategoryId>,
    pub weighed: bool,
    pub price_fen: i64,
    pub active: bool,
}

impl Store {
    /// The products of a sale; ids of other organisations are absent. Each product is
    /// kept for `cache::RULES_TTL` (a change through this process drops it at once, as
    /// for promotions); the ones not kept are read in one query.
    pub async fn sellable_products(&self, org: OrgId, ids: &[ProductId]) -> Result<Vec<SellableProduct>> {
        let copies = &self.caches.sellable;
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                continue;
            }
            match copies.get(&(org, *id)) {
                Some(p) => found.push(p),
                None => missing.push(*id),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let generation = copies.generation();
        let n = crate::db::in_list_len(missing.len());
        let list: Vec<String> = (0..n).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, name_zh, name_en, category_id, unit_kind, price_fen, active FROM products WHERE org_id = $1 AND id IN ({})",
            list.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0);
        for i in 0..n {
            q = q.bind(missing[i.min(missing.len() - 1)].0);
        }
        for r in q.fetch_all(&self.pool).await? {
            let p = SellableProduct {
                id: ProductId(r.get("id")),
                name_zh: r.get("name_zh"),
                name_en: r.get("name_en"),
                category_id: opt_i64(&r, "category_id").map(linli_domain::ids::CategoryId),
                weighed: r.get::<String, _>("unit_kind") == "weight",
                price_fen: r.get("price_fen"),
                active: r.get::<i64, _>("active") != 0,
            };
            copies.keep((org, p.id), generation, p.clone());
            found.push(p);
        }
        Ok(found)
    }
}

/// A cashier's shift (交班).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRow {
    pub id: i64,
    pub store_id: i64,
    pub staff_id: StaffId,
    pub till_id: String,
    pub opened_at: i64,
    pub float_fen: i64,
    pub closed_at: Option<i64>,
    pub cash_sales_fen: Option<i64>,
    pub cash_refunds_fen: Option<i64>,
    pub payouts_fen: Option<i64>,
    pub expected_fen: Option<i64>,
    pub counted_fen: Option<i64>,
    pub variance_fen: Option<i64>,
    pub note: String,
}

fn shift_row(r: &sqlx::any::AnyRow) -> ShiftRow {
    ShiftRow {
        id: r.get("id"),
        store_id: r.get("store_id"),
        staff_id: StaffId(r.get("staff_id")),
        till_id: r.get("till_id"),
        opened_at: r.get("opened_at"),
        float_fen: r.get("float_fen"),
        closed_at: opt_i64(r, "closed_at"),
        cash_sales_fen: opt_i64(r, "cash_sales_fen"),
        cash_refunds_fen: opt_i64(r, "cash_refunds_fen"),
        payouts_fen: opt_i64(r, "payouts_fen"),
        expected_fen: opt_i64(r, "expected_fen"),
        counted_fen: opt_i64(r, "counted_fen"),
        variance_fen: opt_i64(r, "variance_fen"),
        note: r.get("note"),
    }
}

const SHIFT_COLUMNS: &str = "id, store_id, staff_id, till_id, opened_at, float_fen, closed_at, cash_sales_fen, \
     cash_refunds_fen, payouts_fen, expected_fen, counted_fen, variance_fen, note";

/// Cash that went through a shift's drawer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShiftCash {
    /// Cash kept from sales: cash tendered less change.
    pub sales_fen: i64,
    pub refunds_fen: i64,
    pub sales: i64,
    /// Cash members paid in for stored value (储值充值) at this cashier during the shift.
    pub top_ups_fen: i64,
}

impl Store {
    /// Whether a member belongs to this organisation.
    pub async fn member_in_org(&self, org: OrgId, member: MemberId) -> Result<bool> {
        Ok(sqlx::query("SELECT id FROM members WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(member.0)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// Opens a shift; a cashier has at most one open shift (a second is a conflict).
    pub async fn open_shift(
        &self,
        org: OrgId,
        store: linli_domain::ids::StoreId,
        staff: StaffId,
        till_id: &str,
        float_fen: i64,
        at: i64,
    ) -> Result<ShiftRow> {
        let sql = format!(
            "INSERT INTO shifts (org_id, store_id, staff_id, till_id, opened_at, float_fen, open_marker) \
             VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING {SHIFT_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.0)
            .bind(store.0)
            .bind(staff.0)
            .bind(till_id)
            .bind(at)
            .bind(float_fen)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| crate::StoreError::unique(e, &["shift"]))?;
        self.caches.open_shifts.drop_key(&(org, staff));
        Ok(shift_row(&row))
    }

    /// The id of the cashier's open shift, which every sale carries: a one-second copy
    /// (`cache`), dropped when this process opens or closes a shift.
    pub async fn open_shift_id(&self, org: OrgId, staff: StaffId) -> Result<Option<i64>> {
        if let Some(id) = self.caches.open_shifts.get(&(org, staff)) {
            return Ok(id);
        }
        let generation = self.caches.open_shifts.generation();
        let id = sqlx::query("SELECT id FROM shifts WHERE org_id = $1 AND staff_id = $2 AND open_marker = 1")
            .bind(org.0)
            .bind(staff.0)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get::<i64, _>("id"));
        self.caches.open_shifts.keep((org, staff), generation, id);
        Ok(id)
    }

    /// The cashier's open shift, if any.
    pub async fn current_shift(&self, org: OrgId, staff: StaffId) -> Result<Option<ShiftRow>> {
        let sql = format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE org_id = $1 AND staff_id = $2 AND open_marker = 1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.0)
            .bind(staff.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(shift_row))
    }

    /// Cash through a shift so far: cash kept from its sales, cash refunded in it.
    pub async fn shift_cash(&self, org: OrgId, shift: i64) -> Result<ShiftCash> {
        let sales = sqlx::query(
            "SELECT COUNT(DISTINCT o.id) AS n, \
             CAST(COALESCE(SUM(CASE WHEN p.method = 'cash' THEN p.amount_fen ELSE 0 END), 0) AS BIGINT) AS cash \
             FROM orders o LEFT JOIN order_payments p ON p.order_id = o.id WHERE o.org_id = $1 AND o.shift_id = $2",
        )
        .bind(org.0)
        .bind(shift)
        .fetch_one(&self.pool)
        .await?;
        let change: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(change_fen), 0) AS BIGINT) AS change FROM orders WHERE org_id = $1 AND shift_id = $2",
        )
        .bind(org.0)
        .bind(shift)
        .fetch_one(&self.pool)
        .await?
        .get("change");
        let refunds: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(rp.amount_fen), 0) AS BIGINT) AS cash FROM refund_payments rp \
             JOIN refunds r ON r.id = rp.refund_id WHERE rp.org_id = $1 AND r.shift_id = $2 AND rp.method = 'cash'",
        )
        .bind(org.0)
        .bind(shift)
        .fetch_one(&self.pool)
        .await?
        .get("cash");
        let top_ups: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(v.principal_fen), 0) AS BIGINT) AS cash FROM member_stored_value v \
             JOIN shifts s ON s.id = $2 AND s.org_id = v.org_id \
             WHERE v.org_id = $1 AND v.kind = 'top_up' AND v.tender = 'cash' AND v.staff_id = s.staff_id \
             AND v.at >= s.opened_at AND (s.closed_at IS NULL OR v.at <= s.closed_at)",
        )
        .bind(org.0)
        .bind(shift)
        .fetch_one(&self.pool)
        .await?
        .get("cash");
        Ok(ShiftCash {
            sales_fen: sales.get::<i64, _>("cash") - change,
            refunds_fen: refunds,
            sales: sales.get("n"),
            top_ups_fen: top_ups,
        })
    }

    /// Closes the cashier's open shift with the counted cash; compare-and-set on the
    /// open marker, so two closes cannot both land.
    pub async fn close_shift(
        &self,
        org: OrgId,
        shift: i64,
        cash: ShiftCash,
        payouts_fen: i64,
        expected_fen: i64,
        counted_fen: i64,
        note: &str,
        at: i64,
    ) -> Result<ShiftRow> {
        let sql = format!(
            "UPDATE shifts SET closed_at = $1, cash_sales_fen = $2, cash_refunds_fen = $3, payouts_fen = $4, \
             expected_fen = $5, counted_fen = $6, variance_fen = $7, note = $8, open_marker = NULL \
             WHERE org_id = $9 AND id = $10 AND open_marker = 1 RETURNING {SHIFT_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(at)
            .bind(cash.sales_fen)
            .bind(cash.refunds_fen)
            .bind(payouts_fen)
            .bind(expected_fen)
            .bind(counted_fen)
            .bind(counted_fen - expected_fen)
            .bind(note)
            .bind(org.0)
            .bind(shift)
            .fetch_optional(&self.pool)
            .await?;
        // Whose shift it was is not known here: drop every cashier's copy.
        self.caches.open_shifts.drop_all();
        row.as_ref()
            .map(shift_row)
            .ok_or(crate::StoreError::State("the shift is already closed"))
    }
}

/// One line of a refund request: `qty` more units of sale line `line_no`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundLineRequest {
    pub line_no: i64,
    pub qty: i64,
}

/// A refund as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    pub id: i64,
    pub order_id: OrderId,
    pub amount_fen: i64,
    /// (tender code, amount, points) given back, in the order the money goes back.
    pub payments: Vec<(String, i64, i64)>,
    /// (line_no, qty, amount) refunded.
    pub lines: Vec<(i64, i64, i64)>,
    /// The order's refunded total after this refund, and whether that is everything.
    pub refunded_total_fen: i64,
    pub whole: bool,
    /// Earned points the member gave back.
    pub points_clawed_back: i64,
}

fn refused(code: &'static str, field: &'static str, en: String, zh: String) -> crate::StoreError {
    crate::StoreError::Refused { code, field, en, zh }
}

impl Store {
    /// Refunds part or all of a sale in one transaction: the lines' units go back to
    /// the lots they came from (a return movement), the money back to the original
    /// tenders (non-cash first, see `till::refund_tenders`), and the order's refunded
    /// total grows. Each unit can be refunded once: the line counters are
    /// compare-and-set, so two refunds racing for the same units cannot both land.
    /// An empty `lines` refunds everything not yet refunded.
    pub async fn refund_sale(
        &self,
        org: OrgId,
        order: OrderId,
        lines: &[RefundLineRequest],
        staff: Option<StaffId>,
        shift: Option<i64>,
        reason: &str,
        at: i64,
    ) -> Result<RefundRecord> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = self.begin().await?;
            match refund_in(&mut tx, org, order, lines, staff, shift, reason, at).await {
                Ok(r) => {
                    tx.commit().await?;
                    return Ok(r);
                }
                Err(crate::StoreError::Db(e)) if crate::db::is_retryable(&e) && attempt < crate::db::RETRIES_MAX => {
                    tracing::debug!(attempt, error = %e, "retrying a refund after a transient conflict");
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The refunds of a sale, oldest first.
    pub async fn refunds_of(&self, org: OrgId, order: OrderId) -> Result<Vec<(i64, i64, i64)>> {
        Ok(sqlx::query(
            "SELECT id, amount_fen, created_at FROM refunds WHERE org_id = $1 AND order_id = $2 ORDER BY id",
        )
        .bind(org.0)
        .bind(order.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("amount_fen"), r.get("created_at")))
        .collect())
    }
}

async fn refund_in(
    tx: &mut crate::db::Tx,
    org: OrgId,
    order: OrderId,
    lines: &[RefundLineRequest],
    staff: Option<StaffId>,
    shift: Option<i64>,
    reason: &str,
    at: i64,
) -> Result<RefundRecord> {
    use linli_domain::stock::{Delta, MovementKind};
    use linli_domain::till::{Payment, Settlement, refund_tenders};
    // Lock the order first: refunds of one order run one at a time.
    let o = sqlx::query(
        "UPDATE orders SET refunded_fen = refunded_fen WHERE org_id = $1 AND id = $2 AND status IN ('completed', 'refunded') \
         RETURNING location_id, member_id, total_fen, refunded_fen, change_fen, rounding_fen",
    )
    .bind(org.0)
    .bind(order.0)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(crate::StoreError::NotFound)?;
    let location = linli_domain::ids::LocationId(o.get("location_id"));
    let total_fen: i64 = o.get("total_fen");
    let refunded_before: i64 = o.get("refunded_fen");
    let rows = sqlx::query(
        "SELECT id, line_no, product_id, lot_id, qty, line_total_fen, refunded_qty, refunded_fen FROM order_lines \
         WHERE org_id = $1 AND order_id = $2 ORDER BY line_no, id",
    )
    .bind(org.0)
    .bind(order.0)
    .fetch_all(&mut **tx)
    .await?;
    struct Row {
        id: i64,
        line_no: i64,
        product: ProductId,
        lot: Option<i64>,
        open_qty: i64,
        qty: i64,
        total: i64,
        refunded_fen: i64,
    }
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            id: r.get("id"),
            line_no: r.get("line_no"),
            product: ProductId(r.get("product_id")),
            lot: opt_i64(r, "lot_id"),
            open_qty: r.get::<i64, _>("qty") - r.get::<i64, _>("refunded_qty"),
            qty: r.get("qty"),
            total: r.get("line_total_fen"),
            refunded_fen: r.get("refunded_fen"),
        })
        .collect();
    let wanted: Vec<RefundLineRequest> = if lines.is_empty() {
        let mut all: Vec<RefundLineRequest> = Vec::new();
        for r in rows.iter().filter(|r| r.open_qty > 0) {
            match all.last_mut() {
                Some(l) if l.line_no == r.line_no => l.qty += r.open_qty,
                _ => all.push(RefundLineRequest {
                    line_no: r.line_no,
                    qty: r.open_qty,
                }),
            }
        }
        if all.is_empty() {
            return Err(refused(
                "already_refunded",
                "lines",
                "this sale has been refunded in full".into(),
                "该笔销售已全额退款".into(),
            ));
        }
        all
    } else {
        lines.to_vec()
    };
    // (order line row id, product, lot, qty, amount)
    let mut takes: Vec<(i64, ProductId, Option<i64>, i64, i64, i64)> = Vec::new();
    for (i, w) in wanted.iter().enumerate() {
        let field_qty = || format!("lines[{i}].qty");
        if w.qty <= 0 {
            return Err(refused(
                "refund_qty",
                "lines",
                format!("{}: a refunded quantity must be positive", field_qty()),
                format!("{}：退货数量必须大于 0", field_qty()),
            ));
        }
        let of_line: Vec<&Row> = rows.iter().filter(|r| r.line_no == w.line_no).collect();
        if of_line.is_empty() {
            return Err(refused(
                "refund_line",
                "lines",
                format!("lines[{i}].line_no: the sale has no line {}", w.line_no),
                format!("lines[{i}].line_no：该笔销售没有第 {} 行", w.line_no),
            ));
        }
        let open: i64 = of_line.iter().map(|r| r.open_qty).sum();
        if w.qty > open {
            return Err(refused(
                "refund_exceeds_sold",
                "lines",
                format!(
                    "{}: only {open} of line {} can still be refunded",
                    field_qty(),
                    w.line_no
                ),
                format!("{}：第 {} 行最多还能退 {open}", field_qty(), w.line_no),
            ));
        }
        let mut left = w.qty;
        for r in of_line.iter().filter(|r| r.open_qty > 0) {
            if left == 0 {
                break;
            }
            let k = left.min(r.open_qty);
            // The last units of a lot row take what is left of its total; others a
            // share rounded down, so refunds never add up to more than was charged.
            let amount = if k == r.open_qty {
                r.total - r.refunded_fen
            } else {
                r.total * k / r.qty
            };
            takes.push((r.id, r.product, r.lot, k, amount, r.line_no));
            left -= k;
        }
    }
    let open_after: i64 = rows.iter().map(|r| r.open_qty).sum::<i64>() - takes.iter().map(|t| t.3).sum::<i64>();
    let whole = open_after == 0;
    let lines_fen: i64 = takes.iter().map(|t| t.4).sum();
    // 抹零 made the sale cheaper than its lines: the last refund gives back exactly what
    // is left of what was paid; earlier ones at most that.
    let remaining = total_fen - refunded_before;
    let amount = if whole { remaining } else { lines_fen.min(remaining) };
    if amount <= 0 {
        return Err(refused(
            "already_refunded",
            "lines",
            "nothing is left to refund on this sale".into(),
            "该笔销售已无可退金额".into(),
        ));
    }
    for t in &takes {
        let done = sqlx::query(
            "UPDATE order_lines SET refunded_qty = refunded_qty + $1, refunded_fen = refunded_fen + $2 \
             WHERE org_id = $3 AND id = $4 AND qty - refunded_qty >= $1",
        )
        .bind(t.3)
        .bind(t.4)
        .bind(org.0)
        .bind(t.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Err(refused(
                "refund_exceeds_sold",
                "lines",
                "these units were refunded meanwhile".into(),
                "这些商品刚刚已被退货".into(),
            ));
        }
    }
    // The member's side first: points and stored value come back by the refunded share
    // (the loyalty books' rule, exactly once per share); earned points are taken back.
    let portion = linli_domain::loyalty::RefundPortion::new(refunded_before + amount, total_fen)
        .map_err(|e| refused("refund_portion", "lines", e.to_string(), e.message_zh()))?;
    let member = opt_i64(&o, "member_id").map(MemberId);
    let reversed = match member {
        Some(m) => match crate::loyalty::reverse_sale_effects_in(tx, org, m, order, portion, at).await {
            Ok(r) => r,
            // Nothing new to give back at this share (rounded down to zero).
            Err(crate::StoreError::Refused {
                code: "already_reversed",
                ..
            }) => crate::loyalty::ReversedEffects::default(),
            Err(e) => return Err(e),
        },
        None => crate::loyalty::ReversedEffects::default(),
    };
    // The money: points and stored value as the books gave them back, the rest to the
    // other tenders that paid, non-cash first (see `till::refund_tenders`).
    let paid = sqlx::query(
        "SELECT method, amount_fen, points FROM order_payments WHERE org_id = $1 AND order_id = $2 ORDER BY id",
    )
    .bind(org.0)
    .bind(order.0)
    .fetch_all(&mut **tx)
    .await?;
    let history = sqlx::query(
        "SELECT method, amount_fen, points FROM refund_payments WHERE org_id = $1 AND order_id = $2 ORDER BY id",
    )
    .bind(org.0)
    .bind(order.0)
    .fetch_all(&mut **tx)
    .await?;
    let is_loyalty = |m: &str| m == "points" || m == "stored_value";
    let sum_of = |rows: &[sqlx::any::AnyRow], method: &str| -> i64 {
        rows.iter()
            .filter(|r| r.get::<String, _>("method") == method)
            .map(|r| r.get::<i64, _>("amount_fen"))
            .sum()
    };
    let points_fen = (portion.share_of(sum_of(&paid, "points")) - sum_of(&history, "points")).max(0);
    let stored_fen = reversed.stored_value_returned_fen;
    let rest = amount - points_fen - stored_fen;
    let mut original = Vec::with_capacity(paid.len());
    for p in paid.iter().filter(|p| !is_loyalty(&p.get::<String, _>("method"))) {
        let tender = linli_domain::till::Tender::from_code(&p.get::<String, _>("method"), 0)
            .ok_or(crate::StoreError::State("the sale was paid with an unknown tender"))?;
        original.push(Payment {
            tender,
            amount_fen: p.get("amount_fen"),
        });
    }
    let mut earlier = Vec::with_capacity(history.len());
    for p in history.iter().filter(|p| !is_loyalty(&p.get::<String, _>("method"))) {
        let tender = linli_domain::till::Tender::from_code(&p.get::<String, _>("method"), 0)
            .ok_or(crate::StoreError::State("a refund went to an unknown tender"))?;
        earlier.push(Payment {
            tender,
            amount_fen: p.get("amount_fen"),
        });
    }
    let settlement = Settlement {
        due_fen: total_fen,
        rounding_fen: o.get("rounding_fen"),
        paid_fen: original.iter().map(|p| p.amount_fen).sum(),
        change_fen: o.get("change_fen"),
        lines: original,
    };
    let mut back: Vec<Payment> = Vec::new();
    if points_fen > 0 {
        back.push(Payment {
            tender: linli_domain::till::Tender::Points {
                points: reversed.points_returned,
            },
            amount_fen: points_fen,
        });
    }
    if stored_fen > 0 {
        back.push(Payment {
            tender: linli_domain::till::Tender::StoredValue,
            amount_fen: stored_fen,
        });
    }
    if rest > 0 {
        back.extend(
            refund_tenders(&settlement, &earlier, rest)
                .map_err(|e| refused("refund_tenders", "lines", e.to_string(), e.message_zh()))?,
        );
    }
    if whole {
        crate::offers::release_coupon_in(tx, org, order, at).await?;
        let flash = sqlx::query(
            "SELECT source_id, qty FROM order_discounts WHERE org_id = $1 AND order_id = $2 AND source = 'flash_sale' AND qty > 0",
        )
        .bind(org.0)
        .bind(order.0)
        .fetch_all(&mut **tx)
        .await?;
        for f in &flash {
            if let Some(promotion) = opt_i64(f, "source_id") {
                crate::offers::return_flash_quota_in(tx, org, promotion, f.get("qty")).await?;
            }
        }
    }
    let refund_id: i64 = sqlx::query(
        "INSERT INTO refunds (org_id, order_id, staff_id, shift_id, amount_fen, reason, created_at, points_returned, \
         points_clawed_back) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(org.0)
    .bind(order.0)
    .bind(staff.map(|s| s.0))
    .bind(shift)
    .bind(amount)
    .bind(reason)
    .bind(at)
    .bind(reversed.points_returned)
    .bind(reversed.points_clawed_back)
    .fetch_one(&mut **tx)
    .await?
    .get("id");
    let sql = format!(
        "INSERT INTO refund_payments (org_id, refund_id, order_id, method, amount_fen, points) VALUES {}",
        crate::orders::values_placeholders(back.len(), 6)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
    for p in &back {
        let points = match p.tender {
            linli_domain::till::Tender::Points { points } => points,
            _ => 0,
        };
        q = q
            .bind(org.0)
            .bind(refund_id)
            .bind(order.0)
            .bind(p.tender.code())
            .bind(p.amount_fen)
            .bind(points);
    }
    q.execute(&mut **tx).await?;
    let sql = format!(
        "INSERT INTO refund_lines (org_id, refund_id, order_line_id, product_id, lot_id, qty, amount_fen) VALUES {}",
        crate::orders::values_placeholders(takes.len(), 7)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
    for t in &takes {
        q = q
            .bind(org.0)
            .bind(refund_id)
            .bind(t.0)
            .bind(t.1.0)
            .bind(t.2)
            .bind(t.3)
            .bind(t.4);
    }
    q.execute(&mut **tx).await?;
    // The goods: back onto the lots they left (units an offline sale never found have no lot).
    let meta = crate::stock::MovementMeta {
        reason: "退货 refund",
        ref_type: "refund",
        ref_id: Some(refund_id),
        staff,
    };
    for t in takes.iter().filter(|t| t.2.is_some()) {
        let lot = sqlx::query(
            "SELECT id, product_id, lot_code, expires_at, received_at, supplier_id FROM lots WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(t.2)
        .fetch_one(&mut **tx)
        .await?;
        let delta = Delta::new(MovementKind::Return, t.3, Some(meta.reason)).map_err(crate::StoreError::Stock)?;
        crate::stock::move_stock(tx, org, location, &crate::stock::lot_row(&lot), delta, &meta, at).await?;
    }
    let refunded_total_fen = refunded_before + amount;
    sqlx::query(
        "UPDATE orders SET refunded_fen = $1, status = CASE WHEN $2 = 1 THEN 'refunded' ELSE status END \
         WHERE org_id = $3 AND id = $4",
    )
    .bind(refunded_total_fen)
    .bind(i64::from(whole))
    .bind(org.0)
    .bind(order.0)
    .execute(&mut **tx)
    .await?;
    let mut by_line: Vec<(i64, i64, i64)> = Vec::new();
    for t in &takes {
        match by_line.last_mut() {
            Some(l) if l.0 == t.5 => {
                l.1 += t.3;
                l.2 += t.4;
            }
            _ => by_line.push((t.5, t.3, t.4)),
        }
    }
    Ok(RefundRecord {
        id: refund_id,
        order_id: order,
        amount_fen: amount,
        payments: back
            .iter()
            .map(|p| {
                let points = match p.tender {
                    linli_domain::till::Tender::Points { points } => points,
                    _ => 0,
                };
                (p.tender.code().to_string(), p.amount_fen, points)
            })
            .collect(),
        lines: by_line,
        refunded_total_fen,
        whole,
        points_clawed_back: reversed.points_clawed_back,
    })
}

impl Store {
    /// Reserves `qty` units of the first lot of a product holding them, for tests of
    /// code that must respect reservations (online orders reserve through their own path).
    #[doc(hidden)]
    pub async fn debug_reserve(
        &self,
        org: OrgId,
        location: linli_domain::ids::LocationId,
        product: ProductId,
        qty: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE stock_balances SET qty_reserved = qty_reserved + $1 WHERE org_id = $2 AND location_id = $3 \
             AND product_id = $4 AND qty_on_hand - qty_reserved >= $1",
        )
        .bind(qty)
        .bind(org.0)
        .bind(location.0)
        .bind(product.0)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(crate::StoreError::State("nothing to reserve"));
        }
        Ok(())
    }
}
