//! 数据中心 Analytics: the jobs that analyse the store's own history (their runs, and
//! running one now) and what they found, starting with products bought together
//! (常一起买), for staff and for residents.
//!
//! Reading needs `view_catalog`; running a job now needs `edit_catalog`. A resident sees
//! suggestions for products the shop sells, and only those.

use super::{Errors, JsonOut, R};
use crate::AppState;
use crate::extract::Auth;
use crate::resident::ResidentAuth;
use axum::extract::{Path, State};
use linli_app::analytics::{HeatMaps as AppHeat, JobReport, Suggestion};
use linli_domain::ids::ProductId;
use linli_store::JobRun as StoreRun;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(tags((name = "analytics", description = "数据中心 Analytics: jobs over the store's history and what they found")))]
struct AnalyticsDoc;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AnalyticsDoc::openapi())
        .routes(routes!(job_runs))
        .routes(routes!(run_job))
        .routes(routes!(bought_together))
        .routes(routes!(heat_maps))
        .routes(routes!(segment_sizes))
        .routes(routes!(member_insights))
        .routes(routes!(shop_bought_together))
        .routes(routes!(audience))
        .routes(routes!(order_map))
        .routes(routes!(site_selection))
}

/// Suggestions shown with a product, at most this many.
const SUGGESTIONS_DEFAULT: i64 = 6;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SuggestionQuery {
    /// At most this many (1–10, default 6).
    pub limit: Option<i64>,
}

/// A product often in the same basket, likeliest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoughtWith {
    pub product_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub price_fen: i64,
    /// Baskets of the last 90 days that held both.
    pub baskets: i64,
    /// Share of the product's baskets that also held this one, in basis points (1/10,000).
    pub confidence_bp: i64,
    /// How much likelier than chance, in thousandths (1000 = as likely as any basket).
    pub lift_milli: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoughtWithList {
    pub items: Vec<BoughtWith>,
}

fn bought_out(v: Vec<Suggestion>) -> BoughtWithList {
    BoughtWithList {
        items: v
            .into_iter()
            .map(|s| BoughtWith {
                product_id: s.product.0,
                name_zh: s.name_zh,
                name_en: s.name_en,
                price_fen: s.price_fen,
                baskets: s.baskets,
                confidence_bp: s.confidence_bp,
                lift_milli: s.lift_milli,
            })
            .collect(),
    }
}

/// One run of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobRun {
    pub id: i64,
    /// bought_together
    pub job: String,
    /// Unix ms.
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub duration_ms: Option<i64>,
    /// running, done or failed
    pub status: String,
    pub detail: String,
}

pub(crate) fn run_out(r: StoreRun) -> JobRun {
    JobRun {
        id: r.id,
        job: r.job,
        started_at: r.started_at,
        finished_at: r.finished_at,
        duration_ms: r.finished_at.map(|f| f - r.started_at),
        status: r.status,
        detail: r.detail,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobRunList {
    pub items: Vec<JobRun>,
}

/// What a run found.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobResult {
    pub run_id: i64,
    pub baskets: usize,
    pub pairs: usize,
    pub duration_ms: i64,
}

fn result_out(r: JobReport) -> JobResult {
    JobResult {
        run_id: r.run,
        baskets: r.baskets,
        pairs: r.pairs,
        duration_ms: r.millis,
    }
}

/// The organisation's job runs, newest first (nightly at 03:00 Asia/Shanghai, and on demand).
#[utoipa::path(get, path = "/api/v1/analytics/jobs", tag = "analytics", security(("bearer" = [])),
    responses((status = 200, body = JobRunList), Errors))]
async fn job_runs(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<JobRunList>> {
    let runs = s.app.job_runs(&a.actor, 50).await?;
    Ok(axum::Json(JobRunList {
        items: runs.into_iter().map(run_out).collect(),
    }))
}

/// Runs a job now (edit_catalog): `bought_together`. An unknown job is a 422 naming `job`.
#[utoipa::path(post, path = "/api/v1/analytics/jobs/{job}/run", tag = "analytics", security(("bearer" = [])),
    params(("job" = String, Path)), responses((status = 200, body = JobResult), Errors))]
async fn run_job(State(s): State<AppState>, Auth(a): Auth, Path(job): Path<String>) -> R<JsonOut<JobResult>> {
    Ok(axum::Json(result_out(s.app.run_job(&a.actor, &job).await?)))
}

/// Products often bought with this one (常一起买), likeliest first.
#[utoipa::path(get, path = "/api/v1/products/{id}/bought-together", tag = "analytics", security(("bearer" = [])),
    params(("id" = i64, Path), SuggestionQuery), responses((status = 200, body = BoughtWithList), Errors))]
async fn bought_together(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    super::Query(q): super::Query<SuggestionQuery>,
) -> R<JsonOut<BoughtWithList>> {
    let v = s
        .app
        .bought_with(&a.actor, ProductId(id), q.limit.unwrap_or(SUGGESTIONS_DEFAULT))
        .await?;
    Ok(axum::Json(bought_out(v)))
}

/// A product the shop suggests with another (no sales figures: those are the store's).
#[derive(Debug, Serialize, ToSchema)]
pub struct ShopBoughtWith {
    pub product_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub price_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShopBoughtWithList {
    pub items: Vec<ShopBoughtWith>,
}

/// What the shop shows under a product: products often bought with it that the shop sells.
#[utoipa::path(get, path = "/api/v1/resident/products/{id}/bought-together", tag = "shop", security(("bearer" = [])),
    params(("id" = i64, Path), SuggestionQuery), responses((status = 200, body = ShopBoughtWithList), Errors))]
async fn shop_bought_together(
    State(s): State<AppState>,
    ResidentAuth(r): ResidentAuth,
    Path(id): Path<i64>,
    super::Query(q): super::Query<SuggestionQuery>,
) -> R<JsonOut<ShopBoughtWithList>> {
    let v = s
        .app
        .shop_bought_with(&r, ProductId(id), q.limit.unwrap_or(SUGGESTIONS_DEFAULT))
        .await?;
    Ok(axum::Json(ShopBoughtWithList {
        items: v
            .into_iter()
            .map(|s| ShopBoughtWith {
                product_id: s.product.0,
                name_zh: s.name_zh,
                name_en: s.name_en,
                price_fen: s.price_fen,
            })
            .collect(),
    }))
}

/// Members per segment (高价值, 品质导向, 价格敏感, 新客, 一般, 沉睡), largest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentSizes {
    pub items: Vec<SegmentSize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentSize {
    pub segment: String,
    pub members: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MemberInsightQuery {
    /// Only this segment.
    pub segment: Option<String>,
    /// The members least likely to still shop here first (流失预警), among those who came
    /// back at least once.
    pub lapsing: Option<bool>,
    /// At most this many (1–500, default 50).
    pub limit: Option<i64>,
}

/// What the member_segments job found about a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberInsight {
    pub member_id: i64,
    pub name: String,
    pub segment: String,
    /// RFM quintile scores, 1–5.
    pub r_score: i64,
    pub f_score: i64,
    pub m_score: i64,
    pub recency_days: i64,
    pub purchase_days: i64,
    pub spend_fen: i64,
    /// Chance they still shop here, in basis points (BG/NBD); null without a fit.
    pub p_alive_bp: Option<i64>,
    /// Expected purchases in the next 52 weeks, in thousandths.
    pub expected_purchases_milli: Option<i64>,
    /// Expected spend in the next 52 weeks (BG/NBD × Gamma-Gamma).
    pub expected_value_fen: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberInsightList {
    pub items: Vec<MemberInsight>,
}

/// Members per segment from the last member_segments run (view_members).
#[utoipa::path(get, path = "/api/v1/analytics/segments", tag = "analytics", security(("bearer" = [])),
    responses((status = 200, body = SegmentSizes), Errors))]
async fn segment_sizes(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<SegmentSizes>> {
    let sizes = s.app.segment_sizes(&a.actor).await?;
    Ok(axum::Json(SegmentSizes {
        items: sizes
            .into_iter()
            .map(|(segment, members)| SegmentSize { segment, members })
            .collect(),
    }))
}

/// Members with their segment, scores and lifetime value (view_members): by expected
/// value, or with `lapsing=true` the likeliest to lapse first. Usable as a coupon
/// audience: pass their ids to `POST /api/v1/coupons/{id}/issues`.
#[utoipa::path(get, path = "/api/v1/analytics/members", tag = "analytics", security(("bearer" = [])),
    params(MemberInsightQuery), responses((status = 200, body = MemberInsightList), Errors))]
async fn member_insights(
    State(s): State<AppState>,
    Auth(a): Auth,
    super::Query(q): super::Query<MemberInsightQuery>,
) -> R<JsonOut<MemberInsightList>> {
    let rows = s
        .app
        .member_insights(
            &a.actor,
            q.segment.as_deref().filter(|x| !x.is_empty()),
            q.lapsing.unwrap_or(false),
            q.limit.unwrap_or(50),
        )
        .await?;
    Ok(axum::Json(MemberInsightList {
        items: rows
            .into_iter()
            .map(|r| MemberInsight {
                member_id: r.insight.member.0,
                name: r.name,
                segment: r.insight.segment,
                r_score: r.insight.r_score,
                f_score: r.insight.f_score,
                m_score: r.insight.m_score,
                recency_days: r.insight.recency_days,
                purchase_days: r.insight.purchase_days,
                spend_fen: r.insight.spend_fen,
                p_alive_bp: r.insight.p_alive_bp,
                expected_purchases_milli: r.insight.expected_purchases_milli,
                expected_value_fen: r.insight.expected_value_fen,
            })
            .collect(),
    }))
}

/// When the store sells, over the last 12 weeks (Asia/Shanghai).
#[derive(Debug, Serialize, ToSchema)]
pub struct HeatMaps {
    /// orders[weekday][hour], Monday first.
    pub orders: Vec<Vec<i64>>,
    /// takings_fen[weekday][hour].
    pub takings_fen: Vec<Vec<i64>>,
    /// The Monday of each week of `categories`, YYYY-MM-DD, oldest first.
    pub weeks: Vec<String>,
    /// The best-selling categories with their takings per week.
    pub categories: Vec<CategoryWeeks>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryWeeks {
    pub name_zh: String,
    pub name_en: String,
    pub takings_fen: Vec<i64>,
}

fn heat_out(h: AppHeat) -> HeatMaps {
    let day = |d: i64| {
        jiff::civil::date(1970, 1, 1)
            .checked_add(jiff::Span::new().days(d))
            .map_or_else(|_| String::new(), |x| x.to_string())
    };
    HeatMaps {
        orders: h.by_hour.iter().map(|r| r.iter().map(|c| c.0).collect()).collect(),
        takings_fen: h.by_hour.iter().map(|r| r.iter().map(|c| c.1).collect()).collect(),
        weeks: h.week_starts.iter().map(|d| day(*d)).collect(),
        categories: h
            .categories
            .into_iter()
            .map(|(name_zh, name_en, takings_fen)| CategoryWeeks {
                name_zh,
                name_en,
                takings_fen,
            })
            .collect(),
    }
}

/// Heat maps of the last 12 weeks: orders and takings by weekday and hour, takings by
/// category and week (view_audit: owners and managers).
#[utoipa::path(get, path = "/api/v1/analytics/heat-maps", tag = "analytics", security(("bearer" = [])),
    responses((status = 200, body = HeatMaps), Errors))]
async fn heat_maps(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<HeatMaps>> {
    Ok(axum::Json(heat_out(s.app.heat_maps(&a.actor).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AudienceQuery {
    /// Members who bought from this category (or one under it).
    pub bought_category: i64,
    /// How far back, in days (1–730, default 180).
    pub bought_within_days: Option<i64>,
}

/// A product-based audience: how many members it holds and who (view_members).
#[derive(Debug, Serialize, ToSchema)]
pub struct Audience {
    pub members: usize,
    pub member_ids: Vec<i64>,
}

/// A product-based audience (such as young parents: bought 母婴 lately), to issue a
/// coupon to with `{"bought_category": …}` on `POST /api/v1/coupons/{id}/issues`.
#[utoipa::path(get, path = "/api/v1/analytics/audiences", tag = "analytics", security(("bearer" = [])),
    params(AudienceQuery), responses((status = 200, body = Audience), Errors))]
async fn audience(
    State(s): State<AppState>,
    Auth(a): Auth,
    super::Query(q): super::Query<AudienceQuery>,
) -> R<JsonOut<Audience>> {
    let ids = s
        .app
        .category_buyers(&a.actor, q.bought_category, q.bought_within_days)
        .await?;
    Ok(axum::Json(Audience {
        members: ids.len(),
        member_ids: ids.into_iter().map(|m| m.0).collect(),
    }))
}

/// Orders of one H3 cell.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapCell {
    /// The H3 index (resolution 9, about 0.1 km²).
    pub h3: String,
    /// [latitude, longitude] of its corners.
    pub outline: Vec<[f64; 2]>,
    pub buildings: usize,
    pub orders: i64,
    pub deliveries: i64,
    pub takings_fen: i64,
    /// From the store to the cell's centre.
    pub distance_m: i64,
}

/// Where the orders of the last 12 weeks come from, on the H3 grid, busiest cell first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderMap {
    /// [latitude, longitude] of the store, when known.
    pub store: Option<[f64; 2]>,
    pub cells: Vec<MapCell>,
}

/// Orders on H3 cells (by delivery address, else the member's home), owners and managers.
#[utoipa::path(get, path = "/api/v1/analytics/order-map", tag = "analytics", security(("bearer" = [])),
    responses((status = 200, body = OrderMap), Errors))]
async fn order_map(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<OrderMap>> {
    let m = s.app.order_map(&a.actor).await?;
    Ok(axum::Json(OrderMap {
        store: m.store.map(|(lat, lon)| [lat, lon]),
        cells: m
            .cells
            .into_iter()
            .map(|c| MapCell {
                h3: c.cell.text(),
                outline: c.outline.iter().map(|(lat, lon)| [*lat, *lon]).collect(),
                buildings: c.buildings,
                orders: c.orders,
                deliveries: c.deliveries,
                takings_fen: c.takings_fen,
                distance_m: c.distance_m.round() as i64,
            })
            .collect(),
    }))
}

/// Candidate sites to evaluate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteRequest {
    /// The organisation's stores' floor area, m².
    pub store_area_m2: f64,
    /// CSV `id,lat,lon,area_m2` (optionally `density,income,competitors`).
    pub candidates: String,
    /// CSV `id,lat,lon,area_m2` of competing stores (may be empty).
    #[serde(default)]
    pub competitors: String,
}

/// A candidate's prediction.
#[derive(Debug, Serialize, ToSchema)]
pub struct SitePrediction {
    pub id: String,
    pub rank: usize,
    pub lat: f64,
    pub lon: f64,
    pub area_m2: f64,
    pub captured_households: f64,
    /// Predicted takings per m² a day, fen.
    pub sales_per_m2_fen: i64,
    /// What the organisation gains a day in all (less what the site takes from its own
    /// stores), fen.
    pub net_fen_per_day: i64,
    pub nearest_store_m: i64,
}

/// The model and its predictions, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteResult {
    pub alpha: f64,
    pub beta: f64,
    pub fitted: bool,
    pub fen_per_household: f64,
    pub buildings: usize,
    pub items: Vec<SitePrediction>,
}

/// Ranks candidate sites by the Huff model over the organisation's buildings (owners and
/// managers). Bad CSV is a 422 naming `candidates` or `competitors` with line and column.
#[utoipa::path(post, path = "/api/v1/analytics/sites", tag = "analytics", security(("bearer" = [])),
    request_body = SiteRequest, responses((status = 200, body = SiteResult), Errors))]
async fn site_selection(
    State(s): State<AppState>,
    Auth(a): Auth,
    crate::extract::Json(i): crate::extract::Json<SiteRequest>,
) -> R<JsonOut<SiteResult>> {
    let r = s
        .app
        .site_selection(&a.actor, i.store_area_m2, &i.competitors, &i.candidates)
        .await?;
    let mut items: Vec<SitePrediction> = r
        .predictions
        .iter()
        .map(|p| SitePrediction {
            id: p.id.clone(),
            rank: p.rank,
            lat: p.lat,
            lon: p.lon,
            area_m2: p.area_m2,
            captured_households: (p.captured_households * 10.0).round() / 10.0,
            sales_per_m2_fen: p.sales_per_m2_fen,
            net_fen_per_day: p.net_fen_per_day,
            nearest_store_m: p.nearest_store_m.round() as i64,
        })
        .collect();
    items.sort_by_key(|p| p.rank);
    Ok(axum::Json(SiteResult {
        alpha: r.alpha,
        beta: r.beta,
        fitted: r.fitted,
        fen_per_household: r.fen_per_household,
        buildings: r.zones.len(),
        items,
    }))
}
