//! `Idempotency-Key` for every state-changing request.
//!
//! The key is claimed (committed) before the handler runs, so a concurrent duplicate
//! sees it; the response is stored after. A replay with the same method, path and
//! body gets the first response with `Idempotent-Replayed: true`; the same key with
//! a different request is a 422; a key whose first request is still running (or whose
//! process died before answering) is a 409, and nothing runs twice. A response of
//! 5xx releases the key so the client may retry. Keys are per signed-in staff member
//! (`staff:<id>`) or resident (`member:<id>`); requests without a session (signing in)
//! ignore the header. A till sale (`POST /api/v1/sales`) is the exception: its key and
//! request hash go to the handler, which claims the key in the sale's own savepoint.

use crate::extract::token_of;
use crate::{ApiError, AppState};
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use linli_domain::ids::OrgId;
use linli_store::Claim;
use sha2::{Digest, Sha256};

pub const HEADER: &str = "idempotency-key";

/// A till sale's key and request hash, handed to the sale handler: sales claim their
/// key inside the sale's own commit (see `linli_store::SaleKey`), not here.
#[derive(Debug, Clone)]
pub struct SaleKeyRequest {
    pub key: String,
    pub request_hash: String,
}

/// Requests whose handler claims the key itself, in the same commit as its effect.
fn keyed_by_handler(method: &Method, path: &str) -> bool {
    method == Method::POST && path == "/api/v1/sales"
}
pub const KEY_CHARS_MAX: usize = 128;
/// Responses larger than this are not stored (the key then answers 409 on replay).
const STORED_RESPONSE_BYTES_MAX: usize = 1024 * 1024;

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let unsafe_method = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let Some(key) = req.headers().get(HEADER).cloned() else {
        return next.run(req).await;
    };
    // Signing in is never keyed, whatever headers come with it: its answer holds a new
    // session token, which must not be stored.
    let signing_in = matches!(req.uri().path(), "/api/v1/auth/login" | "/login");
    if !unsafe_method || signing_in {
        return next.run(req).await;
    }
    let key = match key.to_str() {
        Ok(k) if !k.trim().is_empty() && k.len() <= KEY_CHARS_MAX => k.trim().to_string(),
        _ => {
            return ApiError::invalid(
                "Idempotency-Key",
                "Idempotency-Key must be 1 to 128 visible characters",
                "Idempotency-Key 须为 1 到 128 个可见字符",
            )
            .into_response();
        }
    };
    let (mut parts, body) = req.into_parts();
    let body = match to_bytes(body, crate::BODY_BYTES_MAX).await {
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
    // Keys belong to a signed-in caller. Anonymous requests (signing in) run as they
    // are: their responses carry session tokens, which must never be stored.
    let (org, principal): (OrgId, String) = match token_of(&parts) {
        // A resident's keys are per member (crate::resident).
        Some((token, false)) if crate::resident::is_resident_token(&token) => {
            match crate::resident::principal(&state, &mut parts, &token).await {
                Ok(p) => p,
                Err(e) => return e.into_response(),
            }
        }
        Some((token, _)) => match state.app.authenticate(&token).await {
            Ok(a) => {
                let p = (a.actor.org, a.actor.principal());
                parts.extensions.insert(a);
                p
            }
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => return next.run(Request::from_parts(parts, Body::from(body))).await,
    };
    let hash = request_hash(&parts.method, parts.uri.path(), &body);
    if keyed_by_handler(&parts.method, parts.uri.path()) {
        parts.extensions.insert(SaleKeyRequest {
            key,
            request_hash: hash,
        });
        return next.run(Request::from_parts(parts, Body::from(body))).await;
    }
    let now = state.app.now();
    let claim = match state
        .app
        .store
        .claim_idempotency_key(org, &principal, &key, &hash, now)
        .await
    {
        Ok(c) => c,
        Err(e) => return ApiError::from(linli_app::AppError::from(e)).into_response(),
    };
    match claim {
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(200)).unwrap_or(StatusCode::OK);
            let mut resp = (status, body).into_response();
            resp.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            resp
        }
        Claim::Mismatch => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            Some("Idempotency-Key"),
            "this Idempotency-Key was used for a different request",
            "此 Idempotency-Key 已用于另一个不同的请求",
        )
        .into_response(),
        Claim::InProgress => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_in_progress",
            Some("Idempotency-Key"),
            "a request with this Idempotency-Key is still being processed",
            "使用此 Idempotency-Key 的请求仍在处理中",
        )
        .into_response(),
        Claim::New => {
            let resp = next.run(Request::from_parts(parts, Body::from(body))).await;
            let (parts, body) = resp.into_parts();
            let bytes: Bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            let store = &state.app.store;
            let stored = if parts.status.is_server_error() || bytes.len() > STORED_RESPONSE_BYTES_MAX {
                store.release_idempotency_key(org, &principal, &key).await
            } else {
                store
                    .finish_idempotent(
                        org,
                        &principal,
                        &key,
                        i64::from(parts.status.as_u16()),
                        &String::from_utf8_lossy(&bytes),
                    )
                    .await
            };
            if let Err(e) = stored {
                tracing::error!(error = %e, "could not store idempotent response");
            }
            Response::from_parts(parts, Body::from(bytes))
        }
    }
}

fn request_hash(method: &Method, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}
