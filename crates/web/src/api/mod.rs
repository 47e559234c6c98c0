//! The JSON API under `/api/v1`: everything the console does, described by an
//! OpenAPI 3.1 document. Conventions (paging, errors, idempotency) are in docs/api.md.

mod analytics;
mod demand;
pub mod docs;
mod kiosk;
mod labels;
mod loyalty;
mod offers;
mod orders;
mod query;
mod shop;
mod till;
pub mod types;

use crate::error::ErrorBody;
use crate::extract::{Auth, Json, client_ip};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use linli_app::Paging;
use linli_app::auth::SessionKind;
use linli_domain::auth::{Permission, allows};
use linli_domain::ids::ProductId;
pub use query::Query;
use types::*;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, path::ParameterBuilder, path::ParameterIn};
use utoipa::{Modify, OpenApi as _};
use utoipa_axum::{router::OpenApiRouter, routes};

type R<T> = Result<T, ApiError>;
type JsonOut<T> = axum::Json<T>;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Linli 邻里 API", version = "1", description = "The community store's API: catalog, barcodes, stock ledger, purchasing, staff, the till, members, \
coupons and promotions, online orders, the resident shop, self-checkout and shelf labels. \
Every error has the shape {\"error\": {\"code\", \"message_zh\", \"message_en\", \"field\"}}. Every state-changing request accepts an Idempotency-Key header. \
Lists take page (from 1) and page_size (at most 200)."),
    components(schemas(ErrorBody)),
    tags(
        (name = "auth", description = "登录与会话 Sign-in and sessions"),
        (name = "catalog", description = "商品与条码 Products and barcodes"),
        (name = "stock", description = "库存流水、盘点、预警 Stock ledger, counts, alerts"),
        (name = "purchasing", description = "供应商、采购、收货 Suppliers, purchase orders, receiving"),
        (name = "people", description = "员工、会员、操作日志 Staff, members, audit log"),
        (name = "selling", description = "收银、退款、交班 Selling at the till, refunds, shifts, receipts"),
        (name = "loyalty", description = "会员积分、储值、等级 Members' points, stored value, tiers"),
        (name = "offers", description = "优惠券、促销、报价 Coupons, promotions, price quotes"),
        (name = "orders", description = "线上订单、提货、居民登录 Online orders, pickup, resident sign-in"),
        (name = "shop", description = "居民商城 The resident shop (resident token)"),
        (name = "kiosk", description = "自助结账 Self-checkout"),
        (name = "labels", description = "电子价签 Electronic shelf labels"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Document Idempotency-Key on every state-changing operation.
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path == "/api/v1/auth/login" {
                continue; // no session yet: nothing to key it to, and its answer holds a token
            }
            for op in [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete]
                .into_iter()
                .flatten()
            {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(utoipa::openapi::RefOr::T(
                    ParameterBuilder::new()
                        .name("Idempotency-Key")
                        .parameter_in(ParameterIn::Header)
                        .description(Some(
                            "Replays with the same key and body return the first response; a different body is a 422.",
                        ))
                        .build(),
                ));
            }
        }
    }
}

/// Error responses shared by every operation.
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "only describes responses for the OpenAPI document")]
enum Errors {
    /// Not signed in (未登录).
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The role may not do this (无权限).
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such object in your organisation (未找到).
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Conflicts with stored state: taken code, not enough stock, wrong status (冲突).
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// Bad input; `field` names it (参数错误).
    #[response(status = 422)]
    Invalid(ErrorBody),
}

/// The API routes and their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, OpenApi) {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(change_password))
        .routes(routes!(me))
        .routes(routes!(list_products, create_product))
        .routes(routes!(get_product, update_product))
        .routes(routes!(set_price))
        .routes(routes!(scan))
        .routes(routes!(list_categories, create_category))
        .routes(routes!(list_zones, create_zone))
        .routes(routes!(list_scale_templates, set_scale_template))
        .routes(routes!(list_locations))
        .routes(routes!(list_balances))
        .routes(routes!(list_movements))
        .routes(routes!(create_adjustment))
        .routes(routes!(create_transfer))
        .routes(routes!(write_off_expired))
        .routes(routes!(expiry_alerts))
        .routes(routes!(low_stock_alerts))
        .routes(routes!(list_counts, open_count))
        .routes(routes!(get_count))
        .routes(routes!(record_count_lines))
        .routes(routes!(post_count))
        .routes(routes!(list_suppliers, create_supplier))
        .routes(routes!(list_pos, create_po))
        .routes(routes!(get_po))
        .routes(routes!(po_action))
        .routes(routes!(create_receipt))
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(update_staff))
        .routes(routes!(list_members, create_member))
        .routes(routes!(export_members))
        .routes(routes!(list_buildings))
        .routes(routes!(audit_log))
        .merge(analytics::routes())
        .merge(demand::routes())
        .merge(kiosk::routes())
        .merge(labels::routes())
        .merge(loyalty::routes())
        .merge(offers::routes())
        .merge(orders::routes())
        .merge(shop::routes())
        .merge(till::routes());
    let (router, mut doc) = router.split_for_parts();
    // Modifiers given to `#[openapi]` run before the routes are added; this one needs them.
    Security.modify(&mut doc);
    (router, doc)
}

/// The payment simulator's `outcome`: `approve` or `decline` (kiosk and shop payments).
fn simulated_approval(outcome: &str) -> R<bool> {
    match outcome.trim() {
        "approve" => Ok(true),
        "decline" => Ok(false),
        _ => Err(ApiError::invalid(
            "outcome",
            "outcome must be approve or decline",
            "outcome 须为 approve（支付成功）或 decline（支付失败）",
        )),
    }
}

fn paging(page: Option<i64>, page_size: Option<i64>) -> R<Paging> {
    Ok(Paging::new(page, page_size)?)
}

fn list<T: utoipa::ToSchema, U>(page: linli_app::Page<U>, paging: Paging, f: impl Fn(U) -> T) -> JsonOut<List<T>> {
    axum::Json(List {
        items: page.items.into_iter().map(f).collect(),
        page: paging.page,
        page_size: paging.page_size,
        total: page.total,
    })
}

fn me_of(a: &linli_app::Actor) -> Me {
    Me {
        id: a.staff.0,
        org_id: a.org.0,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role.code().into(),
        permissions: Permission::ALL
            .iter()
            .filter(|p| allows(a.role, **p))
            .map(|p| p.code().to_string())
            .collect(),
    }
}

/// Signs in and returns a bearer token. Rate-limited per IP; five wrong passwords lock the account for 15 minutes.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn login(State(s): State<AppState>, parts: Parts, Json(req): Json<LoginRequest>) -> R<JsonOut<LoginResponse>> {
    let ip = client_ip(&parts);
    if !s.login_limiter.allow(&ip, s.app.now()) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            None,
            "too many sign-in attempts; wait a minute",
            "登录尝试过于频繁，请稍后再试",
        ));
    }
    let session = s.app.login(&req.username, &req.password, SessionKind::Api).await?;
    Ok(axum::Json(LoginResponse {
        token: session.token,
        expires_at: session.expires_at,
        staff: me_of(&session.actor),
    }))
}

/// Ends the session of the token used.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 200, body = types::Ok), Errors))]
async fn logout(State(s): State<AppState>, Auth(_a): Auth, parts: Parts) -> R<JsonOut<types::Ok>> {
    if let Some((token, _)) = crate::extract::token_of(&parts) {
        s.app.logout(&token).await?;
    }
    Ok(axum::Json(types::Ok { ok: true }))
}

/// Changes one's own password; other sessions end.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange, responses((status = 200, body = types::Ok), Errors))]
async fn change_password(
    State(s): State<AppState>,
    Auth(a): Auth,
    parts: Parts,
    Json(req): Json<PasswordChange>,
) -> R<JsonOut<types::Ok>> {
    let token = crate::extract::token_of(&parts).map(|t| t.0).unwrap_or_default();
    s.app
        .change_password(&a.actor, &token, &req.old_password, &req.new_password)
        .await?;
    Ok(axum::Json(types::Ok { ok: true }))
}

/// Who is signed in, and what their role allows.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = Me), Errors))]
async fn me(Auth(a): Auth) -> JsonOut<Me> {
    axum::Json(me_of(&a.actor))
}

/// Products, best matches first. `q` matches name, pinyin initials ("nn" finds 牛奶), full pinyin, SKU or barcode.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", security(("bearer" = [])), params(ProductQuery), responses((status = 200, body = List<Product>), Errors))]
async fn list_products(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<ProductQuery>,
) -> R<JsonOut<List<Product>>> {
    let p = paging(q.page, q.page_size)?;
    let page = s
        .app
        .products(
            &a.actor,
            q.q,
            q.category_id,
            q.zone_id,
            q.include_inactive.unwrap_or(false),
            p,
        )
        .await?;
    Ok(list(page, p, Product::from))
}

/// Creates a product (owner and manager).
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", security(("bearer" = [])), request_body = ProductInput, responses((status = 201, body = Product), Errors))]
async fn create_product(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(input): Json<ProductInput>,
) -> R<impl IntoResponse> {
    let p = s.app.create_product(&a.actor, input.into()).await?;
    Ok((StatusCode::CREATED, axum::Json(Product::from(p))))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = Product), Errors))]
async fn get_product(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<Product>> {
    Ok(axum::Json(s.app.product(&a.actor, ProductId(id)).await?.into()))
}

/// Replaces a product; a changed price needs the price permission and is audited.
#[utoipa::path(put, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ProductInput, responses((status = 200, body = Product), Errors))]
async fn update_product(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(input): Json<ProductInput>,
) -> R<JsonOut<Product>> {
    Ok(axum::Json(
        s.app
            .update_product(&a.actor, ProductId(id), input.into())
            .await?
            .into(),
    ))
}

/// Changes the selling price (audited).
#[utoipa::path(post, path = "/api/v1/products/{id}/price", tag = "catalog", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PriceChange, responses((status = 200, body = Product), Errors))]
async fn set_price(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(input): Json<PriceChange>,
) -> R<JsonOut<Product>> {
    Ok(axum::Json(
        s.app.set_price(&a.actor, ProductId(id), input.price_fen).await?.into(),
    ))
}

/// Resolves whatever a till or receiving clerk scanned: EAN-13/8, UPC-A, an in-store scale barcode,
/// a GS1-128 / DataMatrix element string (lot, expiry, weight) or a PLU.
#[utoipa::path(get, path = "/api/v1/scan", tag = "catalog", security(("bearer" = [])), params(ScanQuery), responses((status = 200, body = ScanResult), Errors))]
async fn scan(State(s): State<AppState>, Auth(a): Auth, Query(q): Query<ScanQuery>) -> R<JsonOut<ScanResult>> {
    Ok(axum::Json(s.app.scan(&a.actor, &q.code).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog", security(("bearer" = [])), responses((status = 200, body = Vec<Category>), Errors))]
async fn list_categories(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Vec<Category>>> {
    Ok(axum::Json(
        s.app
            .categories(&a.actor)
            .await?
            .into_iter()
            .map(Category::from)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/categories", tag = "catalog", security(("bearer" = [])), request_body = CategoryInput, responses((status = 201, body = Category), Errors))]
async fn create_category(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(c): Json<CategoryInput>,
) -> R<impl IntoResponse> {
    let row = s
        .app
        .create_category(
            &a.actor,
            c.parent_id,
            &c.code,
            &c.name_zh,
            c.name_en.as_deref().unwrap_or(""),
            c.expiry_alert_hours,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(Category::from(row))))
}

/// Scene zones (早餐角, 应急专区, 亲子区, ...).
#[utoipa::path(get, path = "/api/v1/zones", tag = "catalog", security(("bearer" = [])), responses((status = 200, body = Vec<Zone>), Errors))]
async fn list_zones(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Vec<Zone>>> {
    let zones = s.app.zones(&a.actor).await?;
    Ok(axum::Json(
        zones
            .into_iter()
            .map(|z| Zone {
                id: z.id.0,
                code: z.code,
                name_zh: z.name_zh,
                name_en: z.name_en,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/zones", tag = "catalog", security(("bearer" = [])), request_body = ZoneInput, responses((status = 201, body = Zone), Errors))]
async fn create_zone(State(s): State<AppState>, Auth(a): Auth, Json(z): Json<ZoneInput>) -> R<impl IntoResponse> {
    let z = s
        .app
        .create_zone(&a.actor, &z.code, &z.name_zh, z.name_en.as_deref().unwrap_or(""))
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Zone {
            id: z.id.0,
            code: z.code,
            name_zh: z.name_zh,
            name_en: z.name_en,
        }),
    ))
}

fn template_out(t: &linli_domain::barcode::scale::ScaleTemplate) -> ScaleTemplate {
    ScaleTemplate {
        prefix: t.prefix.clone(),
        plu_digits: t.plu_digits,
        value_kind: t.value_kind.code().into(),
        value_digits: t.value_digits,
    }
}

/// The in-store scale barcode layouts the scan endpoint understands (defaults: 28 = weight, 29 = price).
#[utoipa::path(get, path = "/api/v1/scale-templates", tag = "catalog", security(("bearer" = [])), responses((status = 200, body = Vec<ScaleTemplate>), Errors))]
async fn list_scale_templates(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Vec<ScaleTemplate>>> {
    Ok(axum::Json(
        s.app
            .scale_templates(&a.actor)
            .await?
            .iter()
            .map(template_out)
            .collect(),
    ))
}

/// Adds or replaces the layout for a prefix.
#[utoipa::path(put, path = "/api/v1/scale-templates", tag = "catalog", security(("bearer" = [])), request_body = ScaleTemplate, responses((status = 200, body = Vec<ScaleTemplate>), Errors))]
async fn set_scale_template(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(t): Json<ScaleTemplate>,
) -> R<JsonOut<Vec<ScaleTemplate>>> {
    let kind = linli_domain::barcode::scale::ScaleValue::from_code(&t.value_kind).ok_or_else(|| {
        ApiError::invalid(
            "value_kind",
            "value_kind must be weight_g or price_fen",
            "value_kind 须为 weight_g 或 price_fen",
        )
    })?;
    let template = linli_domain::barcode::scale::ScaleTemplate {
        prefix: t.prefix,
        plu_digits: t.plu_digits,
        value_kind: kind,
        value_digits: t.value_digits,
        has_value_check: false,
    };
    s.app.set_scale_template(&a.actor, template).await?;
    Ok(axum::Json(
        s.app
            .scale_templates(&a.actor)
            .await?
            .iter()
            .map(template_out)
            .collect(),
    ))
}

/// Sales floor, backroom, front warehouse and grid stations.
#[utoipa::path(get, path = "/api/v1/locations", tag = "stock", security(("bearer" = [])), responses((status = 200, body = Vec<Location>), Errors))]
async fn list_locations(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Vec<Location>>> {
    Ok(axum::Json(
        s.app
            .locations(&a.actor)
            .await?
            .into_iter()
            .map(Location::from)
            .collect(),
    ))
}

/// On-hand by location and lot, earliest expiry first.
#[utoipa::path(get, path = "/api/v1/stock", tag = "stock", security(("bearer" = [])), params(BalanceQuery), responses((status = 200, body = List<Balance>), Errors))]
async fn list_balances(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<BalanceQuery>,
) -> R<JsonOut<List<Balance>>> {
    let p = paging(q.page, q.page_size)?;
    let page = s
        .app
        .balances(
            &a.actor,
            q.location_id,
            q.product_id,
            q.q,
            q.include_empty.unwrap_or(false),
            p,
        )
        .await?;
    let now = s.app.now();
    Ok(list(page, p, |b| balance(b, now)))
}

/// The stock ledger, newest first.
#[utoipa::path(get, path = "/api/v1/stock/movements", tag = "stock", security(("bearer" = [])), params(MovementQuery), responses((status = 200, body = List<Movement>), Errors))]
async fn list_movements(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<MovementQuery>,
) -> R<JsonOut<List<Movement>>> {
    let p = paging(q.page, q.page_size)?;
    Ok(list(
        s.app.movements(&a.actor, q.product_id, q.lot_id, p).await?,
        p,
        Movement::from,
    ))
}

/// Adjusts stock by hand or writes off waste, with a reason (audited).
#[utoipa::path(post, path = "/api/v1/stock/adjustments", tag = "stock", security(("bearer" = [])), request_body = AdjustmentInput, responses((status = 201, body = Movement), Errors))]
async fn create_adjustment(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<AdjustmentInput>,
) -> R<impl IntoResponse> {
    let input = linli_app::stock::AdjustInput {
        location_id: i.location_id,
        product_id: i.product_id,
        lot_code: i.lot_code,
        kind: i.kind,
        qty_delta: i.qty_delta,
        reason: i.reason,
        expiry: i.expiry,
    };
    let m = s.app.adjust_stock(&a.actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(Movement::from(m))))
}

/// Moves stock between locations by FEFO.
#[utoipa::path(post, path = "/api/v1/stock/transfers", tag = "stock", security(("bearer" = [])), request_body = TransferInput, responses((status = 201, body = Vec<LotTake>), Errors))]
async fn create_transfer(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<TransferInput>,
) -> R<impl IntoResponse> {
    let taken = s
        .app
        .transfer(&a.actor, i.from_location_id, i.to_location_id, i.product_id, i.qty)
        .await?;
    let out: Vec<LotTake> = taken
        .into_iter()
        .map(|(l, q)| LotTake {
            lot_id: l.id.0,
            lot_code: l.lot_code,
            qty: q,
        })
        .collect();
    Ok((StatusCode::CREATED, axum::Json(out)))
}

/// Writes off (报损) every expired lot with stock at a location, one waste movement each (audited).
#[utoipa::path(post, path = "/api/v1/stock/write-offs", tag = "stock", security(("bearer" = [])), request_body = WriteOffInput, responses((status = 201, body = Vec<LotTake>), Errors))]
async fn write_off_expired(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<WriteOffInput>,
) -> R<impl IntoResponse> {
    let taken = s.app.write_off_expired(&a.actor, i.location_id).await?;
    let out: Vec<LotTake> = taken
        .into_iter()
        .map(|(l, q)| LotTake {
            lot_id: l.id.0,
            lot_code: l.lot_code,
            qty: q,
        })
        .collect();
    Ok((StatusCode::CREATED, axum::Json(out)))
}

/// Lots with stock that expire within their category's horizon, or have expired.
#[utoipa::path(get, path = "/api/v1/alerts/expiry", tag = "stock", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = List<Balance>), Errors))]
async fn expiry_alerts(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<PageQuery>,
) -> R<JsonOut<List<Balance>>> {
    let p = paging(q.page, q.page_size)?;
    let now = s.app.now();
    Ok(list(s.app.expiry_alerts(&a.actor, p).await?, p, |b| balance(b, now)))
}

/// Products at or below their reorder point.
#[utoipa::path(get, path = "/api/v1/alerts/low-stock", tag = "stock", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = List<LowStock>), Errors))]
async fn low_stock_alerts(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<PageQuery>,
) -> R<JsonOut<List<LowStock>>> {
    let p = paging(q.page, q.page_size)?;
    Ok(list(s.app.low_stock(&a.actor, p).await?, p, |l| LowStock {
        product_id: l.product_id.0,
        product_name: l.product_name,
        sku: l.sku,
        unit: l.unit_label,
        reorder_point: l.reorder_point,
        qty_on_hand: l.qty_on_hand,
    }))
}

#[utoipa::path(get, path = "/api/v1/stock/counts", tag = "stock", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = List<StockCount>), Errors))]
async fn list_counts(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<PageQuery>,
) -> R<JsonOut<List<StockCount>>> {
    let p = paging(q.page, q.page_size)?;
    Ok(list(s.app.stock_counts(&a.actor, p).await?, p, StockCount::from))
}

/// Opens a stock count (盘点), freezing expected quantities.
#[utoipa::path(post, path = "/api/v1/stock/counts", tag = "stock", security(("bearer" = [])), request_body = StockCountInput, responses((status = 201, body = StockCount), Errors))]
async fn open_count(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<StockCountInput>) -> R<impl IntoResponse> {
    let c = s
        .app
        .open_stock_count(&a.actor, i.location_id, i.product_ids, i.note.as_deref().unwrap_or(""))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(StockCount::from(c))))
}

#[utoipa::path(get, path = "/api/v1/stock/counts/{id}", tag = "stock", security(("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = StockCount), Errors))]
async fn get_count(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<StockCount>> {
    Ok(axum::Json(s.app.stock_count(&a.actor, id).await?.into()))
}

/// Records counted quantities per lot.
#[utoipa::path(post, path = "/api/v1/stock/counts/{id}/lines", tag = "stock", security(("bearer" = [])), params(("id" = i64, Path)), request_body = CountedLines, responses((status = 200, body = StockCount), Errors))]
async fn record_count_lines(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<CountedLines>,
) -> R<JsonOut<StockCount>> {
    let lines = i.lines.into_iter().map(|l| (l.lot_id, l.counted)).collect();
    Ok(axum::Json(s.app.record_counts(&a.actor, id, lines).await?.into()))
}

/// Posts the count: one correction movement per differing lot (audited).
#[utoipa::path(post, path = "/api/v1/stock/counts/{id}/post", tag = "stock", security(("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = StockCount), Errors))]
async fn post_count(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<StockCount>> {
    Ok(axum::Json(s.app.post_stock_count(&a.actor, id).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/suppliers", tag = "purchasing", security(("bearer" = [])), responses((status = 200, body = Vec<Supplier>), Errors))]
async fn list_suppliers(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Vec<Supplier>>> {
    Ok(axum::Json(
        s.app
            .suppliers(&a.actor)
            .await?
            .into_iter()
            .map(Supplier::from)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/suppliers", tag = "purchasing", security(("bearer" = [])), request_body = SupplierInput, responses((status = 201, body = Supplier), Errors))]
async fn create_supplier(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<SupplierInput>,
) -> R<impl IntoResponse> {
    let input = linli_app::purchasing::SupplierInput {
        code: i.code,
        name_zh: i.name_zh,
        kind: i.kind,
        contact_phone: i.contact_phone,
        lead_time_hours: i.lead_time_hours,
        order_cutoff: i.order_cutoff,
        delivery_time: i.delivery_time,
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(Supplier::from(s.app.create_supplier(&a.actor, input).await?)),
    ))
}

#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "purchasing", security(("bearer" = [])), params(PoQuery), responses((status = 200, body = List<PurchaseOrder>), Errors))]
async fn list_pos(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<PoQuery>,
) -> R<JsonOut<List<PurchaseOrder>>> {
    let p = paging(q.page, q.page_size)?;
    Ok(list(
        s.app.pos(&a.actor, q.status.as_deref(), p).await?,
        p,
        PurchaseOrder::from,
    ))
}

/// Creates a draft purchase order.
#[utoipa::path(post, path = "/api/v1/purchase-orders", tag = "purchasing", security(("bearer" = [])), request_body = PoInput, responses((status = 201, body = PurchaseOrder), Errors))]
async fn create_po(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<PoInput>) -> R<impl IntoResponse> {
    let lines = i
        .lines
        .into_iter()
        .map(|l| (l.product_id, l.qty, l.unit_cost_fen))
        .collect();
    let po = s
        .app
        .create_po(&a.actor, i.supplier_id, lines, i.note.as_deref().unwrap_or(""))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(PurchaseOrder::from(po))))
}

#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "purchasing", security(("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = PurchaseOrder), Errors))]
async fn get_po(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<PurchaseOrder>> {
    Ok(axum::Json(s.app.po(&a.actor, id).await?.into()))
}

/// Sends (expected delivery from the supplier's cut-off), closes or cancels a purchase order.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/actions", tag = "purchasing", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PoActionInput, responses((status = 200, body = PurchaseOrder), Errors))]
async fn po_action(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<PoActionInput>,
) -> R<JsonOut<PurchaseOrder>> {
    Ok(axum::Json(s.app.po_action(&a.actor, id, &i.action).await?.into()))
}

/// Receives goods, against a purchase order or as a walk-in delivery, capturing lot and expiry.
#[utoipa::path(post, path = "/api/v1/receipts", tag = "purchasing", security(("bearer" = [])), request_body = ReceiptInput, responses((status = 201, body = Receipt), Errors))]
async fn create_receipt(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<ReceiptInput>) -> R<impl IntoResponse> {
    let input = linli_app::purchasing::ReceiveInput {
        location_id: i.location_id,
        po_id: i.po_id,
        supplier_id: i.supplier_id,
        note: i.note,
        lines: i
            .lines
            .into_iter()
            .map(|l| linli_app::purchasing::ReceiveLineInput {
                product_id: l.product_id,
                code: l.code,
                lot_code: l.lot_code,
                expiry: l.expiry,
                qty: l.qty,
                unit_cost_fen: l.unit_cost_fen,
            })
            .collect(),
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(Receipt::from(s.app.receive(&a.actor, input).await?)),
    ))
}

/// Staff of the organisation (owner and manager).
#[utoipa::path(get, path = "/api/v1/staff", tag = "people", security(("bearer" = [])), responses((status = 200, body = Vec<Staff>), Errors))]
async fn list_staff(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Vec<Staff>>> {
    Ok(axum::Json(
        s.app.staff_list(&a.actor).await?.into_iter().map(Staff::from).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/staff", tag = "people", security(("bearer" = [])), request_body = StaffInput, responses((status = 201, body = Staff), Errors))]
async fn create_staff(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<StaffInput>) -> R<impl IntoResponse> {
    let input = linli_app::people::StaffInput {
        username: i.username,
        display_name: i.display_name,
        role: i.role,
        password: i.password,
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(Staff::from(s.app.create_staff(&a.actor, input).await?)),
    ))
}

/// Changes a role or deactivates someone (audited).
#[utoipa::path(patch, path = "/api/v1/staff/{id}", tag = "people", security(("bearer" = [])), params(("id" = i64, Path)), request_body = StaffUpdate, responses((status = 200, body = Staff), Errors))]
async fn update_staff(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<StaffUpdate>,
) -> R<JsonOut<Staff>> {
    Ok(axum::Json(
        s.app
            .update_staff(&a.actor, id, i.role.as_deref(), i.active)
            .await?
            .into(),
    ))
}

/// Residents (phone numbers masked).
#[utoipa::path(get, path = "/api/v1/members", tag = "people", security(("bearer" = [])), params(MemberQuery), responses((status = 200, body = List<Member>), Errors))]
async fn list_members(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<MemberQuery>,
) -> R<JsonOut<List<Member>>> {
    let p = paging(q.page, q.page_size)?;
    Ok(list(s.app.members(&a.actor, q.q.as_deref(), p).await?, p, Member::from))
}

/// Registers a resident as a member at the counter (办会员); new-member coupons are issued.
#[utoipa::path(post, path = "/api/v1/members", tag = "people", security(("bearer" = [])), request_body = MemberInput,
    responses((status = 201, body = Member), Errors))]
async fn create_member(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<MemberInput>,
) -> R<(StatusCode, JsonOut<Member>)> {
    let row = s
        .app
        .create_member(
            &a.actor,
            linli_app::people::NewMemberInput {
                phone: i.phone,
                name: i.name.unwrap_or_default(),
                building_id: i.building_id,
                unit_no: i.unit_no.unwrap_or_default(),
                room: i.room.unwrap_or_default(),
                birthday: i.birthday,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(Member::from(row))))
}

/// All residents as CSV (UTF-8 with BOM, for spreadsheet programs); phone numbers masked.
#[utoipa::path(get, path = "/api/v1/members/export", tag = "people", security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), Errors))]
async fn export_members(State(s): State<AppState>, Auth(a): Auth) -> R<impl IntoResponse> {
    let mut out = String::from("\u{feff}id,name,phone,building,unit,room,joined\n");
    let mut page = 1;
    loop {
        let p = Paging::new(Some(page), Some(linli_app::PAGE_SIZE_MAX))?;
        let rows = s.app.members(&a.actor, None, p).await?;
        for m in &rows.items {
            let joined = linli_domain::time::local_date(m.joined_at);
            let cells = [
                m.id.0.to_string(),
                m.name.clone(),
                m.phone.clone(),
                m.building_name.clone().unwrap_or_default(),
                m.unit_no.clone(),
                m.room.clone(),
                joined.to_string(),
            ];
            out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        if page * linli_app::PAGE_SIZE_MAX >= rows.total {
            break;
        }
        page += 1;
    }
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"members.csv\"",
            ),
        ],
        out,
    ))
}

/// Quotes a CSV cell when needed, and defuses spreadsheet formulas (=, +, -, @).
fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@']) {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

#[utoipa::path(get, path = "/api/v1/buildings", tag = "people", security(("bearer" = [])), responses((status = 200, body = Vec<Building>), Errors))]
async fn list_buildings(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Vec<Building>>> {
    let rows = s.app.buildings(&a.actor).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|b| Building {
                id: b.id.0,
                code: b.code,
                name_zh: b.name_zh,
                compound_zh: b.compound_zh,
                households: b.households,
                members: b.members,
            })
            .collect(),
    ))
}

/// Who changed prices, adjusted stock, posted counts or changed roles (owner and manager).
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "people", security(("bearer" = [])), params(AuditQuery), responses((status = 200, body = List<AuditEntry>), Errors))]
async fn audit_log(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<AuditQuery>,
) -> R<JsonOut<List<AuditEntry>>> {
    let p = paging(q.page, q.page_size)?;
    Ok(list(
        s.app.audit_log(&a.actor, q.action.as_deref(), p).await?,
        p,
        AuditEntry::from,
    ))
}
