//! Orders: one model for the till, the resident shop, presale, group-buys and
//! subscriptions. This issue writes completed till sales; later channels add states.
//!
//! `record_sale` is the one path every sale takes, the demo's 180 days of history
//! included: lines are allocated by FEFO at the sale's location, stock movements,
//! order lines and payments are written in one transaction.

use crate::db::{Store, Tx, opt_i64};
use crate::error::{Result, StoreError};
use crate::stock::{ALLOCATION_RETRIES_MAX, LotRow, lot_row};
use crate::writes::{Val, Writes};
use linli_domain::ids::{LocationId, MemberId, OrderId, OrgId, ProductId, StaffId, StoreId};
use linli_domain::stock::{self, LotStock, MovementKind};
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
    /// Points used, for a points tender; 0 otherwise.
    pub points: i64,
}

/// A discount as the receipt explains it.
#[derive(Debug, Clone)]
pub struct SaleDiscount {
    /// promotion, coupon, member_tier, points.
    pub source: &'static str,
    pub source_id: Option<i64>,
    pub label_zh: String,
    pub label_en: String,
    pub amount_fen: i64,
    /// Units a flash sale (`source` "flash_sale") took from its cap; 0 otherwise.
    pub qty: i64,
}

/// A sale's Idempotency-Key, claimed in the sale's own savepoint.
#[derive(Debug, Clone)]
pub struct SaleKey {
    pub principal: String,
    pub key: String,
    pub request_hash: String,
}

/// What the till computed beyond the lines and payments; all optional.
#[derive(Debug, Clone, Default)]
pub struct SaleDetails {
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    pub rounding_fen: i64,
    pub change_fen: i64,
    pub points_earned: i64,
    pub points_redeemed: i64,
    pub discounts: Vec<SaleDiscount>,
    pub shift: Option<i64>,
    /// A sale rung up offline on this till: stock it cannot find is recorded as a
    /// shortfall for the manager instead of refusing the sale.
    pub offline_till: Option<String>,
    /// Why the manager should look at this sale (e.g. `amount_mismatch`); a stock
    /// shortfall sets `stock_short` by itself.
    pub flag: Option<&'static str>,
    pub key: Option<SaleKey>,
    /// Points redeemed and earned, stored value spent: written with the sale.
    pub member_effects: Option<crate::loyalty::SaleMemberEffects>,
    /// The member's coupon issues the sale uses up.
    pub coupon_issues: Vec<i64>,
    /// (flash-sale promotion, units) taken from its cap.
    pub flash_takes: Vec<(i64, i64)>,
    /// (index into `payments`, provider reference) of QR payments made through the
    /// payment port; a reference pays one sale only.
    pub payment_refs: Vec<(usize, String)>,
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
    pub details: SaleDetails,
}

/// How a sale was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New(OrderId),
    /// Its Idempotency-Key was used before for the same request: this is that order.
    Replay(OrderId),
}

impl Recorded {
    pub fn order(self) -> OrderId {
        match self {
            Recorded::New(o) | Recorded::Replay(o) => o,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SalesSummary {
    pub orders: i64,
    pub revenue_fen: i64,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
}

/// `($1, $2, …), ($n+1, …)` for a multi-row insert of `rows` rows of `cols` columns.
pub(crate) fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// One lot of a location as a sale (or a batch of them) sees it while allocating.
pub(crate) struct BatchLot {
    pub(crate) lot: LotRow,
    pub(crate) on_hand: i64,
    pub(crate) free: i64,
    /// `on_hand` as read, for the compare-and-set.
    pub(crate) read_on_hand: i64,
    pub(crate) taken: i64,
}

/// The lots of `products` at a location with units free of reservations, for
/// allocation and the compare-and-set that follows it; `None` when the organisation has
/// no such location. One read for both.
pub(crate) async fn read_lots(
    conn: &mut sqlx::AnyConnection,
    org: OrgId,
    location: LocationId,
    products: &[ProductId],
) -> Result<Option<Vec<BatchLot>>> {
    let n = crate::db::in_list_len(products.len());
    let list: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT l.id, l.product_id, l.lot_code, l.expires_at, l.received_at, l.supplier_id, b.qty_on_hand, \
         b.qty_on_hand - b.qty_reserved AS qty_free FROM locations loc \
         LEFT JOIN stock_balances b ON b.location_id = loc.id AND b.org_id = loc.org_id AND b.product_id IN ({}) \
         AND b.qty_on_hand > b.qty_reserved LEFT JOIN lots l ON l.id = b.lot_id \
         WHERE loc.org_id = ${} AND loc.id = ${}",
        list.join(", "),
        n + 1,
        n + 2,
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(positional(conn, sql)));
    for i in 0..n {
        // Padded with the last product (`in_list_len`); an empty list matches nothing.
        q = q.bind(products.get(i).or(products.last()).map_or(0, |p| p.0));
    }
    let rows = q.bind(org.0).bind(location.0).fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        rows.iter()
            // The location's own row when none of the products is in stock there.
            .filter(|r| opt_i64(r, "id").is_some())
            .map(|r| {
                let on_hand: i64 = r.get("qty_on_hand");
                BatchLot {
                    lot: lot_row(r),
                    on_hand,
                    free: r.get("qty_free"),
                    read_on_hand: on_hand,
                    taken: 0,
                }
            })
            .collect(),
    ))
}

/// Takes a sale's lines from the lots in memory by FEFO, lines in product order as the
/// sale-by-sale path does. An offline sale takes what there is and reports the rest as
/// shortfalls; any other sale short of stock is refused whole and takes nothing.
pub(crate) fn allocate(lots: &mut [BatchLot], sale: &NewSale) -> Result<Allocation> {
    let offline = sale.details.offline_till.is_some();
    let mut order: Vec<usize> = (0..sale.lines.len()).collect();
    order.sort_by_key(|&i| (sale.lines[i].product, i));
    let mut taken: Vec<Taken> = Vec::new();
    let mut short = Vec::new();
    let give_back = |lots: &mut [BatchLot], taken: &[Taken]| {
        for t in taken {
            let l = lots
                .iter_mut()
                .find(|l| l.lot.id == t.lot.id)
                .expect("taken from these lots");
            l.on_hand += t.qty;
            l.free += t.qty;
            l.taken -= t.qty;
        }
    };
    for i in order {
        let line = &sale.lines[i];
        let stocks: Vec<LotStock> = lots
            .iter()
            .filter(|l| l.lot.product_id == line.product && l.free > 0)
            .map(|l| LotStock {
                lot: l.lot.id,
                expires_at_ms: l.lot.expires_at,
                received_at_ms: l.lot.received_at,
                qty_on_hand: l.free,
            })
            .collect();
        let sellable: i64 = stocks
            .iter()
            .filter(|s| s.is_sellable(sale.at))
            .map(|s| s.qty_on_hand)
            .sum();
        let want = if offline { line.qty.min(sellable) } else { line.qty };
        if want < line.qty {
            short.push((line.product, line.qty - want));
        }
        if want == 0 {
            continue;
        }
        let takes = match stock::fefo_allocate(&stocks, want, sale.at) {
            Ok(t) => t,
            Err(e) => {
                give_back(lots, &taken);
                return Err(StoreError::Stock(e));
            }
        };
        for t in takes {
            let l = lots
                .iter_mut()
                .find(|l| l.lot.id == t.lot)
                .expect("FEFO takes only lots it was given");
            l.on_hand -= t.qty;
            l.free -= t.qty;
            l.taken += t.qty;
            taken.push(Taken {
                line_no: i,
                lot: l.lot.clone(),
                qty: t.qty,
                balance_after: l.on_hand,
            });
        }
    }
    Ok((taken, short))
}

/// A sale's stock: the lots taken, and the units an offline sale could not find.
pub(crate) type Allocation = (Vec<Taken>, Vec<(ProductId, i64)>);

/// An order line to write: (line index, lot, qty, total_fen).
type LineRow = (usize, Option<i64>, i64, i64);

/// One lot taken for one sale line.
pub(crate) struct Taken {
    pub(crate) line_no: usize,
    pub(crate) lot: LotRow,
    pub(crate) qty: i64,
    pub(crate) balance_after: i64,
}

/// Takes every line's units by FEFO with one read of the lots (`allocate`, as the batch
/// path does) and one conditional update per lot taken, in product order so that two
/// tills never lock the same rows in opposite orders. Offline sales take what there is
/// and report the rest as shortfalls; online sales are refused whole. A location of
/// another organisation is `NotFound`.
async fn take_lines(tx: &mut Tx, org: OrgId, sale: &NewSale) -> Result<Allocation> {
    let mut products: Vec<ProductId> = sale.lines.iter().map(|l| l.product).collect();
    products.sort();
    products.dedup();
    for _ in 0..ALLOCATION_RETRIES_MAX {
        let mut lots = read_lots(tx, org, sale.location, &products)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (mut taken, short) = allocate(&mut lots, sale)?;
        let mut done = 0;
        for t in taken.iter_mut() {
            let row = sqlx::query(
                "UPDATE stock_balances SET qty_on_hand = qty_on_hand - $1 WHERE org_id = $2 AND location_id = $3 \
                 AND lot_id = $4 AND qty_on_hand - qty_reserved >= $1 RETURNING qty_on_hand",
            )
            .bind(t.qty)
            .bind(org.0)
            .bind(sale.location.0)
            .bind(t.lot.id.0)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = row else { break };
            t.balance_after = row.get("qty_on_hand");
            done += 1;
        }
        if done == taken.len() {
            return Ok((taken, short));
        }
        // Another transaction took units since we read them (PostgreSQL): give back what
        // this attempt took and read again.
        for t in &taken[..done] {
            sqlx::query(
                "UPDATE stock_balances SET qty_on_hand = qty_on_hand + $1 WHERE location_id = $2 AND lot_id = $3",
            )
            .bind(t.qty)
            .bind(sale.location.0)
            .bind(t.lot.id.0)
            .execute(&mut **tx)
            .await?;
        }
    }
    Err(StoreError::State("stock kept changing under this sale; try again"))
}

/// A sale placed in the transaction: its order id and the stock it took.
pub(crate) struct PlacedSale<'a> {
    pub(crate) org: OrgId,
    pub(crate) id: i64,
    pub(crate) sale: &'a NewSale,
    pub(crate) taken: Vec<Taken>,
    pub(crate) short: Vec<(ProductId, i64)>,
}

pub(crate) type AnyQuery = sqlx::query::Query<'static, sqlx::Any, <sqlx::Any as sqlx::Database>::Arguments>;

/// `sql` as the connection wants it. Written with `$1, $2, …` in the order they appear,
/// each used once; SQLite gets plain `?` for them. SQLite looks a `$N` up by name in a
/// list, once per parameter when it parses a statement and again when sqlx binds one,
/// which made a multi-row insert of a few hundred parameters cost more than the disk
/// flush; a plain `?` is numbered by its position.
pub(crate) fn positional(conn: &sqlx::AnyConnection, sql: String) -> String {
    if conn.backend_name() != "SQLite" {
        return sql;
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut expected = 1_usize;
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut n = 0_usize;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n * 10 + d as usize;
                chars.next();
            }
            debug_assert_eq!(n, expected, "parameters in order, each once: {sql}");
            expected += 1;
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl PlacedSale<'_> {
    /// What was due: the lines' total plus the 抹零 line (negative when fen are given away).
    fn total(&self) -> i64 {
        self.sale.lines.iter().map(|l| l.line_total_fen).sum::<i64>() + self.sale.details.rounding_fen
    }

    /// Every column of `ORDER_COLUMNS` in order, as `bind_order` binds them.
    fn order_vals(&self) -> Vec<Val> {
        let (sale, d, total) = (self.sale, &self.sale.details, self.total());
        vec![
            self.org.0.into(),
            sale.store.0.into(),
            sale.location.0.into(),
            sale.channel.into(),
            sale.member.map(|m| m.0).into(),
            sale.staff.map(|s| s.0).into(),
            total.into(),
            sale.at.into(),
            sale.at.into(),
            self.subtotal().into(),
            d.discount_fen.into(),
            d.rounding_fen.into(),
            d.change_fen.into(),
            d.points_earned.into(),
            d.points_redeemed.into(),
            d.shift.into(),
            d.offline_till.clone().into(),
            self.flag().into(),
            "completed".into(),
        ]
    }

    /// The order's subtotal: as given, else the lines' total.
    fn subtotal(&self) -> i64 {
        let d = &self.sale.details;
        if d.subtotal_fen == 0 {
            self.total() - d.rounding_fen
        } else {
            d.subtotal_fen
        }
    }

    /// `stock_short` when an offline sale kept a shortfall, else the sale's own flag.
    fn flag(&self) -> Option<&'static str> {
        if self.short.is_empty() {
            self.sale.details.flag
        } else {
            Some("stock_short")
        }
    }

    /// Binds every column of `ORDER_COLUMNS` in order.
    pub(crate) fn bind_order(&self, mut q: AnyQuery) -> AnyQuery {
        // The last, `status`, is the literal 'completed' in `order_values`.
        for v in self.order_vals().into_iter().take(ORDER_BOUND) {
            q = v.bind(q);
        }
        q
    }

    /// One order line per lot, so a recall finds every buyer of a lot; the line total is
    /// split by quantity, the last lot taking the remainder. Units an offline sale could
    /// not find stay on a line without a lot. `(line index, lot, qty, total_fen)`.
    fn line_rows(&self) -> Vec<LineRow> {
        let mut rows = Vec::with_capacity(self.taken.len() + self.short.len());
        for (i, line) in self.sale.lines.iter().enumerate() {
            let mut left_fen = line.line_total_fen;
            let mut left_qty = line.qty;
            for t in self.taken.iter().filter(|t| t.line_no == i) {
                let part = if left_qty == t.qty {
                    left_fen
                } else {
                    line.line_total_fen * t.qty / line.qty
                };
                rows.push((i, Some(t.lot.id.0), t.qty, part));
                left_fen -= part;
                left_qty -= t.qty;
            }
            if left_qty > 0 {
                rows.push((i, None, left_qty, left_fen));
            }
        }
        rows
    }
}

/// The columns of a completed sale's order row, bound by `PlacedSale::bind_order`.
pub(crate) const ORDER_COLUMNS: &str = "org_id, store_id, location_id, channel, member_id, staff_id, total_fen, \
     created_at, completed_at, subtotal_fen, discount_fen, rounding_fen, change_fen, points_earned, points_redeemed, \
     shift_id, offline_till, flag, status";
/// Bound columns in `ORDER_COLUMNS` (`status` is the literal 'completed').
const ORDER_BOUND: usize = 18;

/// `($1, …, $18, 'completed')` rows for `ORDER_COLUMNS`, with `extra` leading bound columns.
pub(crate) fn order_values(rows: usize, extra: usize) -> String {
    let cols = ORDER_BOUND + extra;
    let mut out = String::new();
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
            out.push_str(", ");
        }
        out.push_str("'completed')");
    }
    out
}

/// Inserts orders with ids chosen beforehand (the batch path on PostgreSQL).
pub(crate) fn push_orders_with_ids(w: &mut Writes, placed: &[PlacedSale<'_>]) {
    let columns: Vec<&str> = std::iter::once("id").chain(ORDER_COLUMNS.split(", ")).collect();
    let rows = placed
        .iter()
        .map(|p| {
            let mut row = vec![Val::from(p.id)];
            row.extend(p.order_vals());
            row
        })
        .collect();
    w.insert("orders", &columns, "", rows, false);
}

/// Writes the placed sales' stock movements, order lines, payments, discounts and
/// shortfalls, one multi-row statement per table however many sales there are.
pub(crate) fn push_sale_rows(w: &mut Writes, placed: &[PlacedSale<'_>]) {
    let moves = placed
        .iter()
        .flat_map(|p| p.taken.iter().map(move |t| (p, t)))
        .map(|(p, t)| {
            vec![
                p.org.0.into(),
                p.sale.location.0.into(),
                t.lot.product_id.0.into(),
                t.lot.id.0.into(),
                MovementKind::Sale.code().into(),
                (-t.qty).into(),
                t.balance_after.into(),
                "fefo".into(),
                "order".into(),
                p.id.into(),
                p.sale.staff.map(|s| s.0).into(),
                p.sale.at.into(),
            ]
        })
        .collect();
    w.insert(
        "stock_movements",
        &[
            "org_id",
            "location_id",
            "product_id",
            "lot_id",
            "kind",
            "qty_delta",
            "balance_after",
            "reason",
            "ref_type",
            "ref_id",
            "staff_id",
            "at",
        ],
        "",
        moves,
        false,
    );
    let lines = placed
        .iter()
        .flat_map(|p| p.line_rows().into_iter().map(move |r| (p, r)))
        .map(|(p, (i, lot, qty, part))| {
            let line = &p.sale.lines[i];
            vec![
                p.org.0.into(),
                p.id.into(),
                line.product.0.into(),
                lot.into(),
                qty.into(),
                line.unit_price_fen.into(),
                part.into(),
                (i64::try_from(i).expect("lines are bounded") + 1).into(),
            ]
        })
        .collect();
    w.insert(
        "order_lines",
        &[
            "org_id",
            "order_id",
            "product_id",
            "lot_id",
            "qty",
            "unit_price_fen",
            "line_total_fen",
            "line_no",
        ],
        "",
        lines,
        false,
    );
    let payments = placed
        .iter()
        .flat_map(|p| p.sale.payments.iter().enumerate().map(move |(i, pay)| (p, i, pay)))
        .map(|(p, i, pay)| {
            let provider_ref = p
                .sale
                .details
                .payment_refs
                .iter()
                .find(|(at, _)| *at == i)
                .map(|(_, r)| r.clone());
            vec![
                p.org.0.into(),
                p.id.into(),
                pay.method.into(),
                pay.amount_fen.into(),
                pay.points.into(),
                provider_ref.into(),
            ]
        })
        .collect();
    w.insert(
        "order_payments",
        &["org_id", "order_id", "method", "amount_fen", "points", "provider_ref"],
        "",
        payments,
        false,
    );
    let discounts = placed
        .iter()
        .flat_map(|p| p.sale.details.discounts.iter().map(move |x| (p, x)))
        .map(|(p, x)| {
            vec![
                p.org.0.into(),
                p.id.into(),
                x.source.into(),
                x.source_id.into(),
                x.label_zh.clone().into(),
                x.label_en.clone().into(),
                x.amount_fen.into(),
                x.qty.into(),
            ]
        })
        .collect();
    w.insert(
        "order_discounts",
        &[
            "org_id",
            "order_id",
            "source",
            "source_id",
            "label_zh",
            "label_en",
            "amount_fen",
            "qty",
        ],
        "",
        discounts,
        false,
    );
    let short = placed
        .iter()
        .flat_map(|p| p.short.iter().map(move |s| (p, s)))
        .map(|(p, (product, qty))| vec![p.org.0.into(), p.id.into(), product.0.into(), (*qty).into()])
        .collect();
    w.insert(
        "sale_shortfalls",
        &["org_id", "order_id", "product_id", "qty"],
        "",
        short,
        false,
    );
}

/// A unique violation of a sale's payments: its QR payment paid another sale before.
pub(crate) fn payment_used(e: StoreError) -> StoreError {
    match e {
        StoreError::Db(e) => match StoreError::unique(e, &["provider_ref"]) {
            StoreError::Conflict { .. } => StoreError::Refused {
                code: "payment_used",
                field: "payments",
                en: "this QR payment already paid another sale".into(),
                zh: "该扫码支付已用于另一笔销售".into(),
            },
            other => other,
        },
        other => other,
    }
}

/// The money side commits with the goods or not at all: a member short of points, a
/// coupon used meanwhile or a flash sale sold out refuses the whole sale.
pub(crate) async fn apply_money_side(tx: &mut Tx, org: OrgId, order: OrderId, sale: &NewSale) -> Result<()> {
    let d = &sale.details;
    if let Some(e) = &d.member_effects {
        crate::loyalty::apply_sale_effects_in(tx, org, order, e, sale.at).await?;
    }
    if !d.coupon_issues.is_empty() {
        let member = sale.member.ok_or(StoreError::State("coupons need a member"))?;
        for issue in &d.coupon_issues {
            crate::offers::use_coupon_in(tx, org, member, *issue, order, sale.at).await?;
        }
    }
    for (promotion, qty) in &d.flash_takes {
        crate::offers::take_flash_quota_in(tx, org, *promotion, *qty).await?;
    }
    Ok(())
}

impl NewSale {
    /// Whether the sale touches anything beyond its goods and payments.
    pub(crate) fn has_money_side(&self) -> bool {
        let d = &self.details;
        d.member_effects.is_some() || !d.coupon_issues.is_empty() || !d.flash_takes.is_empty()
    }
}

async fn record_sale_in(tx: &mut Tx, org: OrgId, sale: &NewSale) -> Result<OrderId> {
    assert!(sale.lines.len() <= SALE_LINES_MAX, "the app bounds sale lines");
    let (taken, short) = take_lines(tx, org, sale).await?;
    let mut placed = PlacedSale {
        org,
        id: 0,
        sale,
        taken,
        short,
    };
    let sql = format!(
        "INSERT INTO orders ({ORDER_COLUMNS}) VALUES {} RETURNING id",
        order_values(1, 0)
    );
    placed.id = placed
        .bind_order(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .fetch_one(&mut **tx)
        .await?
        .get("id");
    let mut w = Writes::on(tx);
    push_sale_rows(&mut w, std::slice::from_ref(&placed));
    w.execute(tx).await.map_err(payment_used)?;
    apply_money_side(tx, org, OrderId(placed.id), sale).await?;
    Ok(OrderId(placed.id))
}

/// What a key already stands for.
pub(crate) enum KeyState {
    Free,
    Order(OrderId),
    Mismatch,
    InProgress,
}

pub(crate) async fn key_state(conn: &mut sqlx::AnyConnection, org: OrgId, key: &SaleKey) -> Result<KeyState> {
    let row = sqlx::query(
        "SELECT request_hash, order_id FROM idempotency_keys WHERE org_id = $1 AND principal = $2 AND idem_key = $3",
    )
    .bind(org.0)
    .bind(&key.principal)
    .bind(&key.key)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        None => KeyState::Free,
        Some(r) if r.get::<String, _>("request_hash") != key.request_hash => KeyState::Mismatch,
        Some(r) => opt_i64(&r, "order_id").map_or(KeyState::InProgress, |o| KeyState::Order(OrderId(o))),
    })
}

impl Store {
    /// What a sale's key already stands for, read before the sale is priced: a replay
    /// answers with its order even when the sale could no longer be priced the same way
    /// (its coupon used, its flash sale over). `None` when the key is new.
    pub async fn sale_key_state(&self, org: OrgId, key: &SaleKey) -> Result<Option<Result<Recorded>>> {
        let mut conn = self.pool.acquire().await?;
        Ok(key_refusal(key_state(&mut conn, org, key).await?))
    }
}

pub(crate) fn key_refusal(state: KeyState) -> Option<Result<Recorded>> {
    match state {
        KeyState::Free => None,
        KeyState::Order(o) => Some(Ok(Recorded::Replay(o))),
        KeyState::Mismatch => Some(Err(StoreError::Refused {
            code: "idempotency_key_reused",
            field: "Idempotency-Key",
            en: "this Idempotency-Key was used for a different request".into(),
            zh: "此 Idempotency-Key 已用于另一个不同的请求".into(),
        })),
        KeyState::InProgress => Some(Err(StoreError::Refused {
            code: "idempotency_in_progress",
            field: "Idempotency-Key",
            en: "a request with this Idempotency-Key is still being processed".into(),
            zh: "使用此 Idempotency-Key 的请求仍在处理中".into(),
        })),
    }
}

/// Records one sale inside its own savepoint of `tx`: the sale, its stock, and its
/// Idempotency-Key commit together or not at all. A key used before answers with the
/// order it made (a replay), whatever the stock says now.
async fn record_one(tx: &mut Tx, org: OrgId, sale: &NewSale) -> Result<Result<Recorded>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match record_one_attempt(tx, org, sale).await {
            // A deadlock or serialization failure inside the savepoint (PostgreSQL with
            // several writers) undoes this sale only: run it again.
            Err(StoreError::Db(e)) if crate::db::is_retryable(&e) && attempt < crate::db::RETRIES_MAX => {
                tracing::debug!(attempt, error = %e, "retrying a sale inside its batch");
                sqlx::raw_sql("ROLLBACK TO SAVEPOINT sale").execute(&mut **tx).await?;
                sqlx::raw_sql("RELEASE SAVEPOINT sale").execute(&mut **tx).await?;
            }
            other => return other,
        }
    }
}

async fn record_one_attempt(tx: &mut Tx, org: OrgId, sale: &NewSale) -> Result<Result<Recorded>> {
    sqlx::raw_sql("SAVEPOINT sale").execute(&mut **tx).await?;
    let recorded = async {
        let id = record_sale_in(tx, org, sale).await?;
        if let Some(key) = &sale.details.key {
            let claimed = sqlx::query(
                "INSERT INTO idempotency_keys (org_id, principal, idem_key, request_hash, status_code, created_at, order_id) \
                 VALUES ($1, $2, $3, $4, 201, $5, $6) ON CONFLICT (org_id, principal, idem_key) DO NOTHING",
            )
            .bind(org.0)
            .bind(&key.principal)
            .bind(&key.key)
            .bind(&key.request_hash)
            .bind(sale.at)
            .bind(id.0)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                return Err(StoreError::State("key taken"));
            }
        }
        Ok(id)
    }
    .await;
    match recorded {
        Ok(id) => {
            sqlx::raw_sql("RELEASE SAVEPOINT sale").execute(&mut **tx).await?;
            Ok(Ok(Recorded::New(id)))
        }
        Err(e @ (StoreError::Stock(_) | StoreError::NotFound | StoreError::Refused { .. } | StoreError::State(_))) => {
            sqlx::raw_sql("ROLLBACK TO SAVEPOINT sale").execute(&mut **tx).await?;
            sqlx::raw_sql("RELEASE SAVEPOINT sale").execute(&mut **tx).await?;
            if let Some(key) = &sale.details.key
                && let Some(answer) = key_refusal(key_state(tx, org, key).await?)
            {
                return Ok(answer);
            }
            Ok(Err(e))
        }
        Err(e) => Err(e),
    }
}

impl Store {
    /// Records one completed sale atomically; refuses (and writes nothing) if any line
    /// cannot be served from sellable stock.
    pub async fn record_sale(&self, org: OrgId, sale: &NewSale) -> Result<Recorded> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = async {
                let mut tx = self.begin().await?;
                let recorded = record_one(&mut tx, org, sale).await?;
                tx.commit().await?;
                recorded
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
    pub async fn record_sales(&self, org: OrgId, sales: &[NewSale]) -> Result<Vec<Result<Recorded>>> {
        let batch: Vec<(OrgId, &NewSale)> = sales.iter().map(|s| (org, s)).collect();
        self.record_batch(&batch).await
    }

    /// One transaction, one commit (one fsync) for sales of any organisations: the batch
    /// path (`sale_batch`) when it can settle the batch, else each sale in its own
    /// savepoint. A refused sale (stock, unknown location, a rule) is refused alone; any
    /// other error rolls back the whole batch.
    pub(crate) async fn record_batch(&self, batch: &[(OrgId, &NewSale)]) -> Result<Vec<Result<Recorded>>> {
        let started = std::time::Instant::now();
        if let Some(results) = crate::sale_batch::record_fast(self, batch).await? {
            tracing::debug!(
                sales = batch.len(),
                us = started.elapsed().as_micros() as u64,
                "sale batch"
            );
            return Ok(results);
        }
        self.batch_fallbacks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut tx = self.begin().await?;
        let mut results = Vec::with_capacity(batch.len());
        for (org, sale) in batch {
            results.push(record_one(&mut tx, *org, sale).await?);
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
