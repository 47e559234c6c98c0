//! 居民商城 The resident shop's reads under `/api/v1/resident/…` (resident tokens only):
//! the shop a resident orders from, categories, scene zones, products with stock status
//! and freshness, and the resident's own member page (tier, points, stored value,
//! statements, coupons).
//!
//! None of these takes a member id: the member is the one the token belongs to, so
//! another resident's balances cannot be asked for. A staff token is "not signed in"
//! here. Ordering, paying and cancelling are in `orders.rs`.

use super::loyalty::{MemberLoyalty, PointsLine, StoredValueLine};
use super::offers::{MemberCoupon, member_coupon_out};
use super::{Errors, JsonOut, List, PageQuery, Query, R, list, paging};
use crate::AppState;
use crate::resident::ResidentAuth;
use axum::extract::{Path, State};
use linli_app::shop::ShelfItem;
use linli_domain::catalog::UnitKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(tags((name = "shop", description = "居民商城 The resident shop: catalog and the resident's own member page")))]
struct ShopDoc;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ShopDoc::openapi())
        .routes(routes!(shop_info))
        .routes(routes!(shop_categories))
        .routes(routes!(shop_zones))
        .routes(routes!(shop_products))
        .routes(routes!(shop_product))
        .routes(routes!(my_loyalty))
        .routes(routes!(my_points))
        .routes(routes!(my_stored_value))
        .routes(routes!(my_coupons))
}

// ---------------------------------------------------------------------------------------
// Wire types

#[derive(Debug, Serialize, ToSchema)]
pub struct ShopBuilding {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub compound_zh: String,
}

/// The resident's address on file (楼栋 / 单元 / 房号).
#[derive(Debug, Serialize, ToSchema)]
pub struct ShopHome {
    pub building_id: Option<i64>,
    pub building_name: Option<String>,
    pub unit: String,
    pub room: String,
}

/// Where the resident shops.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShopInfo {
    pub org_id: i64,
    pub org_name: String,
    pub store_id: i64,
    pub store_name: String,
    pub store_address: String,
    /// Send as `location_id` when placing an order.
    pub location_id: i64,
    pub member_id: i64,
    /// Member code on cards and receipts (M000042).
    pub member_code: String,
    pub home: ShopHome,
    /// Buildings the store delivers to.
    pub buildings: Vec<ShopBuilding>,
    /// "模拟支付 / payment simulator" while the simulator is the payment port.
    pub payment_label: String,
    pub payment_simulator: bool,
    /// "短信模拟器 / SMS simulator" while the simulator is the SMS port.
    pub sms_label: String,
    pub sms_simulator: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShopCategory {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// 场景专区 A scene zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShopZone {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ShopProductQuery {
    /// Name, pinyin initials ("nn" finds 牛奶), full pinyin, SKU or barcode.
    pub q: Option<String>,
    pub category_id: Option<i64>,
    /// A scene zone (场景专区).
    pub zone_id: Option<i64>,
    pub page: Option<i64>,
    /// At most 100.
    pub page_size: Option<i64>,
}

/// A product as the shop shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShopProduct {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub brand: String,
    pub category_id: Option<i64>,
    pub zone_ids: Vec<i64>,
    /// piece, or weight (price per kg, quantities in grams).
    pub unit_kind: String,
    pub unit_label: String,
    pub price_fen: i64,
    /// Units (grams for weighed goods) the store can still promise: on hand − reserved.
    pub available: i64,
    /// in_stock 有货, low 仅剩 N 件, sold_out 售罄.
    pub stock_status: String,
    /// The last day the next unit handed out may be sold (ISO date).
    pub best_before: Option<String>,
    /// Days from today to `best_before` (0 = its last day).
    pub days_left: Option<i64>,
    /// 临期: close to its expiry.
    pub near_expiry: bool,
    /// 今日到货: a lot arrived today.
    pub arrived_today: bool,
}

impl From<ShelfItem> for ShopProduct {
    fn from(i: ShelfItem) -> ShopProduct {
        let p = i.product;
        ShopProduct {
            id: p.id.0,
            name_zh: p.name_zh,
            name_en: p.name_en,
            brand: p.brand,
            category_id: p.category_id.map(|c| c.0),
            zone_ids: p.zone_ids.iter().map(|z| z.0).collect(),
            unit_kind: match p.unit_kind {
                UnitKind::Piece => "piece".into(),
                UnitKind::Weight => "weight".into(),
            },
            unit_label: p.unit_label,
            price_fen: p.price_fen,
            available: i.available,
            stock_status: i.status.code().into(),
            best_before: i.freshness.best_before.map(|d| d.to_string()),
            days_left: i.freshness.days_left,
            near_expiry: i.freshness.near_expiry,
            arrived_today: i.freshness.arrived_today,
        }
    }
}

/// No parameters: whose data is shown comes from the token, never from the request,
/// and a stray `member_id` is refused rather than silently ignored.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MyCouponQuery {
    /// Only the coupons usable now.
    pub usable: Option<bool>,
}

// ---------------------------------------------------------------------------------------
// Handlers

/// The store the resident orders from, the location to order from, the buildings it
/// delivers to, the resident's address on file, and which ports are simulators.
#[utoipa::path(get, path = "/api/v1/resident/shop", tag = "shop", security(("bearer" = [])),
    responses((status = 200, body = ShopInfo), Errors))]
async fn shop_info(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Query(NoParams {}): Query<NoParams>,
) -> R<JsonOut<ShopInfo>> {
    let info = s.app.shop_info(&r).await?;
    let building_name = info
        .home
        .building
        .and_then(|b| info.buildings.iter().find(|x| x.id == b))
        .map(|b| b.name_zh.clone());
    Ok(axum::Json(ShopInfo {
        org_id: r.org.0,
        org_name: info.org_name,
        store_id: info.store.id.0,
        store_name: info.store.name,
        store_address: info.store.address,
        location_id: info.location.id.0,
        member_id: r.member.0,
        member_code: info.member_code,
        home: ShopHome {
            building_id: info.home.building.map(|b| b.0),
            building_name,
            unit: info.home.unit,
            room: info.home.room,
        },
        buildings: info
            .buildings
            .into_iter()
            .map(|b| ShopBuilding {
                id: b.id.0,
                code: b.code,
                name_zh: b.name_zh,
                compound_zh: b.compound_zh,
            })
            .collect(),
        payment_label: s.app.payments.label().into(),
        payment_simulator: s.app.payments.simulator().is_some(),
        sms_label: s.app.sms.label().into(),
        sms_simulator: s.app.sms.simulator().is_some(),
    }))
}

/// Top-level categories (a category's products include its sub-categories').
#[utoipa::path(get, path = "/api/v1/resident/categories", tag = "shop", security(("bearer" = [])),
    responses((status = 200, body = Vec<ShopCategory>), Errors))]
async fn shop_categories(State(s): State<AppState>, ResidentAuth(r): ResidentAuth) -> R<JsonOut<Vec<ShopCategory>>> {
    Ok(axum::Json(
        s.app
            .shop_categories(&r)
            .await?
            .into_iter()
            .map(|c| ShopCategory {
                id: c.id.0,
                code: c.code,
                name_zh: c.name_zh,
                name_en: c.name_en,
            })
            .collect(),
    ))
}

/// Scene zones (场景专区: 早餐角, 应急专区, 亲子区 …).
#[utoipa::path(get, path = "/api/v1/resident/zones", tag = "shop", security(("bearer" = [])),
    responses((status = 200, body = Vec<ShopZone>), Errors))]
async fn shop_zones(State(s): State<AppState>, ResidentAuth(r): ResidentAuth) -> R<JsonOut<Vec<ShopZone>>> {
    Ok(axum::Json(
        s.app
            .shop_zones(&r)
            .await?
            .into_iter()
            .map(|z| ShopZone {
                id: z.id.0,
                code: z.code,
                name_zh: z.name_zh,
                name_en: z.name_en,
            })
            .collect(),
    ))
}

/// The organisation's active products, best search matches first, with stock status and freshness.
#[utoipa::path(get, path = "/api/v1/resident/products", tag = "shop", security(("bearer" = [])),
    params(ShopProductQuery), responses((status = 200, body = List<ShopProduct>), Errors))]
async fn shop_products(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Query(q): Query<ShopProductQuery>,
) -> R<JsonOut<List<ShopProduct>>> {
    let p = paging(q.page, q.page_size)?;
    let page = s
        .app
        .shop_products(&r, q.q.as_deref(), q.category_id, q.zone_id, p)
        .await?;
    Ok(list(page, p, ShopProduct::from))
}

/// One active product with its stock status and freshness.
#[utoipa::path(get, path = "/api/v1/resident/products/{id}", tag = "shop", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = ShopProduct), Errors))]
async fn shop_product(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Path(id): Path<i64>,
) -> R<JsonOut<ShopProduct>> {
    Ok(axum::Json(s.app.shop_product(&r, id).await?.into()))
}

/// The resident's own tier, points and stored value.
#[utoipa::path(get, path = "/api/v1/resident/loyalty", tag = "shop", security(("bearer" = [])),
    responses((status = 200, body = MemberLoyalty), Errors))]
async fn my_loyalty(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Query(NoParams {}): Query<NoParams>,
) -> R<JsonOut<MemberLoyalty>> {
    Ok(axum::Json(s.app.resident_loyalty(&r).await?.into()))
}

/// The resident's own points statement (积分明细), newest first.
#[utoipa::path(get, path = "/api/v1/resident/points", tag = "shop", security(("bearer" = [])),
    params(PageQuery), responses((status = 200, body = List<PointsLine>), Errors))]
async fn my_points(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Query(q): Query<PageQuery>,
) -> R<JsonOut<List<PointsLine>>> {
    let p = paging(q.page, q.page_size)?;
    Ok(list(s.app.resident_points(&r, p).await?, p, PointsLine::from))
}

/// The resident's own stored-value statement (储值明细), newest first.
#[utoipa::path(get, path = "/api/v1/resident/stored-value", tag = "shop", security(("bearer" = [])),
    params(PageQuery), responses((status = 200, body = List<StoredValueLine>), Errors))]
async fn my_stored_value(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Query(q): Query<PageQuery>,
) -> R<JsonOut<List<StoredValueLine>>> {
    let p = paging(q.page, q.page_size)?;
    Ok(list(
        s.app.resident_stored_value(&r, p).await?,
        p,
        StoredValueLine::from,
    ))
}

/// The resident's own coupons (优惠券), newest first; `usable=true` keeps the ones usable now.
#[utoipa::path(get, path = "/api/v1/resident/coupons", tag = "shop", security(("bearer" = [])),
    params(MyCouponQuery), responses((status = 200, body = Vec<MemberCoupon>), Errors))]
async fn my_coupons(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Query(q): Query<MyCouponQuery>,
) -> R<JsonOut<Vec<MemberCoupon>>> {
    let rows = s.app.resident_coupons(&r, q.usable.unwrap_or(false)).await?;
    let now = s.app.now();
    Ok(axum::Json(
        rows.into_iter().map(|c| member_coupon_out(c, now)).collect(),
    ))
}
