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
        .merge(console::router())
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .fallback(console::not_found)
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.app.store.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
