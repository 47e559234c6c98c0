//! 自助结账 Self-checkout kiosk: a member identifies with a one-time code, the cart is
//! priced before paying, the QR payment goes through the payment port (its simulator is
//! labelled), and staff confirm weighed or restricted goods with their password. The
//! sale itself is `POST /api/v1/sales`. Every call needs a staff session with the sell
//! permission (the kiosk is a device signed in with a cashier's account).

use super::{Errors, JsonOut, R, simulated_approval};
use crate::extract::{Auth, Json, client_ip};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use linli_app::kiosk::{KioskPaymentView, QuoteInput, QuoteLineInput};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(tags((name = "kiosk", description = "自助结账 Self-checkout kiosk")))]
struct KioskDoc;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(KioskDoc::openapi())
        .routes(routes!(request_code))
        .routes(routes!(verify_code))
        .routes(routes!(quote))
        .routes(routes!(start_payment))
        .routes(routes!(payment_status))
        .routes(routes!(simulate_payment))
        .routes(routes!(staff_confirm))
}

// ---------------------------------------------------------------------------------------
// Wire types

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskCodeRequest {
    /// The member's mainland mobile number.
    pub phone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KioskCodeSent {
    /// Masked: 138****8000.
    pub phone: String,
    pub expires_at: i64,
    /// No new code before this instant.
    pub resend_after: i64,
    /// Which SMS gateway sent it: "短信模拟器 / SMS simulator" when simulated.
    pub sender: String,
    /// Only while the SMS simulator is the SMS port (nothing is really texted): the code,
    /// for the kiosk's labelled "短信模拟器" box. Never present with a real gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulator_code: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskVerifyRequest {
    pub phone: String,
    /// The 6-digit code.
    pub code: String,
}

/// The member identified at the kiosk, for this sale only (no session is made): put
/// `id` in the sale's `member_id`.
#[derive(Debug, Serialize, ToSchema)]
pub struct KioskMember {
    pub id: i64,
    /// Member code (M000042).
    pub code: String,
    /// The first character only.
    pub name: String,
    /// Masked: 138****8000.
    pub phone: String,
    pub tier: super::loyalty::LoyaltyTier,
    pub points_available: i64,
    /// What all available points would pay, before the order-share cap.
    pub points_value_fen: i64,
    /// 100 = 100 points pay ¥1.
    pub points_per_yuan: i64,
    /// The most of an order points may pay, in basis points.
    pub order_share_max_bp: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskQuoteRequest {
    pub lines: Vec<KioskQuoteLineInput>,
    /// The member identified at the kiosk: their tier prices the cart.
    pub member_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskQuoteLineInput {
    pub product_id: i64,
    /// Pieces, or grams for weighed goods.
    pub qty: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KioskQuotedLine {
    pub product_id: i64,
    pub name_zh: String,
    pub qty: i64,
    pub weighed: bool,
    pub unit_price_fen: i64,
    pub total_fen: i64,
    /// Restricted goods (a restricted category such as tobacco or alcohol): staff confirm.
    pub restricted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KioskQuotedDiscount {
    pub label_zh: String,
    pub label_en: String,
    pub amount_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KioskQuotePoints {
    pub available: i64,
    /// The most the member may use on this cart (balance and order-share cap).
    pub max_redeemable: i64,
    pub max_value_fen: i64,
    pub points_per_yuan: i64,
}

/// The cart priced as the sale will price it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct KioskQuote {
    pub lines: Vec<KioskQuotedLine>,
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    /// What the sale will cost before points.
    pub total_fen: i64,
    pub discounts: Vec<KioskQuotedDiscount>,
    /// Present when a member is given.
    pub points: Option<KioskQuotePoints>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskPaymentRequest {
    /// What the QR code asks for: the sale's total less what points pay.
    pub amount_fen: i64,
}

/// A QR payment asked of the payment port.
#[derive(Debug, Serialize, ToSchema)]
pub struct KioskPayment {
    /// The provider's reference.
    pub payment_ref: String,
    pub amount_fen: i64,
    /// What the QR code encodes (on creation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_payload: Option<String>,
    /// pending, approved, declined or refunded.
    pub status: String,
    /// "模拟支付 / payment simulator" when simulated: no real money moves.
    pub provider_label: String,
    pub simulator: bool,
}

impl From<KioskPaymentView> for KioskPayment {
    fn from(v: KioskPaymentView) -> KioskPayment {
        KioskPayment {
            payment_ref: v.provider_ref,
            amount_fen: v.amount_fen,
            qr_payload: v.qr_payload,
            status: v.status.code().into(),
            provider_label: v.provider_label.into(),
            simulator: v.simulator,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskSimulateRequest {
    /// approve or decline.
    pub outcome: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffConfirmRequest {
    /// The kiosk's own account or a manager's.
    pub username: String,
    pub password: String,
    /// What was checked (goods and weights), for the audit log.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffConfirmation {
    pub staff_id: i64,
    pub username: String,
    pub display_name: String,
    /// owner, manager or cashier.
    pub role: String,
    pub at: i64,
}

// ---------------------------------------------------------------------------------------
// Handlers

fn too_many(e: &linli_app::AppError) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        e.field(),
        &e.message_en(),
        &e.message_zh(),
    )
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

/// Texts the member a one-time code (the SMS port). Only a member of the organisation
/// gets one; one a minute and five an hour per phone. With the SMS simulator the answer
/// carries the code for the kiosk's labelled simulator box.
#[utoipa::path(post, path = "/api/v1/kiosk/otp", tag = "kiosk", security(("bearer" = [])),
    request_body = KioskCodeRequest, responses((status = 200, body = KioskCodeSent), (status = 429, body = crate::error::ErrorBody), Errors))]
async fn request_code(
    State(s): State<AppState>,
    Auth(a): Auth,
    parts: Parts,
    Json(i): Json<KioskCodeRequest>,
) -> R<JsonOut<KioskCodeSent>> {
    if !s
        .login_limiter
        .allow(&format!("kiosk-otp:{}", client_ip(&parts)), s.app.now())
    {
        return Err(rate_limited());
    }
    match s.app.kiosk_request_code(&a.actor, &i.phone).await {
        Ok(sent) => Ok(axum::Json(KioskCodeSent {
            phone: sent.phone_masked,
            expires_at: sent.expires_at,
            resend_after: sent.resend_after,
            sender: sent.sender_label.into(),
            simulator_code: sent.simulator_code,
        })),
        Err(e) if e.code() == "rate_limited" => Err(too_many(&e)),
        Err(e) => Err(e.into()),
    }
}

/// Checks the member's code and answers who they are, for this sale only. A wrong code
/// is counted; after five the code is void and a new one must be requested.
#[utoipa::path(post, path = "/api/v1/kiosk/verify", tag = "kiosk", security(("bearer" = [])),
    request_body = KioskVerifyRequest, responses((status = 200, body = KioskMember), Errors))]
async fn verify_code(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<KioskVerifyRequest>,
) -> R<JsonOut<KioskMember>> {
    let m = s.app.kiosk_verify_code(&a.actor, &i.phone, &i.code).await?;
    Ok(axum::Json(KioskMember {
        id: m.id.0,
        code: m.code,
        name: m.name_masked,
        phone: m.phone_masked,
        tier: m.tier.into(),
        points_available: m.points_available,
        points_value_fen: m.points_value_fen,
        points_per_yuan: m.points_per_yuan,
        order_share_max_bp: i64::from(m.order_share_max_bp),
    }))
}

/// Prices the kiosk's cart as the sale will (promotions, the member's tier), flags
/// restricted goods, and says how many points the member may use on it. Changes nothing.
#[utoipa::path(post, path = "/api/v1/kiosk/quote", tag = "kiosk", security(("bearer" = [])),
    request_body = KioskQuoteRequest, responses((status = 200, body = KioskQuote), Errors))]
async fn quote(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<KioskQuoteRequest>) -> R<JsonOut<KioskQuote>> {
    let input = QuoteInput {
        lines: i
            .lines
            .iter()
            .map(|l| QuoteLineInput {
                product_id: l.product_id,
                qty: l.qty,
            })
            .collect(),
        member_id: i.member_id,
    };
    let q = s.app.kiosk_quote(&a.actor, &input).await?;
    Ok(axum::Json(KioskQuote {
        lines: q
            .lines
            .into_iter()
            .map(|l| KioskQuotedLine {
                product_id: l.product_id.0,
                name_zh: l.name_zh,
                qty: l.qty,
                weighed: l.weighed,
                unit_price_fen: l.unit_price_fen,
                total_fen: l.total_fen,
                restricted: l.restricted,
            })
            .collect(),
        subtotal_fen: q.subtotal_fen,
        discount_fen: q.discount_fen,
        total_fen: q.total_fen,
        discounts: q
            .discounts
            .into_iter()
            .map(|d| KioskQuotedDiscount {
                label_zh: d.label_zh,
                label_en: d.label_en,
                amount_fen: d.amount_fen,
            })
            .collect(),
        points: q.points.map(|p| KioskQuotePoints {
            available: p.available,
            max_redeemable: p.max_redeemable,
            max_value_fen: p.max_value_fen,
            points_per_yuan: p.points_per_yuan,
        }),
    }))
}

/// Asks the payment port for a QR payment of `amount_fen`. The payer approves it in
/// their wallet (with the simulator: `POST /api/v1/kiosk/payments/{payment_ref}/simulate`);
/// after approval the kiosk records the sale with tender `wechat_qr` for this amount.
#[utoipa::path(post, path = "/api/v1/kiosk/payments", tag = "kiosk", security(("bearer" = [])),
    request_body = KioskPaymentRequest, responses((status = 201, body = KioskPayment), Errors))]
async fn start_payment(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<KioskPaymentRequest>,
) -> R<(StatusCode, JsonOut<KioskPayment>)> {
    let v = s.app.kiosk_start_payment(&a.actor, i.amount_fen).await?;
    Ok((StatusCode::CREATED, axum::Json(v.into())))
}

/// How a kiosk payment stands at the provider; another organisation's is 404.
#[utoipa::path(get, path = "/api/v1/kiosk/payments/{payment_ref}", tag = "kiosk", security(("bearer" = [])),
    params(("payment_ref" = String, Path)), responses((status = 200, body = KioskPayment), Errors))]
async fn payment_status(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(payment_ref): Path<String>,
) -> R<JsonOut<KioskPayment>> {
    Ok(axum::Json(s.app.kiosk_payment(&a.actor, &payment_ref).await?.into()))
}

/// 模拟支付 / payment simulator: approves or declines a kiosk payment as the payer's
/// wallet would. Only while the simulator is the payment port.
#[utoipa::path(post, path = "/api/v1/kiosk/payments/{payment_ref}/simulate", tag = "kiosk", security(("bearer" = [])),
    params(("payment_ref" = String, Path)), request_body = KioskSimulateRequest, responses((status = 200, body = KioskPayment), Errors))]
async fn simulate_payment(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(payment_ref): Path<String>,
    Json(i): Json<KioskSimulateRequest>,
) -> R<JsonOut<KioskPayment>> {
    let approve = simulated_approval(&i.outcome)?;
    let v = s.app.kiosk_simulate_payment(&a.actor, &payment_ref, approve).await?;
    Ok(axum::Json(v.into()))
}

/// A staff member confirms weighed or restricted goods at the kiosk with their password
/// (the kiosk's own account or a manager's). No session is made; wrong passwords count
/// toward the account's lock as sign-ins do, and the confirmation is audited.
#[utoipa::path(post, path = "/api/v1/kiosk/staff-confirm", tag = "kiosk", security(("bearer" = [])),
    request_body = StaffConfirmRequest, responses((status = 200, body = StaffConfirmation), (status = 429, body = crate::error::ErrorBody), Errors))]
async fn staff_confirm(
    State(s): State<AppState>,
    Auth(a): Auth,
    parts: Parts,
    Json(i): Json<StaffConfirmRequest>,
) -> R<JsonOut<StaffConfirmation>> {
    if !s
        .login_limiter
        .allow(&format!("kiosk-confirm:{}", client_ip(&parts)), s.app.now())
    {
        return Err(rate_limited());
    }
    let c = s
        .app
        .kiosk_staff_confirm(&a.actor, &i.username, &i.password, &i.note)
        .await?;
    Ok(axum::Json(StaffConfirmation {
        staff_id: c.staff.0,
        username: c.username,
        display_name: c.display_name,
        role: c.role.code().into(),
        at: c.at,
    }))
}
