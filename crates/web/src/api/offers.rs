//! 优惠券与促销 Coupons and promotions: defining, ending and issuing coupons, a member's
//! coupons, promotions with their windows and flash-sale caps, and the price quote the
//! till and the shop show before payment. Wire types live here, beside their handlers.

use super::{Errors, JsonOut, List, R, list, paging};
use crate::extract::{Auth, Json};
use crate::{AppState, api::Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use linli_app::offers::{
    CouponInput as AppCouponInput, IssueInput, PromotionInput as AppPromotionInput, QuoteInput, coupon_kind, phase,
    promotion_kind,
};
use linli_domain::pricing::{CouponKind, DiscountSource, PromotionRule};
use linli_store::{CouponRow, IssueOutcome, MemberCouponRow, PromotionRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(tags((name = "offers", description = "优惠券、促销、计价 Coupons, promotions and price quotes")))]
struct OffersDoc;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(OffersDoc::openapi())
        .routes(routes!(list_coupons, create_coupon))
        .routes(routes!(get_coupon))
        .routes(routes!(end_coupon))
        .routes(routes!(issue_coupon))
        .routes(routes!(member_coupons))
        .routes(routes!(list_promotions, create_promotion))
        .routes(routes!(get_promotion))
        .routes(routes!(end_promotion))
        .routes(routes!(quote))
}

// ---------------------------------------------------------------------------------------
// Wire types

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OfferQuery {
    /// active or ended.
    pub status: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MemberCouponQuery {
    /// Only the coupons usable now.
    pub usable: Option<bool>,
}

/// A coupon to create. Amounts in fen; percentages in basis points (2000 = 20% off = 8折).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponInput {
    pub name_zh: String,
    /// fixed (立减; with threshold_fen it is 满减), percent (折扣), category_fixed, category_percent,
    /// new_member (新人券), free_item (免单券).
    pub kind: String,
    /// fixed, category_fixed, new_member.
    pub amount_fen: Option<i64>,
    /// percent, category_percent: 100–9900.
    pub percent_off_bp: Option<i64>,
    /// percent kinds: the most one use takes off.
    pub max_off_fen: Option<i64>,
    /// category kinds.
    pub category_id: Option<i64>,
    /// free_item: one unit of this product free.
    pub product_id: Option<i64>,
    /// 满 threshold_fen 可用; 0 = no threshold. Must exceed amount_fen.
    pub threshold_fen: Option<i64>,
    /// Unix ms; default now.
    pub starts_at: Option<i64>,
    /// Unix ms, exclusive. Give ends_at, valid_days or both.
    pub ends_at: Option<i64>,
    /// Each copy is valid this many days after it is issued.
    pub valid_days: Option<i64>,
    /// Copies one member may hold (default 1).
    pub per_member_limit: Option<i64>,
    /// Uses across all members.
    pub total_limit: i64,
    /// Copies that may be given out; absent = no cap.
    pub issue_limit: Option<i64>,
    /// hand (default), new_member or birthday (issued automatically on the event).
    pub audience: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Coupon {
    pub id: i64,
    pub name_zh: String,
    /// A generated English name (for receipts printed in English).
    pub name_en: String,
    pub kind: String,
    pub amount_fen: Option<i64>,
    pub percent_off_bp: Option<i64>,
    pub max_off_fen: Option<i64>,
    pub category_id: Option<i64>,
    pub product_id: Option<i64>,
    pub threshold_fen: i64,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub valid_days: Option<i64>,
    pub per_member_limit: i64,
    pub total_limit: i64,
    pub issue_limit: Option<i64>,
    pub issued: i64,
    pub used: i64,
    /// active or ended.
    pub status: String,
    /// upcoming, running, over (window passed) or ended (by staff).
    pub phase: String,
    pub audience: String,
    pub note: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

/// The kind's parameters, as the wire spells them.
struct KindFields {
    amount_fen: Option<i64>,
    percent_off_bp: Option<i64>,
    max_off_fen: Option<i64>,
    category_id: Option<i64>,
    product_id: Option<i64>,
}

fn kind_fields(k: &CouponKind) -> KindFields {
    let mut f = KindFields {
        amount_fen: None,
        percent_off_bp: None,
        max_off_fen: None,
        category_id: None,
        product_id: None,
    };
    match k {
        CouponKind::Fixed { amount_fen } | CouponKind::NewMember { amount_fen } => f.amount_fen = Some(*amount_fen),
        CouponKind::Percent {
            percent_off_bp,
            max_off_fen,
        } => {
            f.percent_off_bp = Some(i64::from(*percent_off_bp));
            f.max_off_fen = *max_off_fen;
        }
        CouponKind::CategoryFixed { category, amount_fen } => {
            f.amount_fen = Some(*amount_fen);
            f.category_id = Some(category.0);
        }
        CouponKind::CategoryPercent {
            category,
            percent_off_bp,
            max_off_fen,
        } => {
            f.percent_off_bp = Some(i64::from(*percent_off_bp));
            f.max_off_fen = *max_off_fen;
            f.category_id = Some(category.0);
        }
        CouponKind::FreeItem { product } => f.product_id = Some(product.0),
    }
    f
}

fn coupon_out(c: CouponRow, now: i64) -> Coupon {
    let f = kind_fields(&c.kind);
    Coupon {
        id: c.id.0,
        name_en: c.kind.name_en(c.threshold_fen),
        kind: coupon_kind(&c.kind).into(),
        amount_fen: f.amount_fen,
        percent_off_bp: f.percent_off_bp,
        max_off_fen: f.max_off_fen,
        category_id: f.category_id,
        product_id: f.product_id,
        threshold_fen: c.threshold_fen,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        valid_days: c.valid_days,
        per_member_limit: c.per_member_limit,
        total_limit: c.total_limit,
        issue_limit: c.issue_limit,
        issued: c.issued,
        used: c.used,
        status: c.status.code().into(),
        phase: phase(c.status, c.starts_at, c.ends_at, now).into(),
        audience: c.audience.code().into(),
        note: c.note,
        created_at: c.created_at,
        ended_at: c.ended_at,
        name_zh: c.name_zh,
    }
}

/// Whom to give the coupon: member ids, phone numbers (11 digits), a segment
/// (`GET /api/v1/analytics/segments`), or any of them together.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    #[serde(default)]
    pub member_ids: Vec<i64>,
    #[serde(default)]
    pub phones: Vec<String>,
    /// Every member of this segment (高价值, 品质导向, 价格敏感, 新客, 一般, 沉睡).
    pub segment: Option<String>,
    /// Every member who bought from this category (or one under it) lately: a
    /// product-based audience, such as young parents (母婴) for a milk-powder coupon.
    pub bought_category: Option<i64>,
    /// How far back `bought_category` looks, in days (1–730, default 180).
    pub bought_within_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedCopy {
    pub member_id: i64,
    /// The copy's id: what the member presents as one of a sale's `coupon_ids`.
    pub coupon_id: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssueResult {
    pub issued: Vec<IssuedCopy>,
    /// Members who already hold as many copies as the per-member limit allows.
    pub at_limit: Vec<i64>,
}

impl From<IssueOutcome> for IssueResult {
    fn from(o: IssueOutcome) -> IssueResult {
        IssueResult {
            issued: o
                .issued
                .into_iter()
                .map(|(m, c)| IssuedCopy {
                    member_id: m.0,
                    coupon_id: c.0,
                })
                .collect(),
            at_limit: o.at_limit.into_iter().map(|m| m.0).collect(),
        }
    }
}

/// A coupon a member holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberCoupon {
    /// The copy's id, to present at the till (`coupon_ids`).
    pub id: i64,
    /// The coupon it is a copy of.
    pub coupon_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    pub amount_fen: Option<i64>,
    pub percent_off_bp: Option<i64>,
    pub max_off_fen: Option<i64>,
    pub category_id: Option<i64>,
    pub product_id: Option<i64>,
    pub threshold_fen: i64,
    /// issued, used, expired or voided.
    pub status: String,
    /// hand, list or event.
    pub source: String,
    pub issued_at: i64,
    pub starts_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub used_order_id: Option<i64>,
}

pub(super) fn member_coupon_out(c: MemberCouponRow, now: i64) -> MemberCoupon {
    let f = kind_fields(&c.kind);
    MemberCoupon {
        id: c.issue_id.0,
        coupon_id: c.coupon_id.0,
        name_en: c.kind.name_en(c.threshold_fen),
        kind: coupon_kind(&c.kind).into(),
        amount_fen: f.amount_fen,
        percent_off_bp: f.percent_off_bp,
        max_off_fen: f.max_off_fen,
        category_id: f.category_id,
        product_id: f.product_id,
        threshold_fen: c.threshold_fen,
        status: c.status_at(now).code().into(),
        source: c.source.code().into(),
        issued_at: c.issued_at,
        starts_at: c.starts_at,
        expires_at: c.expires_at,
        used_at: c.used_at,
        used_order_id: c.used_order_id.map(|o| o.0),
        name_zh: c.name_zh,
    }
}

/// A promotion to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionInput {
    pub name_zh: String,
    /// second_item_half_price (第二件半价), bundle_price (组合价), buy_x_get_y (买赠),
    /// flash_sale (秒杀), category_percent (品类折扣).
    pub kind: String,
    /// second_item_half_price, buy_x_get_y, flash_sale.
    pub product_id: Option<i64>,
    /// bundle_price: 2–20 products, one unit of each.
    #[serde(default)]
    pub product_ids: Vec<i64>,
    /// category_percent.
    pub category_id: Option<i64>,
    /// bundle_price: the bundle's price; flash_sale: the price per unit.
    pub price_fen: Option<i64>,
    /// buy_x_get_y.
    pub buy: Option<i64>,
    pub free: Option<i64>,
    /// category_percent: 100–9900.
    pub percent_off_bp: Option<i64>,
    /// flash_sale: units per order at the flash price (default 1).
    pub cap_per_order: Option<i64>,
    /// flash_sale: units across all orders.
    pub flash_cap: Option<i64>,
    /// Unix ms.
    pub starts_at: i64,
    /// Unix ms, exclusive.
    pub ends_at: i64,
    /// Among stackable promotions: higher first.
    pub priority: Option<i64>,
    /// Also applies to lines another promotion already discounted.
    pub stackable: Option<bool>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Promotion {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    pub product_id: Option<i64>,
    pub product_ids: Vec<i64>,
    pub category_id: Option<i64>,
    pub price_fen: Option<i64>,
    pub buy: Option<i64>,
    pub free: Option<i64>,
    pub percent_off_bp: Option<i64>,
    pub cap_per_order: Option<i64>,
    pub flash_cap: Option<i64>,
    pub flash_sold: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub priority: i64,
    pub stackable: bool,
    /// active or ended.
    pub status: String,
    /// upcoming, running, over or ended.
    pub phase: String,
    pub note: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

fn promotion_out(p: PromotionRow, now: i64) -> Promotion {
    let mut out = Promotion {
        id: p.id.0,
        name_en: p.rule.name_en(),
        kind: promotion_kind(&p.rule).into(),
        product_id: None,
        product_ids: Vec::new(),
        category_id: None,
        price_fen: None,
        buy: None,
        free: None,
        percent_off_bp: None,
        cap_per_order: None,
        flash_cap: p.flash_cap,
        flash_sold: p.flash_sold,
        starts_at: p.starts_at,
        ends_at: p.ends_at,
        priority: i64::from(p.priority),
        stackable: p.stackable,
        status: p.status.code().into(),
        phase: phase(p.status, p.starts_at, Some(p.ends_at), now).into(),
        note: p.note,
        created_at: p.created_at,
        ended_at: p.ended_at,
        name_zh: p.name_zh,
    };
    match p.rule {
        PromotionRule::SecondItemHalfPrice { product } => out.product_id = Some(product.0),
        PromotionRule::BundlePrice {
            products,
            bundle_price_fen,
        } => {
            out.product_ids = products.iter().map(|p| p.0).collect();
            out.price_fen = Some(bundle_price_fen);
        }
        PromotionRule::BuyXGetY { product, buy, free } => {
            out.product_id = Some(product.0);
            out.buy = Some(i64::from(buy));
            out.free = Some(i64::from(free));
        }
        PromotionRule::FlashSale {
            product,
            price_fen,
            cap_per_order,
        } => {
            out.product_id = Some(product.0);
            out.price_fen = Some(price_fen);
            out.cap_per_order = Some(i64::from(cap_per_order));
        }
        PromotionRule::CategoryPercent {
            category,
            percent_off_bp,
        } => {
            out.category_id = Some(category.0);
            out.percent_off_bp = Some(i64::from(percent_off_bp));
        }
    }
    out
}

/// A cart to price.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    pub lines: Vec<QuoteLineInput>,
    /// The member at the till or in the shop: tier discount, new-member coupons.
    pub member_id: Option<i64>,
    /// Copies of coupons the member presents (the `id` of their coupons).
    #[serde(default)]
    pub coupon_ids: Vec<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineInput {
    pub product_id: i64,
    /// Pieces, or grams for weighed goods.
    pub qty: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteLine {
    pub line_no: i64,
    pub product_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
    pub qty: i64,
    pub unit_price_fen: i64,
    pub base_fen: i64,
    pub discount_fen: i64,
    pub total_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteShare {
    pub line_no: i64,
    pub amount_fen: i64,
}

/// One reason the customer pays less.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteDiscount {
    /// promotion, coupon or member_tier.
    pub source: String,
    /// The promotion's id, or the coupon copy's id.
    pub source_id: Option<i64>,
    pub label_zh: String,
    pub label_en: String,
    pub amount_fen: i64,
    /// Where the discount fell, line by line (sums to amount_fen).
    pub lines: Vec<QuoteShare>,
}

/// A presented coupon the engine did not use, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteRejected {
    pub coupon_id: i64,
    /// expired, not_yet_valid, below_threshold, not_new_member, no_eligible_line, …
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlashUnits {
    pub promotion_id: i64,
    pub units: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Quote {
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    pub total_fen: i64,
    pub lines: Vec<QuoteLine>,
    /// In the order applied: promotions, the member discount, coupons.
    pub discounts: Vec<QuoteDiscount>,
    pub coupons_used: Vec<i64>,
    pub coupons_rejected: Vec<QuoteRejected>,
    /// Units at a flash-sale price, per flash sale.
    pub flash_units: Vec<FlashUnits>,
}

// ---------------------------------------------------------------------------------------
// Handlers

/// Coupons (definitions), newest first.
#[utoipa::path(get, path = "/api/v1/coupons", tag = "offers", security(("bearer" = [])), params(OfferQuery),
    responses((status = 200, body = List<Coupon>), Errors))]
async fn list_coupons(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<OfferQuery>,
) -> R<JsonOut<List<Coupon>>> {
    let p = paging(q.page, q.page_size)?;
    let page = s.app.coupons(&a.actor, q.status.as_deref(), p).await?;
    let now = s.app.now();
    Ok(list(page, p, |c| coupon_out(c, now)))
}

/// Defines a coupon (owner and manager): 满减 threshold, fixed, percent, category, new-member or free item,
/// with its validity and limits.
#[utoipa::path(post, path = "/api/v1/coupons", tag = "offers", security(("bearer" = [])), request_body = CouponInput,
    responses((status = 201, body = Coupon), Errors))]
async fn create_coupon(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<CouponInput>) -> R<impl IntoResponse> {
    let input = AppCouponInput {
        name_zh: i.name_zh,
        kind: i.kind,
        amount_fen: i.amount_fen,
        percent_off_bp: i.percent_off_bp,
        max_off_fen: i.max_off_fen,
        category_id: i.category_id,
        product_id: i.product_id,
        threshold_fen: i.threshold_fen,
        starts_at: i.starts_at,
        ends_at: i.ends_at,
        valid_days: i.valid_days,
        per_member_limit: i.per_member_limit,
        total_limit: i.total_limit,
        issue_limit: i.issue_limit,
        audience: i.audience,
        note: i.note,
    };
    let c = s.app.create_coupon(&a.actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(coupon_out(c, s.app.now()))))
}

#[utoipa::path(get, path = "/api/v1/coupons/{id}", tag = "offers", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Coupon), Errors))]
async fn get_coupon(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<Coupon>> {
    let c = s.app.coupon(&a.actor, id).await?;
    Ok(axum::Json(coupon_out(c, s.app.now())))
}

/// Ends a coupon: no more copies are issued; copies already given stay usable until they expire.
#[utoipa::path(post, path = "/api/v1/coupons/{id}/end", tag = "offers", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Coupon), Errors))]
async fn end_coupon(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<Coupon>> {
    let c = s.app.end_coupon(&a.actor, id).await?;
    Ok(axum::Json(coupon_out(c, s.app.now())))
}

/// Gives the coupon to members by id or phone, in one transaction. Members at their per-member limit are
/// skipped and listed; if fewer copies are left than asked for, nothing is issued (409 `coupon_issue_limit`).
#[utoipa::path(post, path = "/api/v1/coupons/{id}/issues", tag = "offers", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = IssueRequest, responses((status = 201, body = IssueResult), Errors))]
async fn issue_coupon(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<IssueRequest>,
) -> R<impl IntoResponse> {
    let input = IssueInput {
        member_ids: i.member_ids,
        phones: i.phones,
        segment: i.segment,
        bought_category: i.bought_category,
        bought_within_days: i.bought_within_days,
    };
    let outcome = s.app.issue_coupon(&a.actor, id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(IssueResult::from(outcome))))
}

/// A member's coupons, newest first; `usable=true` keeps the ones usable now.
#[utoipa::path(get, path = "/api/v1/members/{id}/coupons", tag = "offers", security(("bearer" = [])),
    params(("id" = i64, Path), MemberCouponQuery), responses((status = 200, body = Vec<MemberCoupon>), Errors))]
async fn member_coupons(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Query(q): Query<MemberCouponQuery>,
) -> R<JsonOut<Vec<MemberCoupon>>> {
    let rows = s.app.member_coupons(&a.actor, id, q.usable.unwrap_or(false)).await?;
    let now = s.app.now();
    Ok(axum::Json(
        rows.into_iter().map(|c| member_coupon_out(c, now)).collect(),
    ))
}

/// Promotions, newest first.
#[utoipa::path(get, path = "/api/v1/promotions", tag = "offers", security(("bearer" = [])), params(OfferQuery),
    responses((status = 200, body = List<Promotion>), Errors))]
async fn list_promotions(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<OfferQuery>,
) -> R<JsonOut<List<Promotion>>> {
    let p = paging(q.page, q.page_size)?;
    let page = s.app.promotions(&a.actor, q.status.as_deref(), p).await?;
    let now = s.app.now();
    Ok(list(page, p, |x| promotion_out(x, now)))
}

/// Creates a promotion (owner and manager): second item half price, bundle price, buy X get Y,
/// a flash sale with its window and cap, or a category discount.
#[utoipa::path(post, path = "/api/v1/promotions", tag = "offers", security(("bearer" = [])), request_body = PromotionInput,
    responses((status = 201, body = Promotion), Errors))]
async fn create_promotion(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<PromotionInput>,
) -> R<impl IntoResponse> {
    let input = AppPromotionInput {
        name_zh: i.name_zh,
        kind: i.kind,
        product_id: i.product_id,
        product_ids: i.product_ids,
        category_id: i.category_id,
        price_fen: i.price_fen,
        buy: i.buy,
        free: i.free,
        percent_off_bp: i.percent_off_bp,
        cap_per_order: i.cap_per_order,
        flash_cap: i.flash_cap,
        starts_at: i.starts_at,
        ends_at: i.ends_at,
        priority: i.priority,
        stackable: i.stackable,
        note: i.note,
    };
    let p = s.app.create_promotion(&a.actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(promotion_out(p, s.app.now()))))
}

#[utoipa::path(get, path = "/api/v1/promotions/{id}", tag = "offers", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Promotion), Errors))]
async fn get_promotion(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<Promotion>> {
    let p = s.app.promotion(&a.actor, id).await?;
    Ok(axum::Json(promotion_out(p, s.app.now())))
}

/// Ends a promotion now: no price includes it from this instant.
#[utoipa::path(post, path = "/api/v1/promotions/{id}/end", tag = "offers", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Promotion), Errors))]
async fn end_promotion(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<Promotion>> {
    let p = s.app.end_promotion(&a.actor, id).await?;
    Ok(axum::Json(promotion_out(p, s.app.now())))
}

/// Prices a cart with the running promotions, the member's tier and the coupons presented, explaining
/// every discount (label in Chinese and English, amount, the lines it fell on). Nothing is written.
#[utoipa::path(post, path = "/api/v1/pricing/quote", tag = "offers", security(("bearer" = [])), request_body = QuoteRequest,
    responses((status = 200, body = Quote), Errors))]
async fn quote(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<QuoteRequest>) -> R<JsonOut<Quote>> {
    let input = QuoteInput {
        lines: i.lines.iter().map(|l| (l.product_id, l.qty)).collect(),
        member_id: i.member_id,
        coupon_ids: i.coupon_ids,
    };
    let q = s.app.quote(&a.actor, input).await?;
    let p = &q.priced;
    Ok(axum::Json(Quote {
        subtotal_fen: p.subtotal_fen,
        discount_fen: p.subtotal_fen - p.total_fen,
        total_fen: p.total_fen,
        lines: q
            .lines
            .iter()
            .map(|l| QuoteLine {
                line_no: i64::from(l.line_no),
                product_id: l.product_id.0,
                name_zh: l.name_zh.clone(),
                name_en: l.name_en.clone(),
                unit: l.unit.clone(),
                qty: l.qty,
                unit_price_fen: l.unit_price_fen,
                base_fen: l.base_fen,
                discount_fen: l.discount_fen,
                total_fen: l.total_fen,
            })
            .collect(),
        discounts: p
            .discounts
            .iter()
            .map(|d| {
                let (source, source_id) = match d.source {
                    DiscountSource::Promotion(id) => ("promotion", Some(id.0)),
                    DiscountSource::Coupon(id) => ("coupon", Some(id.0)),
                    DiscountSource::MemberTier => ("member_tier", None),
                };
                QuoteDiscount {
                    source: source.into(),
                    source_id,
                    label_zh: d.name_zh.clone(),
                    label_en: d.name_en.clone(),
                    amount_fen: d.amount_fen,
                    lines: d
                        .lines
                        .iter()
                        .map(|s| QuoteShare {
                            line_no: i64::from(s.line_no),
                            amount_fen: s.amount_fen,
                        })
                        .collect(),
                }
            })
            .collect(),
        coupons_used: p.coupons_used.iter().map(|c| c.0).collect(),
        coupons_rejected: q
            .rejected
            .iter()
            .map(|r| QuoteRejected {
                coupon_id: r.coupon_id.0,
                code: r.code.into(),
                message_zh: r.message_zh.clone(),
                message_en: r.message_en.clone(),
            })
            .collect(),
        flash_units: q
            .flash_units
            .iter()
            .map(|(id, units)| FlashUnits {
                promotion_id: id.0,
                units: *units,
            })
            .collect(),
    }))
}
