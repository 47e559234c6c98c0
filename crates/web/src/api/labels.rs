//! 电子价签 Electronic shelf labels: binding labels to products, what each shows and should
//! show, acknowledgements from the label driver, the drift audit, pushing now, and a
//! Server-Sent Events stream of label changes (the simulator page follows it).
//!
//! Binding, unbinding, acknowledging, pushing and the simulator's offline switch need the
//! catalog permission (`edit_catalog`: a label is part of the shelf, like a barcode);
//! reading needs `view_catalog`. Wire types live here, beside their handlers.

use super::{Errors, JsonOut, List, R, paging};
use crate::extract::{Auth, Json};
use crate::{AppState, api::Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use linli_app::labels::{LabelInput as AppLabelInput, LabelView, SyncReport};
use linli_domain::catalog::UnitKind;
use linli_store::{AckOutcome, LabelFace as StoreFace};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(tags((name = "labels", description = "电子价签 Electronic shelf labels: binding, versions, acknowledgements, drift audit, live events")))]
struct LabelsDoc;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(LabelsDoc::openapi())
        .routes(routes!(list_labels, bind_label))
        .routes(routes!(label_drift))
        .routes(routes!(sync_labels))
        .routes(routes!(label_events))
        .routes(routes!(get_label, unbind_label))
        .routes(routes!(ack_label))
        .routes(routes!(simulate_label))
}

// ---------------------------------------------------------------------------------------
// Wire types

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LabelQuery {
    /// Only the labels of this product.
    pub product_id: Option<i64>,
    /// Only labels the drift audit lists.
    pub drifted: Option<bool>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

/// A label to bind to a product. A known label that is unbound now is bound again (its versions go on).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelInput {
    /// The device code the gateway knows the label by: 1–32 letters, digits, '-', '_' or '.' ("ESL-0001").
    pub code: String,
    pub product_id: i64,
    /// Where it hangs ("A3-2 冷柜"), at most 40 characters.
    pub location: Option<String>,
    /// Default: the signed-in staff member's store, else the organisation's first.
    pub store_id: Option<i64>,
}

/// What a label displays. Weighed goods: `price_fen` and `regular_price_fen` per kg, `unit_price_fen` per 500 g
/// (half the per-kg price, 四舍五入 to the fen); pieces: all three per piece.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LabelFace {
    pub product_id: Option<i64>,
    pub name_zh: String,
    /// piece or weight.
    pub unit_kind: String,
    pub unit_label: String,
    pub regular_price_fen: i64,
    /// What the till charges for one unit (a piece, or a kg) with the running promotions.
    pub price_fen: i64,
    pub unit_price_fen: i64,
    /// 500g or the piece unit ("瓶").
    pub unit_price_per: String,
    /// The running promotions in short Chinese ("秒杀 ¥3.90 · 第二件半价"); "" when none.
    pub promo_zh: String,
}

fn face_out(f: &StoreFace) -> LabelFace {
    LabelFace {
        product_id: f.product_id.map(|p| p.0),
        name_zh: f.name_zh.clone(),
        unit_kind: f.unit_kind.code().into(),
        unit_label: f.unit_label.clone(),
        regular_price_fen: f.regular_price_fen,
        price_fen: f.price_fen,
        unit_price_fen: f.unit_price_fen,
        unit_price_per: match f.unit_kind {
            UnitKind::Weight => "500g".into(),
            UnitKind::Piece => f.unit_label.clone(),
        },
        promo_zh: f.promo_zh.clone(),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Label {
    pub id: i64,
    pub code: String,
    pub store_id: i64,
    pub location: String,
    /// Absent once unbound.
    pub product_id: Option<i64>,
    pub product_name: Option<String>,
    /// The newest content version (0 before the first) and when it was made (Unix ms).
    pub version: i64,
    pub version_at: Option<i64>,
    /// When the driver last took the newest version; its last refusal ("" = none).
    pub pushed_at: Option<i64>,
    pub push_error: String,
    /// The version the label acknowledged showing, when, and the price it reported on its face.
    pub acked_version: i64,
    pub acked_at: Option<i64>,
    pub shown_price_fen: Option<i64>,
    /// The newest version's content.
    pub face: Option<LabelFace>,
    /// The acknowledged version's content: what the label shows (absent if not kept).
    pub shown: Option<LabelFace>,
    /// What the till says the label should show now.
    pub expected: LabelFace,
    /// The till's price now for one unit (piece or kg).
    pub till_price_fen: i64,
    /// Why the drift audit lists it: price_differs, ack_overdue; empty when in step.
    pub drift: Vec<String>,
    pub created_at: i64,
}

fn label_out(v: LabelView) -> Label {
    let r = v.row;
    Label {
        id: r.id.0,
        code: r.code,
        store_id: r.store_id.0,
        location: r.location,
        product_id: r.product.as_ref().map(|p| p.id.0),
        product_name: r.product.map(|p| p.name_zh),
        version: r.version,
        version_at: r.version_at,
        pushed_at: r.pushed_at,
        push_error: r.push_error,
        acked_version: r.acked_version,
        acked_at: r.acked_at,
        shown_price_fen: r.shown_price_fen,
        face: r.face.as_ref().map(face_out),
        shown: r.shown.as_ref().map(face_out),
        till_price_fen: v.expected.price_fen,
        expected: face_out(&v.expected),
        drift: v.drift.iter().map(|d| d.code().to_string()).collect(),
        created_at: r.created_at,
    }
}

/// A label's acknowledgement, as its driver or gateway reports it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckInput {
    /// The version the label shows.
    pub version: i64,
    /// The price on its face, in fen.
    pub shown_price_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AckResult {
    /// recorded, or already_acked (the label had acknowledged this version or a newer one; nothing changed).
    pub outcome: String,
    pub label: Label,
}

/// The simulator's switch for one label.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateInput {
    /// true: the simulated label stops taking pushes and keeps its old face; false: back, pushed at once.
    pub offline: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Drift {
    /// Labels whose acknowledged price is not the till's, or that did not acknowledge in time; by code.
    pub items: Vec<Label>,
    pub total: i64,
    /// How long a label may take to acknowledge a new version before it counts as overdue.
    pub ack_grace_ms: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResult {
    pub labels: i64,
    /// New versions made (content changed).
    pub staged: i64,
    pub pushed: i64,
    pub acked: i64,
    pub failed: i64,
    /// Which driver pushed ("simulator" for the built-in label simulator).
    pub driver: String,
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn sync_out(r: SyncReport, driver: &str) -> SyncResult {
    SyncResult {
        labels: count(r.labels),
        staged: count(r.staged),
        pushed: count(r.pushed),
        acked: count(r.acked),
        failed: count(r.failed),
        driver: driver.into(),
    }
}

// ---------------------------------------------------------------------------------------
// Handlers

/// Labels by code, each with what it shows, what it should show, and its drift.
#[utoipa::path(get, path = "/api/v1/labels", tag = "labels", security(("bearer" = [])), params(LabelQuery),
    responses((status = 200, body = List<Label>), Errors))]
async fn list_labels(State(s): State<AppState>, Auth(a): Auth, Query(q): Query<LabelQuery>) -> R<JsonOut<List<Label>>> {
    let p = paging(q.page, q.page_size)?;
    let page = s
        .app
        .labels(&a.actor, q.product_id, q.drifted.unwrap_or(false), p)
        .await?;
    Ok(super::list(page, p, label_out))
}

/// Binds a label to a product and pushes its first content (edit_catalog).
#[utoipa::path(post, path = "/api/v1/labels", tag = "labels", security(("bearer" = [])), request_body = LabelInput,
    responses((status = 201, body = Label), Errors))]
async fn bind_label(State(s): State<AppState>, Auth(a): Auth, Json(i): Json<LabelInput>) -> R<impl IntoResponse> {
    let input = AppLabelInput {
        code: i.code,
        product_id: i.product_id,
        location: i.location,
        store_id: i.store_id,
    };
    let v = s.app.bind_label(&a.actor, input).await?;
    Ok((StatusCode::CREATED, axum::Json(label_out(v))))
}

#[utoipa::path(get, path = "/api/v1/labels/{id}", tag = "labels", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Label), Errors))]
async fn get_label(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<Label>> {
    Ok(axum::Json(label_out(s.app.label(&a.actor, id).await?)))
}

/// Unbinds a label from its product (edit_catalog). It stays known and is pushed a blank face.
#[utoipa::path(delete, path = "/api/v1/labels/{id}", tag = "labels", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Label), Errors))]
async fn unbind_label(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<Label>> {
    Ok(axum::Json(label_out(s.app.unbind_label(&a.actor, id).await?)))
}

/// The label driver's acknowledgement that the label shows `version` with `shown_price_fen` on its face
/// (edit_catalog). Acks only move forward; a version the label was never given is a 422 naming `version`.
/// The built-in simulator acknowledges by itself.
#[utoipa::path(post, path = "/api/v1/labels/{id}/ack", tag = "labels", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = AckInput, responses((status = 200, body = AckResult), Errors))]
async fn ack_label(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<AckInput>,
) -> R<JsonOut<AckResult>> {
    let (outcome, v) = s.app.ack_label(&a.actor, id, i.version, i.shown_price_fen).await?;
    Ok(axum::Json(AckResult {
        outcome: match outcome {
            AckOutcome::Recorded => "recorded",
            AckOutcome::AlreadyAcked => "already_acked",
        }
        .into(),
        label: label_out(v),
    }))
}

/// 模拟价签 Label simulator only: takes a simulated label offline (it keeps its old face, so drift shows) or
/// back online (pushed at once). 409 `not_simulated` when a real gateway drives the labels.
#[utoipa::path(post, path = "/api/v1/labels/{id}/simulate", tag = "labels", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = SimulateInput, responses((status = 200, body = Label), Errors))]
async fn simulate_label(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<SimulateInput>,
) -> R<JsonOut<Label>> {
    Ok(axum::Json(label_out(
        s.app.simulate_label(&a.actor, id, i.offline).await?,
    )))
}

/// The drift audit: labels whose acknowledged price differs from the till's current price, or whose
/// acknowledgement of the newest version is more than `ack_grace_ms` late.
#[utoipa::path(get, path = "/api/v1/labels/drift", tag = "labels", security(("bearer" = [])),
    responses((status = 200, body = Drift), Errors))]
async fn label_drift(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<Drift>> {
    let items: Vec<Label> = s.app.label_drift(&a.actor).await?.into_iter().map(label_out).collect();
    Ok(axum::Json(Drift {
        total: count(items.len()),
        items,
        ack_grace_ms: linli_app::labels::LABEL_ACK_GRACE_MS,
    }))
}

/// Pushes now (edit_catalog): recomputes every label, pushes what changed, retries what was not
/// acknowledged. The server also does this by itself every second.
#[utoipa::path(post, path = "/api/v1/labels/sync", tag = "labels", security(("bearer" = [])),
    responses((status = 200, body = SyncResult), Errors))]
async fn sync_labels(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<SyncResult>> {
    let r = s.app.sync_labels_for(&a.actor).await?;
    Ok(axum::Json(sync_out(r, s.app.labels.driver.name())))
}

/// Server-Sent Events: one `label` event (data: a Label as JSON) each time a label of the organisation
/// changes (new version, push, acknowledgement). A `resync` event means events were missed: read the list again.
#[utoipa::path(get, path = "/api/v1/labels/events", tag = "labels", security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", body = String), Errors))]
async fn label_events(State(s): State<AppState>, Auth(a): Auth) -> R<impl IntoResponse> {
    let rx = s.app.label_events(&a.actor)?;
    let org = a.actor.org;
    let stream = futures_util::stream::unfold(rx, move |mut rx| async move {
        loop {
            let event = match rx.recv().await {
                Ok(e) if e.org == org => {
                    let data = serde_json::to_string(&label_out(e.label)).unwrap_or_else(|_| "{}".into());
                    Event::default().event("label").data(data)
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => Event::default().event("resync").data("{}"),
                Err(RecvError::Closed) => return None,
            };
            return Some((Ok::<Event, Infallible>(event), rx));
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
