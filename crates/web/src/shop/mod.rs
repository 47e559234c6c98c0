//! 居民商城 The resident shop: a phone-first page under `/shop` for residents, apart from
//! the staff console.
//!
//! The page needs no staff session. It is one HTML shell (`templates/shop/index.html`)
//! and `static/shop.js`, which signs the resident in with a texted code (the SMS
//! simulator's code is shown in a labelled "短信模拟器" box while the simulator is the SMS
//! port), keeps the resident token and the cart in `localStorage`, and calls the JSON API
//! under `/api/v1/resident/…` with `Authorization: Bearer`. Payment goes through the
//! payment port; while it is the simulator the page says "模拟支付" on every button.
//!
//! Which organisation a page belongs to: `?org=ID`, else the organisation of a staff
//! member signed in to the console in the same browser, else the first organisation (a
//! single-store installation has only one).

mod pages;

use crate::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const SHOP_JS: &str = include_str!("../../static/shop.js");
const SHOP_CSS: &str = include_str!("../../static/shop.css");

/// A hash of the page's script and style, so a changed one gets a new URL past caches.
static SHOP_ASSET_V: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for part in [SHOP_JS, SHOP_CSS, env!("CARGO_PKG_VERSION")] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())[..12].to_string()
});

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/shop", get(pages::page))
        .route(
            "/static/shop.js",
            get(|| async { asset(SHOP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/shop.css",
            get(|| async { asset(SHOP_CSS, "text/css; charset=utf-8") }),
        )
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
