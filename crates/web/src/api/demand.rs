//! 需求计划 Demand planning: weather (typed or imported as CSV), daily demand forecasts
//! with their backtest, demand alerts, replenishment suggestions that become purchase
//! orders in one call, and markdown suggestions that become flash-sale promotions.
//!
//! Reading forecasts, alerts and weather needs `view_catalog`, writing weather
//! `edit_catalog`; replenishment needs `manage_purchasing`; markdowns `manage_offers`.

use super::{Errors, JsonOut, R};
use crate::AppState;
use crate::extract::{Auth, Json};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use linli_app::demand::{MarkdownSuggestion, MarkdownTarget, ReplenishOrder, WeatherInput};
use linli_store::{DemandForecast, MarkdownLadderRow, MarkdownRow, WeatherDay};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(tags((name = "demand", description = "需求计划 Demand planning: weather, forecasts, alerts, replenishment, markdowns")))]
struct DemandDoc;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(DemandDoc::openapi())
        .routes(routes!(get_weather, put_weather))
        .routes(routes!(product_forecast))
        .routes(routes!(demand_alerts))
        .routes(routes!(replenishment))
        .routes(routes!(accept_replenishment))
        .routes(routes!(markdown_suggestions))
        .routes(routes!(accept_markdown))
        .routes(routes!(list_markdowns))
        .routes(routes!(end_markdown))
        .routes(routes!(ladders, set_ladder))
}

fn date_text(day: i64) -> String {
    linli_app::demand::date_of(day).map_or_else(String::new, |d| d.to_string())
}

fn day_of(text: &str, field: &str) -> Result<i64, linli_app::AppError> {
    text.trim()
        .parse::<jiff::civil::Date>()
        .map(linli_app::demand::day_number)
        .map_err(|_| linli_app::AppError::invalid(field, "write the date as YYYY-MM-DD", "日期格式须为 YYYY-MM-DD"))
}

// ---------------------------------------------------------------------------------------
// Weather

/// A day of weather.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weather {
    /// YYYY-MM-DD (Asia/Shanghai).
    pub date: String,
    /// The day's high, °C (one decimal).
    pub temp_max: f64,
    /// The day's low, °C.
    pub temp_min: f64,
    /// Rain, mm.
    pub rain_mm: f64,
    /// 晴, 小雨, 暴雨 … (from the rain when left out).
    #[serde(default)]
    pub condition: Option<String>,
    /// observed or forecast (answers only: days before today are observed).
    #[serde(default, skip_deserializing)]
    pub kind: String,
}

fn weather_out(d: WeatherDay) -> Weather {
    Weather {
        date: date_text(d.day),
        temp_max: d.temp_max_dc as f64 / 10.0,
        temp_min: d.temp_min_dc as f64 / 10.0,
        rain_mm: d.rain_dmm as f64 / 10.0,
        condition: Some(d.condition_zh),
        kind: d.kind,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WeatherList {
    pub items: Vec<Weather>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WeatherQuery {
    /// First day, YYYY-MM-DD (default: two weeks ago).
    pub from: Option<String>,
    /// Days (1–366, default 28).
    pub days: Option<i64>,
}

/// The store's weather by day.
#[utoipa::path(get, path = "/api/v1/weather", tag = "demand", security(("bearer" = [])),
    params(WeatherQuery), responses((status = 200, body = WeatherList), Errors))]
async fn get_weather(
    State(s): State<AppState>,
    Auth(a): Auth,
    super::Query(q): super::Query<WeatherQuery>,
) -> R<JsonOut<WeatherList>> {
    let from = match q.from.as_deref() {
        Some(f) => day_of(f, "from")?,
        None => linli_app::demand::day_number(linli_domain::time::local_date(s.app.now())) - 14,
    };
    let days = s.app.weather(&a.actor, from, q.days.unwrap_or(28)).await?;
    Ok(axum::Json(WeatherList {
        items: days.into_iter().map(weather_out).collect(),
    }))
}

/// Weather to write: days as JSON, or CSV text with a header naming date, temp_max,
/// temp_min, rain_mm and optionally condition.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeatherImport {
    #[serde(default)]
    pub days: Vec<Weather>,
    #[serde(default)]
    pub csv: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WeatherWritten {
    pub days: usize,
}

/// Writes weather days (edit_catalog); a day already there is replaced. Bad CSV is a 422
/// naming the line and column.
#[utoipa::path(post, path = "/api/v1/weather", tag = "demand", security(("bearer" = [])), request_body = WeatherImport,
    responses((status = 200, body = WeatherWritten), Errors))]
async fn put_weather(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<WeatherImport>,
) -> R<JsonOut<WeatherWritten>> {
    let days = match (i.csv, i.days.is_empty()) {
        (Some(csv), true) => s.app.import_weather_csv(&a.actor, &csv).await?,
        (None, _) => {
            let days = i
                .days
                .into_iter()
                .map(|d| WeatherInput {
                    date: d.date,
                    temp_max: d.temp_max,
                    temp_min: d.temp_min,
                    rain_mm: d.rain_mm,
                    condition_zh: d.condition,
                })
                .collect();
            s.app.put_weather(&a.actor, days).await?
        }
        (Some(_), false) => {
            return Err(linli_app::AppError::invalid(
                "csv",
                "give either days or csv, not both",
                "days 与 csv 只能二选一",
            )
            .into());
        }
    };
    Ok(axum::Json(WeatherWritten { days }))
}

// ---------------------------------------------------------------------------------------
// Forecasts and alerts

/// A day of a product's forecast (units: pieces, or grams of weighed goods).
#[derive(Debug, Serialize, ToSchema)]
pub struct ForecastDay {
    pub date: String,
    pub location_id: i64,
    pub forecast: f64,
    pub lo80: f64,
    pub hi80: f64,
    /// Without the day's weather and holiday effects.
    pub baseline: f64,
    /// Made from the history before the day (so it can be compared with `actual`).
    pub backtest: bool,
    /// Units sold that day at every location (past days only).
    pub actual: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductForecast {
    pub product_id: i64,
    pub items: Vec<ForecastDay>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ForecastQuery {
    /// Only this location.
    pub location_id: Option<i64>,
}

/// A product's daily demand forecast: the last 14 days forecast from the history before
/// them (with what actually sold) and the next 14 days with their 80% interval.
#[utoipa::path(get, path = "/api/v1/products/{id}/forecast", tag = "demand", security(("bearer" = [])),
    params(("id" = i64, Path), ForecastQuery), responses((status = 200, body = ProductForecast), Errors))]
async fn product_forecast(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    super::Query(q): super::Query<ForecastQuery>,
) -> R<JsonOut<ProductForecast>> {
    let rows = s.app.product_forecast(&a.actor, id, q.location_id).await?;
    let today = linli_app::demand::day_number(linli_domain::time::local_date(s.app.now()));
    let from = rows.iter().map(|r| r.day).min().unwrap_or(today);
    let actual = s.app.product_daily_sales(&a.actor, id, from, today).await?;
    Ok(axum::Json(ProductForecast {
        product_id: id,
        items: rows.into_iter().map(|r| forecast_out(r, &actual, today)).collect(),
    }))
}

fn forecast_out(r: DemandForecast, actual: &std::collections::BTreeMap<i64, i64>, today: i64) -> ForecastDay {
    ForecastDay {
        date: date_text(r.day),
        location_id: r.location.0,
        forecast: r.forecast_milli as f64 / 1000.0,
        lo80: r.lo80_milli as f64 / 1000.0,
        hi80: r.hi80_milli as f64 / 1000.0,
        baseline: r.baseline_milli as f64 / 1000.0,
        backtest: r.backtest,
        actual: (r.day < today).then(|| actual.get(&r.day).copied().unwrap_or(0)),
    }
}

/// Weather or a holiday moves a category's expected takings on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemandAlert {
    pub date: String,
    pub category_id: i64,
    pub category_zh: String,
    pub category_en: String,
    /// rain, heat, cold or holiday
    pub cause: String,
    /// Expected takings with the day's effects, and without them.
    pub expected_fen: i64,
    pub baseline_fen: i64,
    /// (expected ÷ baseline − 1) in basis points.
    pub change_bp: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DemandAlertList {
    pub items: Vec<DemandAlert>,
}

/// Demand alerts from today (需求预警: 暴雨 → 雨具, 速食), from the last demand_forecast run.
#[utoipa::path(get, path = "/api/v1/analytics/demand-alerts", tag = "demand", security(("bearer" = [])),
    responses((status = 200, body = DemandAlertList), Errors))]
async fn demand_alerts(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<DemandAlertList>> {
    let rows = s.app.demand_alerts(&a.actor).await?;
    Ok(axum::Json(DemandAlertList {
        items: rows
            .into_iter()
            .map(|r| DemandAlert {
                date: date_text(r.alert.day),
                category_id: r.alert.category.0,
                category_zh: r.category_zh,
                category_en: r.category_en,
                cause: r.alert.cause,
                expected_fen: r.alert.expected_milli,
                baseline_fen: r.alert.baseline_milli,
                change_bp: r.alert.change_bp,
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------
// Replenishment

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReplenishQuery {
    /// Chance of not running out before the next delivery, in basis points (5000–9990,
    /// default 9500).
    pub service_level_bp: Option<i64>,
}

/// A suggested line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplenishLine {
    pub product_id: i64,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub weighed: bool,
    pub on_hand: i64,
    pub on_order: i64,
    /// Expected demand until an order placed now arrives.
    pub lead_demand: f64,
    pub reorder_point: f64,
    pub order_up_to: f64,
    pub qty: i64,
    pub unit_cost_fen: i64,
    pub cost_fen: i64,
}

/// A suggested purchase order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplenishOrderOut {
    pub supplier_id: i64,
    pub supplier_name: String,
    /// When an order sent now arrives (Unix ms), by the supplier's cut-off and lead time.
    pub expected_at: i64,
    pub lead_days: i64,
    pub cost_fen: i64,
    pub lines: Vec<ReplenishLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplenishList {
    pub items: Vec<ReplenishOrderOut>,
}

pub(crate) fn replenish_out(o: ReplenishOrder) -> ReplenishOrderOut {
    ReplenishOrderOut {
        supplier_id: o.supplier.id.0,
        supplier_name: o.supplier.name_zh,
        expected_at: o.expected_at,
        lead_days: o.lead_days,
        cost_fen: o.cost_fen,
        lines: o
            .lines
            .into_iter()
            .map(|l| ReplenishLine {
                product_id: l.product.0,
                sku: l.sku,
                name_zh: l.name_zh,
                name_en: l.name_en,
                weighed: l.weighed,
                on_hand: l.on_hand,
                on_order: l.on_order,
                lead_demand: (l.lead_demand * 100.0).round() / 100.0,
                reorder_point: (l.reorder_point * 100.0).round() / 100.0,
                order_up_to: (l.order_up_to * 100.0).round() / 100.0,
                qty: l.qty,
                unit_cost_fen: l.unit_cost_fen,
                cost_fen: l.cost_fen,
            })
            .collect(),
    }
}

/// Suggested purchase orders (补货建议), one per supplier (manage_purchasing): products at
/// or below their reorder point, up to their order-up-to level.
#[utoipa::path(get, path = "/api/v1/replenishment", tag = "demand", security(("bearer" = [])),
    params(ReplenishQuery), responses((status = 200, body = ReplenishList), Errors))]
async fn replenishment(
    State(s): State<AppState>,
    Auth(a): Auth,
    super::Query(q): super::Query<ReplenishQuery>,
) -> R<JsonOut<ReplenishList>> {
    let orders = s.app.replenishment(&a.actor, q.service_level_bp).await?;
    Ok(axum::Json(ReplenishList {
        items: orders.into_iter().map(replenish_out).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplenishAccept {
    pub supplier_id: i64,
    #[serde(default)]
    pub service_level_bp: Option<i64>,
    /// The lines to order instead of the suggestion's (edited by the manager).
    #[serde(default)]
    pub lines: Option<Vec<ReplenishAcceptLine>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplenishAcceptLine {
    pub product_id: i64,
    pub qty: i64,
}

/// Accepts a supplier's suggestion: the purchase order is created and sent. Answers it
/// (as `GET /api/v1/purchase-orders/{id}`).
#[utoipa::path(post, path = "/api/v1/replenishment/orders", tag = "demand", security(("bearer" = [])),
    request_body = ReplenishAccept, responses((status = 201, body = crate::api::types::PurchaseOrder), Errors))]
async fn accept_replenishment(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<ReplenishAccept>,
) -> R<impl IntoResponse> {
    let po = s
        .app
        .accept_replenishment(
            &a.actor,
            i.supplier_id,
            i.service_level_bp,
            i.lines.map(|v| v.into_iter().map(|l| (l.product_id, l.qty)).collect()),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(crate::api::types::PurchaseOrder::from(po)),
    ))
}

// ---------------------------------------------------------------------------------------
// Markdowns

/// A suggested markdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkdownSuggestionOut {
    /// expiry (a near-expiry lot on its ladder) or slow (stock for more days than the
    /// category's threshold).
    pub kind: String,
    pub product_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub lot_id: Option<i64>,
    pub lot_code: Option<String>,
    /// Unix ms.
    pub expires_at: Option<i64>,
    /// Whole days to the expiry day (0: it expires tonight).
    pub days_left: Option<i64>,
    /// Days the stock lasts at the forecast demand (null: no demand forecast).
    pub cover_days: Option<f64>,
    /// Pieces, or grams of a weighed good.
    pub units: i64,
    /// A weighed good: accepting lowers its price per kg until the lot's day ends.
    pub weighed: bool,
    pub regular_price_fen: i64,
    pub price_fen: i64,
    pub off_bp: i64,
    /// The category's floor held the price above the ladder's step.
    pub floored: bool,
    /// When the markdown would end (Unix ms).
    pub ends_at: i64,
}

fn suggestion_out(m: MarkdownSuggestion) -> MarkdownSuggestionOut {
    MarkdownSuggestionOut {
        kind: m.kind.into(),
        product_id: m.product.0,
        name_zh: m.name_zh,
        name_en: m.name_en,
        lot_id: m.lot.as_ref().map(|l| l.0.0),
        lot_code: m.lot.as_ref().map(|l| l.1.clone()),
        expires_at: m.lot.as_ref().map(|l| l.2),
        days_left: m.days_left,
        cover_days: m.cover_days.map(|c| (c * 10.0).round() / 10.0),
        units: m.units,
        weighed: m.weighed,
        regular_price_fen: m.regular_price_fen,
        price_fen: m.price_fen,
        off_bp: m.off_bp,
        floored: m.floored,
        ends_at: m.ends_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkdownSuggestionList {
    pub items: Vec<MarkdownSuggestionOut>,
}

/// Markdown suggestions (降价建议, manage_offers): near-expiry lots on their category's
/// ladder above its floor, and slow movers.
#[utoipa::path(get, path = "/api/v1/markdowns/suggestions", tag = "demand", security(("bearer" = [])),
    responses((status = 200, body = MarkdownSuggestionList), Errors))]
async fn markdown_suggestions(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<MarkdownSuggestionList>> {
    let v = s.app.markdown_suggestions(&a.actor).await?;
    Ok(axum::Json(MarkdownSuggestionList {
        items: v.into_iter().map(suggestion_out).collect(),
    }))
}

/// A markdown accepted: a flash-sale promotion at the marked price (piece goods), or the
/// price per kg lowered until the lot's day ends (weighed goods).
#[derive(Debug, Serialize, ToSchema)]
pub struct Markdown {
    pub id: i64,
    pub kind: String,
    /// flash_sale or price
    pub method: String,
    pub product_id: i64,
    pub product_zh: String,
    pub lot_id: Option<i64>,
    pub off_bp: i64,
    pub price_fen: i64,
    pub regular_price_fen: i64,
    /// Pieces, or grams of a weighed good.
    pub units: i64,
    pub promotion_id: Option<i64>,
    pub ends_at: i64,
    pub active: bool,
    pub created_at: i64,
}

pub(crate) fn markdown_out(m: MarkdownRow) -> Markdown {
    Markdown {
        id: m.id,
        kind: m.kind,
        method: m.method,
        product_id: m.product.0,
        product_zh: m.product_zh,
        lot_id: m.lot.map(|l| l.0),
        off_bp: m.off_bp,
        price_fen: m.price_fen,
        regular_price_fen: m.regular_price_fen,
        units: m.units,
        promotion_id: m.promotion,
        ends_at: m.ends_at,
        active: m.active,
        created_at: m.created_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkdownList {
    pub items: Vec<Markdown>,
}

/// Which suggestion to accept: a lot's (expiry) or a product's (slow).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkdownAccept {
    #[serde(default)]
    pub lot_id: Option<i64>,
    #[serde(default)]
    pub product_id: Option<i64>,
}

/// Accepts the current suggestion for a lot or a slow mover: the price, the till, the
/// shop and the shelf labels change now; it ends by itself.
#[utoipa::path(post, path = "/api/v1/markdowns", tag = "demand", security(("bearer" = [])),
    request_body = MarkdownAccept, responses((status = 201, body = Markdown), Errors))]
async fn accept_markdown(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(i): Json<MarkdownAccept>,
) -> R<impl IntoResponse> {
    let target = match (i.lot_id, i.product_id) {
        (Some(l), None) => MarkdownTarget::Lot(l),
        (None, Some(p)) => MarkdownTarget::Product(p),
        _ => {
            return Err(linli_app::AppError::invalid(
                "lot_id",
                "name a lot (lot_id) or a slow-moving product (product_id)",
                "请指定批次（lot_id）或滞销商品（product_id）之一",
            )
            .into());
        }
    };
    let m = s.app.accept_markdown(&a.actor, target).await?;
    Ok((StatusCode::CREATED, axum::Json(markdown_out(m))))
}

/// Markdowns accepted at the store, newest first.
#[utoipa::path(get, path = "/api/v1/markdowns", tag = "demand", security(("bearer" = [])),
    responses((status = 200, body = MarkdownList), Errors))]
async fn list_markdowns(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<MarkdownList>> {
    let v = s.app.markdowns(&a.actor, 200).await?;
    Ok(axum::Json(MarkdownList {
        items: v.into_iter().map(markdown_out).collect(),
    }))
}

/// Ends a markdown now (undo): its promotion ends and the regular price is back.
#[utoipa::path(post, path = "/api/v1/markdowns/{id}/end", tag = "demand", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = Markdown), Errors))]
async fn end_markdown(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<Markdown>> {
    let m = s.app.end_markdown(&a.actor, id).await?;
    Ok(axum::Json(markdown_out(m)))
}

/// A category's ladder (category_id null: the default for every category without one).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ladder {
    #[serde(default)]
    pub category_id: Option<i64>,
    /// days_left:percent_off pairs, such as "3:20,1:50".
    pub steps: String,
    /// The lowest price as basis points of the unit cost (10000 = cost).
    pub floor_cost_bp: i64,
    /// Stock lasting more days than this is a slow mover.
    pub slow_cover_days: i64,
    /// A slow mover's clearance, basis points off.
    pub slow_off_bp: i64,
}

fn ladder_out(l: MarkdownLadderRow) -> Ladder {
    Ladder {
        category_id: l.category.map(|c| c.0),
        steps: l.steps,
        floor_cost_bp: l.floor_cost_bp,
        slow_cover_days: l.slow_cover_days,
        slow_off_bp: l.slow_off_bp,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LadderList {
    pub items: Vec<Ladder>,
}

/// The markdown ladders in force, the default first.
#[utoipa::path(get, path = "/api/v1/markdowns/ladders", tag = "demand", security(("bearer" = [])),
    responses((status = 200, body = LadderList), Errors))]
async fn ladders(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<LadderList>> {
    let v = s.app.markdown_ladders(&a.actor).await?;
    Ok(axum::Json(LadderList {
        items: v.into_iter().map(ladder_out).collect(),
    }))
}

/// Sets a category's ladder or the default (manage_offers). A bad ladder is a 422 naming
/// `steps` and the step.
#[utoipa::path(post, path = "/api/v1/markdowns/ladders", tag = "demand", security(("bearer" = [])),
    request_body = Ladder, responses((status = 200, body = Ladder), Errors))]
async fn set_ladder(State(s): State<AppState>, Auth(a): Auth, Json(l): Json<Ladder>) -> R<JsonOut<Ladder>> {
    let row = s
        .app
        .set_markdown_ladder(
            &a.actor,
            l.category_id,
            &l.steps,
            l.floor_cost_bp,
            l.slow_cover_days,
            l.slow_off_bp,
        )
        .await?;
    Ok(axum::Json(ladder_out(row)))
}
