//! One error shape for everything:
//! `{"error": {"code", "message_zh", "message_en", "field"}}`.
//!
//! A 5xx body is generic; its cause is logged here with the request's span.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linli_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid`, `not_found`, `insufficient_stock`.
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    /// The input field the error is about (`lines[0].qty`), if any.
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, field: Option<&str>, en: &str, zh: &str) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.into(),
                    message_zh: zh.into(),
                    message_en: en.into(),
                    field: field.map(String::from),
                },
            },
        }
    }

    pub fn invalid(field: &str, en: &str, zh: &str) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(field), en, zh)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let status = match &e {
            AppError::Invalid { .. } | AppError::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        ApiError::new(status, e.code(), e.field(), &e.message_en(), &e.message_zh())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}
