//! 收银、退款、交班 Till, refunds, shifts: the sale contract in docs/design/selling.md.

use super::{Errors, R};
use crate::AppState;
use crate::extract::{Auth, Json};
use crate::idempotency::SaleKeyRequest;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use linli_app::selling::SaleView;
use linli_domain::ids::OrderId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_sale))
        .routes(routes!(get_sale))
        .routes(routes!(refund_sale))
        .routes(routes!(receipt_html))
        .routes(routes!(receipt_escpos))
        .routes(routes!(open_shift))
        .routes(routes!(current_shift))
        .routes(routes!(close_shift))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleInput {
    /// Where the goods leave from (normally the sales floor).
    pub location_id: i64,
    pub lines: Vec<SaleLineInput>,
    /// The member at the till (会员).
    pub member_id: Option<i64>,
    /// Points the member uses as payment (积分抵现); needs member_id.
    pub redeem_points: Option<i64>,
    /// The member's coupons (issue ids from GET /api/v1/members/{id}/coupons) to use.
    #[serde(default)]
    pub coupon_ids: Vec<i64>,
    pub payments: Vec<PaymentInput>,
    /// 抹零 rule for the cash part: none, drop_fen, drop_jiao or half_up_jiao.
    pub rounding: Option<String>,
    /// Set by a till that rang the sale up while it was offline (离线销售).
    pub offline: Option<OfflineInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleLineInput {
    pub product_id: Option<i64>,
    /// A scanned code; a scale barcode carries its own weight.
    pub code: Option<String>,
    /// Pieces, or grams for weighed goods; default 1 piece or the scanned weight.
    pub qty: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// cash, wechat_qr, alipay_qr, card or stored_value (储值, needs member_id).
    pub tender: String,
    pub amount_fen: i64,
    /// For wechat_qr / alipay_qr paid through the payment port (POST /api/v1/kiosk/payments,
    /// approved by the payer): its reference. One payment pays one sale.
    pub payment_ref: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflineInput {
    /// The till's own id, generated once per device.
    pub till_id: String,
    /// When the till sold it (ms since the epoch).
    pub sold_at: i64,
}

/// A recorded sale; a replay of the same Idempotency-Key answers the same body.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct Sale {
    pub order_id: i64,
    pub number: String,
    pub created_at: i64,
    pub member_id: Option<i64>,
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    /// Before 抹零.
    pub total_fen: i64,
    /// After 抹零: what the store collected.
    pub due_fen: i64,
    pub rounding_fen: i64,
    pub paid_fen: i64,
    pub change_fen: i64,
    pub points_earned: i64,
    pub points_redeemed: i64,
    pub refunded_fen: i64,
    pub lines: Vec<SoldLine>,
    pub discounts: Vec<SaleDiscount>,
    pub payments: Vec<SalePayment>,
    /// Why the manager should look at it: stock_short or amount_mismatch (offline sales).
    pub flagged: Option<String>,
    pub offline_till: Option<String>,
}

#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct SoldLine {
    pub line_no: i64,
    pub product_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub qty: i64,
    pub unit_price_fen: i64,
    pub total_fen: i64,
    pub refunded_qty: i64,
}

#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct SaleDiscount {
    pub source: String,
    pub label_zh: String,
    pub label_en: String,
    pub amount_fen: i64,
}

#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct SalePayment {
    pub tender: String,
    pub amount_fen: i64,
    pub points: i64,
}

impl From<SaleView> for Sale {
    fn from(v: SaleView) -> Sale {
        let r = v.record;
        Sale {
            order_id: r.id.0,
            number: r.number,
            created_at: r.created_at,
            member_id: r.member_id.map(|m| m.0),
            subtotal_fen: r.subtotal_fen,
            discount_fen: r.discount_fen,
            total_fen: v.priced_total_fen,
            due_fen: r.total_fen,
            rounding_fen: r.rounding_fen,
            paid_fen: v.paid_fen,
            change_fen: r.change_fen,
            points_earned: r.points_earned,
            points_redeemed: r.points_redeemed,
            refunded_fen: r.refunded_fen,
            lines: r
                .lines
                .into_iter()
                .map(|l| SoldLine {
                    line_no: l.line_no,
                    product_id: l.product_id.0,
                    name_zh: l.name_zh,
                    name_en: l.name_en,
                    qty: l.qty,
                    unit_price_fen: l.unit_price_fen,
                    total_fen: l.total_fen,
                    refunded_qty: l.refunded_qty,
                })
                .collect(),
            discounts: r
                .discounts
                .into_iter()
                .map(|d| SaleDiscount {
                    source: d.source,
                    label_zh: d.label_zh,
                    label_en: d.label_en,
                    amount_fen: d.amount_fen,
                })
                .collect(),
            payments: r
                .payments
                .into_iter()
                .map(|p| SalePayment {
                    tender: p.method,
                    amount_fen: p.amount_fen,
                    points: p.points,
                })
                .collect(),
            flagged: r.flag,
            offline_till: r.offline_till,
        }
    }
}

/// Rings up a till sale: prices the lines, settles the payments (split payments, 抹零,
/// change) and records the sale through the group-commit writer; stock leaves by FEFO.
/// The Idempotency-Key is claimed in the same commit as the sale: a replay (an offline
/// till syncing its queue again) answers 201 with the first sale and
/// `Idempotent-Replayed: true`, and records nothing.
#[utoipa::path(post, path = "/api/v1/sales", tag = "selling", security(("bearer" = [])), request_body = SaleInput,
    responses((status = 201, body = Sale), Errors))]
async fn create_sale(
    State(s): State<AppState>,
    Auth(a): Auth,
    key: Option<axum::Extension<SaleKeyRequest>>,
    Json(i): Json<SaleInput>,
) -> R<Response> {
    let input = linli_app::selling::SellInput {
        location_id: i.location_id,
        lines: i
            .lines
            .into_iter()
            .map(|l| linli_app::selling::SellLine {
                product_id: l.product_id,
                code: l.code,
                qty: l.qty,
            })
            .collect(),
        member_id: i.member_id,
        redeem_points: i.redeem_points,
        coupon_ids: i.coupon_ids,
        payment_refs: i.payments.iter().map(|p| p.payment_ref.clone()).collect(),
        payments: i.payments.into_iter().map(|p| (p.tender, p.amount_fen)).collect(),
        rounding: i.rounding,
        offline: i.offline.map(|o| linli_app::selling::OfflineSale {
            till_id: o.till_id,
            sold_at: o.sold_at,
        }),
        key: key.map(|axum::Extension(k)| (k.key, k.request_hash)),
    };
    let view = s.app.sell(&a.actor, input).await?;
    let replayed = view.replayed;
    let mut resp = (StatusCode::CREATED, axum::Json(Sale::from(view))).into_response();
    if replayed {
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(resp)
}

/// One recorded sale, as the receipt shows it.
#[utoipa::path(get, path = "/api/v1/sales/{id}", tag = "selling", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Sale), Errors))]
async fn get_sale(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<axum::Json<Sale>> {
    Ok(axum::Json(Sale::from(s.app.sale(&a.actor, OrderId(id)).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// Sale lines and quantities to refund; empty or absent refunds everything left.
    #[serde(default)]
    pub lines: Vec<RefundLineInput>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundLineInput {
    /// The sale line's `line_no`.
    pub line_no: i64,
    pub qty: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Refund {
    pub refund_id: i64,
    pub order_id: i64,
    pub amount_fen: i64,
    /// Where the money goes back, non-cash first.
    pub payments: Vec<SalePayment>,
    pub lines: Vec<RefundedLine>,
    pub refunded_total_fen: i64,
    /// The whole sale is now refunded.
    pub whole: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundedLine {
    pub line_no: i64,
    pub qty: i64,
    pub amount_fen: i64,
}

/// Refunds part or all of a sale (退款): goods back onto their lots, money back to the
/// original tenders (non-cash first, cash last). Units are refunded at most once.
#[utoipa::path(post, path = "/api/v1/sales/{id}/refunds", tag = "selling", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RefundInput, responses((status = 201, body = Refund), Errors))]
async fn refund_sale(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<RefundInput>,
) -> R<(StatusCode, axum::Json<Refund>)> {
    let r = s
        .app
        .refund(
            &a.actor,
            OrderId(id),
            linli_app::selling::RefundInput {
                lines: i.lines.iter().map(|l| (l.line_no, l.qty)).collect(),
                reason: i.reason,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Refund {
            refund_id: r.id,
            order_id: r.order_id.0,
            amount_fen: r.amount_fen,
            payments: r
                .payments
                .into_iter()
                .map(|(tender, amount_fen, points)| SalePayment {
                    tender,
                    amount_fen,
                    points,
                })
                .collect(),
            lines: r
                .lines
                .into_iter()
                .map(|(line_no, qty, amount_fen)| RefundedLine {
                    line_no,
                    qty,
                    amount_fen,
                })
                .collect(),
            refunded_total_fen: r.refunded_total_fen,
            whole: r.whole,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenShiftInput {
    pub till_id: String,
    /// The drawer's opening float (备用金).
    pub float_fen: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseShiftInput {
    /// Cash counted in the drawer.
    pub counted_fen: i64,
    /// Cash paid out of the drawer during the shift (支出).
    #[serde(default)]
    pub payouts_fen: i64,
    #[serde(default)]
    pub note: String,
}

/// A shift (交班) and its drawer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Shift {
    pub id: i64,
    pub till_id: String,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub float_fen: i64,
    pub sales: i64,
    /// Cash kept from sales (tendered less change).
    pub cash_sales_fen: i64,
    pub cash_refunds_fen: i64,
    /// Cash taken for stored-value top-ups (储值充值).
    pub cash_top_ups_fen: i64,
    pub payouts_fen: i64,
    /// What the drawer should hold.
    pub expected_fen: i64,
    pub counted_fen: Option<i64>,
    /// Counted − expected: negative is short (短款), positive over (长款).
    pub variance_fen: Option<i64>,
}

impl From<linli_app::selling::ShiftView> for Shift {
    fn from(v: linli_app::selling::ShiftView) -> Shift {
        Shift {
            id: v.shift.id,
            till_id: v.shift.till_id,
            opened_at: v.shift.opened_at,
            closed_at: v.shift.closed_at,
            float_fen: v.shift.float_fen,
            sales: v.cash.sales,
            cash_sales_fen: v.cash.sales_fen,
            cash_refunds_fen: v.cash.refunds_fen,
            cash_top_ups_fen: v.cash.top_ups_fen,
            payouts_fen: v.shift.payouts_fen.unwrap_or(0),
            expected_fen: v.expected_fen,
            counted_fen: v.shift.counted_fen,
            variance_fen: v.shift.variance_fen,
        }
    }
}

/// Opens the caller's shift at a till; one open shift per cashier.
#[utoipa::path(post, path = "/api/v1/shifts", tag = "selling", security(("bearer" = [])),
    request_body = OpenShiftInput, responses((status = 201, body = Shift), Errors))]
async fn open_shift(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<OpenShiftInput>,
) -> R<(StatusCode, axum::Json<Shift>)> {
    let v = s.app.open_shift(&a.actor, &i.till_id, i.float_fen).await?;
    Ok((StatusCode::CREATED, axum::Json(Shift::from(v))))
}

/// The caller's open shift with the cash the drawer should hold now; 404 when none is open.
#[utoipa::path(get, path = "/api/v1/shifts/current", tag = "selling", security(("bearer" = [])),
    responses((status = 200, body = Shift), Errors))]
async fn current_shift(State(s): State<AppState>, Auth(a): Auth) -> R<axum::Json<Shift>> {
    Ok(axum::Json(Shift::from(s.app.current_shift(&a.actor).await?)))
}

/// Closes the caller's shift (交班) with the counted cash; answers the variance.
#[utoipa::path(post, path = "/api/v1/shifts/current/close", tag = "selling", security(("bearer" = [])),
    request_body = CloseShiftInput, responses((status = 200, body = Shift), Errors))]
async fn close_shift(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<CloseShiftInput>) -> R<axum::Json<Shift>> {
    let v = s
        .app
        .close_shift(&a.actor, i.counted_fen, i.payouts_fen, &i.note)
        .await?;
    Ok(axum::Json(Shift::from(v)))
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The receipt as a printable page (58 mm paper), for reprints (补打小票).
#[utoipa::path(get, path = "/api/v1/sales/{id}/receipt", tag = "selling", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, content_type = "text/html", body = String), Errors))]
async fn receipt_html(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<Response> {
    let doc = s.app.receipt(&a.actor, OrderId(id)).await?;
    let text = linli_domain::till::receipt_text(&doc, linli_app::selling::RECEIPT_COLS);
    let html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <meta name=\"viewport\" content=\"width=device-width\"><style>@page {{ size: 58mm auto; margin: 2mm }} \
         body {{ margin: 0 }} pre {{ font: 12px/1.35 'Noto Sans Mono CJK SC', monospace; margin: 0 }}</style></head>\
         <body><pre>{}</pre></body></html>",
        escape_html(&doc.order_number),
        escape_html(&text)
    );
    let mut resp = html.into_response();
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/html; charset=utf-8"));
    Ok(resp)
}

/// The receipt as ESC/POS bytes in GB18030 for a thermal printer.
#[utoipa::path(get, path = "/api/v1/sales/{id}/receipt.bin", tag = "selling", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), Errors))]
async fn receipt_escpos(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<Response> {
    let doc = s.app.receipt(&a.actor, OrderId(id)).await?;
    let bytes = linli_domain::till::escpos_bytes(&doc, linli_app::selling::RECEIPT_COLS);
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/octet-stream"));
    Ok(resp)
}
