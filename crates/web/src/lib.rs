//! Linli's HTTP face: the JSON API under `/api/v1` (with its OpenAPI document at
//! `/api/openapi.json` and a docs page at `/api/docs`) and the server-rendered
//! console. The only crate that knows HTTP or JSON.

pub mod api;
pub mod console;
mod error;
mod extract;
mod i18n;
mod idempotency;
mod limiter;
mod resident;
mod shop;

pub use error::ApiError;
pub use extract::{Auth, Json};
pub use i18n::{Lang, t};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use linli_app::App;
use std::sync::Arc;

/// The largest request body accepted; bigger ones get 413.
pub const BODY_BYTES_MAX: usize = 256 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    pub login_limiter: Arc<limiter::Limiter>,
    /// Demo mode shows the demo accounts on the login page.
    pub demo: bool,
}

impl AppState {
    pub fn new(app: App, demo: bool) -> AppState {
        AppState {
            app,
            login_limiter: Arc::new(limiter::Limiter::new(10, 60_000)),
            demo,
        }
    }
}

/// The whole application: API, console, health check.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::router();
    let openapi = Arc::new(openapi);
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api)
        .route(
            "/api/openapi.json",
            get({
                let doc = openapi.clone();
                move || async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/api/docs", get(move || async move { api::docs::page(&openapi) }))
        .merge(shop::router())
        .merge(console::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .layer(axum::middleware::from_fn(reject_nul))
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .fallback(console::not_found)
        .with_state(state)
}

/// Refuses a NUL character anywhere in the query string or a text body (raw, `%00` or
/// `\u0000`): no field may hold one, and PostgreSQL would refuse it with a 5xx.
async fn reject_nul(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let query_has_nul = req
        .uri()
        .query()
        .is_some_and(|q| q.to_ascii_lowercase().contains("%00"));
    if query_has_nul {
        return ApiError::invalid(
            "query",
            "the query contains a NUL character",
            "查询参数含有空字符（NUL）",
        )
        .into_response();
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_BYTES_MAX).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                None,
                "the request body is too large",
                "请求体过大",
            )
            .into_response();
        }
    };
    let lower = bytes.to_ascii_lowercase();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if bytes.contains(&0) || has(b"\\u0000") || has(b"%00") {
        return ApiError::invalid("body", "the request contains a NUL character", "请求含有空字符（NUL）")
            .into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.app.store.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
