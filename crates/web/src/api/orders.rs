//! 线上订单 Online orders: residents' sign-in, orders, payment and slots under
//! `/api/v1/resident/…` (resident tokens only), staff fulfilment under `/api/v1/orders`
//! (staff tokens only), the payment simulator and the SMS simulator's outbox.
//!
//! A resident sees only their own orders: another resident's (or organisation's) order
//! id answers 404 on every resident endpoint. Staff never see a pickup code; they type
//! the one the resident shows.

use super::{Errors, JsonOut, Query, R, paging, simulated_approval};
use crate::error::ErrorBody;
use crate::extract::{Auth, Json, client_ip};
use crate::resident::{Caller, ResidentAuth};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use linli_app::orders as uc;
use linli_domain::ids::OrderId;
use linli_domain::orders::{self as rules, Fulfilment, OrderStatus};
use linli_domain::phone;
use linli_store::{OnlineOrderRow, PickRow, PresaleRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_code))
        .routes(routes!(resident_login))
        .routes(routes!(resident_logout))
        .routes(routes!(resident_me))
        .routes(routes!(my_orders, place_order))
        .routes(routes!(my_order))
        .routes(routes!(pay_order))
        .routes(routes!(cancel_my_order))
        .routes(routes!(reorder))
        .routes(routes!(delivery_slots))
        .routes(routes!(open_presales))
        .routes(routes!(simulate_payment))
        .routes(routes!(sms_outbox))
        .routes(routes!(list_orders))
        .routes(routes!(get_order))
        .routes(routes!(order_action))
        .routes(routes!(verify_pickup))
        .routes(routes!(pick_list))
        .routes(routes!(import_order))
        .routes(routes!(expire_unpaid))
        .routes(routes!(list_presales, create_presale))
        .routes(routes!(set_slot_capacity))
}

// ---- wire types ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentCodeRequest {
    pub org_id: i64,
    /// Mainland mobile number.
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentCodeSent {
    pub expires_at: i64,
    /// No new code before this instant.
    pub resend_after: i64,
    /// Which SMS gateway sent it: "短信模拟器 / SMS simulator" when simulated.
    pub sender: String,
    /// Only while the SMS simulator is the SMS port (nothing is really texted): the code,
    /// so the resident shop can show it in its labelled "短信模拟器" box. Never present
    /// with a real gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulator_code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentLoginRequest {
    pub org_id: i64,
    pub phone: String,
    /// The 6-digit code texted to the phone.
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentLoginResponse {
    /// Send as `Authorization: Bearer <token>` to `/api/v1/resident/…`.
    pub token: String,
    pub expires_at: i64,
    pub resident: ResidentMe,
    /// The phone became a member with this sign-in.
    pub new_member: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentMe {
    pub member_id: i64,
    pub org_id: i64,
    /// The resident's own number, in full.
    pub phone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    pub product_id: i64,
    /// Pieces, or grams for weighed goods.
    pub qty: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrderRequest {
    pub location_id: i64,
    pub lines: Vec<OrderLineInput>,
    /// pickup (自提), delivery (配送) or presale (预售).
    pub fulfilment: String,
    /// Delivery: the slot's start (unix ms), from `/api/v1/resident/delivery-slots`.
    pub slot_start: Option<i64>,
    /// Delivery: defaults to the member's own building, unit and room.
    pub building_id: Option<i64>,
    pub unit: Option<String>,
    pub room: Option<String>,
    /// Presale: the ship date (defaults to the earliest open presale of the products).
    pub presale_date: Option<String>,
    /// Up to 200 characters for the store.
    pub note: Option<String>,
    /// The resident's coupons to use (issue ids from `/api/v1/resident/coupons`); the
    /// price takes those that apply, and a cancelled order gives them back.
    #[serde(default)]
    pub coupon_ids: Vec<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderRequest {
    /// pickup (default) or delivery.
    pub fulfilment: Option<String>,
    pub slot_start: Option<i64>,
    pub building_id: Option<i64>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnlineOrderLine {
    pub product_id: i64,
    pub name_zh: String,
    pub unit_label: String,
    pub qty: i64,
    pub unit_price_fen: i64,
    pub total_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnlineOrderEvent {
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// resident, staff or system.
    pub actor: String,
    pub detail: String,
    pub at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnlineOrder {
    pub id: i64,
    pub number: String,
    /// created, paid, preparing, ready, out_for_delivery, completed, cancelled, refunded.
    pub status: String,
    pub status_zh: String,
    /// pickup, delivery or presale.
    pub fulfilment: String,
    /// shop, presale or platform.
    pub channel: String,
    pub location_id: i64,
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    pub total_fen: i64,
    /// unpaid, paid, refund_pending or refunded.
    pub payment_status: String,
    /// An unpaid order is closed at this instant.
    pub pay_by: Option<i64>,
    /// The 6-digit pickup code (提货码): only in the resident's own view.
    pub pickup_code: Option<String>,
    /// Too many wrong codes: staff must check the resident's identity.
    pub pickup_locked: bool,
    pub slot_start: Option<i64>,
    pub slot_end: Option<i64>,
    pub building_id: Option<i64>,
    pub building_name: Option<String>,
    pub unit: String,
    pub room: String,
    pub presale_date: Option<String>,
    pub platform: Option<String>,
    pub external_id: Option<String>,
    /// Masked (138****5678) in staff views; absent in the resident's own.
    pub member_phone: Option<String>,
    pub note: String,
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub completed_at: Option<i64>,
    /// Empty in lists.
    pub lines: Vec<OnlineOrderLine>,
    pub events: Vec<OnlineOrderEvent>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnlineOrderList {
    pub items: Vec<OnlineOrder>,
    pub page: i64,
    pub page_size: i64,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentIntent {
    /// The provider's reference; `POST /api/v1/payments/{intent}/simulate` settles it in the simulator.
    pub intent: String,
    pub order_id: i64,
    pub amount_fen: i64,
    /// What the QR code encodes.
    pub qr_payload: String,
    pub status: String,
    pub provider: String,
    /// "模拟支付 / payment simulator" when simulated: no real money moves.
    pub provider_label: String,
    pub simulator: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// approve or decline.
    pub outcome: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulatedPayment {
    /// pending, approved, declined or refunded, as the simulator now says.
    pub status: String,
    /// Always "模拟支付 / payment simulator".
    pub provider_label: String,
    pub simulator: bool,
    pub order: OnlineOrder,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SlotQuery {
    pub location_id: i64,
    /// ISO date, e.g. 2026-11-25.
    pub date: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliverySlotOut {
    pub start: i64,
    pub end: i64,
    pub capacity: i64,
    pub booked: i64,
    pub remaining: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Presale {
    pub id: i64,
    pub product_id: i64,
    pub name_zh: String,
    pub price_fen: i64,
    pub ship_date: String,
    pub cap_total: i64,
    pub per_order_max: i64,
    pub order_by: i64,
    pub sold: i64,
    pub remaining: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresaleRequest {
    pub product_id: i64,
    /// ISO date the goods are collected from.
    pub ship_date: String,
    pub cap_total: i64,
    pub per_order_max: i64,
    /// Orders close at this instant (unix ms).
    pub order_by: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MyOrderQuery {
    pub status: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub status: Option<String>,
    /// pickup, delivery or presale.
    pub fulfilment: Option<String>,
    pub location_id: Option<i64>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderActionRequest {
    /// prepare, ready, dispatch, deliver, complete or cancel.
    pub action: String,
    /// complete of a pickup: the resident's pickup code.
    pub code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickupCodeRequest {
    pub code: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PickListQuery {
    pub location_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PickListRow {
    pub order_id: i64,
    pub number: String,
    pub fulfilment: String,
    pub slot_start: Option<i64>,
    pub building_name: Option<String>,
    pub unit: String,
    pub room: String,
    pub product_id: i64,
    pub name_zh: String,
    pub unit_label: String,
    pub lot_id: i64,
    pub lot_code: String,
    pub expires_at: Option<i64>,
    pub qty: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportLineInput {
    pub product_id: i64,
    pub qty: i64,
    /// The platform's price; the store's list price when absent.
    pub unit_price_fen: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOrderRequest {
    /// meituan, eleme or another platform code (a-z, 0-9, _).
    pub platform: String,
    pub external_id: String,
    pub location_id: i64,
    pub lines: Vec<ImportLineInput>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiredOrders {
    pub closed: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotCapacityRequest {
    pub location_id: i64,
    pub slot_start: i64,
    pub capacity: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SmsQuery {
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulatedSms {
    pub phone: String,
    pub text: String,
    pub code: Option<String>,
    pub at: i64,
    /// Always "短信模拟器 / SMS simulator": nothing was really sent.
    pub sender: String,
}

// ---- conversions ----

/// Whose view an order is shown in: the resident sees their code, staff a masked phone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Resident,
    Staff,
}

fn order_out(o: OnlineOrderRow, view: View) -> OnlineOrder {
    let presale_date = match o.fulfilment {
        Fulfilment::Presale { ship_date } => Some(ship_date.to_string()),
        _ => None,
    };
    OnlineOrder {
        id: o.id.0,
        number: o.number,
        status: o.status.code().into(),
        status_zh: o.status.name_zh().into(),
        fulfilment: o.fulfilment.code().into(),
        channel: o.channel.code().into(),
        location_id: o.location_id.0,
        subtotal_fen: o.subtotal_fen,
        discount_fen: o.discount_fen,
        total_fen: o.total_fen,
        payment_status: o.payment_status,
        pay_by: (o.status == OrderStatus::Created).then(|| o.created_at + rules::UNPAID_TIMEOUT_MS),
        pickup_code: match view {
            View::Resident => o.pickup_code.map(|c| c.to_string()),
            View::Staff => None,
        },
        pickup_locked: rules::pickup_locked(o.pickup_attempts),
        slot_start: o.slot_start,
        slot_end: o.slot_end,
        building_id: o.delivery_building_id.map(|b| b.0),
        building_name: o.delivery_building_name,
        unit: o.delivery_unit,
        room: o.delivery_room,
        presale_date,
        platform: o.external_platform,
        external_id: o.external_id,
        member_phone: match view {
            View::Resident => None,
            View::Staff => o.member_phone.map(|p| phone::mask_any(&p)),
        },
        note: o.note,
        created_at: o.created_at,
        paid_at: o.paid_at,
        cancelled_at: o.cancelled_at,
        completed_at: o.completed_at,
        lines: o
            .lines
            .into_iter()
            .map(|l| OnlineOrderLine {
                product_id: l.product_id.0,
                name_zh: l.product_name,
                unit_label: l.unit_label,
                qty: l.qty,
                unit_price_fen: l.unit_price_fen,
                total_fen: l.line_total_fen,
            })
            .collect(),
        events: o
            .events
            .into_iter()
            .map(|e| OnlineOrderEvent {
                event: e.event,
                from_status: e.from_status,
                to_status: e.to_status,
                actor: e.actor,
                detail: e.detail,
                at: e.at,
            })
            .collect(),
    }
}

fn order_list(page: linli_app::Page<OnlineOrderRow>, p: linli_app::Paging, view: View) -> OnlineOrderList {
    OnlineOrderList {
        items: page.items.into_iter().map(|o| order_out(o, view)).collect(),
        page: p.page,
        page_size: p.page_size,
        total: page.total,
    }
}

fn presale_out(p: PresaleRow) -> Presale {
    Presale {
        id: p.id,
        product_id: p.product_id.0,
        name_zh: p.product_name,
        price_fen: p.price_fen,
        ship_date: p.ship_date,
        cap_total: p.cap_total,
        per_order_max: p.per_order_max,
        order_by: p.order_by,
        sold: p.sold,
        remaining: (p.cap_total - p.sold).max(0),
    }
}

fn pick_out(p: PickRow) -> PickListRow {
    PickListRow {
        order_id: p.order_id.0,
        number: p.number,
        fulfilment: p.fulfilment,
        slot_start: p.slot_start,
        building_name: p.building_name,
        unit: p.delivery_unit,
        room: p.delivery_room,
        product_id: p.product_id.0,
        name_zh: p.product_name,
        unit_label: p.unit_label,
        lot_id: p.lot_id.0,
        lot_code: p.lot_code,
        expires_at: p.expires_at,
        qty: p.qty,
    }
}

fn rate_limited() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        None,
        "too many requests; wait a minute",
        "请求过于频繁，请稍后再试",
    )
}

// ---- residents ----

/// Texts a one-time sign-in code (the SMS port; its simulator keeps it for `/api/v1/dev/sms`).
/// At most one a minute and five an hour per phone, and a few a minute per client.
#[utoipa::path(post, path = "/api/v1/resident/otp", tag = "orders", request_body = ResidentCodeRequest,
    responses((status = 200, body = ResidentCodeSent), (status = 429, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn request_code(
    State(s): State<AppState>,
    parts: Parts,
    Json(req): Json<ResidentCodeRequest>,
) -> R<JsonOut<ResidentCodeSent>> {
    if !s
        .login_limiter
        .allow(&format!("resident-otp:{}", client_ip(&parts)), s.app.now())
    {
        return Err(rate_limited());
    }
    match s.app.request_resident_code(req.org_id, &req.phone).await {
        Ok(sent) => Ok(axum::Json(ResidentCodeSent {
            expires_at: sent.expires_at,
            resend_after: sent.resend_after,
            sender: sent.sender_label.into(),
            simulator_code: simulated_code(&s, req.org_id, &req.phone),
        })),
        Err(e) if e.code() == "rate_limited" => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            e.field(),
            &e.message_en(),
            &e.message_zh(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The code the SMS simulator just "sent" to `phone` (None with a real SMS gateway).
fn simulated_code(s: &AppState, org_id: i64, phone: &str) -> Option<String> {
    let sim = s.app.sms.simulator()?;
    let phone = phone::PhoneNumber::parse(phone).ok()?;
    sim.outbox(linli_domain::ids::OrgId(org_id), Some(phone.as_str()))
        .into_iter()
        .next()
        .and_then(|m| m.code)
}

/// Signs a resident in with the texted code; a phone that is not yet a member becomes one.
/// The token works only on `/api/v1/resident/…` and the payment simulator.
#[utoipa::path(post, path = "/api/v1/resident/login", tag = "orders", request_body = ResidentLoginRequest,
    responses((status = 200, body = ResidentLoginResponse), (status = 429, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resident_login(
    State(s): State<AppState>,
    parts: Parts,
    Json(req): Json<ResidentLoginRequest>,
) -> R<JsonOut<ResidentLoginResponse>> {
    if !s
        .login_limiter
        .allow(&format!("resident-login:{}", client_ip(&parts)), s.app.now())
    {
        return Err(rate_limited());
    }
    let signed = s.app.resident_login(req.org_id, &req.phone, &req.code).await?;
    Ok(axum::Json(ResidentLoginResponse {
        token: signed.token,
        expires_at: signed.expires_at,
        resident: ResidentMe {
            member_id: signed.resident.member.0,
            org_id: signed.resident.org.0,
            phone: signed.resident.phone,
        },
        new_member: signed.new_member,
    }))
}

/// Ends the resident's session.
#[utoipa::path(post, path = "/api/v1/resident/logout", tag = "orders", security(("bearer" = [])),
    responses((status = 200, body = super::types::Ok), Errors))]
async fn resident_logout(
    State(s): State<AppState>,
    ResidentAuth(_r): ResidentAuth,
    parts: Parts,
) -> R<JsonOut<super::types::Ok>> {
    if let Some((token, _)) = crate::extract::token_of(&parts) {
        s.app.resident_logout(&token).await?;
    }
    Ok(axum::Json(super::types::Ok { ok: true }))
}

/// The signed-in resident.
#[utoipa::path(get, path = "/api/v1/resident/me", tag = "orders", security(("bearer" = [])),
    responses((status = 200, body = ResidentMe), Errors))]
async fn resident_me(ResidentAuth(r): ResidentAuth) -> JsonOut<ResidentMe> {
    axum::Json(ResidentMe {
        member_id: r.member.0,
        org_id: r.org.0,
        phone: r.phone,
    })
}

/// The resident's own orders, newest first.
#[utoipa::path(get, path = "/api/v1/resident/orders", tag = "orders", security(("bearer" = [])), params(MyOrderQuery),
    responses((status = 200, body = OnlineOrderList), Errors))]
async fn my_orders(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Query(q): Query<MyOrderQuery>,
) -> R<JsonOut<OnlineOrderList>> {
    let p = paging(q.page, q.page_size)?;
    let page = s.app.my_orders(&r, q.status.as_deref(), p).await?;
    Ok(axum::Json(order_list(page, p, View::Resident)))
}

/// Places an order for pickup, delivery in a 2-hour slot, or presale. Stock is reserved
/// at once (presale: the cap); an unpaid order is closed after 15 minutes.
#[utoipa::path(post, path = "/api/v1/resident/orders", tag = "orders", security(("bearer" = [])), request_body = PlaceOrderRequest,
    responses((status = 201, body = OnlineOrder), Errors))]
async fn place_order(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Json(i): Json<PlaceOrderRequest>,
) -> R<impl IntoResponse> {
    let input = uc::PlaceInput {
        location_id: i.location_id,
        lines: i
            .lines
            .into_iter()
            .map(|l| uc::LineInput {
                product_id: l.product_id,
                qty: l.qty,
            })
            .collect(),
        fulfilment: i.fulfilment,
        slot_start: i.slot_start,
        building_id: i.building_id,
        unit: i.unit,
        room: i.room,
        presale_date: i.presale_date,
        note: i.note,
        coupon_ids: i.coupon_ids,
    };
    let order = s.app.place_order(&r, input).await?;
    Ok((StatusCode::CREATED, axum::Json(order_out(order, View::Resident))))
}

/// One of the resident's own orders, with its pickup code and history.
#[utoipa::path(get, path = "/api/v1/resident/orders/{id}", tag = "orders", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OnlineOrder), Errors))]
async fn my_order(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Path(id): Path<i64>,
) -> R<JsonOut<OnlineOrder>> {
    Ok(axum::Json(order_out(
        s.app.my_order(&r, OrderId(id)).await?,
        View::Resident,
    )))
}

/// Starts paying an unpaid order: a QR payment intent (模拟支付 / payment simulator unless a real provider is configured).
#[utoipa::path(post, path = "/api/v1/resident/orders/{id}/pay", tag = "orders", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 201, body = PaymentIntent), Errors))]
async fn pay_order(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Path(id): Path<i64>,
) -> R<impl IntoResponse> {
    let started = s.app.pay_order(&r, OrderId(id)).await?;
    let simulator = s.app.payments.simulator().is_some();
    Ok((
        StatusCode::CREATED,
        axum::Json(PaymentIntent {
            intent: started.intent.provider_ref,
            order_id: started.intent.order_id.0,
            amount_fen: started.intent.amount_fen,
            qr_payload: started.intent.qr_payload,
            status: started.intent.status,
            provider: started.intent.provider,
            provider_label: started.provider_label.into(),
            simulator,
        }),
    ))
}

/// Cancels the resident's order before preparation starts; a paid order is refunded.
#[utoipa::path(post, path = "/api/v1/resident/orders/{id}/cancel", tag = "orders", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OnlineOrder), Errors))]
async fn cancel_my_order(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Path(id): Path<i64>,
) -> R<JsonOut<OnlineOrder>> {
    Ok(axum::Json(order_out(
        s.app.cancel_my_order(&r, OrderId(id)).await?,
        View::Resident,
    )))
}

/// Orders the same lines again (pickup unless another fulfilment is given), at today's prices.
#[utoipa::path(post, path = "/api/v1/resident/orders/{id}/reorder", tag = "orders", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReorderRequest, responses((status = 201, body = OnlineOrder), Errors))]
async fn reorder(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> R<impl IntoResponse> {
    // An empty body means "the same again, for pickup".
    let i: ReorderRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ReorderRequest::default()
    } else {
        crate::extract::parse_json(&body)?
    };
    let order = s
        .app
        .reorder(
            &r,
            OrderId(id),
            uc::ReorderInput {
                fulfilment: i.fulfilment,
                slot_start: i.slot_start,
                building_id: i.building_id,
                unit: i.unit,
                room: i.room,
                note: i.note,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(order_out(order, View::Resident))))
}

/// The delivery slots (配送时段) of a date still bookable at a location's store, with the room left in each.
#[utoipa::path(get, path = "/api/v1/resident/delivery-slots", tag = "orders", security(("bearer" = [])), params(SlotQuery),
    responses((status = 200, body = Vec<DeliverySlotOut>), Errors))]
async fn delivery_slots(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Query(q): Query<SlotQuery>,
) -> R<JsonOut<Vec<DeliverySlotOut>>> {
    let slots = s.app.delivery_slots(&r, q.location_id, &q.date).await?;
    Ok(axum::Json(
        slots
            .into_iter()
            .map(|v| DeliverySlotOut {
                start: v.start,
                end: v.end,
                capacity: v.capacity,
                booked: v.booked,
                remaining: v.remaining,
            })
            .collect(),
    ))
}

/// Presales (预售) still taking orders.
#[utoipa::path(get, path = "/api/v1/resident/presales", tag = "orders", security(("bearer" = [])),
    responses((status = 200, body = Vec<Presale>), Errors))]
async fn open_presales(State(s): State<AppState>, ResidentAuth(r): ResidentAuth) -> R<JsonOut<Vec<Presale>>> {
    Ok(axum::Json(
        s.app.open_presales(&r).await?.into_iter().map(presale_out).collect(),
    ))
}

/// 模拟支付 / payment simulator: approves or declines a pending QR payment as the payer's
/// wallet would, then applies it like a provider's notice. The resident whose order it is,
/// or staff of the organisation, may call it; only while the simulator is the payment port.
#[utoipa::path(post, path = "/api/v1/payments/{intent}/simulate", tag = "orders", security(("bearer" = [])),
    params(("intent" = String, Path)), request_body = SimulateRequest, responses((status = 200, body = SimulatedPayment), Errors))]
async fn simulate_payment(
    State(s): State<AppState>,
    Caller(c): Caller,
    Path(intent): Path<String>,
    Json(i): Json<SimulateRequest>,
) -> R<JsonOut<SimulatedPayment>> {
    let approve = simulated_approval(&i.outcome)?;
    let done = s.app.simulate_payment(&c, &intent, approve).await?;
    let view = match c {
        linli_app::orders::PaymentCaller::Resident(_) => View::Resident,
        linli_app::orders::PaymentCaller::Staff(_) => View::Staff,
    };
    Ok(axum::Json(SimulatedPayment {
        status: done.provider_status.into(),
        provider_label: done.provider_label.into(),
        simulator: true,
        order: order_out(done.order, view),
    }))
}

/// 短信模拟器 / SMS simulator outbox: the texts "sent" for the organisation, newest first
/// (owner and manager; only while the simulator is the SMS port).
#[utoipa::path(get, path = "/api/v1/dev/sms", tag = "orders", security(("bearer" = [])), params(SmsQuery),
    responses((status = 200, body = Vec<SimulatedSms>), Errors))]
async fn sms_outbox(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<SmsQuery>,
) -> R<JsonOut<Vec<SimulatedSms>>> {
    let label = s.app.sms.label();
    let out = s.app.sms_outbox(&a.actor, q.phone.as_deref())?;
    Ok(axum::Json(
        out.into_iter()
            .map(|m| SimulatedSms {
                phone: m.phone,
                text: m.text,
                code: m.code,
                at: m.at,
                sender: label.into(),
            })
            .collect(),
    ))
}

// ---- staff ----

/// Online orders, newest first, by status, fulfilment and location.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])), params(OrderQuery),
    responses((status = 200, body = OnlineOrderList), Errors))]
async fn list_orders(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<OrderQuery>,
) -> R<JsonOut<OnlineOrderList>> {
    let p = paging(q.page, q.page_size)?;
    let page = s
        .app
        .online_orders(&a.actor, q.status.as_deref(), q.fulfilment.as_deref(), q.location_id, p)
        .await?;
    Ok(axum::Json(order_list(page, p, View::Staff)))
}

/// One online order with its lines and history (no pickup code: the resident shows it).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OnlineOrder), Errors))]
async fn get_order(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<OnlineOrder>> {
    Ok(axum::Json(order_out(
        s.app.online_order(&a.actor, OrderId(id)).await?,
        View::Staff,
    )))
}

/// Moves an order on: prepare (备货), ready (待提货), dispatch (配送), deliver, complete
/// (a pickup needs `code`), cancel (a paid order needs the refund permission and is refunded).
#[utoipa::path(post, path = "/api/v1/orders/{id}/actions", tag = "orders", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = OrderActionRequest, responses((status = 200, body = OnlineOrder), Errors))]
async fn order_action(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<OrderActionRequest>,
) -> R<JsonOut<OnlineOrder>> {
    let order = s
        .app
        .order_action(&a.actor, OrderId(id), &i.action, i.code.as_deref())
        .await?;
    Ok(axum::Json(order_out(order, View::Staff)))
}

/// 核销: checks the pickup code the resident shows and hands the order over. Wrong codes are
/// counted; after 5 the order is locked until staff check the resident's identity.
#[utoipa::path(post, path = "/api/v1/orders/{id}/verify-pickup", tag = "orders", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PickupCodeRequest, responses((status = 200, body = OnlineOrder), Errors))]
async fn verify_pickup(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<PickupCodeRequest>,
) -> R<JsonOut<OnlineOrder>> {
    Ok(axum::Json(order_out(
        s.app.verify_pickup(&a.actor, OrderId(id), &i.code).await?,
        View::Staff,
    )))
}

/// The pick list (拣货单) of a location: product, lot and quantity for every order being prepared.
#[utoipa::path(get, path = "/api/v1/orders/pick-list", tag = "orders", security(("bearer" = [])), params(PickListQuery),
    responses((status = 200, body = Vec<PickListRow>), Errors))]
async fn pick_list(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<PickListQuery>,
) -> R<JsonOut<Vec<PickListRow>>> {
    Ok(axum::Json(
        s.app
            .pick_list(&a.actor, q.location_id)
            .await?
            .into_iter()
            .map(pick_out)
            .collect(),
    ))
}

/// Imports a food-delivery platform's order (美团/饿了么 style), paid, for collection at
/// the store. Idempotent by (platform, external_id): the first import answers 201, the
/// same content again 200 with the same order, other content under that id 409.
#[utoipa::path(post, path = "/api/v1/orders/import", tag = "orders", security(("bearer" = [])), request_body = ImportOrderRequest,
    responses((status = 201, body = OnlineOrder), (status = 200, body = OnlineOrder), Errors))]
async fn import_order(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<ImportOrderRequest>,
) -> R<impl IntoResponse> {
    let input = uc::ImportInput {
        platform: i.platform,
        external_id: i.external_id,
        location_id: i.location_id,
        lines: i
            .lines
            .into_iter()
            .map(|l| uc::ImportLineInput {
                product_id: l.product_id,
                qty: l.qty,
                unit_price_fen: l.unit_price_fen,
            })
            .collect(),
        note: i.note,
    };
    let (order, created) = s.app.import_order(&a.actor, input).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(order_out(order, View::Staff))))
}

/// Closes the organisation's orders left unpaid for 15 minutes and releases their stock
/// (placing an order runs the same sweep first).
#[utoipa::path(post, path = "/api/v1/orders/expire-unpaid", tag = "orders", security(("bearer" = [])),
    responses((status = 200, body = ExpiredOrders), Errors))]
async fn expire_unpaid(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<ExpiredOrders>> {
    Ok(axum::Json(ExpiredOrders {
        closed: s.app.expire_unpaid_now(&a.actor).await?,
    }))
}

/// All presales, soonest ship date first.
#[utoipa::path(get, path = "/api/v1/orders/presales", tag = "orders", security(("bearer" = [])),
    responses((status = 200, body = Vec<Presale>), Errors))]
async fn list_presales(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Vec<Presale>>> {
    a.actor.require(linli_domain::auth::Permission::FulfilOrders)?;
    Ok(axum::Json(
        s.app
            .store
            .presales(a.actor.org, None)
            .await
            .map_err(linli_app::AppError::from)?
            .into_iter()
            .map(presale_out)
            .collect(),
    ))
}

/// Opens a presale (预售) of a product with a cap, a per-order limit and an order deadline.
#[utoipa::path(post, path = "/api/v1/orders/presales", tag = "orders", security(("bearer" = [])), request_body = PresaleRequest,
    responses((status = 201, body = Presale), Errors))]
async fn create_presale(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<PresaleRequest>,
) -> R<impl IntoResponse> {
    let row = s
        .app
        .create_presale(
            &a.actor,
            uc::PresaleInput {
                product_id: i.product_id,
                ship_date: i.ship_date,
                cap_total: i.cap_total,
                per_order_max: i.per_order_max,
                order_by: i.order_by,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(presale_out(row))))
}

/// Sets how many orders one delivery slot of a location's store takes (default 20).
#[utoipa::path(put, path = "/api/v1/orders/delivery-slots", tag = "orders", security(("bearer" = [])), request_body = SlotCapacityRequest,
    responses((status = 200, body = DeliverySlotOut), Errors))]
async fn set_slot_capacity(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<SlotCapacityRequest>,
) -> R<JsonOut<DeliverySlotOut>> {
    let v = s
        .app
        .set_slot_capacity(&a.actor, i.location_id, i.slot_start, i.capacity)
        .await?;
    Ok(axum::Json(DeliverySlotOut {
        start: v.start,
        end: v.end,
        capacity: v.capacity,
        booked: v.booked,
        remaining: v.remaining,
    }))
}
