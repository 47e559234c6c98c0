//! Query strings parsed into typed structs, with errors in the one error shape.

use crate::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de).map(Query).map_err(|e| {
            let path = e.path().to_string();
            let msg = e.into_inner().to_string();
            let field = if msg.starts_with("unknown field") || msg.starts_with("missing field") {
                msg.split('`').nth(1).unwrap_or("").to_string()
            } else {
                path
            };
            ApiError::invalid(
                &field,
                &format!("query parameter {field}: {msg}"),
                &format!("查询参数 {field} 错误：{msg}"),
            )
        })
    }
}
