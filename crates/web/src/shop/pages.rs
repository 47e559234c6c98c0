//! The shop's one HTML page: the shell the script fills, with the organisation and the
//! language it starts in.

use super::SHOP_ASSET_V;
use crate::extract::{SESSION_COOKIE, cookie};
use crate::{AppState, Lang};
use askama::Template;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_app::AppError;
use linli_domain::ids::OrgId;
use serde_json::json;

#[derive(Template)]
#[template(path = "shop/index.html")]
struct ShopPage {
    lang: &'static str,
    org_name: String,
    v: String,
    config_json: String,
}

#[derive(Template)]
#[template(path = "shop/missing.html")]
struct MissingPage {
    lang: &'static str,
}

/// `GET /shop`: the resident shop of one organisation.
pub async fn page(State(st): State<AppState>, parts: Parts) -> Response {
    let lang = Lang::from_parts(&parts);
    match org_of(&st, &parts).await {
        Ok(Some((org, org_name))) => {
            let config = json!({
                "org_id": org.0,
                "org_name": org_name,
                "lang": match lang { Lang::Zh => "zh", Lang::En => "en" },
            });
            // Safe inside <script>: no "</script>" or "<!--" can be formed without "<".
            let config_json = config.to_string().replace('<', "\\u003c");
            render(
                StatusCode::OK,
                &ShopPage {
                    lang: lang.code(),
                    org_name,
                    v: SHOP_ASSET_V.clone(),
                    config_json,
                },
            )
        }
        Ok(None) => render(StatusCode::NOT_FOUND, &MissingPage { lang: lang.code() }),
        Err(e) => {
            tracing::error!(error = %e.message_en(), "the shop page could not find its organisation");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The organisation the page is for: `?org=`, else the signed-in staff member's, else the
/// first one. An `org` that names no organisation is not found.
async fn org_of(st: &AppState, parts: &Parts) -> Result<Option<(OrgId, String)>, AppError> {
    let asked = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "org")
        .map(|(_, v)| v.trim().parse::<i64>().ok().filter(|v| *v > 0));
    let org = match asked {
        Some(Some(id)) => Some(OrgId(id)),
        Some(None) => None,
        None => {
            let staff_org = match cookie(parts, SESSION_COOKIE).filter(|t| !t.is_empty()) {
                Some(token) => st.app.authenticate(&token).await.ok().map(|a| a.actor.org),
                None => None,
            };
            match staff_org {
                Some(o) => Some(o),
                None => st.app.store.first_org().await?,
            }
        }
    };
    let Some(org) = org else {
        return Ok(None);
    };
    match st.app.store.org_name(org).await {
        Ok(name) => Ok(Some((org, name))),
        Err(linli_store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_FRAME_OPTIONS, "DENY"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "shop template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}
