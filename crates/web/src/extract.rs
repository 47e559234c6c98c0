//! Request extractors that answer bad input in the one error shape.
//!
//! `Json<T>` names the offending field (via serde_path_to_error) for malformed JSON,
//! wrong types and unknown fields; `Auth` accepts a bearer token or the console's
//! session cookie, and for a cookie on a state-changing request demands the CSRF token.

use crate::{ApiError, AppState};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use linli_app::auth::Authenticated;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "linli_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A JSON body; rejections become 4xx naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
                "send the body as application/json",
                "请求体须为 application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    None,
                    "the request body is too large",
                    "请求体过大",
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_body",
                    None,
                    "could not read the request body",
                    "无法读取请求体",
                )
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses JSON, naming the path of the first problem (`lines[0].qty`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." { None } else { Some(path.as_str()) };
        let (en, zh) = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                (format!("malformed JSON: {inner}"), format!("JSON 格式错误：{inner}"))
            }
            _ => {
                let msg = inner.to_string();
                // "unknown field `x`" names the field itself, not its parent path.
                let zh = if msg.starts_with("unknown field") {
                    format!("未知字段：{msg}")
                } else if msg.starts_with("missing field") {
                    format!("缺少字段：{msg}")
                } else {
                    format!("字段类型或取值错误：{msg}")
                };
                (msg, zh)
            }
        };
        let syntax = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        );
        let field = if syntax { None } else { field };
        // serde_path_to_error's path already ends at an unknown field; a missing
        // field is reported at its parent, so its name is appended.
        let missing = en.starts_with("missing field").then(|| {
            let name = en.split('`').nth(1).unwrap_or("").to_string();
            match field {
                Some(p) => format!("{p}.{name}"),
                None => name,
            }
        });
        let field = missing.or(field.map(String::from));
        let status = if field.is_none() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        ApiError::new(
            status,
            if status == StatusCode::BAD_REQUEST {
                "malformed_json"
            } else {
                "invalid"
            },
            field.as_deref(),
            &en,
            &zh,
        )
    })
}

/// The signed-in staff member.
#[derive(Debug, Clone)]
pub struct Auth(pub Authenticated);

/// The session token a request carries: a bearer token, else the console cookie.
pub fn token_of(parts: &Parts) -> Option<(String, bool)> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some((t.trim().to_string(), false));
    }
    cookie(parts, SESSION_COOKIE).map(|t| (t, true))
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (token, from_cookie) = token_of(parts).ok_or(linli_app::AppError::Unauthenticated)?;
        // The idempotency layer may have looked the session up already.
        let auth = match parts.extensions.get::<Authenticated>() {
            Some(a) => a.clone(),
            None => state.app.authenticate(&token).await?,
        };
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        // Forms check their own `_csrf` field; JSON calls made with the cookie send the header.
        let is_api = parts.uri.path().starts_with("/api/");
        if from_cookie && unsafe_method && is_api {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), auth.csrf_token.as_bytes()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    None,
                    "missing or wrong CSRF token",
                    "缺少或错误的 CSRF 令牌",
                ));
            }
        }
        parts.extensions.insert(auth.clone());
        Ok(Auth(auth))
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address: the socket peer (a reverse proxy in front would set this up differently).
pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into())
}
