//! Online orders (resident shop, presale, delivery platforms): placing them with their
//! stock reservations, moving them through the status machine, pickup codes (提货码),
//! delivery slots, presale caps, payment intents, and residents' sign-in rows.
//!
//! Each public method is one transaction. Status changes ask `domain::orders::transition`
//! inside the transaction and then compare-and-set the status (`WHERE status = $from`),
//! so two clerks pressing a button at once cannot both apply it; a lost race is run
//! again with fresh numbers. Stock is held with `qty_reserved` (see docs/design/selling.md
//! "Reservations"): a reservation takes FEFO lots with
//! `UPDATE … SET qty_reserved = qty_reserved + n WHERE qty_on_hand - qty_reserved >= n`,
//! and every open `stock_reservations` row says which (order, location, lot) holds how
//! many, so releasing and consuming are exact. Consuming takes the units from on-hand and
//! reserved in one statement and appends the sale movement, so the ledger fold still
//! equals the balances.

use crate::db::{Store, Tx, opt_i64};
use crate::error::{Result, StoreError};
use crate::filter::{Where, int, text};
use crate::stock::{LotRow, MovementMeta, append_movement, check_location};
use crate::{Page, PageRequest};
use linli_domain::ids::{
    BuildingId, LocationId, LotId, MemberId, OrderId, OrgId, ProductId, StaffId, StoreId, SupplierId,
};
use linli_domain::orders::{
    self, Actor, Channel, DeliverySlot, Fulfilment, OrderError, OrderEvent, OrderStatus, PickupCode, PresaleRule,
};
use linli_domain::stock::{self as stock_rules, Delta, LotStock, MovementKind, StockError};
use linli_domain::time;
use sqlx::Row;
use sqlx::any::AnyRow;

/// How often a reservation re-reads lots after another transaction took them first.
const RESERVE_RETRIES_MAX: usize = 8;
/// Marker of a compare-and-set that lost to a concurrent change: the transaction runs again.
const LOST_RACE: &str = "the order changed meanwhile";

/// One priced line of an online order.
#[derive(Debug, Clone)]
pub struct OnlineLine {
    pub product: ProductId,
    pub qty: i64,
    pub unit_price_fen: i64,
    pub line_total_fen: i64,
}

/// Where a delivery goes: a building of the neighbourhood, unit and room.
#[derive(Debug, Clone)]
pub struct DeliveryTo {
    pub building: BuildingId,
    pub unit: String,
    pub room: String,
}

/// A platform order's key and the hash of its content.
#[derive(Debug, Clone)]
pub struct ExternalOrder {
    pub platform: String,
    pub external_id: String,
    pub content_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewOnlineOrder {
    pub store: StoreId,
    /// The store's code, for the order number.
    pub store_code: String,
    pub location: LocationId,
    pub channel: Channel,
    pub fulfilment: Fulfilment,
    pub member: Option<MemberId>,
    pub staff: Option<StaffId>,
    pub lines: Vec<OnlineLine>,
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    pub total_fen: i64,
    pub pickup_code: Option<PickupCode>,
    pub delivery: Option<DeliveryTo>,
    /// Capacity given to a delivery slot on its first booking.
    pub slot_capacity: i64,
    pub external: Option<ExternalOrder>,
    /// The member's coupons (issue ids) the price counts on: used by the order, given
    /// back if it is cancelled.
    pub coupon_issues: Vec<i64>,
    /// The price's discounts, recorded with the order; a flash sale's (`flash_sale`,
    /// `qty` units) takes from its cap, given back if the order is cancelled.
    pub discounts: Vec<crate::orders::SaleDiscount>,
    /// Platform orders arrive paid: `Pay` is applied in the same transaction.
    pub paid: bool,
    pub note: String,
    pub at: i64,
}

/// What placing (or importing) produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    New(OrderId),
    /// A platform order imported before with the same content: that order.
    Existing(OrderId),
}

impl Placed {
    pub fn order(&self) -> OrderId {
        match self {
            Placed::New(o) | Placed::Existing(o) => *o,
        }
    }
}

/// Who asks for a status change. `member` limits it to that resident's own orders.
#[derive(Debug, Clone, Copy)]
pub struct OrderActor {
    pub actor: Actor,
    pub staff: Option<StaffId>,
    pub member: Option<MemberId>,
}

/// What a status change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changed {
    pub from: OrderStatus,
    pub to: OrderStatus,
    /// A paid order was cancelled: its payment is now owed back (`refunds_due`).
    pub refund_due: bool,
}

/// The answer to a typed pickup code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickupOutcome {
    Completed,
    /// The wrong code was counted (committed); `locked` once the limit is reached.
    Wrong {
        attempts: u32,
        locked: bool,
    },
}

#[derive(Debug, Clone)]
pub struct OnlineOrderRow {
    pub id: OrderId,
    pub number: String,
    pub store_id: StoreId,
    pub location_id: LocationId,
    pub channel: Channel,
    pub status: OrderStatus,
    pub fulfilment: Fulfilment,
    pub member_id: Option<MemberId>,
    pub member_phone: Option<String>,
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    pub total_fen: i64,
    pub payment_status: String,
    pub pickup_code: Option<PickupCode>,
    pub pickup_attempts: u32,
    pub slot_start: Option<i64>,
    pub slot_end: Option<i64>,
    pub delivery_building_id: Option<BuildingId>,
    pub delivery_building_name: Option<String>,
    pub delivery_unit: String,
    pub delivery_room: String,
    pub external_platform: Option<String>,
    pub external_id: Option<String>,
    pub note: String,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub updated_at: Option<i64>,
    /// Filled by `online_order`, empty in lists.
    pub lines: Vec<OnlineLineRow>,
    pub events: Vec<OrderEventRow>,
}

#[derive(Debug, Clone)]
pub struct OnlineLineRow {
    pub product_id: ProductId,
    pub product_name: String,
    pub unit_label: String,
    pub qty: i64,
    pub unit_price_fen: i64,
    pub line_total_fen: i64,
}

#[derive(Debug, Clone)]
pub struct OrderEventRow {
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub detail: String,
    pub at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct OnlineOrderFilter {
    pub status: Option<OrderStatus>,
    /// A fulfilment code: pickup, delivery or presale.
    pub fulfilment: Option<String>,
    pub member: Option<MemberId>,
    pub location: Option<LocationId>,
}

/// One line of a pick list: what to take from which lot for which order.
#[derive(Debug, Clone)]
pub struct PickRow {
    pub order_id: OrderId,
    pub number: String,
    pub fulfilment: String,
    pub slot_start: Option<i64>,
    pub building_name: Option<String>,
    pub delivery_unit: String,
    pub delivery_room: String,
    pub product_id: ProductId,
    pub product_name: String,
    pub unit_label: String,
    pub lot_id: LotId,
    pub lot_code: String,
    pub expires_at: Option<i64>,
    pub qty: i64,
}

#[derive(Debug, Clone)]
pub struct SlotRow {
    pub slot_start: i64,
    pub capacity: i64,
    pub booked: i64,
}

#[derive(Debug, Clone)]
pub struct NewPresale {
    pub product: ProductId,
    /// ISO date.
    pub ship_date: String,
    pub cap_total: i64,
    pub per_order_max: i64,
    pub order_by: i64,
    pub staff: Option<StaffId>,
    pub at: i64,
}

#[derive(Debug, Clone)]
pub struct PresaleRow {
    pub id: i64,
    pub product_id: ProductId,
    pub product_name: String,
    pub price_fen: i64,
    pub ship_date: String,
    pub cap_total: i64,
    pub per_order_max: i64,
    pub order_by: i64,
    pub sold: i64,
}

#[derive(Debug, Clone)]
pub struct PaymentIntentRow {
    pub id: i64,
    pub order_id: OrderId,
    pub member_id: Option<MemberId>,
    pub provider: String,
    pub provider_ref: String,
    pub amount_fen: i64,
    pub status: String,
    pub applied: bool,
    pub qr_payload: String,
    pub created_at: i64,
}

/// What a payment answer from the port did to its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The order is now paid.
    Paid(OrderId),
    /// The payment was declined; the order still waits.
    Declined(OrderId),
    /// Approved, but its order was already paid or closed: the money is owed back.
    RefundDue(OrderId),
    /// This intent was settled before (a repeated notice): nothing changed.
    AlreadySettled(OrderId),
}

/// A building as delivery needs it: whose it is and where.
#[derive(Debug, Clone)]
pub struct BuildingPlace {
    pub id: BuildingId,
    pub store_id: StoreId,
    pub name_zh: String,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
}

/// Where a member lives, as their profile says.
#[derive(Debug, Clone, Default)]
pub struct MemberHome {
    pub building: Option<BuildingId>,
    pub unit: String,
    pub room: String,
}

#[derive(Debug, Clone)]
pub struct ResidentSessionRow {
    pub org_id: OrgId,
    pub member_id: MemberId,
    pub phone: String,
    pub expires_at: i64,
}

/// The answer to a resident's sign-in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidentLogin {
    /// Signed in; `new_member` when the phone became a member just now.
    SignedIn { member: MemberId, new_member: bool },
    /// Wrong code (counted); the code is burnt when no attempts are left.
    WrongCode { attempts_left: i64 },
    /// No live code for this phone: never sent, used, expired or burnt.
    NoCode,
}

/// Limits of texts to one phone.
#[derive(Debug, Clone, Copy)]
pub struct OtpLimits {
    pub resend_after_ms: i64,
    pub window_ms: i64,
    pub sends_per_window_max: i64,
}

const ORDER_COLS: &str = "o.id, o.number, o.store_id, o.location_id, o.channel, o.status, o.fulfilment, o.member_id, \
     m.phone AS member_phone, o.subtotal_fen, o.discount_fen, o.total_fen, o.payment_status, o.pickup_code, \
     o.pickup_attempts, o.slot_start, o.slot_end, o.delivery_building_id, b.name_zh AS building_name, o.delivery_unit, \
     o.delivery_room, o.presale_date, o.external_platform, o.external_id, o.order_note, o.created_at, o.paid_at, \
     o.cancelled_at, o.completed_at, o.updated_at";
const ORDER_FROM: &str =
    "orders o LEFT JOIN members m ON m.id = o.member_id LEFT JOIN buildings b ON b.id = o.delivery_building_id";

fn opt_text(r: &AnyRow, col: &str) -> Option<String> {
    r.try_get::<Option<String>, _>(col).ok().flatten()
}

fn corrupt(what: &'static str) -> StoreError {
    StoreError::State(what)
}

/// The fulfilment an order row describes (slot and ship date included).
fn fulfilment_of(code: &str, slot_start: Option<i64>, presale_date: Option<&str>) -> Result<Fulfilment> {
    Ok(match code {
        "immediate" => Fulfilment::Immediate,
        "pickup" => Fulfilment::Pickup,
        "delivery" => {
            let start = time::zoned(slot_start.ok_or(corrupt("a delivery order without a slot"))?);
            Fulfilment::Delivery {
                slot: DeliverySlot::new(start.date(), start.time()).map_err(|_| corrupt("a stored slot is invalid"))?,
            }
        }
        "presale" => Fulfilment::Presale {
            ship_date: presale_date
                .ok_or(corrupt("a presale order without a date"))?
                .parse()
                .map_err(|_| corrupt("a stored presale date is invalid"))?,
        },
        _ => return Err(corrupt("unknown fulfilment")),
    })
}

fn order_row(r: &AnyRow) -> Result<OnlineOrderRow> {
    let slot_start = opt_i64(r, "slot_start");
    let presale_date = opt_text(r, "presale_date");
    let fulfilment = fulfilment_of(&r.get::<String, _>("fulfilment"), slot_start, presale_date.as_deref())?;
    Ok(OnlineOrderRow {
        id: OrderId(r.get("id")),
        number: opt_text(r, "number").unwrap_or_default(),
        store_id: StoreId(r.get("store_id")),
        location_id: LocationId(r.get("location_id")),
        channel: Channel::from_code(&r.get::<String, _>("channel")).ok_or(corrupt("unknown channel"))?,
        status: OrderStatus::from_code(&r.get::<String, _>("status")).ok_or(corrupt("unknown order status"))?,
        fulfilment,
        member_id: opt_i64(r, "member_id").map(MemberId),
        member_phone: opt_text(r, "member_phone"),
        subtotal_fen: r.get("subtotal_fen"),
        discount_fen: r.get("discount_fen"),
        total_fen: r.get("total_fen"),
        payment_status: r.get("payment_status"),
        pickup_code: opt_text(r, "pickup_code").and_then(|c| PickupCode::parse(&c).ok()),
        pickup_attempts: u32::try_from(r.get::<i64, _>("pickup_attempts")).unwrap_or(u32::MAX),
        slot_start,
        slot_end: opt_i64(r, "slot_end"),
        delivery_building_id: opt_i64(r, "delivery_building_id").map(BuildingId),
        delivery_building_name: opt_text(r, "building_name"),
        delivery_unit: r.get("delivery_unit"),
        delivery_room: r.get("delivery_room"),
        external_platform: opt_text(r, "external_platform"),
        external_id: opt_text(r, "external_id"),
        note: r.get("order_note"),
        created_at: r.get("created_at"),
        paid_at: opt_i64(r, "paid_at"),
        cancelled_at: opt_i64(r, "cancelled_at"),
        completed_at: opt_i64(r, "completed_at"),
        updated_at: opt_i64(r, "updated_at"),
        lines: Vec::new(),
        events: Vec::new(),
    })
}

fn intent_row(r: &AnyRow) -> PaymentIntentRow {
    PaymentIntentRow {
        id: r.get("id"),
        order_id: OrderId(r.get("order_id")),
        member_id: opt_i64(r, "member_id").map(MemberId),
        provider: r.get("provider"),
        provider_ref: r.get("provider_ref"),
        amount_fen: r.get("amount_fen"),
        status: r.get("status"),
        applied: r.get::<i64, _>("applied") != 0,
        qr_payload: r.get("qr_payload"),
        created_at: r.get("created_at"),
    }
}

/// A refusal of the order rules, answered as 409 naming `field`.
fn refused(e: &OrderError, field: &'static str) -> StoreError {
    let code = match e {
        OrderError::Transition { .. } => "order_state",
        OrderError::ResidentCancelTooLate { .. } => "too_late_to_cancel",
        OrderError::NotExpired { .. } => "not_expired",
        OrderError::BeforeShipDate { .. } => "before_ship_date",
        OrderError::PickupCodeWrong => "pickup_code_wrong",
        OrderError::PickupLocked { .. } => "pickup_locked",
        OrderError::PresaleClosed => "presale_closed",
        OrderError::PresaleSoldOut { .. } => "presale_sold_out",
        OrderError::PresalePerOrder { .. } => "presale_per_order",
        _ => "order_refused",
    };
    StoreError::Refused {
        code,
        field,
        en: e.to_string(),
        zh: e.message_zh(),
    }
}

fn is_retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Db(e) => crate::db::is_retryable(e),
        StoreError::State(what) => *what == LOST_RACE,
        _ => false,
    }
}

/// Runs a transaction body again when it lost a deadlock, a serialization race or a
/// compare-and-set on the order's status.
macro_rules! retrying {
    ($body:expr) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            match $body.await {
                Err(e) if is_retryable(&e) && attempt < crate::db::RETRIES_MAX * 2 => {
                    tracing::debug!(attempt, error = %e, "retrying an online order change");
                }
                other => break other,
            }
        }
    }};
}

/// The essentials of an order read inside a transaction.
struct Head {
    id: OrderId,
    store: StoreId,
    location: LocationId,
    status: OrderStatus,
    fulfilment: Fulfilment,
    payment_status: String,
    pickup_code: Option<String>,
    pickup_attempts: u32,
    created_at: i64,
    slot_start: Option<i64>,
    presale_date: Option<String>,
}

/// Reads an online order; another organisation's, another resident's or a till sale is
/// not found.
async fn head_in(tx: &mut Tx, org: OrgId, id: OrderId, member: Option<MemberId>) -> Result<Head> {
    let r = sqlx::query(
        "SELECT id, store_id, location_id, status, fulfilment, member_id, payment_status, pickup_code, pickup_attempts, \
         created_at, slot_start, presale_date FROM orders WHERE org_id = $1 AND id = $2 AND fulfilment <> 'immediate'",
    )
    .bind(org.0)
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    if let Some(m) = member
        && opt_i64(&r, "member_id") != Some(m.0)
    {
        return Err(StoreError::NotFound);
    }
    let slot_start = opt_i64(&r, "slot_start");
    let presale_date = opt_text(&r, "presale_date");
    Ok(Head {
        id,
        store: StoreId(r.get("store_id")),
        location: LocationId(r.get("location_id")),
        status: OrderStatus::from_code(&r.get::<String, _>("status")).ok_or(corrupt("unknown order status"))?,
        fulfilment: fulfilment_of(&r.get::<String, _>("fulfilment"), slot_start, presale_date.as_deref())?,
        payment_status: r.get("payment_status"),
        pickup_code: opt_text(&r, "pickup_code"),
        pickup_attempts: u32::try_from(r.get::<i64, _>("pickup_attempts")).unwrap_or(u32::MAX),
        created_at: r.get("created_at"),
        slot_start,
        presale_date,
    })
}

async fn event_in(
    tx: &mut Tx,
    org: OrgId,
    order: OrderId,
    event: &str,
    from: Option<OrderStatus>,
    to: OrderStatus,
    who: &OrderActor,
    detail: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO order_events (org_id, order_id, event, from_status, to_status, actor, staff_id, member_id, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(org.0)
    .bind(order.0)
    .bind(event)
    .bind(from.map(|s| s.code()))
    .bind(to.code())
    .bind(who.actor.code())
    .bind(who.staff.map(|s| s.0))
    .bind(who.member.map(|m| m.0))
    .bind(detail)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The sellable, unreserved units of a product's lots at a location.
async fn free_lots(
    tx: &mut Tx,
    org: OrgId,
    location: LocationId,
    product: ProductId,
) -> Result<Vec<(LotStock, LotRow)>> {
    let rows = sqlx::query(
        "SELECT l.id, l.product_id, l.lot_code, l.expires_at, l.received_at, l.supplier_id, \
         b.qty_on_hand - b.qty_reserved AS qty_free FROM stock_balances b JOIN lots l ON l.id = b.lot_id \
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
            let lot = lot_of(r);
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

fn lot_of(r: &AnyRow) -> LotRow {
    LotRow {
        id: LotId(r.get("id")),
        product_id: ProductId(r.get("product_id")),
        lot_code: r.get("lot_code"),
        expires_at: opt_i64(r, "expires_at"),
        received_at: r.get("received_at"),
        supplier_id: opt_i64(r, "supplier_id").map(SupplierId),
    }
}

/// Reserves `qty` of a product for an order by FEFO, never from an expired lot. When a
/// lot's free units were taken since they were read, reads again (like `allocate_in`).
async fn reserve_in(
    tx: &mut Tx,
    org: OrgId,
    order: OrderId,
    location: LocationId,
    product: ProductId,
    qty: i64,
    at: i64,
) -> Result<()> {
    let mut remaining = qty;
    for _ in 0..RESERVE_RETRIES_MAX {
        let lots = free_lots(tx, org, location, product).await?;
        let stocks: Vec<LotStock> = lots.iter().map(|(s, _)| s.clone()).collect();
        let takes = stock_rules::fefo_allocate(&stocks, remaining, at).map_err(|e| match e {
            StockError::Insufficient { available, .. } => StoreError::Stock(StockError::Insufficient {
                requested: qty,
                available: available + (qty - remaining),
            }),
            other => StoreError::Stock(other),
        })?;
        let mut lost_race = false;
        for t in takes {
            let held = sqlx::query(
                "UPDATE stock_balances SET qty_reserved = qty_reserved + $1 \
                 WHERE org_id = $2 AND location_id = $3 AND lot_id = $4 AND qty_on_hand - qty_reserved >= $1",
            )
            .bind(t.qty)
            .bind(org.0)
            .bind(location.0)
            .bind(t.lot.0)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if held != 1 {
                lost_race = true;
                break;
            }
            sqlx::query(
                "INSERT INTO stock_reservations (org_id, order_id, location_id, lot_id, product_id, qty, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)",
            )
            .bind(org.0)
            .bind(order.0)
            .bind(location.0)
            .bind(t.lot.0)
            .bind(product.0)
            .bind(t.qty)
            .bind(at)
            .execute(&mut **tx)
            .await?;
            remaining -= t.qty;
        }
        if remaining == 0 {
            return Ok(());
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

/// Reserves every line of an order (lines of one product merged), in product order so
/// concurrent orders and till sales lock stock rows in the same order.
async fn reserve_lines_in(tx: &mut Tx, org: OrgId, order: OrderId, location: LocationId, at: i64) -> Result<()> {
    let rows = sqlx::query(
        "SELECT product_id, CAST(SUM(qty) AS BIGINT) AS qty FROM order_lines WHERE org_id = $1 AND order_id = $2 \
         GROUP BY product_id ORDER BY product_id",
    )
    .bind(org.0)
    .bind(order.0)
    .fetch_all(&mut **tx)
    .await?;
    for r in &rows {
        reserve_in(
            tx,
            org,
            order,
            location,
            ProductId(r.get("product_id")),
            r.get("qty"),
            at,
        )
        .await?;
    }
    Ok(())
}

/// Gives an order's open reservations back to the shelf.
async fn release_in(tx: &mut Tx, org: OrgId, order: OrderId, at: i64) -> Result<()> {
    let rows = sqlx::query(
        "SELECT id, location_id, lot_id, qty FROM stock_reservations WHERE org_id = $1 AND order_id = $2 AND status = 'open' \
         ORDER BY product_id, id",
    )
    .bind(org.0)
    .bind(order.0)
    .fetch_all(&mut **tx)
    .await?;
    for r in &rows {
        let qty: i64 = r.get("qty");
        let closed = sqlx::query(
            "UPDATE stock_reservations SET status = 'released', closed_at = $1 WHERE id = $2 AND status = 'open'",
        )
        .bind(at)
        .bind(r.get::<i64, _>("id"))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if closed != 1 {
            return Err(StoreError::State(LOST_RACE));
        }
        free_reserved(tx, org, r.get("location_id"), r.get("lot_id"), qty).await?;
    }
    Ok(())
}

/// Gives `qty` reserved units of a lot back to the shelf's free count.
async fn free_reserved(tx: &mut Tx, org: OrgId, location: i64, lot: i64, qty: i64) -> Result<()> {
    let n = sqlx::query(
        "UPDATE stock_balances SET qty_reserved = qty_reserved - $1 \
         WHERE org_id = $2 AND location_id = $3 AND lot_id = $4 AND qty_reserved >= $1",
    )
    .bind(qty)
    .bind(org.0)
    .bind(location)
    .bind(lot)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(StoreError::State("a reservation is larger than the units reserved"));
    }
    Ok(())
}

/// Turns an order's open reservations into sales: on-hand and reserved drop together
/// and a sale movement is appended per lot.
async fn consume_in(tx: &mut Tx, org: OrgId, order: OrderId, staff: Option<StaffId>, at: i64) -> Result<()> {
    let rows = sqlx::query(
        "SELECT r.id AS reservation_id, r.location_id, r.qty, l.id, l.product_id, l.lot_code, l.expires_at, \
         l.received_at, l.supplier_id FROM stock_reservations r JOIN lots l ON l.id = r.lot_id \
         WHERE r.org_id = $1 AND r.order_id = $2 AND r.status = 'open' ORDER BY r.product_id, r.id",
    )
    .bind(org.0)
    .bind(order.0)
    .fetch_all(&mut **tx)
    .await?;
    let meta = MovementMeta {
        reason: "online order",
        ref_type: "order",
        ref_id: Some(order.0),
        staff,
    };
    for r in &rows {
        let lot = lot_of(r);
        let location = LocationId(r.get("location_id"));
        let qty: i64 = r.get("qty");
        // A lot that expired while the order waited is never sold: its units are let go
        // (to be written off with the rest of the lot) and the order takes as many from
        // fresh lots by FEFO, or the handover is refused and nothing changes.
        let expired = lot.expires_at.is_some_and(|e| e <= at);
        let closed =
            sqlx::query("UPDATE stock_reservations SET status = $1, closed_at = $2 WHERE id = $3 AND status = 'open'")
                .bind(if expired { "released" } else { "consumed" })
                .bind(at)
                .bind(r.get::<i64, _>("reservation_id"))
                .execute(&mut **tx)
                .await?
                .rows_affected();
        if closed != 1 {
            return Err(StoreError::State(LOST_RACE));
        }
        if expired {
            free_reserved(tx, org, location.0, lot.id.0, qty).await?;
            crate::stock::allocate_in(tx, org, location, lot.product_id, qty, MovementKind::Sale, &meta, at).await?;
            continue;
        }
        let after: i64 = sqlx::query(
            "UPDATE stock_balances SET qty_on_hand = qty_on_hand - $1, qty_reserved = qty_reserved - $1 \
             WHERE org_id = $2 AND location_id = $3 AND lot_id = $4 AND qty_reserved >= $1 AND qty_on_hand >= $1 \
             RETURNING qty_on_hand",
        )
        .bind(qty)
        .bind(org.0)
        .bind(location.0)
        .bind(lot.id.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::State("a reservation is larger than the units reserved"))?
        .get("qty_on_hand");
        let delta = Delta::new(MovementKind::Sale, -qty, Some(meta.reason)).map_err(StoreError::Stock)?;
        append_movement(tx, org, location, &lot, delta, after, &meta, at).await?;
    }
    Ok(())
}

/// Takes `qty` of a presale's cap for an order; the cap holds under concurrency because
/// the UPDATE checks `sold + qty <= cap_total` itself.
async fn claim_presale_in(
    tx: &mut Tx,
    org: OrgId,
    product: ProductId,
    ship_date: &str,
    qty: i64,
    at: i64,
) -> Result<()> {
    let field = "qty";
    for _ in 0..RESERVE_RETRIES_MAX {
        let r = sqlx::query(
            "SELECT id, cap_total, per_order_max, order_by, sold FROM presale_rules \
             WHERE org_id = $1 AND product_id = $2 AND ship_date = $3",
        )
        .bind(org.0)
        .bind(product.0)
        .bind(ship_date)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::Refused {
            code: "not_on_presale",
            field,
            en: format!("product {product} is not on presale for {ship_date}"),
            zh: format!("商品 {product} 没有 {ship_date} 的预售"),
        })?;
        let as_u32 = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
        let rule = PresaleRule {
            product,
            ship_date: ship_date
                .parse()
                .map_err(|_| corrupt("a stored presale date is invalid"))?,
            cap_total: as_u32(r.get("cap_total")),
            per_order_max: as_u32(r.get("per_order_max")),
            order_by_ms: r.get("order_by"),
        };
        orders::presale_accepts(&rule, as_u32(r.get("sold")), as_u32(qty), at).map_err(|e| refused(&e, field))?;
        let took = sqlx::query(
            "UPDATE presale_rules SET sold = sold + $1 WHERE id = $2 AND sold + $1 <= cap_total AND order_by > $3",
        )
        .bind(qty)
        .bind(r.get::<i64, _>("id"))
        .bind(at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if took == 1 {
            return Ok(());
        }
    }
    Err(StoreError::State(LOST_RACE))
}

/// Applies one event to an order read in this transaction: the status machine decides,
/// the status is compared-and-set, and stock, slot, presale cap and payment follow.
async fn apply_in(
    tx: &mut Tx,
    org: OrgId,
    head: &Head,
    event: OrderEvent,
    who: &OrderActor,
    at: i64,
) -> Result<Changed> {
    let from = head.status;
    let to =
        orders::transition(from, head.fulfilment, event, at, head.created_at).map_err(|e| refused(&e, "status"))?;
    let refund_due =
        to == OrderStatus::Cancelled && orders::refund_due_on_cancel(from) && head.payment_status == "paid";
    if to != from {
        let n = sqlx::query(
            "UPDATE orders SET status = $1, updated_at = $2, \
             paid_at = CASE WHEN $1 = 'paid' THEN $2 ELSE paid_at END, \
             payment_status = CASE WHEN $1 = 'paid' THEN 'paid' ELSE payment_status END, \
             cancelled_at = CASE WHEN $1 = 'cancelled' THEN $2 ELSE cancelled_at END, \
             completed_at = CASE WHEN $1 = 'completed' THEN $2 ELSE completed_at END \
             WHERE org_id = $3 AND id = $4 AND status = $5",
        )
        .bind(to.code())
        .bind(at)
        .bind(org.0)
        .bind(head.id.0)
        .bind(from.code())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::State(LOST_RACE));
        }
    }
    // A presale's goods arrive for its ship date: stock is held when preparing starts.
    if matches!(head.fulfilment, Fulfilment::Presale { .. }) && event == OrderEvent::StartPreparing {
        reserve_lines_in(tx, org, head.id, head.location, at).await?;
    }
    if to == OrderStatus::Cancelled && from != OrderStatus::Cancelled {
        // The coupons it used are the resident's again (or expired, if their window
        // closed), and the flash-sale units it took go back to their caps.
        crate::offers::release_coupon_in(tx, org, head.id, at).await?;
        sqlx::query(
            "UPDATE flash_sale_quotas SET sold = sold - (SELECT CAST(COALESCE(SUM(d.qty), 0) AS BIGINT) \
             FROM order_discounts d WHERE d.order_id = $2 AND d.source = 'flash_sale' \
             AND d.source_id = flash_sale_quotas.promotion_id) \
             WHERE org_id = $1 AND promotion_id IN \
             (SELECT source_id FROM order_discounts WHERE order_id = $2 AND source = 'flash_sale')",
        )
        .bind(org.0)
        .bind(head.id.0)
        .execute(&mut **tx)
        .await?;
    }
    if orders::releases_reservation(from, to) {
        release_in(tx, org, head.id, at).await?;
        if let (Fulfilment::Delivery { .. }, Some(start)) = (head.fulfilment, head.slot_start) {
            sqlx::query(
                "UPDATE delivery_slots SET booked = booked - 1 WHERE org_id = $1 AND store_id = $2 AND slot_start = $3 \
                 AND booked > 0",
            )
            .bind(org.0)
            .bind(head.store.0)
            .bind(start)
            .execute(&mut **tx)
            .await?;
        }
        if let (Fulfilment::Presale { .. }, Some(date)) = (head.fulfilment, head.presale_date.as_deref()) {
            sqlx::query(
                "UPDATE presale_rules SET sold = sold - (SELECT CAST(COALESCE(SUM(l.qty), 0) AS BIGINT) FROM order_lines l \
                 WHERE l.order_id = $1 AND l.product_id = presale_rules.product_id) \
                 WHERE org_id = $2 AND ship_date = $3 AND product_id IN (SELECT product_id FROM order_lines WHERE order_id = $1)",
            )
            .bind(head.id.0)
            .bind(org.0)
            .bind(date)
            .execute(&mut **tx)
            .await?;
        }
    }
    if to == OrderStatus::Completed && from != OrderStatus::Completed {
        consume_in(tx, org, head.id, who.staff, at).await?;
    }
    let mut refund_pending = false;
    if refund_due {
        // The intent that paid is owed back through the port; a platform order (no
        // intent here) is refunded by its platform.
        let owed = sqlx::query(
            "UPDATE payment_intents SET status = 'refund_pending', updated_at = $1 \
             WHERE org_id = $2 AND order_id = $3 AND applied = 1 AND status = 'approved'",
        )
        .bind(at)
        .bind(org.0)
        .bind(head.id.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        refund_pending = owed > 0;
        sqlx::query("UPDATE orders SET payment_status = $1 WHERE org_id = $2 AND id = $3")
            .bind(if refund_pending { "refund_pending" } else { "refunded" })
            .bind(org.0)
            .bind(head.id.0)
            .execute(&mut **tx)
            .await?;
    }
    let detail = if refund_due && !refund_pending {
        "refunded by the platform 平台退款"
    } else {
        ""
    };
    event_in(tx, org, head.id, event.code(), Some(from), to, who, detail, at).await?;
    Ok(Changed {
        from,
        to,
        refund_due: refund_pending,
    })
}

/// The next order number of a store's Shanghai day.
async fn next_number(tx: &mut Tx, org: OrgId, store: StoreId, store_code: &str, at: i64) -> Result<String> {
    let date = time::local_date(at);
    let seq: i64 = sqlx::query(
        "INSERT INTO order_sequences (org_id, store_id, day, last_seq) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (store_id, day) DO UPDATE SET last_seq = order_sequences.last_seq + 1 RETURNING last_seq",
    )
    .bind(org.0)
    .bind(store.0)
    .bind(date.to_string())
    .fetch_one(&mut **tx)
    .await?
    .get("last_seq");
    Ok(orders::order_number(store_code, date, seq))
}

/// A business refusal of a new order, naming the input field (`lines[3].qty`); the
/// order is not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub field: String,
    pub en: String,
    pub zh: String,
}

impl Refusal {
    fn from_store(e: StoreError, field: String) -> std::result::Result<Refusal, StoreError> {
        match e {
            StoreError::Refused { code, en, zh, .. } => Ok(Refusal { code, field, en, zh }),
            StoreError::Stock(s @ StockError::Insufficient { .. }) => Ok(Refusal {
                code: "insufficient_stock",
                field,
                en: s.to_string(),
                zh: s.message_zh(),
            }),
            other => Err(other),
        }
    }
}

async fn place_in(tx: &mut Tx, org: OrgId, o: &NewOnlineOrder) -> Result<std::result::Result<Placed, Refusal>> {
    check_location(tx, org, o.location).await?;
    if let Some(ext) = &o.external
        && let Some(found) = external_match(tx, org, ext).await?
    {
        return Ok(found);
    }
    let (slot_start, slot_end) = match o.fulfilment {
        Fulfilment::Delivery { slot } => (Some(slot.start_ms()), Some(slot.end_ms())),
        _ => (None, None),
    };
    let presale_date = match o.fulfilment {
        Fulfilment::Presale { ship_date } => Some(ship_date.to_string()),
        _ => None,
    };
    let number = next_number(tx, org, o.store, &o.store_code, o.at).await?;
    let inserted = sqlx::query(
        "INSERT INTO orders (org_id, store_id, location_id, number, channel, status, member_id, staff_id, total_fen, \
         created_at, fulfilment, payment_status, subtotal_fen, discount_fen, pickup_code, slot_start, slot_end, \
         delivery_building_id, delivery_unit, delivery_room, presale_date, external_platform, external_id, external_hash, \
         order_note, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'created', $6, $7, $8, $9, $10, 'unpaid', $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22, $23, $9) \
         ON CONFLICT (org_id, external_platform, external_id) WHERE external_id IS NOT NULL DO NOTHING RETURNING id",
    )
    .bind(org.0)
    .bind(o.store.0)
    .bind(o.location.0)
    .bind(&number)
    .bind(o.channel.code())
    .bind(o.member.map(|m| m.0))
    .bind(o.staff.map(|s| s.0))
    .bind(o.total_fen)
    .bind(o.at)
    .bind(o.fulfilment.code())
    .bind(o.subtotal_fen)
    .bind(o.discount_fen)
    .bind(o.pickup_code.map(|c| c.to_string()))
    .bind(slot_start)
    .bind(slot_end)
    .bind(o.delivery.as_ref().map(|d| d.building.0))
    .bind(o.delivery.as_ref().map_or("", |d| d.unit.as_str()))
    .bind(o.delivery.as_ref().map_or("", |d| d.room.as_str()))
    .bind(presale_date.as_deref())
    .bind(o.external.as_ref().map(|e| e.platform.as_str()))
    .bind(o.external.as_ref().map(|e| e.external_id.as_str()))
    .bind(o.external.as_ref().map(|e| e.content_hash.as_str()))
    .bind(&o.note)
    .fetch_optional(&mut **tx)
    .await?;
    let id = match inserted {
        Some(r) => OrderId(r.get("id")),
        // Imported by a concurrent request since the check above.
        None => {
            let ext = o.external.as_ref().expect("only a platform key can conflict");
            return external_match(tx, org, ext).await?.ok_or(StoreError::State(LOST_RACE));
        }
    };
    for l in &o.lines {
        let n = sqlx::query(
            "INSERT INTO order_lines (org_id, order_id, product_id, qty, unit_price_fen, line_total_fen) \
             SELECT $1, $2, id, $4, $5, $6 FROM products WHERE org_id = $1 AND id = $3",
        )
        .bind(org.0)
        .bind(id.0)
        .bind(l.product.0)
        .bind(l.qty)
        .bind(l.unit_price_fen)
        .bind(l.line_total_fen)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::NotFound);
        }
    }
    for d in &o.discounts {
        sqlx::query(
            "INSERT INTO order_discounts (org_id, order_id, source, source_id, label_zh, label_en, amount_fen, qty) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(org.0)
        .bind(id.0)
        .bind(d.source)
        .bind(d.source_id)
        .bind(&d.label_zh)
        .bind(&d.label_en)
        .bind(d.amount_fen)
        .bind(d.qty)
        .execute(&mut **tx)
        .await?;
        if d.source == "flash_sale"
            && let Some(promotion) = d.source_id
            && let Err(e) = crate::offers::take_flash_quota_in(tx, org, promotion, d.qty).await
        {
            return Refusal::from_store(e, "lines".into()).map(Err);
        }
    }
    if !o.coupon_issues.is_empty() {
        let member = o.member.ok_or(StoreError::State("coupons need a member"))?;
        for issue in &o.coupon_issues {
            if let Err(e) = crate::offers::use_coupon_in(tx, org, member, *issue, id, o.at).await {
                return Refusal::from_store(e, "coupon_ids".into()).map(Err);
            }
        }
    }
    if let Some(start) = slot_start {
        sqlx::query(
            "INSERT INTO delivery_slots (org_id, store_id, slot_start, slot_end, capacity, booked) \
             VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (store_id, slot_start) DO NOTHING",
        )
        .bind(org.0)
        .bind(o.store.0)
        .bind(start)
        .bind(slot_end)
        .bind(o.slot_capacity)
        .execute(&mut **tx)
        .await?;
        let booked = sqlx::query(
            "UPDATE delivery_slots SET booked = booked + 1 WHERE org_id = $1 AND store_id = $2 AND slot_start = $3 \
             AND booked < capacity",
        )
        .bind(org.0)
        .bind(o.store.0)
        .bind(start)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if booked != 1 {
            return Ok(Err(Refusal {
                code: "slot_full",
                field: "slot_start".into(),
                en: "this delivery slot is full; pick another".into(),
                zh: "该配送时段已约满，请选择其他时段".into(),
            }));
        }
    }
    match presale_date.as_deref() {
        Some(date) => {
            for (i, l) in o.lines.iter().enumerate() {
                if let Err(e) = claim_presale_in(tx, org, l.product, date, l.qty, o.at).await {
                    return Refusal::from_store(e, format!("lines[{i}].qty")).map(Err);
                }
            }
        }
        None => {
            let mut by_product: Vec<(ProductId, i64)> = Vec::new();
            for l in &o.lines {
                match by_product.iter_mut().find(|(p, _)| *p == l.product) {
                    Some((_, q)) => *q += l.qty,
                    None => by_product.push((l.product, l.qty)),
                }
            }
            by_product.sort();
            for (product, qty) in by_product {
                if let Err(e) = reserve_in(tx, org, id, o.location, product, qty, o.at).await {
                    let i = o.lines.iter().position(|l| l.product == product).unwrap_or(0);
                    return Refusal::from_store(e, format!("lines[{i}].qty")).map(Err);
                }
            }
        }
    }
    let who = OrderActor {
        actor: match (o.staff, o.member) {
            (Some(_), _) => Actor::Staff,
            (None, Some(_)) => Actor::Resident,
            (None, None) => Actor::System,
        },
        staff: o.staff,
        member: o.member,
    };
    event_in(tx, org, id, "place", None, OrderStatus::Created, &who, "", o.at).await?;
    if o.paid {
        let head = head_in(tx, org, id, None).await?;
        apply_in(tx, org, &head, OrderEvent::Pay, &who, o.at).await?;
        sqlx::query("INSERT INTO order_payments (org_id, order_id, method, amount_fen) VALUES ($1, $2, $3, $4)")
            .bind(org.0)
            .bind(id.0)
            .bind(format!(
                "platform_{}",
                o.external.as_ref().map_or("", |e| e.platform.as_str())
            ))
            .bind(o.total_fen)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Ok(Placed::New(id)))
}

/// The order a platform key was imported as: the same content is a replay, other
/// content under the same id is a clash.
async fn external_match(
    tx: &mut Tx,
    org: OrgId,
    ext: &ExternalOrder,
) -> Result<Option<std::result::Result<Placed, Refusal>>> {
    let row = sqlx::query(
        "SELECT id, external_hash FROM orders WHERE org_id = $1 AND external_platform = $2 AND external_id = $3",
    )
    .bind(org.0)
    .bind(&ext.platform)
    .bind(&ext.external_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| {
        if opt_text(&r, "external_hash").as_deref() == Some(ext.content_hash.as_str()) {
            Ok(Placed::Existing(OrderId(r.get("id"))))
        } else {
            Err(Refusal {
                code: "external_id_reused",
                field: "external_id".into(),
                en: format!(
                    "{} order {} was imported before with other content",
                    ext.platform, ext.external_id
                ),
                zh: format!("平台订单 {} {} 已导入，且内容不同", ext.platform, ext.external_id),
            })
        }
    }))
}

impl Store {
    /// Places an online order: number, lines, slot booking or presale cap, and the stock
    /// reservation, in one transaction; nothing is written when any of them is refused.
    /// A platform order whose (platform, external id) is here already answers
    /// `Placed::Existing` when the content matches and `external_id_reused` otherwise.
    pub async fn place_online_order(
        &self,
        org: OrgId,
        order: &NewOnlineOrder,
    ) -> Result<std::result::Result<Placed, Refusal>> {
        retrying!(async {
            let mut tx = self.begin().await?;
            let placed = place_in(&mut tx, org, order).await?;
            // A refusal or a replay writes nothing: the transaction is dropped, rolling back.
            if let Ok(Placed::New(_)) = placed {
                tx.commit().await?;
            }
            Ok(placed)
        })
    }

    /// Applies a status event (prepare, ready, dispatch, deliver, cancel, timeout) to an
    /// online order. `who.member` limits it to that resident's own orders.
    pub async fn change_order(
        &self,
        org: OrgId,
        order: OrderId,
        event: OrderEvent,
        who: OrderActor,
        at: i64,
    ) -> Result<Changed> {
        retrying!(async {
            let mut tx = self.begin().await?;
            let head = head_in(&mut tx, org, order, who.member).await?;
            let changed = apply_in(&mut tx, org, &head, event, &who, at).await?;
            tx.commit().await?;
            Ok(changed)
        })
    }

    /// Checks a typed pickup code. The right code completes the order (its reservation
    /// becomes the sale); a wrong one is counted and committed, and locks the order at
    /// `PICKUP_ATTEMPTS_MAX`. A locked order refuses every code.
    pub async fn verify_pickup(
        &self,
        org: OrgId,
        order: OrderId,
        typed: &str,
        who: OrderActor,
        at: i64,
    ) -> Result<PickupOutcome> {
        retrying!(async {
            let mut tx = self.begin().await?;
            let head = head_in(&mut tx, org, order, who.member).await?;
            if orders::pickup_locked(head.pickup_attempts) {
                return Err(refused(
                    &OrderError::PickupLocked {
                        max: orders::PICKUP_ATTEMPTS_MAX,
                    },
                    "code",
                ));
            }
            let expected = head.pickup_code.as_deref().and_then(|c| PickupCode::parse(c).ok());
            let code_ok = expected.is_some_and(|c| orders::verify(c, typed));
            if code_ok {
                let changed = apply_in(&mut tx, org, &head, OrderEvent::PickUp { code_ok: true }, &who, at).await?;
                tx.commit().await?;
                debug_assert_eq!(changed.to, OrderStatus::Completed);
                return Ok(PickupOutcome::Completed);
            }
            // Only an order waiting for pickup counts wrong codes; any other status is
            // refused by the status machine as it stands.
            match orders::transition(
                head.status,
                head.fulfilment,
                OrderEvent::PickUp { code_ok: false },
                at,
                head.created_at,
            ) {
                Err(OrderError::PickupCodeWrong) => {}
                Err(e) => return Err(refused(&e, "status")),
                Ok(_) => return Err(corrupt("a wrong pickup code was accepted")),
            }
            let attempts: i64 = sqlx::query(
                "UPDATE orders SET pickup_attempts = pickup_attempts + 1, updated_at = $1 \
                 WHERE org_id = $2 AND id = $3 AND status = 'ready' AND pickup_attempts < $4 RETURNING pickup_attempts",
            )
            .bind(at)
            .bind(org.0)
            .bind(order.0)
            .bind(i64::from(orders::PICKUP_ATTEMPTS_MAX))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::State(LOST_RACE))?
            .get("pickup_attempts");
            let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
            let locked = orders::pickup_locked(attempts);
            let detail = if locked { "wrong code; locked" } else { "wrong code" };
            event_in(
                &mut tx,
                org,
                order,
                "pickup_code_wrong",
                Some(head.status),
                head.status,
                &who,
                detail,
                at,
            )
            .await?;
            tx.commit().await?;
            Ok(PickupOutcome::Wrong { attempts, locked })
        })
    }

    /// Online orders left unpaid since before `created_before`, oldest first, at most `limit`.
    pub async fn unpaid_orders(&self, org: OrgId, created_before: i64, limit: i64) -> Result<Vec<OrderId>> {
        let rows = sqlx::query(
            "SELECT id FROM orders WHERE org_id = $1 AND status = 'created' AND fulfilment <> 'immediate' \
             AND created_at <= $2 ORDER BY created_at, id LIMIT $3",
        )
        .bind(org.0)
        .bind(created_before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| OrderId(r.get("id"))).collect())
    }

    /// Organisations with unpaid online orders created before `created_before` (for the sweeper).
    pub async fn orgs_with_unpaid_orders(&self, created_before: i64) -> Result<Vec<OrgId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT org_id FROM orders WHERE status = 'created' AND fulfilment <> 'immediate' AND created_at <= $1 \
             ORDER BY org_id",
        )
        .bind(created_before)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| OrgId(r.get("org_id"))).collect())
    }

    /// One online order with its lines and status history; `member` limits it to that
    /// resident's own orders (another's is not found).
    pub async fn online_order(&self, org: OrgId, id: OrderId, member: Option<MemberId>) -> Result<OnlineOrderRow> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORDER_COLS} FROM {ORDER_FROM} WHERE o.org_id = $1 AND o.id = $2 AND o.fulfilment <> 'immediate'"
        )))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut order = order_row(&r)?;
        if let Some(m) = member
            && order.member_id != Some(m)
        {
            return Err(StoreError::NotFound);
        }
        let lines = sqlx::query(
            "SELECT l.product_id, p.name_zh, p.unit_label, l.qty, l.unit_price_fen, l.line_total_fen \
             FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.org_id = $1 AND l.order_id = $2 ORDER BY l.id",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        order.lines = lines
            .iter()
            .map(|l| OnlineLineRow {
                product_id: ProductId(l.get("product_id")),
                product_name: l.get("name_zh"),
                unit_label: l.get("unit_label"),
                qty: l.get("qty"),
                unit_price_fen: l.get("unit_price_fen"),
                line_total_fen: l.get("line_total_fen"),
            })
            .collect();
        let events = sqlx::query(
            "SELECT event, from_status, to_status, actor, detail, at FROM order_events \
             WHERE org_id = $1 AND order_id = $2 ORDER BY id",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        order.events = events
            .iter()
            .map(|e| OrderEventRow {
                event: e.get("event"),
                from_status: opt_text(e, "from_status"),
                to_status: e.get("to_status"),
                actor: e.get("actor"),
                detail: e.get("detail"),
                at: e.get("at"),
            })
            .collect();
        Ok(order)
    }

    /// Online orders, newest first, filtered by what is given.
    pub async fn online_orders(
        &self,
        org: OrgId,
        filter: &OnlineOrderFilter,
        page: PageRequest,
    ) -> Result<Page<OnlineOrderRow>> {
        let mut w = Where::default();
        w.and("o.org_id = ?", [int(org.0)]);
        w.and("o.fulfilment <> 'immediate'", []);
        if let Some(s) = filter.status {
            w.and("o.status = ?", [text(s.code())]);
        }
        if let Some(f) = &filter.fulfilment {
            w.and("o.fulfilment = ?", [text(f.as_str())]);
        }
        if let Some(m) = filter.member {
            w.and("o.member_id = ?", [int(m.0)]);
        }
        if let Some(l) = filter.location {
            w.and("o.location_id = ?", [int(l.0)]);
        }
        let where_sql = w.sql();
        let total: i64 = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM orders o WHERE {where_sql}"
            ))))
            .fetch_one(&self.pool)
            .await?
            .get("n");
        let rows = w
            .bind(sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ORDER_COLS} FROM {ORDER_FROM} WHERE {where_sql} ORDER BY o.created_at DESC, o.id DESC LIMIT {} OFFSET {}",
                w.next(1),
                w.next(2)
            ))))
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.pool)
            .await?;
        Ok(Page {
            items: rows.iter().map(order_row).collect::<Result<_>>()?,
            total,
        })
    }

    /// What to pick at a location for the orders being prepared: product, lot and
    /// quantity per order, by slot then order.
    pub async fn pick_list(&self, org: OrgId, location: LocationId) -> Result<Vec<PickRow>> {
        let rows = sqlx::query(
            "SELECT r.order_id, o.number, o.fulfilment, o.slot_start, b.name_zh AS building_name, o.delivery_unit, \
             o.delivery_room, r.product_id, p.name_zh AS product_name, p.unit_label, r.lot_id, l.lot_code, l.expires_at, \
             r.qty FROM stock_reservations r JOIN orders o ON o.id = r.order_id JOIN products p ON p.id = r.product_id \
             JOIN lots l ON l.id = r.lot_id LEFT JOIN buildings b ON b.id = o.delivery_building_id \
             WHERE r.org_id = $1 AND r.location_id = $2 AND r.status = 'open' AND o.status = 'preparing' \
             ORDER BY COALESCE(o.slot_start, 0), o.id, p.name_zh, l.lot_code",
        )
        .bind(org.0)
        .bind(location.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| PickRow {
                order_id: OrderId(r.get("order_id")),
                number: opt_text(r, "number").unwrap_or_default(),
                fulfilment: r.get("fulfilment"),
                slot_start: opt_i64(r, "slot_start"),
                building_name: opt_text(r, "building_name"),
                delivery_unit: r.get("delivery_unit"),
                delivery_room: r.get("delivery_room"),
                product_id: ProductId(r.get("product_id")),
                product_name: r.get("product_name"),
                unit_label: r.get("unit_label"),
                lot_id: LotId(r.get("lot_id")),
                lot_code: r.get("lot_code"),
                expires_at: opt_i64(r, "expires_at"),
                qty: r.get("qty"),
            })
            .collect())
    }

    /// Units of a product held for online orders (optionally at one location).
    pub async fn reserved(&self, org: OrgId, product: ProductId, location: Option<LocationId>) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(qty_reserved), 0) AS BIGINT) AS n FROM stock_balances \
             WHERE org_id = $1 AND product_id = $2 AND ($3 = 0 OR location_id = $3)",
        )
        .bind(org.0)
        .bind(product.0)
        .bind(location.map_or(0, |l| l.0))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get("n"))
    }

    /// Units of a product free to sell or reserve at a location (on hand − reserved, unexpired).
    pub async fn available(&self, org: OrgId, product: ProductId, location: LocationId, now: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(b.qty_on_hand - b.qty_reserved), 0) AS BIGINT) AS n FROM stock_balances b \
             JOIN lots l ON l.id = b.lot_id WHERE b.org_id = $1 AND b.product_id = $2 AND b.location_id = $3 \
             AND (l.expires_at IS NULL OR l.expires_at > $4)",
        )
        .bind(org.0)
        .bind(product.0)
        .bind(location.0)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get("n"))
    }

    /// Proof of the reservation invariant: every balance's `qty_reserved` equals the sum
    /// of the open reservations of its (location, lot), and never exceeds on-hand.
    /// Returns the (location, lot, qty_reserved, open sum) rows that disagree.
    pub async fn reservation_mismatches(&self, org: OrgId) -> Result<Vec<(i64, i64, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT b.location_id, b.lot_id, b.qty_on_hand, b.qty_reserved, \
             CAST(COALESCE((SELECT SUM(r.qty) FROM stock_reservations r WHERE r.location_id = b.location_id \
             AND r.lot_id = b.lot_id AND r.status = 'open'), 0) AS BIGINT) AS open_sum \
             FROM stock_balances b WHERE b.org_id = $1",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get::<i64, _>("location_id"),
                    r.get::<i64, _>("lot_id"),
                    r.get::<i64, _>("qty_on_hand"),
                    r.get::<i64, _>("qty_reserved"),
                    r.get::<i64, _>("open_sum"),
                )
            })
            .filter(|(_, _, on_hand, reserved, open)| reserved != open || reserved > on_hand)
            .map(|(l, lot, _, reserved, open)| (l, lot, reserved, open))
            .collect())
    }

    /// Booked delivery slots of a store starting in `[from, to)`.
    pub async fn delivery_slots(&self, org: OrgId, store: StoreId, from: i64, to: i64) -> Result<Vec<SlotRow>> {
        let rows = sqlx::query(
            "SELECT slot_start, capacity, booked FROM delivery_slots WHERE org_id = $1 AND store_id = $2 \
             AND slot_start >= $3 AND slot_start < $4 ORDER BY slot_start",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| SlotRow {
                slot_start: r.get("slot_start"),
                capacity: r.get("capacity"),
                booked: r.get("booked"),
            })
            .collect())
    }

    /// Sets how many orders a delivery slot takes (bookings already made stay).
    pub async fn set_slot_capacity(
        &self,
        org: OrgId,
        store: StoreId,
        slot_start: i64,
        slot_end: i64,
        capacity: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO delivery_slots (org_id, store_id, slot_start, slot_end, capacity, booked) \
             SELECT $1, id, $3, $4, $5, 0 FROM stores WHERE org_id = $1 AND id = $2 \
             ON CONFLICT (store_id, slot_start) DO UPDATE SET capacity = excluded.capacity",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(slot_start)
        .bind(slot_end)
        .bind(capacity)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn create_presale(&self, org: OrgId, p: &NewPresale) -> Result<PresaleRow> {
        let row = sqlx::query(
            "INSERT INTO presale_rules (org_id, product_id, ship_date, cap_total, per_order_max, order_by, sold, \
             created_by, created_at) SELECT $1, id, $3, $4, $5, $6, 0, $7, $8 FROM products WHERE org_id = $1 AND id = $2 \
             RETURNING id",
        )
        .bind(org.0)
        .bind(p.product.0)
        .bind(&p.ship_date)
        .bind(p.cap_total)
        .bind(p.per_order_max)
        .bind(p.order_by)
        .bind(p.staff.map(|s| s.0))
        .bind(p.at)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, &["ship_date"]))?
        .ok_or(StoreError::NotFound)?;
        let id: i64 = row.get("id");
        self.presales(org, None)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Presale offers, soonest ship date first; with `open_at`, only those still taking orders then.
    pub async fn presales(&self, org: OrgId, open_at: Option<i64>) -> Result<Vec<PresaleRow>> {
        let rows = sqlx::query(
            "SELECT r.id, r.product_id, p.name_zh, p.price_fen, r.ship_date, r.cap_total, r.per_order_max, r.order_by, \
             r.sold FROM presale_rules r JOIN products p ON p.id = r.product_id \
             WHERE r.org_id = $1 AND ($2 = 0 OR (r.order_by > $2 AND p.active = 1)) ORDER BY r.ship_date, r.id",
        )
        .bind(org.0)
        .bind(open_at.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| PresaleRow {
                id: r.get("id"),
                product_id: ProductId(r.get("product_id")),
                product_name: r.get("name_zh"),
                price_fen: r.get("price_fen"),
                ship_date: r.get("ship_date"),
                cap_total: r.get("cap_total"),
                per_order_max: r.get("per_order_max"),
                order_by: r.get("order_by"),
                sold: r.get("sold"),
            })
            .collect())
    }

    /// Records a payment intent the port created for an order still waiting for payment.
    pub async fn create_payment_intent(
        &self,
        org: OrgId,
        order: OrderId,
        member: Option<MemberId>,
        provider: &str,
        provider_ref: &str,
        amount_fen: i64,
        qr_payload: &str,
        at: i64,
    ) -> Result<PaymentIntentRow> {
        let mut tx = self.begin().await?;
        let head = head_in(&mut tx, org, order, member).await?;
        orders::transition(head.status, head.fulfilment, OrderEvent::Pay, at, head.created_at)
            .map_err(|e| refused(&e, "status"))?;
        let id: i64 = sqlx::query(
            "INSERT INTO payment_intents (org_id, order_id, provider, provider_ref, amount_fen, status, applied, qr_payload, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $7) RETURNING id",
        )
        .bind(org.0)
        .bind(order.0)
        .bind(provider)
        .bind(provider_ref)
        .bind(amount_fen)
        .bind(qr_payload)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, &["provider_ref"]))?
        .get("id");
        tx.commit().await?;
        Ok(PaymentIntentRow {
            id,
            order_id: order,
            member_id: member,
            provider: provider.into(),
            provider_ref: provider_ref.into(),
            amount_fen,
            status: "pending".into(),
            applied: false,
            qr_payload: qr_payload.into(),
            created_at: at,
        })
    }

    /// A payment intent by the provider's reference, with the member of its order.
    pub async fn payment_intent(&self, org: OrgId, provider: &str, provider_ref: &str) -> Result<PaymentIntentRow> {
        let r = sqlx::query(
            "SELECT i.id, i.order_id, o.member_id, i.provider, i.provider_ref, i.amount_fen, i.status, i.applied, \
             i.qr_payload, i.created_at FROM payment_intents i JOIN orders o ON o.id = i.order_id \
             WHERE i.org_id = $1 AND i.provider = $2 AND i.provider_ref = $3",
        )
        .bind(org.0)
        .bind(provider)
        .bind(provider_ref)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(intent_row(&r))
    }

    /// The intents of an order, newest first.
    pub async fn payment_intents(&self, org: OrgId, order: OrderId) -> Result<Vec<PaymentIntentRow>> {
        let rows = sqlx::query(
            "SELECT i.id, i.order_id, o.member_id, i.provider, i.provider_ref, i.amount_fen, i.status, i.applied, \
             i.qr_payload, i.created_at FROM payment_intents i JOIN orders o ON o.id = i.order_id \
             WHERE i.org_id = $1 AND i.order_id = $2 ORDER BY i.id DESC",
        )
        .bind(org.0)
        .bind(order.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(intent_row).collect())
    }

    /// Applies the port's answer for an intent, once: an approval pays its order if the
    /// order still waits, otherwise the money is owed back (`RefundDue`).
    pub async fn settle_payment_intent(
        &self,
        org: OrgId,
        provider: &str,
        provider_ref: &str,
        approved: bool,
        at: i64,
    ) -> Result<Settled> {
        retrying!(async {
            let mut tx = self.begin().await?;
            let r = sqlx::query(
                "SELECT id, order_id, amount_fen, status, provider FROM payment_intents \
                 WHERE org_id = $1 AND provider = $2 AND provider_ref = $3",
            )
            .bind(org.0)
            .bind(provider)
            .bind(provider_ref)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let intent: i64 = r.get("id");
            let order = OrderId(r.get("order_id"));
            if r.get::<String, _>("status") != "pending" {
                return Ok(Settled::AlreadySettled(order));
            }
            if !approved {
                sqlx::query(
                    "UPDATE payment_intents SET status = 'declined', updated_at = $1 WHERE id = $2 AND status = 'pending'",
                )
                .bind(at)
                .bind(intent)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                return Ok(Settled::Declined(order));
            }
            let head = head_in(&mut tx, org, order, None).await?;
            let who = OrderActor {
                actor: Actor::System,
                staff: None,
                member: None,
            };
            let pays = head.status == OrderStatus::Created;
            let status = if pays { "approved" } else { "refund_pending" };
            let n = sqlx::query(
                "UPDATE payment_intents SET status = $1, applied = $2, updated_at = $3 WHERE id = $4 AND status = 'pending'",
            )
            .bind(status)
            .bind(i64::from(pays))
            .bind(at)
            .bind(intent)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::State(LOST_RACE));
            }
            if !pays {
                tx.commit().await?;
                return Ok(Settled::RefundDue(order));
            }
            apply_in(&mut tx, org, &head, OrderEvent::Pay, &who, at).await?;
            sqlx::query("INSERT INTO order_payments (org_id, order_id, method, amount_fen) VALUES ($1, $2, $3, $4)")
                .bind(org.0)
                .bind(order.0)
                .bind(format!("qr_{}", r.get::<String, _>("provider")))
                .bind(r.get::<i64, _>("amount_fen"))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Settled::Paid(order))
        })
    }

    /// Intents whose money is owed back (refund_pending), oldest first.
    pub async fn refunds_due(&self, org: OrgId, order: Option<OrderId>) -> Result<Vec<PaymentIntentRow>> {
        let rows = sqlx::query(
            "SELECT i.id, i.order_id, o.member_id, i.provider, i.provider_ref, i.amount_fen, i.status, i.applied, \
             i.qr_payload, i.created_at FROM payment_intents i JOIN orders o ON o.id = i.order_id \
             WHERE i.org_id = $1 AND i.status = 'refund_pending' AND ($2 = 0 OR i.order_id = $2) ORDER BY i.id",
        )
        .bind(org.0)
        .bind(order.map_or(0, |o| o.0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(intent_row).collect())
    }

    /// Organisations with money owed back that the port has not yet refunded (for the sweeper).
    pub async fn orgs_with_refunds_due(&self) -> Result<Vec<OrgId>> {
        let rows =
            sqlx::query("SELECT DISTINCT org_id FROM payment_intents WHERE status = 'refund_pending' ORDER BY org_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.iter().map(|r| OrgId(r.get("org_id"))).collect())
    }

    /// Records that the port refunded an intent: once only. The intent that paid its
    /// order also marks the order refunded and books the negative payment.
    pub async fn finish_refund(&self, org: OrgId, intent: i64, at: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE payment_intents SET status = 'refunded', updated_at = $1 \
             WHERE org_id = $2 AND id = $3 AND status = 'refund_pending' RETURNING order_id, applied, amount_fen, provider",
        )
        .bind(at)
        .bind(org.0)
        .bind(intent)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else {
            return Ok(false);
        };
        let order = OrderId(r.get("order_id"));
        if r.get::<i64, _>("applied") == 1 {
            sqlx::query("INSERT INTO order_payments (org_id, order_id, method, amount_fen) VALUES ($1, $2, $3, $4)")
                .bind(org.0)
                .bind(order.0)
                .bind(format!("qr_{}", r.get::<String, _>("provider")))
                .bind(-r.get::<i64, _>("amount_fen"))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE orders SET payment_status = 'refunded', updated_at = $1 WHERE org_id = $2 AND id = $3 \
                 AND payment_status = 'refund_pending'",
            )
            .bind(at)
            .bind(org.0)
            .bind(order.0)
            .execute(&mut *tx)
            .await?;
            let status: String = sqlx::query("SELECT status FROM orders WHERE id = $1")
                .bind(order.0)
                .fetch_one(&mut *tx)
                .await?
                .get("status");
            let status = OrderStatus::from_code(&status).ok_or(corrupt("unknown order status"))?;
            let who = OrderActor {
                actor: Actor::System,
                staff: None,
                member: None,
            };
            event_in(&mut tx, org, order, "refund", Some(status), status, &who, "", at).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Saves the sign-in code for a phone unless the phone was texted too recently or
    /// too often; `false` when refused. The limit holds under concurrency: the upsert's
    /// WHERE checks it.
    pub async fn save_resident_otp(
        &self,
        org: OrgId,
        phone: &str,
        code_hash: &str,
        expires_at: i64,
        limits: OtpLimits,
        at: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "INSERT INTO resident_otps (org_id, phone, code_hash, expires_at, attempts, sent_at, window_start, sends) \
             SELECT id, $2, $3, $4, 0, $5, $5, 1 FROM orgs WHERE id = $1 \
             ON CONFLICT (org_id, phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, \
             attempts = 0, sent_at = excluded.sent_at, \
             window_start = CASE WHEN resident_otps.window_start <= $5 - $7 THEN excluded.sent_at ELSE resident_otps.window_start END, \
             sends = CASE WHEN resident_otps.window_start <= $5 - $7 THEN 1 ELSE resident_otps.sends + 1 END \
             WHERE resident_otps.sent_at <= $5 - $6 AND (resident_otps.window_start <= $5 - $7 OR resident_otps.sends < $8) \
             RETURNING sends",
        )
        .bind(org.0)
        .bind(phone)
        .bind(code_hash)
        .bind(expires_at)
        .bind(at)
        .bind(limits.resend_after_ms)
        .bind(limits.window_ms)
        .bind(limits.sends_per_window_max)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Checks a sign-in code, once. The right code is consumed (deleted) in the same
    /// transaction that finds or creates the member and stores the session; a wrong one
    /// is counted, and the code is burnt at `attempts_max`.
    pub async fn resident_login(
        &self,
        org: OrgId,
        phone: &str,
        code_hash: &str,
        token_hash: &str,
        attempts_max: i64,
        session_expires_at: i64,
        at: i64,
    ) -> Result<ResidentLogin> {
        retrying!(async {
            let mut tx = self.begin().await?;
            let used = sqlx::query(
                "DELETE FROM resident_otps WHERE org_id = $1 AND phone = $2 AND code_hash = $3 AND expires_at > $4 \
                 AND attempts < $5",
            )
            .bind(org.0)
            .bind(phone)
            .bind(code_hash)
            .bind(at)
            .bind(attempts_max)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if used != 1 {
                let counted = sqlx::query(
                    "UPDATE resident_otps SET attempts = attempts + 1 WHERE org_id = $1 AND phone = $2 \
                     AND expires_at > $3 AND attempts < $4 RETURNING attempts",
                )
                .bind(org.0)
                .bind(phone)
                .bind(at)
                .bind(attempts_max)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                return Ok(match counted {
                    Some(r) => ResidentLogin::WrongCode {
                        attempts_left: attempts_max - r.get::<i64, _>("attempts"),
                    },
                    None => ResidentLogin::NoCode,
                });
            }
            let inserted = sqlx::query(
                "INSERT INTO members (org_id, phone, name, joined_at) VALUES ($1, $2, '', $3) \
                 ON CONFLICT (org_id, phone) DO NOTHING RETURNING id",
            )
            .bind(org.0)
            .bind(phone)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let (member, new_member) = match inserted {
                Some(r) => (MemberId(r.get("id")), true),
                None => (
                    MemberId(
                        sqlx::query("SELECT id FROM members WHERE org_id = $1 AND phone = $2")
                            .bind(org.0)
                            .bind(phone)
                            .fetch_one(&mut *tx)
                            .await?
                            .get("id"),
                    ),
                    false,
                ),
            };
            sqlx::query("DELETE FROM resident_sessions WHERE expires_at < $1")
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO resident_sessions (token_hash, org_id, member_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(org.0)
            .bind(member.0)
            .bind(at)
            .bind(session_expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ResidentLogin::SignedIn { member, new_member })
        })
    }

    /// A live resident session.
    pub async fn resident_session(&self, token_hash: &str, now: i64) -> Result<Option<ResidentSessionRow>> {
        let row = sqlx::query(
            "SELECT s.org_id, s.member_id, m.phone, s.expires_at FROM resident_sessions s JOIN members m ON m.id = s.member_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| ResidentSessionRow {
            org_id: OrgId(r.get("org_id")),
            member_id: MemberId(r.get("member_id")),
            phone: r.get("phone"),
            expires_at: r.get("expires_at"),
        }))
    }

    pub async fn building_place(&self, org: OrgId, id: BuildingId) -> Result<BuildingPlace> {
        let r =
            sqlx::query("SELECT id, store_id, name_zh, lat_e6, lon_e6 FROM buildings WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok(BuildingPlace {
            id,
            store_id: StoreId(r.get("store_id")),
            name_zh: r.get("name_zh"),
            lat_e6: opt_i64(&r, "lat_e6"),
            lon_e6: opt_i64(&r, "lon_e6"),
        })
    }

    pub async fn member_home(&self, org: OrgId, member: MemberId) -> Result<MemberHome> {
        let r = sqlx::query("SELECT building_id, unit_no, room FROM members WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(member.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(MemberHome {
            building: opt_i64(&r, "building_id").map(BuildingId),
            unit: r.get("unit_no"),
            room: r.get("room"),
        })
    }

    pub async fn delete_resident_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM resident_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
